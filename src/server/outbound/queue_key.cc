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
  std::string out(kMagic);
  out += nonce;
  const size_t body = out.size();
  out.resize(body + message.size() + kTagBytes);
  CipherContext ctx = new_context();
  int len = 0;
  SEALMAIL_CHECK(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key_),
                                    bytes_of(nonce)) == 1);
  SEALMAIL_CHECK(EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(job_id),
                                   static_cast<int>(job_id.size())) == 1);
  // In pieces: EVP lengths are int.
  size_t done = 0;
  while (done < message.size()) {
    const size_t n = std::min<size_t>(message.size() - done, 1 << 30);
    SEALMAIL_CHECK(EVP_EncryptUpdate(ctx.get(), bytes_of(out) + body + done, &len,
                                     bytes_of(message) + done, static_cast<int>(n)) == 1);
    done += static_cast<size_t>(len);
  }
  SEALMAIL_CHECK(EVP_EncryptFinal_ex(ctx.get(), bytes_of(out) + body + done, &len) == 1);
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
  CipherContext ctx = new_context();
  int len = 0;
  SEALMAIL_CHECK(EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key_),
                                    bytes_of(nonce)) == 1);
  SEALMAIL_CHECK(EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(job_id),
                                   static_cast<int>(job_id.size())) == 1);
  size_t done = 0;
  while (done < body.size()) {
    const size_t n = std::min<size_t>(body.size() - done, 1 << 30);
    SEALMAIL_CHECK(EVP_DecryptUpdate(ctx.get(), bytes_of(out) + done, &len, bytes_of(body) + done,
                                     static_cast<int>(n)) == 1);
    done += static_cast<size_t>(len);
  }
  SEALMAIL_CHECK(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1);
  if (EVP_DecryptFinal_ex(ctx.get(), bytes_of(out) + done, &len) != 1) return unreadable;
  return out;
}

}  // namespace sealmail::server
