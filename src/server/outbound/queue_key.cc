#include "server/outbound/queue_key.h"

#include <openssl/evp.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "base/check.h"
#include "base/file.h"
#include "base/random.h"

namespace sealmail::server {
namespace {

constexpr std::string_view kMagic = "SMQ1";
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  SEALMAIL_CHECK(ctx != nullptr);
  return ctx;
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// AES-256-GCM over `in` into `out` (as long), after `aad`; the caller finishes with the tag.
CipherContext run_gcm(bool encrypt, std::string_view key, std::string_view nonce,
                      std::string_view aad, std::string_view in, unsigned char* out) {
  CipherContext ctx = new_context();
  int len = 0;
  SEALMAIL_CHECK(EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key),
                                   bytes_of(nonce), encrypt ? 1 : 0) == 1);
  SEALMAIL_CHECK(
      EVP_CipherUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1);
  // In pieces: EVP lengths are int.
  for (size_t done = 0; done < in.size(); done += static_cast<size_t>(len)) {
    const size_t n = std::min<size_t>(in.size() - done, 1 << 30);
    SEALMAIL_CHECK(EVP_CipherUpdate(ctx.get(), out + done, &len, bytes_of(in) + done,
                                    static_cast<int>(n)) == 1);
  }
  return ctx;
}

}  // namespace

Result<QueueKey> QueueKey::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return make_error(Errc::kNotFound, "no queue key at " + file.string());
  }
  std::ifstream in(file, std::ios::binary);
  std::string key(std::istreambuf_iterator<char>(in), {});
  if (!in.good() && !in.eof()) return make_error(Errc::kIo, "cannot read " + file.string());
  if (key.size() != kKeyBytes) {
    return make_error(Errc::kInvalidArgument,
                      file.string() + ": a queue key file holds exactly 32 bytes");
  }
  return QueueKey(std::move(key));
}

Result<QueueKey> QueueKey::load_or_create(const std::filesystem::path& file) {
  auto loaded = load(file);
  if (loaded.ok() || loaded.error().code != Errc::kNotFound) return loaded;
  std::string key = random_bytes(kKeyBytes);
  SEALMAIL_RETURN_IF_ERROR(write_file_atomically(file, key, 0600));
  return QueueKey(std::move(key));
}

QueueKey QueueKey::random() { return QueueKey(random_bytes(kKeyBytes)); }

std::string QueueKey::seal(std::string_view job_id, std::string_view message) const {
  const std::string nonce = random_bytes(kNonceBytes);
  std::string out = std::string(kMagic) + nonce;
  const size_t body = out.size();
  out.resize(body + message.size() + kTagBytes);
  CipherContext ctx = run_gcm(true, key_, nonce, job_id, message, bytes_of(out) + body);
  int len = 0;
  SEALMAIL_CHECK(EVP_CipherFinal_ex(ctx.get(), bytes_of(out) + body + message.size(), &len) == 1);
  SEALMAIL_CHECK(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                     bytes_of(out) + body + message.size()) == 1);
  return out;
}

Result<std::string> QueueKey::open(std::string_view job_id, std::string_view sealed) const {
  const Error unreadable = make_error(Errc::kCorruption, "queued message does not open");
  if (sealed.size() < kMagic.size() + kNonceBytes + kTagBytes || !sealed.starts_with(kMagic)) {
    return unreadable;
  }
  const std::string_view nonce = sealed.substr(kMagic.size(), kNonceBytes);
  const std::string_view body = sealed.substr(
      kMagic.size() + kNonceBytes, sealed.size() - kMagic.size() - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string out(body.size(), '\0');
  CipherContext ctx = run_gcm(false, key_, nonce, job_id, body, bytes_of(out));
  SEALMAIL_CHECK(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1);
  int len = 0;
  if (EVP_CipherFinal_ex(ctx.get(), bytes_of(out) + out.size(), &len) != 1) return unreadable;
  return out;
}

}  // namespace sealmail::server
