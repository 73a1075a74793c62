#include "http/internal/wire.h"

#include <time.h>

#include <array>
#include <random>

#include <fmt/format.h>

namespace sealmail::http::internal {
namespace {

constexpr std::string_view kSecurityPolicy =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_safe_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Fields the engine writes itself; a handler's copy is ignored.
bool engine_owned(std::string_view name) {
  for (std::string_view owned : {"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
                                 "Date", "Server", "X-Request-Id", "Strict-Transport-Security",
                                 "Content-Type", "X-Content-Type-Options", "Referrer-Policy"}) {
    if (iequals(name, owned)) return true;
  }
  return false;
}

void add_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::optional<std::string> serialize_response(const Response& response, const WireOptions& opts) {
  bool custom_cache = false, custom_csp = false;
  for (const auto& [name, value] : response.headers) {
    if (!is_token(name) || !is_safe_value(value)) return std::nullopt;
    custom_cache = custom_cache || iequals(name, "Cache-Control");
    custom_csp = custom_csp || iequals(name, "Content-Security-Policy");
  }
  if (!is_safe_value(response.content_type)) return std::nullopt;

  std::string out;
  out.reserve(512 + (opts.head ? 0 : response.body.size()));
  out.append(fmt::format("HTTP/1.1 {} {}\r\n", response.status, reason_phrase(response.status)));
  add_field(out, "Server", "sealmail");
  add_field(out, "Date", http_date(opts.now));
  add_field(out, "X-Request-Id", opts.request_id);
  if (opts.tls) add_field(out, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  if (!custom_csp) add_field(out, "Content-Security-Policy", kSecurityPolicy);
  add_field(out, "X-Content-Type-Options", "nosniff");
  add_field(out, "Referrer-Policy", "no-referrer");
  if (!custom_cache) add_field(out, "Cache-Control", "no-store");
  for (const auto& [name, value] : response.headers) {
    if (!engine_owned(name)) add_field(out, name, value);
  }
  if (opts.close) {
    add_field(out, "Connection", "close");
  } else if (opts.keep_alive) {
    add_field(out, "Connection", "keep-alive");
  }
  // RFC 9110 §8.6, §15.3.5, §15.4.5: no content and no Content-Length on 1xx, 204 and 304.
  const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (!bodiless) {
    if (!response.content_type.empty()) add_field(out, "Content-Type", response.content_type);
    add_field(out, "Content-Length", std::to_string(response.body.size()));
  }
  out.append("\r\n");
  if (!bodiless && !opts.head) out.append(response.body);
  return out;
}

std::string http_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = std::chrono::system_clock::to_time_t(when);
  struct tm tm {};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string new_request_id() {
  thread_local std::mt19937_64 generator{(static_cast<uint64_t>(std::random_device{}()) << 32) ^
                                         std::random_device{}()};
  return fmt::format("{:016x}", generator());
}

}  // namespace sealmail::http::internal
