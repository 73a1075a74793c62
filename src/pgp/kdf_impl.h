// kdf_impl.h — internals of kdf.cc shared with recovery.cc. Not for use outside src/pgp.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/log.h"
#include "base/result.h"
#include "pgp/kdf.h"

namespace sealmail::pgp::internal {

// Labels mixed into the Argon2 salt: Argon2id(secret, label || 0x00 || salt). Never reuse or
// change one; a new derivation gets a new label (docs/formats/keys.md).
inline constexpr std::string_view kKeyPassphraseLabel = "sealmail/key-passphrase/v1";
inline constexpr std::string_view kAuthSecretLabel = "sealmail/auth-secret/v1";
inline constexpr std::string_view kRecoveryPassphraseLabel = "sealmail/recovery-passphrase/v1";

// Argon2id(secret_input, label NUL salt), with the policy checks of derive_key().
Result<Sensitive> derive_labelled(std::string_view label, std::string_view secret_input,
                                  std::string_view salt, const KdfParams& params, size_t out_len);

// Base64 (RFC 4648, padded) of the key's bytes: a printable OpenPGP passphrase.
Sensitive to_passphrase(const Sensitive& key);

}  // namespace sealmail::pgp::internal
