// pgp_mime.h — the MIME side of OpenPGP mail: finding PGP/MIME ciphertext and signed data
// (RFC 3156), inline PGP blocks, and the EFAIL structure rules.
//
// Ciphertext and signatures are opaque bytes here; src/pgp decrypts and verifies them.
//
// EFAIL rules (design.md §3), enforced by the data model rather than by convention:
//   - Only a top-level PGP/MIME body (the message *is* multipart/encrypted) is "the message is
//     encrypted". Ciphertext anywhere else — a multipart/encrypted nested inside another
//     multipart, or an inline PGP block in a part with siblings — is flagged
//     encrypted_part_not_top_level: an attacker can wrap a victim's ciphertext between their
//     own HTML parts (the EFAIL "direct exfiltration" three-part message).
//   - display_plan() returns a list of DisplayParts. A decrypted part is rendered as its own
//     document (origin kDecrypted, isolated = true) and is never concatenated with sibling
//     plaintext parts, so an unclosed <img src=" in a sibling cannot swallow the plaintext.
//
// SECURITY: reads parsed untrusted messages (see mime.h). Decrypted bytes passed back in are
// message content: never log them.
// Standards: RFC 3156 (PGP/MIME), RFC 4880 §7 and §6.2 (cleartext signatures, armor), RFC 2045.
// Thread-safety: free functions on values; same rules as Message.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "mime/mime.h"

namespace sealmail::mime {

struct EncryptionLayout {
  enum Kind {
    kNone,             // no ciphertext found
    kPgpMime,          // the top-level body is multipart/encrypted (RFC 3156)
    kInlinePgp,        // the only text part of the message is an inline PGP message
    kNestedOrPartial,  // ciphertext somewhere else: flagged
  };
  Kind kind = kNone;
  bool encrypted_part_not_top_level = false;  // true exactly when kind == kNestedOrPartial
  size_t encrypted_parts = 0;                 // how many ciphertext entities/blocks were seen
};

EncryptionLayout classify_encryption(const Message& message);

// The ciphertext (the application/octet-stream part, usually ASCII-armored) of a top-level
// multipart/encrypted message with protocol application/pgp-encrypted and a "Version: 1"
// control part. kNotFound if the message is not top-level PGP/MIME; kInvalidArgument if it
// claims to be but is malformed.
Result<std::string> pgp_mime_ciphertext(const Message& message);

// A top-level multipart/signed message (RFC 3156 §5).
struct SignedParts {
  // The first body part exactly as on the wire (its headers and body, from after the
  // delimiter line up to, not including, the CRLF before the next delimiter), with every line
  // ending converted to CRLF — the bytes the signature covers.
  std::string signed_bytes;
  std::string signature;  // the application/pgp-signature part, transfer encoding removed
  std::string micalg;     // e.g. "pgp-sha256", lower case
};
// What is shown as "signed" must be parsed from signed_bytes (parse() it as its own entity),
// never taken from the outer tree, so the display is exactly what the signature covers.
// kNotFound if the message is not top-level multipart/signed with protocol
// application/pgp-signature; kInvalidArgument if the structure is broken (no closing part,
// missing signature).
Result<SignedParts> pgp_signed_parts(const Message& message);

struct InlinePgpBlock {
  enum Kind { kMessage, kSignedMessage };
  Kind kind = kMessage;
  std::string armored;    // from "-----BEGIN PGP ..." to the end of the "-----END PGP ..." line
  size_t part_index = 0;  // index of the text part among the leaf parts (document order)
  size_t offset = 0;      // byte offset of the block within that part's decoded text
};
// Inline PGP blocks in text/plain parts (not in attachments). An unterminated block is not
// returned.
std::vector<InlinePgpBlock> find_inline_pgp(const Message& message);

struct DisplayPart {
  enum Origin {
    kPlaintext,  // sent in the clear
    kEncrypted,  // ciphertext still to be decrypted by the caller (see decrypted_display_part)
    kDecrypted,  // the result of decrypting one kEncrypted part
  };
  Origin origin = kPlaintext;
  std::string content_type;  // "text/plain", "text/html", or the part's type
  std::string text;          // decoded UTF-8 text (text parts), or ciphertext (kEncrypted)
  std::string filename;      // for attachments
  // A decrypted part is its own document; renderers must not join it with neighbours.
  bool isolated = false;
  // Set on kEncrypted/kDecrypted parts that did not come from a top-level PGP/MIME body.
  bool encrypted_part_not_top_level = false;
};

// The parts to show, in document order. In multipart/alternative, the text/plain part is
// chosen. PGP/MIME ciphertext and inline PGP messages become kEncrypted entries.
std::vector<DisplayPart> display_plan(const Message& message);

// Turns one kEncrypted DisplayPart plus its plaintext (the bytes src/pgp released after its
// integrity check) into the kDecrypted parts to show in its place. PGP/MIME plaintext is a
// MIME entity and is parsed (with `limits`) on its own — never merged with the outer message;
// inline plaintext is text/plain. Each result is isolated and inherits the flag.
Result<std::vector<DisplayPart>> decrypted_display_parts(const DisplayPart& encrypted,
                                                         std::string_view plaintext,
                                                         bool plaintext_is_mime,
                                                         const Limits& limits = {});

}  // namespace sealmail::mime
