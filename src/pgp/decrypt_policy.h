// decrypt_policy.h — THE EFAIL-safe decryption policy. Every decision about whether decrypted
// bytes may leave src/pgp, and whether a signature counts as "valid", is made here and only
// here; message.cc gathers RNP's facts and asks these functions.
//
// The rules:
//  1. Only integrity-protected data is released: SEIPD v1 with a verified MDC, or AEAD.
//     Symmetrically encrypted data without MDC (tag 9, "cfb") is refused, whatever RNP says.
//  2. No plaintext before the integrity check: decryption output is buffered inside src/pgp;
//     it is released only after RNP finished the whole message without error and reported the
//     protection as valid. On any failure the buffer is wiped and only an error is returned.
//  3. A signature is "valid" only if RNP verified it (status success, not expired), the
//     signing key is known, valid and not revoked, and it signs the literal data that is the
//     whole released plaintext (RNP hashes exactly the one literal packet it outputs; a message
//     with more or trailing packets fails in RNP and so never reaches rule 3).
//  4. Whether the signer is the sender is the caller's question: signer_matches(From address).
//
// SECURITY: the inputs are RNP's report about untrusted data; the functions only judge.
// Standards: RFC 4880 §5.13/§5.14 (SEIPD, MDC), RFC 9580 §5.13, EFAIL (Poddebniak et al. 2018).
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sealmail::pgp {

enum class Protection {
  kNone,     // not encrypted at all
  kCfb,      // SED packet, no integrity protection — never released
  kCfbMdc,   // SEIPD v1 with MDC
  kAead,     // AEAD (OCB/EAX)
  kUnknown,  // anything RNP may report that we do not know — treated as unprotected
};

// RNP's protection mode names ("none", "cfb", "cfb-mdc", "aead-ocb", "aead-eax").
Protection protection_from_rnp(std::string_view mode);

// Rule 1 and 2: may plaintext produced by a decryption be released? `finished` is whether
// RNP processed the whole message without error; `integrity_valid` is RNP's report that the
// MDC/AEAD tags checked out. kPermissionDenied with a fixed message otherwise.
Status release_decrypted(bool finished, Protection protection, bool integrity_valid);

struct SignatureFacts {
  bool verified = false;   // RNP: signature status success
  bool expired = false;    // RNP: signature expired
  bool key_known = false;  // the signing key is in the keyring
  bool key_valid = false;  // RNP: key valid (self-signed, not expired)
  bool key_revoked = false;
  bool covers_output = true;  // the signature is over the released data (see rule 3)
};

// Rule 3.
bool signature_valid(const SignatureFacts& facts);

}  // namespace sealmail::pgp
