// The Beast-free half of HttpsClient: server URLs, response lookups and request bytes. The
// connection itself is in internal/https_transport.cc.
#include "client/https_client.h"

#include <arpa/inet.h>

#include <charconv>

#include "base/ascii.h"
#include "base/dns_name.h"
#include "client/internal/request_wire.h"

namespace sealmail::client {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

Error bad_url(std::string_view url, std::string_view why) {
  // The URL is the user's own input; keep it one printable line in the message.
  std::string shown;
  for (char c : url.substr(0, 200)) shown.push_back(c > 0x20 && c < 0x7f ? c : '?');
  return make_error(Errc::kInvalidArgument, "server must be https://HOST or https://HOST:PORT (" +
                                                std::string(why) + "): '" + shown + "'");
}

// RFC 9110 §5.6.2 tchar.
bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_visible_ascii(std::string_view text) {
  for (char c : text) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (iequals(field, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string ServerAddress::authority() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

Result<ServerAddress> parse_server_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size() || !iequals(url.substr(0, kScheme.size()), kScheme)) {
    return bad_url(url, "the scheme must be https");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  for (char c : rest) {
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\') {
      return bad_url(url, "only a host and a port may follow https://");
    }
  }

  ServerAddress server;
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unterminated IPv6 literal");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "junk after the IPv6 literal");
      has_port = true;
      port = after.substr(1);
    }
    unsigned char buffer[16];
    if (::inet_pton(AF_INET6, std::string(host).c_str(), buffer) != 1) {
      return bad_url(url, "not an IPv6 address");
    }
    server.ip_literal = true;
  } else {
    size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = rest.substr(colon + 1);
      if (port.find(':') != std::string_view::npos) {
        return bad_url(url, "an IPv6 address must be in brackets");
      }
    }
    unsigned char buffer[4];
    server.ip_literal = ::inet_pton(AF_INET, std::string(host).c_str(), buffer) == 1;
    if (!server.ip_literal && !is_dns_name(host)) return bad_url(url, "not a host name");
  }
  server.host = ascii_lowercase(host);

  if (has_port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || port.size() > 5 || ec != std::errc() || end != port.data() + port.size() ||
        value == 0 || value > 65535) {
      return bad_url(url, "the port must be 1-65535");
    }
    server.port = static_cast<uint16_t>(value);
  }
  return server;
}

namespace internal {

Result<std::string> serialize_request(const ServerAddress& server, std::string_view method,
                                      std::string_view target, std::string_view body,
                                      std::string_view bearer, std::string_view content_type) {
  if (!is_token(method)) return make_error(Errc::kInvalidArgument, "not an HTTP method");
  if (target.empty() || target.front() != '/' || !is_visible_ascii(target)) {
    return make_error(Errc::kInvalidArgument, "the request target must be an absolute path");
  }
  if (!is_visible_ascii(bearer)) {
    return make_error(Errc::kInvalidArgument, "the bearer token must be visible ASCII");
  }
  if (content_type.find_first_of("\r\n") != std::string_view::npos) {
    return make_error(Errc::kInvalidArgument, "a content type is one line");
  }
  std::string out;
  out.reserve(256 + target.size() + bearer.size() + body.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  // RFC 9110 §7.2: the port may be left out when it is the scheme's default.
  std::string authority = server.authority();
  if (server.port == 443) authority.resize(authority.rfind(':'));
  out.append("Host: ").append(authority).append("\r\n");
  out.append("User-Agent: sealmail/" SEALMAIL_VERSION "\r\n");
  if (!bearer.empty()) out.append("Authorization: Bearer ").append(bearer).append("\r\n");
  // RFC 9110 §8.6: a body-carrying method states its length even when it is zero.
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  if (!body.empty()) out.append("Content-Type: ").append(content_type).append("\r\n");
  out.append("\r\n");
  out.append(body);
  return out;
}

}  // namespace internal
}  // namespace sealmail::client
