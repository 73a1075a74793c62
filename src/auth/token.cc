#include "auth/token.h"

#include <botan/hash.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>

#include <string>

#include "base/hex.h"
#include "base/random.h"

namespace sealmail::auth {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kRecoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
static_assert(kRecoveryAlphabet.size() == 32);

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      out.push_back(kBase64UrlAlphabet[(buffer >> (bits - 6)) & 63]);
      bits -= 6;
    }
  }
  if (bits > 0) out.push_back(kBase64UrlAlphabet[(buffer << (6 - bits)) & 63]);
  return out;
}

}  // namespace

std::string new_token() {
  std::string raw = random_bytes(kTokenBytes);
  std::string token = base64url_encode(raw);
  Botan::secure_scrub_memory(raw.data(), raw.size());
  return token;
}

std::string token_hash(std::string_view token) {
  auto hash = Botan::HashFunction::create_or_throw("SHA-256");
  hash->update(bytes_of(token), token.size());
  auto digest = hash->final();
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string new_recovery_code() {
  // 256 is a multiple of 32, so taking 5 bits of each byte is unbiased.
  std::string raw = random_bytes(10);
  std::string code;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i == 5) code.push_back('-');
    code.push_back(kRecoveryAlphabet[static_cast<unsigned char>(raw[i]) & 31]);
  }
  Botan::secure_scrub_memory(raw.data(), raw.size());
  return code;
}

std::string normalize_recovery_code(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == ' ' || c == '\t' || c == '-') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == 'o') c = '0';
    if (c == 'i' || c == 'l') c = '1';
    out.push_back(c);
  }
  return out;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return Botan::constant_time_compare(bytes_of(a), bytes_of(b), a.size());
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(bytes_of(key), key.size());
  mac->update(bytes_of(message), message.size());
  auto tag = mac->final();
  return std::string(reinterpret_cast<const char*>(tag.data()), tag.size());
}

}  // namespace sealmail::auth
