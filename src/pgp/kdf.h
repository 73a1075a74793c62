// kdf.h — Argon2id password hashing for the key hierarchy (design.md §3, docs/formats/keys.md).
//
// A password (or a recovery phrase's entropy) never locks a key directly: it is stretched with
// Argon2id (RFC 9106) over a random per-account salt, and the result is used as the OpenPGP
// passphrase. Each use has its own salt AND its own label mixed into the Argon2 salt (domain
// separation), so the passphrase that locks the account key and the secret that logs in (SRP)
// are independent even if a server hands out the same salt for both.
//
// SECURITY: salts and KdfParams come from the server, which is not trusted with the password.
// check_kdf_params() refuses parameters below a floor (a server cannot make a client derive a
// cheap hash) and above a ceiling (a server cannot make a client allocate gigabytes).
//
// Standards: RFC 9106 (Argon2id, version 0x13), via Botan 2.
// Thread-safety: all functions are thread-safe; each call allocates its own Argon2 memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/result.h"

namespace sealmail::pgp {

// Argon2id cost parameters. They are stored beside the salt they were used with so they can be
// raised for new derivations without breaking old ones. The defaults (64 MiB, 3 passes, 1 lane)
// are RFC 9106 §4's second recommendation with one lane instead of four: one lane is what
// libsodium and most browser implementations support, and Botan 2 does not run lanes in
// parallel anyway. About 0.2-0.3 s on one core of a laptop, done once per login on the client.
struct KdfParams {
  uint32_t memory_kib = 65536;
  uint32_t iterations = 3;
  uint32_t parallelism = 1;

  friend bool operator==(const KdfParams&, const KdfParams&) = default;
};

// Policy limits enforced by check_kdf_params (and so by every derive_* below).
inline constexpr uint32_t kKdfMinMemoryKib = 19 * 1024;        // OWASP's minimum Argon2id setting
inline constexpr uint32_t kKdfMaxMemoryKib = 2 * 1024 * 1024;  // 2 GiB, RFC 9106's first option
inline constexpr uint32_t kKdfMaxIterations = 64;
inline constexpr uint32_t kKdfMaxParallelism = 16;
inline constexpr size_t kSaltSize = 16;     // what new_salt() returns
inline constexpr size_t kMinSaltSize = 16;  // shorter stored salts are refused
inline constexpr size_t kMaxSaltSize = 64;
inline constexpr size_t kMinKeySize = 16;
inline constexpr size_t kMaxKeySize = 64;

// kInvalidArgument unless every parameter is within the limits above.
Status check_kdf_params(const KdfParams& params);

// "m=65536,t=3,p=1" — the stored text form (PHC string parameter syntax).
std::string to_string(const KdfParams& params);
// Parses the form above (all three members, in that order); kInvalidArgument otherwise or if
// the values fail check_kdf_params.
Result<KdfParams> parse_kdf_params(std::string_view text);

// A fresh random salt of kSaltSize bytes (binary).
std::string new_salt();

// Argon2id(password, salt) with `params`, `out_len` bytes. No domain separation: prefer the
// purpose-specific functions below. kInvalidArgument for out-of-policy params, salt or length.
Result<Sensitive> derive_key(std::string_view password, std::string_view salt,
                             const KdfParams& params, size_t out_len = 32);

// The passphrase that locks the account key: base64 (RFC 4648, padded, 44 characters) of
// 32 bytes of Argon2id(password, "sealmail/key-passphrase/v1" NUL key_salt). Printable, no NUL,
// so it can be handed to RNP's protect()/unlock() as a C string.
Result<Sensitive> derive_key_passphrase(std::string_view password, std::string_view key_salt,
                                        const KdfParams& params);

// The SRP secret for login (used by the accounts issue): 32 raw bytes of
// Argon2id(password, "sealmail/auth-secret/v1" NUL auth_salt). auth_salt must be a different
// random salt from key_salt; the label keeps the outputs independent even if it is not.
Result<Sensitive> derive_auth_secret(std::string_view password, std::string_view auth_salt,
                                     const KdfParams& params);

// The raw RFC 9106 function with the optional secret key K and associated data X, checked only
// against Argon2's own limits (salt >= 8 bytes, tag >= 4 bytes, m >= 8p, t >= 1) and the memory
// ceiling — no policy floor. For test vectors and interoperability checks, not for new keys.
struct Argon2idInput {
  std::string_view password = {};
  std::string_view salt = {};
  std::string_view secret = {};
  std::string_view associated_data = {};
  KdfParams params = {};
  size_t out_len = 32;
};
Result<Sensitive> argon2id(const Argon2idInput& input);

}  // namespace sealmail::pgp
