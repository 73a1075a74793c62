// pgp_mime.cc — PGP/MIME and inline PGP structure, and the EFAIL display rules (pgp_mime.h).
#include "mime/pgp_mime.h"

#include <string>
#include <utility>
#include <vector>

#include "mime/internal/message_impl.h"

namespace sealmail::mime {
namespace {

using internal::mime_type_of;
using internal::str_or_empty;

GMimeObject* body_of(const Message& message) {
  return g_mime_message_get_mime_part(message.impl().message.get());
}

std::string param(GMimeObject* object, const char* name) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return {};
  return str_or_empty(g_mime_content_type_get_parameter(type, name));
}

bool is_pgp_encrypted_multipart(GMimeObject* object) {
  return GMIME_IS_MULTIPART(object) && mime_type_of(object) == "multipart/encrypted" &&
         ascii_lowercase(param(object, "protocol")) == "application/pgp-encrypted";
}

// Decoded content of the ciphertext part of a multipart/encrypted entity.
Result<std::string> ciphertext_of(GMimeObject* object) {
  GMimeMultipart* multipart = GMIME_MULTIPART(object);
  if (g_mime_multipart_get_count(multipart) < 2)
    return make_error(Errc::kInvalidArgument, "PGP/MIME: multipart/encrypted needs two parts");
  GMimeObject* control = g_mime_multipart_get_part(multipart, 0);
  GMimeObject* data = g_mime_multipart_get_part(multipart, 1);
  if (mime_type_of(control) != "application/pgp-encrypted" || !GMIME_IS_PART(control))
    return make_error(Errc::kInvalidArgument,
                      "PGP/MIME: first part is not application/pgp-encrypted");
  if (internal::decoded_content(GMIME_PART(control)).find("Version: 1") == std::string::npos)
    return make_error(Errc::kInvalidArgument, "PGP/MIME: control part lacks \"Version: 1\"");
  if (mime_type_of(data) != "application/octet-stream" || !GMIME_IS_PART(data))
    return make_error(Errc::kInvalidArgument,
                      "PGP/MIME: second part is not application/octet-stream");
  return internal::decoded_content(GMIME_PART(data));
}

constexpr std::string_view kBeginMessage = "-----BEGIN PGP MESSAGE-----";
constexpr std::string_view kEndMessage = "-----END PGP MESSAGE-----";
constexpr std::string_view kBeginSigned = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view kEndSignature = "-----END PGP SIGNATURE-----";

struct Block {
  InlinePgpBlock::Kind kind;
  size_t begin, end;  // [begin, end) in the text
};

// Armored blocks whose markers start a line.
std::vector<Block> armored_blocks(std::string_view text) {
  std::vector<Block> blocks;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, next - pos);
    std::string_view end_marker;
    InlinePgpBlock::Kind kind{};
    if (line.starts_with(kBeginMessage)) {
      end_marker = kEndMessage;
      kind = InlinePgpBlock::kMessage;
    } else if (line.starts_with(kBeginSigned)) {
      end_marker = kEndSignature;
      kind = InlinePgpBlock::kSignedMessage;
    }
    if (end_marker.empty()) {
      pos = next;
      continue;
    }
    size_t end = text.find(end_marker, next);
    while (end != std::string_view::npos && end > 0 && text[end - 1] != '\n')
      end = text.find(end_marker, end + 1);
    if (end == std::string_view::npos) break;  // unterminated: not a block
    size_t stop = end + end_marker.size();
    blocks.push_back({kind, pos, stop});
    size_t after = text.find('\n', stop);
    pos = after == std::string_view::npos ? text.size() : after + 1;
  }
  return blocks;
}

bool only_space(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Document-order leaf parts that are body text (the index space of InlinePgpBlock::part_index
// counts all leaves).
template <typename Fn>
void for_each_leaf(GMimeObject* root, Fn&& fn) {
  size_t index = 0;
  internal::walk(root, [&](GMimeObject* object, size_t) {
    if (GMIME_IS_MULTIPART(object)) return true;
    fn(object, index++);
    return false;
  });
}

DisplayPart attachment_entry(GMimeObject* object) {
  DisplayPart part;
  part.content_type = mime_type_of(object);
  if (GMIME_IS_PART(object))
    part.filename =
        internal::valid_utf8(str_or_empty(g_mime_part_get_filename(GMIME_PART(object))));
  return part;
}

}  // namespace

EncryptionLayout classify_encryption(const Message& message) {
  EncryptionLayout layout;
  GMimeObject* top = body_of(message);
  if (is_pgp_encrypted_multipart(top)) {
    layout.kind = EncryptionLayout::kPgpMime;
    layout.encrypted_parts = 1;
    return layout;
  }
  bool inline_whole = false;
  size_t text_parts = 0;
  internal::walk(top, [&](GMimeObject* object, size_t) {
    if (is_pgp_encrypted_multipart(object) || mime_type_of(object) == "application/pgp-encrypted") {
      ++layout.encrypted_parts;
      return false;
    }
    if (GMIME_IS_MULTIPART(object)) return true;
    if (!internal::is_body_text(object)) return false;
    ++text_parts;
    if (mime_type_of(object) != "text/plain") return false;
    std::string text = internal::text_of(GMIME_PART(object));
    for (const Block& b : armored_blocks(text)) {
      if (b.kind != InlinePgpBlock::kMessage) continue;
      ++layout.encrypted_parts;
      inline_whole = only_space(std::string_view(text).substr(0, b.begin)) &&
                     only_space(std::string_view(text).substr(b.end));
    }
    return false;
  });
  if (layout.encrypted_parts == 0) return layout;
  if (layout.encrypted_parts == 1 && inline_whole && text_parts == 1 && !GMIME_IS_MULTIPART(top)) {
    layout.kind = EncryptionLayout::kInlinePgp;
    return layout;
  }
  layout.kind = EncryptionLayout::kNestedOrPartial;
  layout.encrypted_part_not_top_level = true;
  return layout;
}

Result<std::string> pgp_mime_ciphertext(const Message& message) {
  GMimeObject* top = body_of(message);
  if (!is_pgp_encrypted_multipart(top))
    return make_error(Errc::kNotFound, "not a PGP/MIME encrypted message");
  return ciphertext_of(top);
}

Result<SignedParts> pgp_signed_parts(const Message& message) {
  GMimeObject* top = body_of(message);
  if (!GMIME_IS_MULTIPART(top) || mime_type_of(top) != "multipart/signed" ||
      ascii_lowercase(param(top, "protocol")) != "application/pgp-signature")
    return make_error(Errc::kNotFound, "not a PGP/MIME signed message");
  const std::string boundary = param(top, "boundary");
  GMimeMultipart* multipart = GMIME_MULTIPART(top);
  if (boundary.empty() || g_mime_multipart_get_count(multipart) != 2)
    return make_error(Errc::kInvalidArgument, "PGP/MIME: multipart/signed needs two parts");
  GMimeObject* sig = g_mime_multipart_get_part(multipart, 1);
  if (!GMIME_IS_PART(sig) || mime_type_of(sig) != "application/pgp-signature")
    return make_error(Errc::kInvalidArgument,
                      "PGP/MIME: second part is not application/pgp-signature");

  // The signed part is taken from the raw bytes: GMime re-serialises, and a signature covers
  // exactly what was sent.
  std::string_view raw = message.raw();
  const std::string delimiter = "--" + boundary;
  auto is_delimiter = [&](std::string_view line) {
    if (!line.starts_with(delimiter)) return false;
    return only_space(line.substr(delimiter.size())) ||
           line.substr(delimiter.size()).starts_with("--");
  };
  size_t pos = 0, start = std::string_view::npos, stop = std::string_view::npos;
  bool in_headers = true;
  while (pos < raw.size()) {
    size_t eol = raw.find('\n', pos);
    size_t next = eol == std::string_view::npos ? raw.size() : eol + 1;
    std::string_view line =
        raw.substr(pos, (eol == std::string_view::npos ? raw.size() : eol) - pos);
    if (in_headers) {
      if (line.empty() || line == "\r") in_headers = false;
    } else if (is_delimiter(line)) {
      if (start == std::string_view::npos) {
        start = next;
      } else {
        stop = pos;
        break;
      }
    }
    pos = next;
  }
  if (start == std::string_view::npos || stop == std::string_view::npos || stop < start)
    return make_error(Errc::kInvalidArgument, "PGP/MIME: signed part has no closing delimiter");
  // The line break before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
  if (stop > start && raw[stop - 1] == '\n') --stop;
  if (stop > start && raw[stop - 1] == '\r') --stop;
  SignedParts parts;
  std::string_view body = raw.substr(start, stop - start);
  parts.signed_bytes.reserve(body.size() + body.size() / 32);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r')) parts.signed_bytes.push_back('\r');
    parts.signed_bytes.push_back(body[i]);
  }
  parts.signature = internal::decoded_content(GMIME_PART(sig));
  parts.micalg = ascii_lowercase(param(top, "micalg"));
  return parts;
}

std::vector<InlinePgpBlock> find_inline_pgp(const Message& message) {
  std::vector<InlinePgpBlock> out;
  for_each_leaf(body_of(message), [&](GMimeObject* object, size_t index) {
    if (!internal::is_body_text(object) || mime_type_of(object) != "text/plain") return;
    std::string text = internal::text_of(GMIME_PART(object));
    for (const Block& b : armored_blocks(text))
      out.push_back({b.kind, text.substr(b.begin, b.end - b.begin), index, b.begin});
  });
  return out;
}

std::vector<DisplayPart> display_plan(const Message& message) {
  const EncryptionLayout layout = classify_encryption(message);
  const bool flagged = layout.encrypted_part_not_top_level;
  std::vector<DisplayPart> out;
  std::vector<GMimeObject*> stack{body_of(message)};
  while (!stack.empty()) {
    GMimeObject* object = stack.back();
    stack.pop_back();
    const std::string type = mime_type_of(object);
    if (is_pgp_encrypted_multipart(object)) {
      DisplayPart part;
      part.origin = DisplayPart::kEncrypted;
      part.content_type = type;
      part.text = ciphertext_of(object).value_or("");
      part.isolated = true;
      part.encrypted_part_not_top_level = flagged;
      out.push_back(std::move(part));
      continue;
    }
    if (GMIME_IS_MULTIPART(object)) {
      GMimeMultipart* multipart = GMIME_MULTIPART(object);
      const int count = g_mime_multipart_get_count(multipart);
      if (type == "multipart/alternative" && count > 0) {
        GMimeObject* chosen = g_mime_multipart_get_part(multipart, 0);
        for (int i = 0; i < count; ++i) {
          GMimeObject* child = g_mime_multipart_get_part(multipart, i);
          if (mime_type_of(child) == "text/plain") {
            chosen = child;
            break;
          }
        }
        stack.push_back(chosen);
      } else {
        for (int i = count - 1; i >= 0; --i)
          stack.push_back(g_mime_multipart_get_part(multipart, i));
      }
      continue;
    }
    if (type == "application/pgp-signature" || type == "application/pgp-encrypted") continue;
    if (!internal::is_body_text(object)) {
      out.push_back(attachment_entry(object));
      continue;
    }
    std::string text = internal::text_of(GMIME_PART(object));
    size_t pos = 0;
    auto plain = [&](std::string_view piece) {
      if (only_space(piece)) return;
      DisplayPart part;
      part.content_type = type;
      part.text = std::string(piece);
      out.push_back(std::move(part));
    };
    if (type == "text/plain") {
      for (const Block& b : armored_blocks(text)) {
        if (b.kind != InlinePgpBlock::kMessage) continue;
        plain(std::string_view(text).substr(pos, b.begin - pos));
        DisplayPart part;
        part.origin = DisplayPart::kEncrypted;
        part.content_type = "application/pgp-encrypted";
        part.text = text.substr(b.begin, b.end - b.begin);
        part.isolated = true;
        part.encrypted_part_not_top_level = flagged;
        out.push_back(std::move(part));
        pos = b.end;
      }
    }
    plain(std::string_view(text).substr(pos));
  }
  return out;
}

Result<std::vector<DisplayPart>> decrypted_display_parts(const DisplayPart& encrypted,
                                                         std::string_view plaintext,
                                                         bool plaintext_is_mime,
                                                         const Limits& limits) {
  std::vector<DisplayPart> out;
  if (!plaintext_is_mime) {
    DisplayPart part;
    part.origin = DisplayPart::kDecrypted;
    part.content_type = "text/plain";
    part.text = internal::valid_utf8(plaintext);
    out.push_back(std::move(part));
  } else {
    Message inner = SEALMAIL_TRY(parse(plaintext, limits));
    out = display_plan(inner);
    for (DisplayPart& part : out)
      if (part.origin == DisplayPart::kPlaintext) part.origin = DisplayPart::kDecrypted;
  }
  for (DisplayPart& part : out) {
    part.isolated = true;
    part.encrypted_part_not_top_level =
        part.encrypted_part_not_top_level || encrypted.encrypted_part_not_top_level;
  }
  return out;
}

}  // namespace sealmail::mime
