// pgp_bench — encrypt+sign and decrypt+verify through src/pgp, next to the gpg and sq command
// lines doing the same round trip on the same data in the same run, and raw AES-256-CFB
// (OpenSSL EVP) as the ceiling for large messages.
//
//   build/bench/pgp_bench [--benchmark_filter=10240]
//
// Keys: Ed25519 signer, Cv25519 recipient, already unlocked (unlock is once per session).
// gpg and sq use unprotected keys of the same kind in a temporary home; their figures include
// fork/exec (and, for gpg, the agent round trip), which is what calling them costs. Wall time.
#include <fcntl.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <benchmark/benchmark.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/allocator.h"
#include "pgp/key.h"
#include "pgp/message.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace sealmail::pgp;

constexpr char kPass[] = "bench";

std::string payload(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 61) % 26);
  return s;
}

GeneratedKey make(const char* address) {
  KeySpec spec;
  spec.address = address;
  spec.passphrase = kPass;
  spec.s2k_iterations = 1024;
  auto key = generate_key(spec);
  if (!key.ok()) abort();
  return std::move(key).value();
}

struct Ours {
  GeneratedKey alice = make("alice@example.org");
  GeneratedKey bob = make("bob@example.org");
  Keyring sender = Keyring::create().value();
  Keyring receiver = Keyring::create().value();
  std::vector<PublicKey> to{bob.public_key};
  Ours() {
    if (!sender.unlock(alice.secret_key, kPass).ok() ||
        !receiver.unlock(bob.secret_key, kPass).ok() || !receiver.add(alice.public_key).ok())
      abort();
  }
};

Ours& ours() {
  static Ours* o = new Ours();
  return *o;
}

void BM_OursEncryptSign(benchmark::State& state) {
  std::string data = payload(state.range(0));
  Ours& o = ours();
  for (auto _ : state) {
    auto msg = encrypt(o.sender, data, o.to, o.alice.public_key.info().fingerprint);
    if (!msg.ok()) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(msg);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_OursDecryptVerify(benchmark::State& state) {
  std::string data = payload(state.range(0));
  Ours& o = ours();
  auto msg = encrypt(o.sender, data, o.to, o.alice.public_key.info().fingerprint).value();
  for (auto _ : state) {
    auto plain = decrypt(o.receiver, msg.key_packets, msg.data_packet);
    if (!plain.ok() || !plain->verified_from("alice@example.org")) state.SkipWithError("decrypt");
    benchmark::DoNotOptimize(plain);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_OursRoundTrip(benchmark::State& state) {
  std::string data = payload(state.range(0));
  Ours& o = ours();
  for (auto _ : state) {
    auto msg = encrypt(o.sender, data, o.to, o.alice.public_key.info().fingerprint);
    auto plain = decrypt(o.receiver, msg->key_packets, msg->data_packet);
    if (!plain.ok() || plain->plaintext.size() != data.size()) state.SkipWithError("round trip");
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// ---- command-line baselines

struct Peers {
  fs::path dir;
  bool ok = false;
  Peers() {
    std::string pattern = (fs::temp_directory_path() / "sealmail-pgp-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) abort();
    dir = pattern;
    fs::create_directory(dir / "gnupg");
    fs::permissions(dir / "gnupg", fs::perms::owner_all);
    ok = run({"gpg", "--quick-gen-key", "<gus@example.org>", "ed25519", "sign", "never"}) &&
         run({"gpg", "--quick-add-key", fpr("gus@example.org"), "cv25519", "encr", "never"}) &&
         run({"gpg", "--quick-gen-key", "<gil@example.org>", "ed25519", "sign", "never"}) &&
         run({"gpg", "--quick-add-key", fpr("gil@example.org"), "cv25519", "encr", "never"}) &&
         run({"sq", "key", "generate", "--userid", "<sue@example.org>", "--export",
              (dir / "sue.key").string()}) &&
         run({"sq", "key", "generate", "--userid", "<sid@example.org>", "--export",
              (dir / "sid.key").string()}) &&
         run({"sq", "key", "extract-cert", "-o", (dir / "sue.cert").string(),
              (dir / "sue.key").string()}) &&
         run({"sq", "key", "extract-cert", "-o", (dir / "sid.cert").string(),
              (dir / "sid.key").string()});
  }
  ~Peers() {
    run({"gpgconf", "--kill", "gpg-agent"});
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::string fpr(const std::string& who) {
    run({"gpg", "--with-colons", "--list-keys", who}, "", dir / "list");
    std::ifstream in(dir / "list");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("fpr:", 0) == 0) return line.substr(12, 40);
    return "";
  }

  // gpg arguments get the batch options; stdout goes to `out`.
  bool run(std::vector<std::string> argv, const fs::path& in = "", const fs::path& out = "") {
    std::vector<std::string> full = {"env", "GNUPGHOME=" + (dir / "gnupg").string()};
    full.push_back(argv[0]);
    if (argv[0] == "gpg") {
      for (const char* a : {"--batch", "--no-tty", "--quiet", "--pinentry-mode", "loopback",
                            "--passphrase", "", "--trust-model", "always"})
        full.push_back(a);
    }
    full.insert(full.end(), argv.begin() + 1, argv.end());
    std::vector<char*> cargv;
    for (auto& a : full) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.empty() ? "/dev/null" : out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    int status = -1;
    if (posix_spawnp(&pid, "env", &fa, nullptr, cargv.data(), environ) == 0)
      waitpid(pid, &status, 0);
    posix_spawn_file_actions_destroy(&fa);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
};

// Not leaked: its destructor stops the gpg-agent it started and removes the temp home.
Peers& peers() {
  static Peers p;
  return p;
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

void BM_GpgRoundTrip(benchmark::State& state) {
  Peers& p = peers();
  if (!p.ok) return state.SkipWithError("gpg/sq setup failed");
  write_file(p.dir / "plain", payload(state.range(0)));
  for (auto _ : state) {
    bool ok = p.run({"gpg", "--encrypt", "--sign", "--compress-algo", "none", "-u",
                     "gus@example.org", "-r", "gil@example.org", "-o", "-"},
                    p.dir / "plain", p.dir / "msg.gpg") &&
              p.run({"gpg", "--decrypt"}, p.dir / "msg.gpg", p.dir / "out");
    if (!ok) state.SkipWithError("gpg failed");
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_SqRoundTrip(benchmark::State& state) {
  Peers& p = peers();
  if (!p.ok) return state.SkipWithError("gpg/sq setup failed");
  write_file(p.dir / "plain", payload(state.range(0)));
  for (auto _ : state) {
    bool ok =
        p.run({"sq", "encrypt", "--binary", "--compression", "none", "--signer-key",
               (p.dir / "sue.key").string(), "--recipient-cert", (p.dir / "sid.cert").string()},
              p.dir / "plain", p.dir / "msg.sq") &&
        p.run({"sq", "decrypt", "--recipient-key", (p.dir / "sid.key").string(), "--signer-cert",
               (p.dir / "sue.cert").string()},
              p.dir / "msg.sq", p.dir / "out");
    if (!ok) state.SkipWithError("sq failed");
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// The ceiling: AES-256-CFB over the same bytes, encrypt + decrypt, no OpenPGP at all.
void BM_RawAes256CfbRoundTrip(benchmark::State& state) {
  std::string data = payload(state.range(0));
  std::string enc(data.size(), '\0'), dec(data.size(), '\0');
  unsigned char key[32] = {1}, iv[16] = {2};
  for (auto _ : state) {
    for (int encrypting : {1, 0}) {
      EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
      EVP_CipherInit_ex(ctx, EVP_aes_256_cfb128(), nullptr, key, iv, encrypting);
      int len = 0;
      const std::string& in = encrypting ? data : enc;
      std::string& out = encrypting ? enc : dec;
      EVP_CipherUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                       reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size()));
      EVP_CIPHER_CTX_free(ctx);
    }
    benchmark::DoNotOptimize(dec);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

constexpr int64_t k10K = 10 * 1024;
constexpr int64_t k1M = 1024 * 1024;

BENCHMARK(BM_OursEncryptSign)->Arg(k10K)->Arg(k1M)->UseRealTime();
BENCHMARK(BM_OursDecryptVerify)->Arg(k10K)->Arg(k1M)->UseRealTime();
BENCHMARK(BM_OursRoundTrip)->Arg(k10K)->Arg(k1M)->UseRealTime();
BENCHMARK(BM_GpgRoundTrip)->Arg(k10K)->Arg(k1M)->UseRealTime();
BENCHMARK(BM_SqRoundTrip)->Arg(k10K)->Arg(k1M)->UseRealTime();
BENCHMARK(BM_RawAes256CfbRoundTrip)->Arg(k1M)->UseRealTime();

}  // namespace

// The allocator as the sealmail binary sets it (base/allocator.h), so the figures are the
// server's; SEALMAIL_BENCH_DEFAULT_MALLOC=1 measures with glibc's defaults instead.
int main(int argc, char** argv) {
  if (std::getenv("SEALMAIL_BENCH_DEFAULT_MALLOC") == nullptr) sealmail::keep_freed_memory();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
