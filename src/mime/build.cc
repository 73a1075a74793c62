// build.cc — message building (build.h).
#include "mime/build.h"

#include <array>
#include <random>
#include <string>
#include <utility>

#include "mime/internal/message_impl.h"

namespace sealmail::mime {
namespace {

using internal::adopt;
using internal::GPtr;

std::string random_hex(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;  // /dev/urandom on Linux
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    unsigned v = device() & 0xffu;
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 15]);
  }
  return out;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

Status check_value(std::string_view what, std::string_view value) {
  if (has_line_break(value))
    return make_error(Errc::kInvalidArgument, std::string(what) + " contains CR, LF or NUL");
  return ok_status();
}

Status check_address(const Address& a) {
  SEALMAIL_RETURN_IF_ERROR(check_value("display name", a.name));
  if (a.addr.empty() || a.addr.find('@') == std::string::npos)
    return make_error(Errc::kInvalidArgument, "address has no @");
  for (char c : a.addr)
    if (static_cast<unsigned char>(c) <= ' ' || c == 127 || c == '<' || c == '>' || c == ',')
      return make_error(Errc::kInvalidArgument, "address contains a space, control or <>,");
  return ok_status();
}

Status check_message_id(std::string_view id) {
  for (char c : id)
    if (static_cast<unsigned char>(c) <= ' ' || c >= 127 || c == '<' || c == '>')
      return make_error(Errc::kInvalidArgument, "Message-ID contains a space, control or <>");
  return ok_status();
}

// Folded values are CRLF followed by space or tab; anything else with CR/LF is refused.
Status check_extra_header(const std::pair<std::string, std::string>& header) {
  const auto& [name, value] = header;
  if (name.empty()) return make_error(Errc::kInvalidArgument, "empty header name");
  for (char c : name)
    if (c <= ' ' || c >= 127 || c == ':')
      return make_error(Errc::kInvalidArgument, "header name contains an invalid character");
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\0') return make_error(Errc::kInvalidArgument, "header value contains NUL");
    if (value[i] == '\r' || value[i] == '\n') {
      if (value.compare(i, 2, "\r\n") != 0 || i + 2 >= value.size() ||
          (value[i + 2] != ' ' && value[i + 2] != '\t'))
        return make_error(Errc::kInvalidArgument,
                          "header value has a line break that is not folding");
      ++i;
    }
  }
  return ok_status();
}

std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out.push_back('\r');
    out.push_back(text[i]);
  }
  return out;
}

// The header block (ending with CRLF, no blank line) for `envelope`, with `subject`.
Result<std::string> build_headers(const Envelope& envelope, std::string_view subject) {
  if (envelope.from.size() != 1) return make_error(Errc::kInvalidArgument, "need exactly one From");
  for (const auto* list : {&envelope.from, &envelope.to, &envelope.cc, &envelope.bcc})
    for (const Address& a : *list) SEALMAIL_RETURN_IF_ERROR(check_address(a));
  SEALMAIL_RETURN_IF_ERROR(check_value("Subject", subject));
  SEALMAIL_RETURN_IF_ERROR(check_message_id(envelope.message_id));
  SEALMAIL_RETURN_IF_ERROR(check_message_id(envelope.in_reply_to));
  for (const std::string& id : envelope.references) {
    if (id.empty()) return make_error(Errc::kInvalidArgument, "empty References entry");
    SEALMAIL_RETURN_IF_ERROR(check_message_id(id));
  }
  for (const auto& h : envelope.extra_headers) SEALMAIL_RETURN_IF_ERROR(check_extra_header(h));

  internal::ensure_gmime();
  GPtr<GMimeMessage> message = adopt(g_mime_message_new(TRUE));
  const struct {
    const std::vector<Address>* list;
    GMimeAddressType type;
  } kinds[] = {{&envelope.from, GMIME_ADDRESS_TYPE_FROM},
               {&envelope.to, GMIME_ADDRESS_TYPE_TO},
               {&envelope.cc, GMIME_ADDRESS_TYPE_CC},
               {&envelope.bcc, GMIME_ADDRESS_TYPE_BCC}};
  for (const auto& kind : kinds)
    for (const Address& a : *kind.list)
      g_mime_message_add_mailbox(message.get(), kind.type, a.name.c_str(), a.addr.c_str());
  g_mime_message_set_subject(message.get(), std::string(subject).c_str(), "utf-8");
  GDateTime* date = g_date_time_new_from_unix_utc(envelope.date);
  if (date == nullptr) return make_error(Errc::kInvalidArgument, "date out of range");
  g_mime_message_set_date(message.get(), date);
  g_date_time_unref(date);
  std::string id = envelope.message_id;
  if (id.empty()) {
    const std::string& from = envelope.from.front().addr;
    id = generate_message_id(from.substr(from.rfind('@') + 1));
  }
  g_mime_message_set_message_id(message.get(), id.c_str());
  GMimeObject* object = GMIME_OBJECT(message.get());
  if (!envelope.in_reply_to.empty())
    g_mime_object_set_header(object, "In-Reply-To", ("<" + envelope.in_reply_to + ">").c_str(),
                             nullptr);
  if (!envelope.references.empty()) {
    std::string refs;
    for (const std::string& r : envelope.references) refs += (refs.empty() ? "<" : " <") + r + ">";
    g_mime_object_set_header(object, "References", refs.c_str(), nullptr);
  }
  internal::FormatOptions options = internal::crlf_format_options();
  std::string headers = internal::take_string(g_mime_object_get_headers(object, options.get()));
  for (const auto& [name, value] : envelope.extra_headers) headers += name + ": " + value + "\r\n";
  headers += "MIME-Version: 1.0\r\n";
  return headers;
}

GPtr<GMimeObject> text_part(const char* subtype, std::string_view text, bool for_signing) {
  GMimeTextPart* part = g_mime_text_part_new_with_subtype(subtype);
  g_mime_text_part_set_text(part, to_crlf(text).c_str());
  GMimeContentEncoding encoding =
      for_signing
          ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
          : g_mime_part_get_best_content_encoding(GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT);
  g_mime_part_set_content_encoding(GMIME_PART(part), encoding);
  return GPtr<GMimeObject>(GMIME_OBJECT(part));
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c <= ' ' || c >= 127 ||
        std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos)
      return false;
  return true;
}

GPtr<GMimeObject> attachment_part(const AttachmentData& a) {
  std::string type = "application", subtype = "octet-stream";
  size_t slash = a.content_type.find('/');
  if (slash != std::string::npos && is_token(a.content_type.substr(0, slash)) &&
      is_token(a.content_type.substr(slash + 1))) {
    type = a.content_type.substr(0, slash);
    subtype = a.content_type.substr(slash + 1);
  }
  GMimePart* part = g_mime_part_new_with_type(type.c_str(), subtype.c_str());
  auto stream = adopt(g_mime_stream_mem_new_with_buffer(a.data.data(), a.data.size()));
  auto wrapper =
      adopt(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, wrapper.get());
  // RFC 2046 §5.2.1: a message/rfc822 body is never base64; a forwarded message goes as is.
  const bool message = type == "message" && subtype == "rfc822";
  g_mime_part_set_content_encoding(
      part, message ? GMIME_CONTENT_ENCODING_8BIT : GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
  if (!a.filename.empty() && !has_line_break(a.filename))
    g_mime_part_set_filename(part, a.filename.c_str());
  return GPtr<GMimeObject>(GMIME_OBJECT(part));
}

std::string random_boundary() { return "=-sealmail-" + random_hex(16); }

}  // namespace

std::string generate_message_id(std::string_view domain) {
  return random_hex(16) + "@" + std::string(domain.empty() ? "localhost" : domain);
}

namespace {

GPtr<GMimeObject> entity_object(const Content& content, bool for_signing) {
  internal::ensure_gmime();
  GPtr<GMimeObject> body = text_part("plain", content.text, for_signing);
  if (!content.html.empty()) {
    GPtr<GMimeMultipart> alternative = adopt(g_mime_multipart_new_with_subtype("alternative"));
    g_mime_multipart_add(alternative.get(), body.get());
    g_mime_multipart_add(alternative.get(), text_part("html", content.html, for_signing).get());
    body.reset(GMIME_OBJECT(alternative.release()));
  }
  if (!content.attachments.empty()) {
    GPtr<GMimeMultipart> mixed = adopt(g_mime_multipart_new_with_subtype("mixed"));
    g_mime_multipart_add(mixed.get(), body.get());
    for (const AttachmentData& a : content.attachments)
      g_mime_multipart_add(mixed.get(), attachment_part(a).get());
    body.reset(GMIME_OBJECT(mixed.release()));
  }
  return body;
}

}  // namespace

Result<std::string> build_entity(const Content& content, bool for_signing) {
  GPtr<GMimeObject> body = entity_object(content, for_signing);
  return internal::object_to_crlf(body.get());
}

Result<std::string> build_protected_entity(const Envelope& envelope, const Content& content) {
  std::string headers = SEALMAIL_TRY(build_headers(envelope, envelope.subject));
  GPtr<GMimeObject> body = entity_object(content, false);
  g_mime_object_set_content_type_parameter(body.get(), "protected-headers", "v1");
  // The message's fields, then the entity's own: one header block.
  return headers + internal::object_to_crlf(body.get());
}

Result<std::string> build_message(const Envelope& envelope, const Content& content) {
  std::string headers = SEALMAIL_TRY(build_headers(envelope, envelope.subject));
  std::string entity = SEALMAIL_TRY(build_entity(content));
  return headers + entity;
}

Result<std::string> build_pgp_mime_encrypted(const Envelope& envelope, std::string_view armored) {
  std::string out = SEALMAIL_TRY(build_headers(envelope, "..."));
  std::string boundary = random_boundary();
  std::string body = to_crlf(armored);
  if (body.find(boundary) != std::string::npos)
    return make_error(Errc::kInvalidArgument, "ciphertext contains the MIME boundary");
  if (!body.ends_with("\r\n")) body += "\r\n";
  out +=
      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
      " boundary=\"" +
      boundary +
      "\"\r\n\r\n"
      "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
      "--" +
      boundary +
      "\r\n"
      "Content-Type: application/pgp-encrypted\r\n"
      "Content-Description: PGP/MIME version identification\r\n\r\n"
      "Version: 1\r\n\r\n"
      "--" +
      boundary +
      "\r\n"
      "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
      "Content-Description: OpenPGP encrypted message\r\n"
      "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n" +
      body + "\r\n--" + boundary + "--\r\n";
  return out;
}

Result<SignedDraft> prepare_signed(const Content& content) {
  SignedDraft draft;
  draft.to_sign = SEALMAIL_TRY(build_entity(content, /*for_signing=*/true));
  do {
    draft.boundary = random_boundary();
  } while (draft.to_sign.find(draft.boundary) != std::string::npos);
  return draft;
}

Result<std::string> finish_signed(const Envelope& envelope, const SignedDraft& draft,
                                  std::string_view armored_signature, std::string_view micalg) {
  if (!is_token(micalg)) return make_error(Errc::kInvalidArgument, "micalg is not a token");
  std::string signature = to_crlf(armored_signature);
  if (signature.find(draft.boundary) != std::string::npos)
    return make_error(Errc::kInvalidArgument, "signature contains the MIME boundary");
  if (!signature.ends_with("\r\n")) signature += "\r\n";
  std::string out = SEALMAIL_TRY(build_headers(envelope, envelope.subject));
  out += "Content-Type: multipart/signed; micalg=" + std::string(micalg) +
         "; protocol=\"application/pgp-signature\";\r\n"
         " boundary=\"" +
         draft.boundary +
         "\"\r\n\r\n"
         "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n"
         "--" +
         draft.boundary + "\r\n" + draft.to_sign +
         "\r\n"
         "--" +
         draft.boundary +
         "\r\n"
         "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
         "Content-Description: OpenPGP digital signature\r\n"
         "Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n" +
         signature + "\r\n--" + draft.boundary + "--\r\n";
  return out;
}

Content content_of(const Message& message) {
  Content content;
  bool have_plain = false, have_html = false;
  internal::walk(
      g_mime_message_get_mime_part(message.impl().message.get()), [&](GMimeObject* object, size_t) {
        if (GMIME_IS_MULTIPART(object)) return true;
        const std::string type = internal::mime_type_of(object);
        if (GMIME_IS_PART(object)) {
          GMimePart* part = GMIME_PART(object);
          if (internal::is_body_text(object) && type == "text/plain" && !have_plain) {
            content.text = internal::text_of(part);
            have_plain = true;
          } else if (internal::is_body_text(object) && type == "text/html" && !have_html) {
            content.html = internal::text_of(part);
            have_html = true;
          } else {
            content.attachments.push_back(AttachmentData{
                .filename =
                    internal::valid_utf8(internal::str_or_empty(g_mime_part_get_filename(part))),
                .content_type = type,
                .data = internal::decoded_content(part)});
          }
        } else if (GMIME_IS_MESSAGE_PART(object)) {
          GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
          content.attachments.push_back(AttachmentData{
              .filename = internal::valid_utf8(internal::str_or_empty(
                  g_mime_object_get_content_disposition_parameter(object, "filename"))),
              .content_type = type,
              .data = inner == nullptr ? std::string()
                                       : internal::object_to_crlf(GMIME_OBJECT(inner))});
        }
        return false;
      });
  return content;
}

}  // namespace sealmail::mime
