#include "pgp/decrypt_policy.h"

namespace sealmail::pgp {

Protection protection_from_rnp(std::string_view mode) {
  if (mode == "none") return Protection::kNone;
  if (mode == "cfb") return Protection::kCfb;
  if (mode == "cfb-mdc") return Protection::kCfbMdc;
  if (mode == "aead-ocb" || mode == "aead-eax") return Protection::kAead;
  return Protection::kUnknown;
}

Status release_decrypted(bool finished, Protection protection, bool integrity_valid) {
  // Fixed messages: which check failed is not an oracle worth giving a remote party, but the
  // categories differ so logs can tell a tampered message from an unprotected one.
  switch (protection) {
    case Protection::kCfbMdc:
    case Protection::kAead:
      break;
    case Protection::kNone:
      return make_error(Errc::kPermissionDenied, "message is not encrypted");
    case Protection::kCfb:
    case Protection::kUnknown:
      return make_error(Errc::kPermissionDenied, "refused: data is not integrity protected");
  }
  if (!finished || !integrity_valid)
    return make_error(Errc::kPermissionDenied, "decryption or integrity check failed");
  return ok_status();
}

bool signature_valid(const SignatureFacts& f) {
  return f.verified && !f.expired && f.key_known && f.key_valid && !f.key_revoked &&
         f.covers_output;
}

}  // namespace sealmail::pgp
