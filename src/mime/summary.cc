// summary.cc — summarize(), the snippet, and the JSON form of a Summary (format v1).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "mime/internal/message_impl.h"
#include "mime/mime.h"
#include "mime/pgp_mime.h"

namespace sealmail::mime {
namespace {

using internal::str_or_empty;
using internal::valid_utf8;

void append_addresses(InternetAddressList* list, std::vector<Address>& out, int group_depth = 0) {
  if (list == nullptr) return;
  const int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      out.push_back({valid_utf8(str_or_empty(internet_address_get_name(address))),
                     valid_utf8(str_or_empty(
                         internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address))))});
    } else if (INTERNET_ADDRESS_IS_GROUP(address) && group_depth == 0) {
      append_addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), out,
                       group_depth + 1);
    }
  }
}

std::string strip_angles(std::string_view id) {
  std::string decoded =
      internal::take_string(g_mime_utils_decode_message_id(std::string(id).c_str()));
  return valid_utf8(decoded.empty() ? id : decoded);
}

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// Collapses whitespace runs to one space and cuts at `max_chars` code points.
std::string make_snippet(std::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool pending_space = false;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (is_space(c)) {
      pending_space = !out.empty();
      ++i;
      continue;
    }
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + len > text.size()) len = text.size() - i;
    if (pending_space) {
      if (chars + 1 >= max_chars) break;
      out.push_back(' ');
      ++chars;
      pending_space = false;
    }
    if (chars >= max_chars) break;
    out.append(text.substr(i, len));
    ++chars;
    i += len;
  }
  return out;
}

uint64_t decoded_size(GMimeObject* object) {
  if (GMIME_IS_PART(object)) {
    GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(object));
    if (wrapper == nullptr) return 0;
    auto sink = internal::adopt(g_mime_stream_null_new());
    ssize_t n = g_mime_data_wrapper_write_to_stream(wrapper, sink.get());
    return n < 0 ? 0 : static_cast<uint64_t>(n);
  }
  if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    return inner == nullptr ? 0 : internal::object_to_crlf(GMIME_OBJECT(inner)).size();
  }
  return 0;
}

}  // namespace

namespace internal {

std::string text_of(GMimePart* part) {
  if (GMIME_IS_TEXT_PART(part)) {
    std::string text = take_string(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
    if (!text.empty()) return valid_utf8(text);
  }
  return valid_utf8(decoded_content(part));
}

bool is_body_text(GMimeObject* object) {
  if (!GMIME_IS_PART(object)) return false;
  GMimePart* part = GMIME_PART(object);
  const std::string type = mime_type_of(object);
  return (type == "text/plain" || type == "text/html") && !g_mime_part_is_attachment(part) &&
         g_mime_part_get_filename(part) == nullptr;
}

}  // namespace internal

Summary summarize(const Message& message) {
  GMimeMessage* msg = message.impl().message.get();
  Summary s;
  append_addresses(g_mime_message_get_from(msg), s.from);
  append_addresses(g_mime_message_get_to(msg), s.to);
  append_addresses(g_mime_message_get_cc(msg), s.cc);
  append_addresses(g_mime_message_get_bcc(msg), s.bcc);
  s.subject = valid_utf8(str_or_empty(g_mime_message_get_subject(msg)));
  if (GDateTime* date = g_mime_message_get_date(msg)) s.date = g_date_time_to_unix(date);
  s.date_raw = message.header("Date").value_or("");
  s.message_id = valid_utf8(str_or_empty(g_mime_message_get_message_id(msg)));
  if (auto in_reply_to = message.header("In-Reply-To")) s.in_reply_to = strip_angles(*in_reply_to);
  if (const char* refs = g_mime_object_get_header(GMIME_OBJECT(msg), "References")) {
    internal::ParserOptions options = internal::lenient_parser_options();
    GMimeReferences* list = g_mime_references_parse(options.get(), refs);
    for (int i = 0; list != nullptr && i < g_mime_references_length(list); ++i)
      s.references.push_back(valid_utf8(str_or_empty(g_mime_references_get_message_id(list, i))));
    if (list != nullptr) g_mime_references_free(list);
  }

  EncryptionLayout layout = classify_encryption(message);
  s.encrypted = layout.kind != EncryptionLayout::kNone;

  std::string plain, html;
  bool have_plain = false, have_html = false;
  internal::walk(g_mime_message_get_mime_part(msg), [&](GMimeObject* object, size_t) {
    const std::string type = internal::mime_type_of(object);
    if (GMIME_IS_MULTIPART(object)) return !s.encrypted || type != "multipart/encrypted";
    if (type == "application/pgp-signature" || type == "application/pgp-encrypted") return false;
    std::string filename;
    bool attachment = false;
    if (GMIME_IS_PART(object)) {
      GMimePart* part = GMIME_PART(object);
      filename = valid_utf8(str_or_empty(g_mime_part_get_filename(part)));
      attachment = !internal::is_body_text(object);
      if (!attachment && type == "text/plain" && !have_plain) {
        plain = internal::text_of(part);
        have_plain = true;
      } else if (!attachment && type == "text/html" && !have_html) {
        html = internal::text_of(part);
        have_html = true;
      }
    } else {
      attachment = true;  // message/rfc822 and anything else: listed, not descended into
    }
    if (attachment) s.attachments.push_back({filename, type, decoded_size(object)});
    return false;
  });
  if (!s.encrypted) {
    std::string text = have_plain ? plain : have_html ? html_to_text(html) : std::string();
    s.snippet = make_snippet(text, Summary::kSnippetChars);
  }
  return s;
}

std::string html_to_text(std::string_view html) {
  // Lower-cased once: per-tag lower-casing of the rest would be quadratic.
  const std::string lower = ascii_lowercase(html);
  auto at = [&](size_t i, std::string_view word) {
    return i <= lower.size() && lower.compare(i, word.size(), word) == 0;
  };
  std::string out;
  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      if (at(i, "<!--")) {
        size_t end = lower.find("-->", i + 4);
        i = end == std::string::npos ? html.size() : end + 3;
        continue;
      }
      for (std::string_view skip : {std::string_view("script"), std::string_view("style")}) {
        if (at(i + 1, skip)) {
          size_t end = lower.find("</" + std::string(skip), i + 1);
          if (end == std::string::npos) return make_snippet(out, std::string::npos);
          i = end;
          break;
        }
      }
      size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;
      out.push_back(' ');
      i = end + 1;
      continue;
    }
    if (c == '&') {
      static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
          {"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},  {"&quot;", "\""},
          {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
      bool matched = false;
      for (auto [entity, text] : kEntities) {
        if (at(i, entity)) {
          out.append(text);
          i += entity.size();
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    out.push_back(c);
    ++i;
  }
  return make_snippet(out, std::string::npos);
}

nlohmann::json to_json(const Summary& s) {
  auto addresses = [](const std::vector<Address>& list) {
    nlohmann::json array = nlohmann::json::array();
    for (const Address& a : list) array.push_back({{"name", a.name}, {"addr", a.addr}});
    return array;
  };
  nlohmann::json attachments = nlohmann::json::array();
  for (const Attachment& a : s.attachments)
    attachments.push_back({{"filename", a.filename}, {"type", a.content_type}, {"size", a.size}});
  nlohmann::json out = {{"v", Summary::kVersion},
                        {"from", addresses(s.from)},
                        {"to", addresses(s.to)},
                        {"cc", addresses(s.cc)},
                        {"subject", s.subject},
                        {"date", s.date ? nlohmann::json(*s.date) : nlohmann::json(nullptr)},
                        {"date_raw", s.date_raw},
                        {"message_id", s.message_id},
                        {"in_reply_to", s.in_reply_to},
                        {"references", s.references},
                        {"snippet", s.snippet},
                        {"attachments", attachments},
                        {"encrypted", s.encrypted}};
  if (!s.bcc.empty()) out["bcc"] = addresses(s.bcc);
  return out;
}

Result<Summary> summary_from_json(const nlohmann::json& j) {
  try {
    if (!j.is_object() || !j.contains("v") || !j.at("v").is_number_integer())
      return make_error(Errc::kInvalidArgument, "summary: missing version");
    if (j.at("v").get<int>() != Summary::kVersion)
      return make_error(Errc::kUnsupported, "summary: unknown version");
    auto addresses = [&](const char* key) {
      std::vector<Address> out;
      for (const auto& a : j.at(key))
        out.push_back({a.at("name").get<std::string>(), a.at("addr").get<std::string>()});
      return out;
    };
    Summary s;
    s.from = addresses("from");
    s.to = addresses("to");
    s.cc = addresses("cc");
    if (j.contains("bcc")) s.bcc = addresses("bcc");
    s.subject = j.at("subject").get<std::string>();
    if (!j.at("date").is_null()) s.date = j.at("date").get<int64_t>();
    s.date_raw = j.at("date_raw").get<std::string>();
    s.message_id = j.at("message_id").get<std::string>();
    s.in_reply_to = j.at("in_reply_to").get<std::string>();
    s.references = j.at("references").get<std::vector<std::string>>();
    s.snippet = j.at("snippet").get<std::string>();
    for (const auto& a : j.at("attachments"))
      s.attachments.push_back({a.at("filename").get<std::string>(), a.at("type").get<std::string>(),
                               a.at("size").get<uint64_t>()});
    s.encrypted = j.at("encrypted").get<bool>();
    return s;
  } catch (const nlohmann::json::exception&) {
    return make_error(Errc::kInvalidArgument, "summary: malformed JSON fields");
  }
}

}  // namespace sealmail::mime
