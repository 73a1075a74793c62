// autocrypt.cc — Autocrypt header build/parse (autocrypt.h).
#include "mime/autocrypt.h"

#include <string>
#include <vector>

#include "base/base64.h"
#include "mime/internal/message_impl.h"

namespace sealmail::mime {
namespace {

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

std::string build_autocrypt_value(const AutocryptHeader& header) {
  std::string out = "addr=" + header.addr + ";";
  if (header.prefer_encrypt_mutual) out += " prefer-encrypt=mutual;";
  out += " keydata=";
  const std::string b64 = base64_encode(header.keydata);
  for (size_t i = 0; i < b64.size(); i += 76) out += "\r\n " + b64.substr(i, 76);
  return out;
}

Result<AutocryptHeader> parse_autocrypt_value(std::string_view value, std::string_view from_addr) {
  AutocryptHeader header;
  bool have_addr = false, have_keydata = false;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t semi = value.find(';', pos);
    std::string_view attribute =
        trim(value.substr(pos, semi == std::string_view::npos ? value.npos : semi - pos));
    pos = semi == std::string_view::npos ? value.size() + 1 : semi + 1;
    if (attribute.empty()) continue;
    size_t eq = attribute.find('=');
    if (eq == std::string_view::npos)
      return make_error(Errc::kInvalidArgument, "Autocrypt: attribute without '='");
    std::string name = ascii_lowercase(trim(attribute.substr(0, eq)));
    std::string_view attr_value = trim(attribute.substr(eq + 1));
    if (name == "addr") {
      if (have_addr) return make_error(Errc::kInvalidArgument, "Autocrypt: addr twice");
      header.addr = std::string(attr_value);
      have_addr = true;
    } else if (name == "prefer-encrypt") {
      header.prefer_encrypt_mutual = attr_value == "mutual";
    } else if (name == "keydata") {
      if (have_keydata) return make_error(Errc::kInvalidArgument, "Autocrypt: keydata twice");
      auto decoded = base64_decode(attr_value);
      if (!decoded || decoded->empty())
        return make_error(Errc::kInvalidArgument, "Autocrypt: keydata is not base64");
      header.keydata = std::move(*decoded);
      have_keydata = true;
    } else if (!name.starts_with("_")) {
      return make_error(Errc::kInvalidArgument, "Autocrypt: unknown critical attribute");
    }
  }
  if (!have_addr) return make_error(Errc::kInvalidArgument, "Autocrypt: no addr");
  if (!have_keydata) return make_error(Errc::kInvalidArgument, "Autocrypt: no keydata");
  if (ascii_lowercase(header.addr) != ascii_lowercase(trim(from_addr)))
    return make_error(Errc::kInvalidArgument, "Autocrypt: addr does not match From");
  return header;
}

std::optional<AutocryptHeader> find_autocrypt(const Message& message) {
  GMimeMessage* msg = message.impl().message.get();
  InternetAddressList* from = g_mime_message_get_from(msg);
  if (from == nullptr || internet_address_list_length(from) != 1) return std::nullopt;
  InternetAddress* address = internet_address_list_get_address(from, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX(address)) return std::nullopt;
  const std::string from_addr =
      internal::str_or_empty(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
  std::optional<AutocryptHeader> found;
  GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
  const int count = g_mime_header_list_get_count(headers);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    if (g_ascii_strcasecmp(internal::str_or_empty(g_mime_header_get_name(h)).c_str(),
                           "Autocrypt") != 0)
      continue;
    auto parsed =
        parse_autocrypt_value(internal::str_or_empty(g_mime_header_get_raw_value(h)), from_addr);
    if (!parsed.ok()) continue;
    if (found) return std::nullopt;  // more than one valid header: ignore all
    found = std::move(parsed).value();
  }
  return found;
}

}  // namespace sealmail::mime
