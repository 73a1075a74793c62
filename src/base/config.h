// config.h — the server's configuration: one TOML file, every key documented with its
// default in docs/configuration.md.
//
// SECURITY: reads an operator-supplied file. Unknown keys, wrong types and invalid values are
// refused with "FILE:LINE: KEY: reason" — a typo must never be silently ignored (a misspelt
// limit would otherwise fall back to its default unnoticed).
// Thread-safety: Config is a value; load_config is a pure function of the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/dns_name.h"
#include "base/result.h"

namespace sealmail {

struct Endpoint {
  std::string address;  // IPv4 or IPv6 literal, e.g. "127.0.0.1" or "::1"
  uint16_t port = 0;    // 0: the operating system picks one (printed at start-up)

  std::string to_string() const;  // "127.0.0.1:8443", "[::1]:8443"
};

// "127.0.0.1:8443" or "[::1]:8443".
Result<Endpoint> parse_endpoint(std::string_view text);

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::filesystem::path file;  // empty: standard error
};

struct LimitsConfig {
  uint32_t max_connections = 1000;       // per listener
  uint32_t max_connections_per_ip = 20;  // per listener and client address
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds session_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(30)};
};

struct ApiConfig {
  std::vector<Endpoint> listen{{"127.0.0.1", 8443}};
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t max_body_bytes = 1024 * 1024;
};

// [mx]: the SMTP server that receives mail from the Internet (role "mx").
struct MxConfig {
  // Port 25 in production ("0.0.0.0:25", "[::]:25"); a high loopback port by default so that a
  // first start needs no privileges and receives nothing from outside.
  std::vector<Endpoint> listen{{"127.0.0.1", 2525}};
  uint32_t max_line_bytes = 1000;       // a command line, CRLF included (RFC 5321 §4.5.3.1.4)
  uint32_t max_data_line_bytes = 1000;  // a line of message text, CRLF included (§4.5.3.1.6)
  uint64_t max_header_bytes = uint64_t{1} << 20;
  uint64_t max_message_bytes = uint64_t{50} << 20;  // advertised as SIZE
  uint32_t max_recipients = 100;
  uint32_t max_commands_before_mail = 50;
  uint32_t max_errors = 10;
  uint32_t connections_per_minute_per_ip = 300;  // new connections from one address
  std::string bare_line_endings = "reject";     // or "normalize"
  std::string dmarc_reject = "reject";          // what p=reject gets: "reject" or "quarantine"
};

// [dns]: the resolver used for SPF, DKIM and DMARC (and later outbound delivery).
struct DnsConfig {
  std::vector<std::string> forwarders;  // "127.0.0.1@5353"; empty: /etc/resolv.conf
  std::filesystem::path trust_anchor_file;  // DNSSEC trust anchors; empty: no validation
  std::vector<std::string> transparent_zones;  // e.g. "test" for a lab zone
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

// [accounts]: who may sign up, how long logins last, and when failed logins slow down.
struct AccountsConfig {
  // "open": anyone may create an address on a hosted domain; "invite": only with a code from
  // `sealmail user invite`; "admin-only": only with a code bound to that address.
  std::string signup = "invite";
  std::chrono::milliseconds access_token_ttl{std::chrono::hours(1)};
  std::chrono::milliseconds refresh_token_ttl{std::chrono::hours(24 * 30)};
  // Failed logins tolerated within login_failure_window before each further attempt must wait
  // 1 s, 2 s, 4 s … up to login_backoff_max. Counted per client address (an IPv6 /64) and, with
  // a higher bar, per account — so one attacker address cannot lock the owner out.
  uint32_t login_failures_per_ip = 10;
  uint32_t login_failures_per_account = 50;
  std::chrono::milliseconds login_failure_window{std::chrono::hours(1)};
  std::chrono::milliseconds login_backoff_max{std::chrono::minutes(15)};
};

// [plans.NAME]: what an account on that plan may use. Every account is on a plan; new accounts
// are on "default", which always exists.
struct PlanConfig {
  std::string name;
  uint32_t addresses = 5;
  uint64_t storage_bytes = uint64_t{5} << 30;
  uint64_t max_message_bytes = uint64_t{25} << 20;  // one message sent, attachments included
  uint32_t messages_per_hour = 150;
  uint32_t messages_per_day = 1000;
};

struct Config {
  std::filesystem::path source;  // the file this was read from

  // [server]
  std::string hostname = "localhost";
  std::string domain;  // the first hosted mail domain
  std::vector<std::string> roles{"api", "mx"};
  std::filesystem::path data_dir = "data";  // relative paths are relative to the file

  // [store]
  std::string store_url = "sqlite";

  // [tls]
  std::filesystem::path tls_cert = "tls/cert.pem";
  std::filesystem::path tls_key = "tls/key.pem";

  ApiConfig api;
  MxConfig mx;
  DnsConfig dns;
  AccountsConfig accounts;
  std::vector<PlanConfig> plans{{.name = "default"}};  // "default" first
  LimitsConfig limits;
  LogConfig log;
};

// The roles a server process can run ([server] roles).
inline constexpr std::string_view kKnownRoles[] = {"api", "mx"};

// The plan called `name`, or nullptr.
const PlanConfig* find_plan(const Config& config, std::string_view name);
// The plan an account on `name` gets: that plan, or "default" when the config no longer has
// it (an operator removed a plan that accounts were on).
const PlanConfig& plan_or_default(const Config& config, std::string_view name);

// Reads and validates a config file. Relative paths in it are resolved against its folder.
Result<Config> load_config(const std::filesystem::path& path);

// Same, from text; `source` names the file in error messages and anchors relative paths.
Result<Config> parse_config(std::string_view text, const std::filesystem::path& source);

// The commented TOML that `sealmail init` writes.
std::string render_default_config(std::string_view hostname, std::string_view domain);

}  // namespace sealmail
