// recovery.h — BIP39-style recovery phrases that lock a second copy of the account key.
//
// A phrase is 128 bits (12 words) or 256 bits (24 words) of entropy plus the first ENT/32 bits
// of its SHA-256 as a checksum, cut into 11-bit indexes into the BIP39 English word list
// (wordlist.h). Encoding is exactly BIP39's, so the official BIP39 English test vectors hold;
// we do NOT use BIP39's PBKDF2 seed: the entropy itself goes through Argon2id with a salt and a
// label of ours (docs/formats/keys.md).
//
// SECURITY: recovery_entropy() reads a phrase typed by a person (untrusted text). It never
// puts a word of the phrase into an error message — only its position — because the phrase is
// a secret and error messages may be logged.
//
// Standards: BIP39 (mnemonic encoding and English word list); RFC 9106 via kdf.h.
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "pgp/kdf.h"

namespace sealmail::pgp {

struct RecoveryPhrase {
  std::vector<std::string> words;

  // The words joined by single spaces: what is shown to the user once.
  std::string to_string() const;
};

// A fresh phrase of 12 (128-bit) or 24 (256-bit) words from the OS CSPRNG. Any other count is
// a programming error (SEALMAIL_CHECK).
RecoveryPhrase new_recovery_phrase(size_t words = 12);

// The phrase for the given entropy: 16, 20, 24, 28 or 32 bytes (12 to 24 words, as BIP39).
// kInvalidArgument for other lengths.
Result<RecoveryPhrase> recovery_phrase_from_entropy(std::string_view entropy);

// The entropy a phrase encodes. Words are separated by any ASCII whitespace and compared
// case-insensitively. kInvalidArgument if the word count is not 12/15/18/21/24, if a word is not
// in the list ("word 5 of the recovery phrase is not in the word list"), or if the checksum
// fails ("the recovery phrase has a typo").
Result<Sensitive> recovery_entropy(std::string_view phrase);

// The passphrase that locks the recovery copy of the account key: base64 of 32 bytes of
// Argon2id(entropy, "sealmail/recovery-passphrase/v1" NUL recovery_salt) — printable, for
// RNP's protect()/unlock(). Errors from recovery_entropy() or the KDF's checks.
Result<Sensitive> derive_recovery_passphrase(std::string_view phrase,
                                             std::string_view recovery_salt,
                                             const KdfParams& params);

}  // namespace sealmail::pgp
