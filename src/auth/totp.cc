#include "auth/totp.h"

#include <botan/mac.h>
#include <botan/mem_ops.h>

#include <array>
#include <string>

#include "base/check.h"
#include "base/random.h"

namespace sealmail::auth {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

}  // namespace

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::string> base32_decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '=') continue;
    int value = base32_value(c);
    if (value < 0) return make_error(Errc::kInvalidArgument, "not base32 text");
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  // 8 symbols carry 5 bytes; a final group of 2, 4, 5 or 7 symbols carries 1–4 bytes. 1, 3 or 6
  // leave whole symbols unused, which no encoder produces.
  switch (symbols % 8) {
    case 1:
    case 3:
    case 6:
      return make_error(Errc::kInvalidArgument, "base32 text has an impossible length");
    default:
      return out;
  }
}

int64_t totp_step(int64_t unix_seconds) {
  int64_t step = unix_seconds / kTotpStepSeconds;
  if (unix_seconds % kTotpStepSeconds < 0) --step;  // floor, not truncation, before 1970
  return step;
}

std::string hotp(std::string_view secret, uint64_t counter, int digits) {
  SEALMAIL_CHECK(digits >= 1 && digits <= 9);
  std::array<uint8_t, 8> message;
  for (int i = 7; i >= 0; --i) {
    message[static_cast<size_t>(i)] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-1)");
  mac->set_key(bytes_of(secret), secret.size());
  mac->update(message.data(), message.size());
  auto digest = mac->final();
  // RFC 4226 §5.3 dynamic truncation.
  size_t offset = digest[19] & 0x0f;
  uint32_t binary = (static_cast<uint32_t>(digest[offset] & 0x7f) << 24) |
                    (static_cast<uint32_t>(digest[offset + 1]) << 16) |
                    (static_cast<uint32_t>(digest[offset + 2]) << 8) |
                    static_cast<uint32_t>(digest[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::optional<int64_t> totp_match(std::string_view secret, std::string_view code,
                                  int64_t unix_seconds, int window) {
  SEALMAIL_CHECK(window >= 0 && window <= kTotpMaxWindow);
  if (code.size() != static_cast<size_t>(kTotpDigits)) return std::nullopt;
  for (char c : code)
    if (c < '0' || c > '9') return std::nullopt;
  int64_t now = totp_step(unix_seconds);
  std::optional<int64_t> found;
  // Every candidate is computed and compared; only the (rare) choice of which one to report
  // depends on the result.
  for (int64_t step = now - window; step <= now + window; ++step) {
    if (step < 0) continue;
    std::string expected = hotp(secret, static_cast<uint64_t>(step), kTotpDigits);
    bool equal = Botan::constant_time_compare(bytes_of(expected), bytes_of(code), code.size());
    if (equal) found = step;
  }
  return found;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view secret) {
  std::string issuer_enc = percent_encode(issuer);
  return "otpauth://totp/" + issuer_enc + ":" + percent_encode(account) +
         "?secret=" + base32_encode(secret) + "&issuer=" + issuer_enc +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
}

std::string new_totp_secret() { return random_bytes(kTotpSecretBytes); }

}  // namespace sealmail::auth
