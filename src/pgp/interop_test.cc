// Interop with real peers: gpg 2.2 and sq 0.27, each with its own temporary home, run as
// subprocesses under `timeout`. Keys and messages cross in both directions.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pgp/message.h"
#include "pgp/testing/test_keys.h"

extern char** environ;

namespace sealmail::pgp {
namespace {

namespace fs = std::filesystem;
using testing::kPassphrase;
using testing::test_keys;
using testing::unlocked;

constexpr char kGpgPass[] = "gpg pass";

struct Proc {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

bool on_path(const char* tool) {
  std::string cmd = std::string("command -v ") + tool + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

class InteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!on_path("gpg") || !on_path("sq") || !on_path("timeout")) return;
    char tmpl[] = "/tmp/sealmail-pgp-interop-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new fs::path(tmpl);
    fs::create_directory(*dir_ / "gnupg");
    fs::permissions(*dir_ / "gnupg", fs::perms::owner_all);
    fs::create_directory(*dir_ / "sq");
    // gpg: an Ed25519/Cv25519 key and an RSA-3072 key, passphrase-protected.
    gus_ = new std::string(gpg_key("Gus <gus@example.org>", "ed25519", "cv25519"));
    gina_ = new std::string(gpg_key("Gina <gina@example.org>", "rsa3072", "rsa3072"));
    // sq: a default (Curve25519) key, unprotected (sq 0.27 prompts on a terminal otherwise).
    Proc gen = run({"sq", "key", "generate", "--userid", "Sam <sam@example.org>", "--export",
                    (*dir_ / "sam.key").string()});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    Proc cert = run({"sq", "key", "extract-cert", "-o", (*dir_ / "sam.cert").string(),
                     (*dir_ / "sam.key").string()});
    ASSERT_EQ(cert.exit_code, 0) << cert.err;
    // Our Alice and Carol, public parts, for gpg and sq to verify with.
    spit(*dir_ / "alice.pub", test_keys().alice.public_key.binary());
    spit(*dir_ / "carol.pub", test_keys().carol.public_key.binary());
    ASSERT_EQ(gpg({"--import", (*dir_ / "alice.pub").string()}).exit_code, 0);
    ASSERT_EQ(gpg({"--import", (*dir_ / "carol.pub").string()}).exit_code, 0);
  }

  static void TearDownTestSuite() {
    if (dir_ == nullptr) return;
    run({"gpgconf", "--kill", "gpg-agent"});
    fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "gpg, sq or timeout not installed";
  }

 public:
  // Runs argv with GNUPGHOME/SEQUOIA_HOME set to our temp dirs, stdin from `input`, and a
  // 60 s limit.
  static Proc run(std::vector<std::string> argv, std::string_view input = "") {
    static int counter = 0;
    std::string n = std::to_string(counter++);
    fs::path in = *dir_ / ("in" + n), out = *dir_ / ("out" + n), err = *dir_ / ("err" + n);
    spit(in, input);
    std::vector<std::string> full = {"timeout",
                                     "-k",
                                     "5",
                                     "60",
                                     "env",
                                     "GNUPGHOME=" + (*dir_ / "gnupg").string(),
                                     "SEQUOIA_HOME=" + (*dir_ / "sq").string()};
    full.insert(full.end(), argv.begin(), argv.end());
    std::vector<char*> cargv;
    for (auto& a : full) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    Proc r;
    if (posix_spawnp(&pid, "timeout", &fa, nullptr, cargv.data(), environ) == 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove(in);
    fs::remove(out);
    fs::remove(err);
    return r;
  }

  static Proc gpg(std::vector<std::string> args, std::string_view input = "",
                  const char* passphrase = kGpgPass) {
    std::vector<std::string> argv = {"gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback",
                                     "--passphrase", passphrase, "--trust-model", "always",
                                     "--status-fd", "2",
                                     // never look a key up anywhere but the test's keyring
                                     "--auto-key-locate", "local", "--no-auto-key-retrieve"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, input);
  }

  static std::string gpg_key(const std::string& uid, const std::string& alg,
                             const std::string& sub) {
    Proc g = gpg({"--quick-gen-key", uid, alg, "sign", "never"});
    EXPECT_EQ(g.exit_code, 0) << g.err;
    Proc list = gpg({"--with-colons", "--list-keys", uid});
    size_t at = list.out.find("\nfpr:");
    EXPECT_NE(at, std::string::npos) << list.out;
    std::string fpr = list.out.substr(at + 1 + 12, 40);  // "fpr:::::::::" then 40 hex
    Proc add = gpg({"--quick-add-key", fpr, sub, "encr", "never"});
    EXPECT_EQ(add.exit_code, 0) << add.err;
    return fpr;
  }

  static PublicKey gpg_public(const std::string& fpr) {
    Proc r = gpg({"--export", "--armor", fpr});
    auto key = PublicKey::parse(r.out);
    EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().describe());
    return std::move(key).value();
  }

  static inline fs::path* dir_ = nullptr;
  static inline std::string* gus_ = nullptr;
  static inline std::string* gina_ = nullptr;
};

TEST_F(InteropTest, OurKeysImportIntoGpgAndSq) {
  // Secret key, locked with our passphrase: gpg must be able to unlock it (it re-protects it
  // in its agent), so sign something with it.
  auto armored = test_keys().bob.secret_key.armored();
  ASSERT_TRUE(armored.ok());
  spit(*dir_ / "bob.sec", *armored);
  Proc imp = gpg({"--import", (*dir_ / "bob.sec").string()}, "", kPassphrase);
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  const std::string& bob = test_keys().bob.public_key.info().fingerprint;
  Proc list = gpg({"--with-colons", "--list-secret-keys", bob});
  EXPECT_NE(list.out.find(bob), std::string::npos) << list.out;
  Proc sign = gpg({"--local-user", bob, "--detach-sign", "-o", "-"}, "data", kPassphrase);
  EXPECT_EQ(sign.exit_code, 0) << sign.err;
  EXPECT_NE(list.out.find("::0:"), std::string::npos) << "expiry must be empty (never)";

  for (const char* name : {"alice.pub", "carol.pub"}) {
    Proc inspect = run({"sq", "inspect", (*dir_ / name).string()});
    EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
    EXPECT_NE(inspect.out.find("Fingerprint:"), std::string::npos) << inspect.out;
    EXPECT_EQ(inspect.out.find("Expiration time"), std::string::npos) << "must never expire";
  }
  spit(*dir_ / "bob.sec.pgp", test_keys().bob.secret_key.binary());
  Proc inspect = run({"sq", "inspect", (*dir_ / "bob.sec.pgp").string()});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("Encrypted"), std::string::npos) << inspect.out;
}

TEST_F(InteropTest, GpgAndSqKeysImportIntoOurs) {
  PublicKey gus = gpg_public(*gus_);
  EXPECT_EQ(gus.info().fingerprint, *gus_);
  EXPECT_EQ(gus.info().user_ids.at(0), "Gus <gus@example.org>");
  EXPECT_TRUE(gus.info().can_encrypt);
  EXPECT_EQ(gus.info().expires, 0);
  PublicKey gina = gpg_public(*gina_);
  EXPECT_EQ(gina.info().algorithm, "RSA");

  Proc sec = gpg({"--export-secret-keys", *gus_});
  auto locked = LockedKey::parse(sec.out);
  ASSERT_TRUE(locked.ok()) << locked.error().describe();
  auto ring = Keyring::create();
  ASSERT_TRUE(ring.ok());
  EXPECT_FALSE(ring->unlock(*locked, "wrong").ok());
  EXPECT_TRUE(ring->unlock(*locked, kGpgPass).ok());

  std::string sam_key = slurp(*dir_ / "sam.key");
  EXPECT_FALSE(LockedKey::parse(sam_key).ok()) << "unprotected keys are not stored as is";
  auto sam = LockedKey::lock_unprotected(sam_key, "sam pass", 1024);
  ASSERT_TRUE(sam.ok()) << sam.error().describe();
  EXPECT_TRUE(ring->unlock(*sam, "sam pass").ok());
  auto sam_cert = PublicKey::parse(slurp(*dir_ / "sam.cert"));
  ASSERT_TRUE(sam_cert.ok()) << sam_cert.error().describe();
  EXPECT_EQ(sam_cert->info().fingerprint, sam->info().fingerprint);
}

// We encrypt+sign (key packets ‖ data packet); gpg decrypts and verifies.
void ours_to_gpg(InteropTest* t, const GeneratedKey& sender, const PublicKey& to,
                 const std::string& text) {
  Keyring ring = unlocked(sender);
  std::vector<PublicKey> recipients{to};
  auto msg = encrypt(ring, text, recipients, sender.public_key.info().fingerprint);
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  (void)t;
  Proc r = InteropTest::gpg({"--decrypt"}, msg->concatenated());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, text);
  EXPECT_NE(r.err.find("[GNUPG:] VALIDSIG " + sender.public_key.info().fingerprint),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("[GNUPG:] DECRYPTION_OKAY"), std::string::npos);
}

TEST_F(InteropTest, OursDecryptsInGpgCurve25519) {
  ours_to_gpg(this, test_keys().alice, gpg_public(*gus_), "to gus \xc3\xa9t\xc3\xa9\n");
}

TEST_F(InteropTest, OursDecryptsInGpgRsa) {
  ours_to_gpg(this, test_keys().carol, gpg_public(*gina_), std::string(20000, 'r'));
}

TEST_F(InteropTest, OursDecryptsInSq) {
  auto sam = PublicKey::parse(slurp(*dir_ / "sam.cert"));
  ASSERT_TRUE(sam.ok());
  for (const GeneratedKey* sender : {&test_keys().alice, &test_keys().carol}) {
    Keyring ring = unlocked(*sender);
    std::vector<PublicKey> recipients{*sam};
    std::string text = "to sam from " + sender->public_key.info().user_ids[0];
    auto msg = encrypt(ring, text, recipients, sender->public_key.info().fingerprint);
    ASSERT_TRUE(msg.ok()) << msg.error().describe();
    fs::path cert = *dir_ / (sender == &test_keys().alice ? "alice.pub" : "carol.pub");
    Proc r = run({"sq", "decrypt", "--recipient-key", (*dir_ / "sam.key").string(), "--signer-cert",
                  cert.string()},
                 msg->concatenated());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, text);
    EXPECT_NE(r.err.find("Good signature"), std::string::npos) << r.err;
  }
}

// gpg encrypts+signs to our key; we split and decrypt and verify.
void gpg_to_ours(const std::string& gpg_signer, const GeneratedKey& recipient,
                 const PublicKey& signer_cert, const std::string& from) {
  const std::string text = "from gpg\nsecond line\n";
  Proc r = InteropTest::gpg({"--encrypt", "--sign", "--local-user", gpg_signer, "--recipient",
                             recipient.public_key.info().fingerprint, "-o", "-"},
                            text);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto msg = split_message(r.out);
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  ASSERT_EQ(msg->key_packets.size(), 1u);
  Keyring ring = unlocked(recipient);
  ASSERT_TRUE(ring.add(signer_cert).ok());
  auto plain = decrypt(ring, msg->key_packets, msg->data_packet);
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_EQ(plain->plaintext.reveal(), text);
  EXPECT_TRUE(plain->verified_from(from));
  EXPECT_FALSE(plain->verified_from("alice@example.org"));
}

TEST_F(InteropTest, GpgDecryptsInOursCurve25519) {
  gpg_to_ours(*gus_, test_keys().alice, gpg_public(*gus_), "gus@example.org");
}

TEST_F(InteropTest, GpgDecryptsInOursRsa) {
  gpg_to_ours(*gina_, test_keys().carol, gpg_public(*gina_), "gina@example.org");
}

TEST_F(InteropTest, SqDecryptsInOurs) {
  const std::string text = "from sq";
  for (const GeneratedKey* to : {&test_keys().alice, &test_keys().carol}) {
    fs::path cert = *dir_ / (to == &test_keys().alice ? "alice.pub" : "carol.pub");
    Proc r = run({"sq", "encrypt", "--binary", "--recipient-cert", cert.string(), "--signer-key",
                  (*dir_ / "sam.key").string()},
                 text);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto msg = split_message(r.out);
    ASSERT_TRUE(msg.ok()) << msg.error().describe();
    Keyring ring = unlocked(*to);
    auto sam = PublicKey::parse(slurp(*dir_ / "sam.cert"));
    ASSERT_TRUE(sam.ok());
    ASSERT_TRUE(ring.add(*sam).ok());
    auto plain = decrypt(ring, msg->key_packets, msg->data_packet);
    ASSERT_TRUE(plain.ok()) << plain.error().describe();
    EXPECT_EQ(plain->plaintext.reveal(), text);
    EXPECT_TRUE(plain->verified_from("sam@example.org"));
  }
}

TEST_F(InteropTest, PasswordOnlyBothWaysWithGpg) {
  Keyring ring = Keyring::create().value();
  auto ours = encrypt_with_password(ring, "pw message", "shared secret", {}, 1024);
  ASSERT_TRUE(ours.ok());
  Proc r = gpg({"--decrypt"}, ours->concatenated(), "shared secret");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "pw message");

  Proc theirs =
      gpg({"--symmetric", "--cipher-algo", "AES256", "-o", "-"}, "from gpg pw", "other secret");
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  auto msg = split_message(theirs.out);
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  auto plain = decrypt_with_password(ring, msg->key_packets, msg->data_packet, "other secret");
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_EQ(plain->plaintext.reveal(), "from gpg pw");
}

// sq 0.27 reads passwords only from a terminal: `script` gives it one, fed from our stdin.
TEST_F(InteropTest, PasswordOnlyBothWaysWithSq) {
  Keyring ring = Keyring::create().value();
  auto ours = encrypt_with_password(ring, "pw message for sq", "shared secret", {}, 1024);
  ASSERT_TRUE(ours.ok());
  fs::path ours_file = *dir_ / "ours-pw.pgp", plain_file = *dir_ / "ours-pw.txt";
  spit(ours_file, ours->concatenated());
  Proc r = run({"script", "-qec", "sq decrypt -o " + plain_file.string() + " " + ours_file.string(),
                "/dev/null"},
               "shared secret\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(slurp(plain_file), "pw message for sq");

  fs::path input = *dir_ / "sq-pw.txt", theirs_file = *dir_ / "sq-pw.pgp";
  spit(input, "from sq pw");
  Proc enc =
      run({"script", "-qec",
           "sq encrypt --symmetric --binary -o " + theirs_file.string() + " " + input.string(),
           "/dev/null"},
          "other secret\n");
  ASSERT_EQ(enc.exit_code, 0) << enc.out << enc.err;
  auto msg = split_message(slurp(theirs_file));
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  auto plain = decrypt_with_password(ring, msg->key_packets, msg->data_packet, "other secret");
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_EQ(plain->plaintext.reveal(), "from sq pw");
  auto wrong = decrypt_with_password(ring, msg->key_packets, msg->data_packet, "not it");
  EXPECT_FALSE(wrong.ok());
}

TEST_F(InteropTest, AddedRecipientDecryptsInGpg) {
  Keyring alice = unlocked(test_keys().alice);
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg =
      encrypt(alice, "re-keyed for gus", to, test_keys().alice.public_key.info().fingerprint);
  ASSERT_TRUE(msg.ok());
  auto added =
      add_recipient(test_keys().bob.secret_key, kPassphrase, msg->key_packets, gpg_public(*gus_));
  ASSERT_TRUE(added.ok()) << added.error().describe();
  Proc r = gpg({"--decrypt"}, added->bytes + msg->data_packet);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "re-keyed for gus");
  EXPECT_NE(r.err.find("[GNUPG:] VALIDSIG " + test_keys().alice.public_key.info().fingerprint),
            std::string::npos);

  auto sam = PublicKey::parse(slurp(*dir_ / "sam.cert"));
  ASSERT_TRUE(sam.ok());
  auto for_sam = add_recipient(test_keys().bob.secret_key, kPassphrase, msg->key_packets, *sam);
  ASSERT_TRUE(for_sam.ok()) << for_sam.error().describe();
  Proc s = run({"sq", "decrypt", "--recipient-key", (*dir_ / "sam.key").string(), "--signer-cert",
                (*dir_ / "alice.pub").string()},
               for_sam->bytes + msg->data_packet);
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(s.out, "re-keyed for gus");

  // RSA: to gpg's RSA key Gina.
  auto for_gina =
      add_recipient(test_keys().bob.secret_key, kPassphrase, msg->key_packets, gpg_public(*gina_));
  ASSERT_TRUE(for_gina.ok()) << for_gina.error().describe();
  Proc g = gpg({"--decrypt"}, for_gina->bytes + msg->data_packet);
  EXPECT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(g.out, "re-keyed for gus");
}

TEST_F(InteropTest, GpgWithoutMdcIsRefused) {
  // The control (default gpg output, MDC on) decrypts; --rfc2440 output (SED, tag 9) must not.
  const std::string fpr = test_keys().alice.public_key.info().fingerprint;
  Keyring ring = unlocked(test_keys().alice);
  Proc control = gpg({"--encrypt", "--recipient", fpr, "-o", "-"}, "canary");
  ASSERT_EQ(control.exit_code, 0) << control.err;
  auto ok = split_message(control.out);
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(decrypt(ring, ok->key_packets, ok->data_packet).ok());

  Proc sed =
      gpg({"--rfc2440", "--cipher-algo", "AES256", "--encrypt", "--recipient", fpr, "-o", "-"},
          "canary");
  ASSERT_EQ(sed.exit_code, 0) << sed.err;
  auto msg = split_message(sed.out);
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  auto first = static_cast<unsigned char>(msg->data_packet[0]);
  int tag = (first & 0x40) ? (first & 0x3f) : ((first >> 2) & 0x0f);
  ASSERT_EQ(tag, 9) << "expected a SED packet";
  auto refused = decrypt(ring, msg->key_packets, msg->data_packet);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kPermissionDenied);
}

}  // namespace
}  // namespace sealmail::pgp
