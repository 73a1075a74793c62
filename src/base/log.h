// log.h — logging through spdlog, and the rule that keeps mail content out of logs.
//
// THE RULE: a log line may carry envelope data (addresses, IPs, sizes, IDs, reply codes) but
// never message content — no body, subject, header value or attachment bytes, and no secrets
// (passwords, tokens, key material). Anything that holds such bytes is wrapped in Sensitive,
// whose formatter prints only its length, so passing it to a log call cannot leak it.
// Protocol engines log commands by verb, never by argument text of DATA/BDAT/literals.
// tests/integration/log_canary_test.py sends canary strings through every listener and greps
// the logs for them.
//
// Thread-safety: init_logging once at start-up, before other threads; the log functions are
// safe from any thread (spdlog's multi-threaded sinks).
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace sealmail {

struct LogConfig;

// Bytes that must never reach a log: message content or secrets.
class Sensitive {
 public:
  Sensitive() = default;
  explicit Sensitive(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view reveal() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

// Sets the global logger: level ("trace".."off") and destination ("" = stderr, else a file
// appended to). Returns an error for an unknown level or an unwritable file.
Status init_logging(std::string_view level, const std::string& file);

}  // namespace sealmail

template <>
struct fmt::formatter<sealmail::Sensitive> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const sealmail::Sensitive& s, FormatContext& ctx) const {
    return fmt::format_to(ctx.out(), "<{} bytes withheld>", s.size());
  }
};
