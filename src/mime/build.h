// build.h — building outgoing messages: plain/HTML/attachments, PGP/MIME encrypted (RFC 3156
// §4) and multipart/signed (RFC 3156 §5) in two steps, always with CRLF line endings.
//
// Header values are encoded by GMime: non-ASCII Subject and display names become RFC 2047
// encoded-words, non-ASCII filenames RFC 2231 parameters; GMime picks the smallest charset
// that fits (iso-8859-1 for "é", UTF-8 otherwise) — standard, and every reader decodes both. The
// PGP/MIME containers are written by hand so that the signed bytes are exactly what goes on the
// wire.
//
// Encrypted messages carry Subject "..." in the outer (cleartext) header, as Enigmail,
// Thunderbird and Proton do; the real subject travels inside the ciphertext, in the encrypted
// entity's own header fields marked protected-headers="v1" (build_protected_entity; the
// header protection of draft-ietf-lamps-header-protection, which Thunderbird displays).
//
// SECURITY: inputs come from our own users (client send) and from the server's outbound path;
// a header value containing CR, LF or NUL, or an address with spaces or controls, is refused
// (kInvalidArgument) so nobody can inject header lines. Built bytes are message content: never
// log them.
// Standards: RFC 5322, RFC 2045-2049, RFC 2047, RFC 2231, RFC 3156.
// Thread-safety: free functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "mime/mime.h"

namespace sealmail::mime {

struct Envelope {
  std::vector<Address> from;  // exactly one
  std::vector<Address> to;
  std::vector<Address> cc;
  std::vector<Address> bcc;             // written only into drafts: a message that is sent has none
  std::string subject;                  // UTF-8
  int64_t date = 0;                     // unix seconds, written as UTC
  std::string message_id;               // without <>; empty: generated on the From domain
  std::string in_reply_to;              // without <>
  std::vector<std::string> references;  // without <>
  // Extra header fields written verbatim after the standard ones (e.g. Autocrypt). The value
  // may be folded with CRLF + space/tab; any other CR or LF is refused.
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

struct AttachmentData {
  std::string filename;      // UTF-8
  std::string content_type;  // "type/subtype"; invalid or empty → application/octet-stream
  std::string data;          // raw bytes, written base64
};

struct Content {
  std::string text;                         // UTF-8 text/plain body (LF or CRLF line ends)
  std::string html;                         // if non-empty: multipart/alternative with text/html
  std::vector<AttachmentData> attachments;  // if any: multipart/mixed
};

// "<32 hex digits>@domain" without brackets, from 128 random bits.
std::string generate_message_id(std::string_view domain);

// The body entity alone (its Content-* headers, blank line, body), CRLF. With `for_signing`,
// every text part is quoted-printable so the entity survives transport unchanged (RFC 3156 §3).
Result<std::string> build_entity(const Content& content, bool for_signing = false);
// The body entity with the message's header fields (From, To, Cc, Subject, Date, Message-ID,
// …) in its own header block and protected-headers="v1" on its Content-Type: what a PGP/MIME
// message encrypts, so that the real Subject travels inside.
Result<std::string> build_protected_entity(const Envelope& envelope, const Content& content);

// A complete message: Envelope headers, MIME-Version, and the entity.
Result<std::string> build_message(const Envelope& envelope, const Content& content);
// The inverse, for an editor opening a draft: the first text/plain and text/html body parts,
// and every other leaf part and embedded message/rfc822 as an attachment, decoded, in document
// order. Ciphertext is not opened (a PGP/MIME body comes back as its two parts).
Content content_of(const Message& message);

// A PGP/MIME encrypted message around `armored` (an ASCII-armored OpenPGP message whose
// plaintext is normally build_entity()'s output). The outer Subject is "...".
Result<std::string> build_pgp_mime_encrypted(const Envelope& envelope, std::string_view armored);

// Signing in two steps: prepare_signed() gives the canonical CRLF bytes to sign (the exact
// first part of the multipart/signed); finish_signed() wraps them with the detached,
// ASCII-armored signature.
struct SignedDraft {
  std::string to_sign;
  std::string boundary;
};
Result<SignedDraft> prepare_signed(const Content& content);
Result<std::string> finish_signed(const Envelope& envelope, const SignedDraft& draft,
                                  std::string_view armored_signature,
                                  std::string_view micalg = "pgp-sha256");

}  // namespace sealmail::mime
