// totp.h — time-based one-time passwords for the second factor (design.md §3), in the form
// every authenticator app understands: HMAC-SHA1, 6 digits, 30-second steps, the secret shown
// as base32 in an otpauth:// URI (a QR code).
//
// totp_match returns the matching time step rather than a bool so that the caller can refuse a
// step it has already accepted (replay protection across processes lives in the store).
//
// SECURITY: `code` and base32 text come from users. totp_match accepts only exactly 6 ASCII
// digits and compares against every candidate step in constant time, so its timing does not
// say which step (if any) matched or how many digits were right. The secret is key material:
// callers keep it out of logs (Sensitive) and at rest encrypted or in the store only.
//
// Standards: RFC 4226 (HOTP), RFC 6238 (TOTP), RFC 4648 §6 (base32), Google Authenticator's
// Key Uri Format (otpauth://).
// Thread-safety: pure functions except new_totp_secret (OS randomness); all thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::auth {

// RFC 4648 base32 (A–Z, 2–7), upper case, without '=' padding: what authenticator apps show.
std::string base32_encode(std::string_view bytes);
// Either case; spaces and '=' are ignored anywhere. kInvalidArgument for any other character or
// a length no byte string encodes to (1, 3 or 6 characters in the last group of 8).
Result<std::string> base32_decode(std::string_view text);

inline constexpr int64_t kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr size_t kTotpSecretBytes = 20;  // RFC 4226 §4 R6: 160 bits
inline constexpr int kTotpMaxWindow = 10;

// floor(unix_seconds / 30) — RFC 6238's T with T0 = 0 (also for times before 1970).
int64_t totp_step(int64_t unix_seconds);

// HOTP(secret, counter) as `digits` decimal digits, zero-padded. digits must be 1 to 9.
std::string hotp(std::string_view secret, uint64_t counter, int digits = kTotpDigits);

// The step in [step(now) - window, step(now) + window] whose code equals `code`, or nullopt.
// If several steps share the code, the latest. Codes that are not exactly kTotpDigits ASCII
// digits give nullopt; so do steps before 1970. window must be 0 to kTotpMaxWindow.
std::optional<int64_t> totp_match(std::string_view secret, std::string_view code,
                                  int64_t unix_seconds, int window = 1);

// otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded (everything but RFC 3986 unreserved characters).
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret);

// kTotpSecretBytes random bytes (binary; base32_encode to show).
std::string new_totp_secret();

}  // namespace sealmail::auth
