#include "dns/internal/rdata.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>

#include "base/ascii.h"

namespace sealmail::dns::internal {
namespace {

constexpr size_t kMaxNameText = 253;
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxWireName = 255;

bool plain_query_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool printable_label_byte(unsigned char c) { return c > 0x20 && c < 0x7f && c != '.' && c != '\\'; }

// The uncompressed name at rdata[pos...], as lower-case text without trailing dot; `pos` ends
// just after it. The root name is "".
std::optional<std::string> name_at(Bytes rdata, size_t& pos) {
  std::string text;
  size_t wire = 0;
  while (true) {
    if (pos >= rdata.size()) return std::nullopt;
    size_t length = rdata[pos++];
    wire += length + 1;
    if (length > kMaxLabel || wire > kMaxWireName) return std::nullopt;  // also pointers
    if (length == 0) return text;
    if (pos + length > rdata.size()) return std::nullopt;
    if (!text.empty()) text += '.';
    for (size_t i = 0; i < length; ++i) {
      unsigned char c = rdata[pos + i];
      if (!printable_label_byte(c)) return std::nullopt;
      text += ascii_lower(static_cast<char>(c));
    }
    pos += length;
  }
}

}  // namespace

std::optional<std::string> query_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameText) return std::nullopt;
  std::string out;
  size_t label = 0;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) return std::nullopt;
      label = 0;
      out += '.';
      continue;
    }
    if (++label > kMaxLabel) return std::nullopt;
    if (plain_query_byte(c)) {
      out += ch;
    } else {
      out += '\\';
      out += static_cast<char>('0' + c / 100);
      out += static_cast<char>('0' + c / 10 % 10);
      out += static_cast<char>('0' + c % 10);
    }
  }
  if (label == 0) return std::nullopt;
  return out;
}

std::optional<std::string> txt_from_rdata(Bytes rdata) {
  std::string text;
  size_t pos = 0;
  while (pos < rdata.size()) {
    size_t length = rdata[pos++];
    if (pos + length > rdata.size()) return std::nullopt;
    text.append(reinterpret_cast<const char*>(rdata.data() + pos), length);
    pos += length;
  }
  return text;
}

std::optional<std::string> ipv4_from_rdata(Bytes rdata) {
  if (rdata.size() != 4) return std::nullopt;
  char text[INET_ADDRSTRLEN];
  if (inet_ntop(AF_INET, rdata.data(), text, sizeof text) == nullptr) return std::nullopt;
  return std::string(text);
}

std::optional<std::string> ipv6_from_rdata(Bytes rdata) {
  if (rdata.size() != 16) return std::nullopt;
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, rdata.data(), text, sizeof text) == nullptr) return std::nullopt;
  return std::string(text);
}

std::optional<MxRecord> mx_from_rdata(Bytes rdata) {
  if (rdata.size() < 3) return std::nullopt;
  size_t pos = 2;
  auto host = name_at(rdata, pos);
  if (!host || pos != rdata.size()) return std::nullopt;
  return MxRecord{static_cast<uint16_t>(rdata[0] << 8 | rdata[1]), std::move(*host)};
}

std::optional<std::string> ptr_from_rdata(Bytes rdata) {
  size_t pos = 0;
  auto host = name_at(rdata, pos);
  if (!host || pos != rdata.size() || host->empty()) return std::nullopt;
  return host;
}

}  // namespace sealmail::dns::internal
