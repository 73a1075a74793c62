#include "base/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include <toml++/toml.h>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "base/dns_name.h"
#include "base/duration.h"

namespace sealmail {
namespace {

// A value check or assignment failed; the caller adds "file:line: key: ".
using Setter = std::function<Result<void>(const toml::node&, Config&)>;

struct Key {
  std::string_view name;
  Setter set;
};

struct Section {
  std::string_view name;
  std::vector<Key> keys;
};

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

Error wrong_type(std::string_view expected, const toml::node& node) {
  return make_error(Errc::kInvalidArgument,
                    fmt::format("expected {}, got {}", expected, type_name(node)));
}

Result<std::string> as_string(const toml::node& node) {
  if (auto s = node.value_exact<std::string>()) return *s;
  return wrong_type("a string", node);
}

template <typename Field>
Setter string_key(Field field) {
  return [field](const toml::node& node, Config& config) -> Status {
    config.*field = SEALMAIL_TRY(as_string(node));
    return ok_status();
  };
}

// Reaches into a nested struct member: sub(&Config::log, &LogConfig::level).
template <typename Outer, typename Inner, typename Convert>
Setter nested(Outer outer, Inner inner, Convert convert) {
  return [=](const toml::node& node, Config& config) -> Status {
    (config.*outer).*inner = SEALMAIL_TRY(convert(node));
    return ok_status();
  };
}

Result<std::string> as_dns_name(const toml::node& node) {
  std::string name = SEALMAIL_TRY(as_string(node));
  if (!is_dns_name(name)) {
    return make_error(Errc::kInvalidArgument, fmt::format("\"{}\" is not a DNS name", name));
  }
  return name;
}

Setter dns_name_key(std::string Config::*field) {
  return [field](const toml::node& node, Config& config) -> Status {
    config.*field = SEALMAIL_TRY(as_dns_name(node));
    return ok_status();
  };
}

Result<uint32_t> as_count(const toml::node& node) {
  auto v = node.value_exact<int64_t>();
  if (!v) return wrong_type("an integer", node);
  if (*v < 1 || *v > std::numeric_limits<uint32_t>::max()) {
    return make_error(
        Errc::kInvalidArgument,
        fmt::format("must be between 1 and {}, got {}", std::numeric_limits<uint32_t>::max(), *v));
  }
  return static_cast<uint32_t>(*v);
}

Result<std::chrono::milliseconds> as_duration(const toml::node& node) {
  std::string text = SEALMAIL_TRY(as_string(node));
  auto d = SEALMAIL_TRY(parse_duration(text));
  if (d.count() <= 0) return make_error(Errc::kInvalidArgument, "must be longer than zero");
  return d;
}

Result<std::string> as_path_text(const toml::node& node) { return as_string(node); }

Result<std::vector<std::string>> as_string_list(const toml::node& node) {
  const toml::array* array = node.as_array();
  if (!array) return wrong_type("an array of strings", node);
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    auto s = item.value_exact<std::string>();
    if (!s) return wrong_type("an array of strings", item);
    out.push_back(*s);
  }
  return out;
}

Result<std::vector<Endpoint>> as_endpoints(const toml::node& node) {
  std::vector<Endpoint> out;
  for (const std::string& text : SEALMAIL_TRY(as_string_list(node))) {
    out.push_back(SEALMAIL_TRY(parse_endpoint(text)));
  }
  if (out.empty()) return make_error(Errc::kInvalidArgument, "needs at least one address");
  return out;
}

Status set_roles(const toml::node& node, Config& config) {
  auto roles = SEALMAIL_TRY(as_string_list(node));
  if (roles.empty()) return make_error(Errc::kInvalidArgument, "needs at least one role");
  for (const std::string& role : roles) {
    if (std::find(std::begin(kKnownRoles), std::end(kKnownRoles), role) == std::end(kKnownRoles)) {
      return make_error(Errc::kInvalidArgument, fmt::format("unknown role \"{}\" (known: {})", role,
                                                            fmt::join(kKnownRoles, ", ")));
    }
  }
  config.roles = std::move(roles);
  return ok_status();
}

Status set_log_level(const toml::node& node, Config& config) {
  std::string level = SEALMAIL_TRY(as_string(node));
  static constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
  if (std::find(std::begin(kLevels), std::end(kLevels), level) == std::end(kLevels)) {
    return make_error(Errc::kInvalidArgument, fmt::format("unknown level \"{}\" (known: {})", level,
                                                          fmt::join(kLevels, ", ")));
  }
  config.log.level = level;
  return ok_status();
}

// A string that must be one of `known`.
template <size_t N>
Result<std::string> as_choice(const toml::node& node, const std::string_view (&known)[N]) {
  std::string value = SEALMAIL_TRY(as_string(node));
  if (std::find(std::begin(known), std::end(known), value) == std::end(known)) {
    return make_error(Errc::kInvalidArgument,
                      fmt::format("unknown value \"{}\" (known: {})", value, fmt::join(known, ", ")));
  }
  return value;
}

constexpr std::string_view kBareLineEndings[] = {"reject", "normalize"};
constexpr std::string_view kDmarcReject[] = {"reject", "quarantine"};

Status set_signup(const toml::node& node, Config& config) {
  std::string mode = SEALMAIL_TRY(as_string(node));
  static constexpr std::string_view kModes[] = {"open", "invite", "admin-only"};
  if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes)) {
    return make_error(Errc::kInvalidArgument, fmt::format("unknown mode \"{}\" (known: {})", mode,
                                                          fmt::join(kModes, ", ")));
  }
  config.accounts.signup = mode;
  return ok_status();
}

// A byte count: an integer, or a string "NUMBER UNIT" with UNIT one of B, KiB, MiB, GiB, TiB.
Result<uint64_t> as_size(const toml::node& node) {
  if (auto v = node.value_exact<int64_t>()) {
    if (*v < 1) return make_error(Errc::kInvalidArgument, "must be at least 1");
    return static_cast<uint64_t>(*v);
  }
  std::string text = SEALMAIL_TRY(as_string(node));
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  std::string_view unit(end, text.data() + text.size() - end);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  static constexpr std::pair<std::string_view, int> kUnits[] = {
      {"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
  auto found = std::find_if(std::begin(kUnits), std::end(kUnits),
                            [&](const auto& u) { return u.first == unit; });
  if (ec != std::errc() || end == text.data() || found == std::end(kUnits) || number < 1 ||
      number > (std::numeric_limits<uint64_t>::max() >> found->second)) {
    return make_error(Errc::kInvalidArgument,
                      fmt::format("expected a size like \"5 GiB\" (units B, KiB, MiB, GiB, TiB), "
                                  "got \"{}\"",
                                  text));
  }
  return number << found->second;
}

using PlanSetter = std::function<Status(const toml::node&, PlanConfig&)>;

template <typename Field, typename Convert>
PlanSetter plan_key(Field field, Convert convert) {
  return [=](const toml::node& node, PlanConfig& plan) -> Status {
    plan.*field = SEALMAIL_TRY(convert(node));
    return ok_status();
  };
}

const std::vector<std::pair<std::string_view, PlanSetter>>& plan_schema() {
  static const std::vector<std::pair<std::string_view, PlanSetter>> keys = {
      {"addresses", plan_key(&PlanConfig::addresses, as_count)},
      {"storage", plan_key(&PlanConfig::storage_bytes, as_size)},
      {"max_message", plan_key(&PlanConfig::max_message_bytes, as_size)},
      {"messages_per_hour", plan_key(&PlanConfig::messages_per_hour, as_count)},
      {"messages_per_day", plan_key(&PlanConfig::messages_per_day, as_count)},
  };
  return keys;
}

const std::vector<Section>& schema() {
  static const std::vector<Section> sections = {
      {"server",
       {{"hostname", dns_name_key(&Config::hostname)},
        {"domain", dns_name_key(&Config::domain)},
        {"roles", set_roles},
        {"data_dir",
         [](const toml::node& n, Config& c) -> Status {
           c.data_dir = SEALMAIL_TRY(as_path_text(n));
           return ok_status();
         }}}},
      {"store", {{"url", string_key(&Config::store_url)}}},
      {"tls",
       {{"cert",
         [](const toml::node& n, Config& c) -> Status {
           c.tls_cert = SEALMAIL_TRY(as_path_text(n));
           return ok_status();
         }},
        {"key",
         [](const toml::node& n, Config& c) -> Status {
           c.tls_key = SEALMAIL_TRY(as_path_text(n));
           return ok_status();
         }}}},
      {"api",
       {{"listen", nested(&Config::api, &ApiConfig::listen, as_endpoints)},
        {"max_header_bytes", nested(&Config::api, &ApiConfig::max_header_bytes, as_count)},
        {"max_body_bytes", nested(&Config::api, &ApiConfig::max_body_bytes, as_count)}}},
      {"mx",
       {{"listen", nested(&Config::mx, &MxConfig::listen, as_endpoints)},
        {"max_line_bytes", nested(&Config::mx, &MxConfig::max_line_bytes, as_count)},
        {"max_data_line_bytes", nested(&Config::mx, &MxConfig::max_data_line_bytes, as_count)},
        {"max_header_bytes", nested(&Config::mx, &MxConfig::max_header_bytes, as_size)},
        {"max_message_bytes", nested(&Config::mx, &MxConfig::max_message_bytes, as_size)},
        {"max_recipients", nested(&Config::mx, &MxConfig::max_recipients, as_count)},
        {"max_commands_before_mail",
         nested(&Config::mx, &MxConfig::max_commands_before_mail, as_count)},
        {"max_errors", nested(&Config::mx, &MxConfig::max_errors, as_count)},
        {"connections_per_minute_per_ip",
         nested(&Config::mx, &MxConfig::connections_per_minute_per_ip, as_count)},
        {"bare_line_endings",
         [](const toml::node& n, Config& c) -> Status {
           c.mx.bare_line_endings = SEALMAIL_TRY(as_choice(n, kBareLineEndings));
           return ok_status();
         }},
        {"dmarc_reject",
         [](const toml::node& n, Config& c) -> Status {
           c.mx.dmarc_reject = SEALMAIL_TRY(as_choice(n, kDmarcReject));
           return ok_status();
         }}}},
      {"dns",
       {{"forwarders", nested(&Config::dns, &DnsConfig::forwarders, as_string_list)},
        {"trust_anchor_file",
         [](const toml::node& n, Config& c) -> Status {
           c.dns.trust_anchor_file = SEALMAIL_TRY(as_path_text(n));
           return ok_status();
         }},
        {"transparent_zones", nested(&Config::dns, &DnsConfig::transparent_zones, as_string_list)},
        {"timeout", nested(&Config::dns, &DnsConfig::timeout, as_duration)}}},
      {"accounts",
       {{"signup", set_signup},
        {"access_token_ttl",
         nested(&Config::accounts, &AccountsConfig::access_token_ttl, as_duration)},
        {"refresh_token_ttl",
         nested(&Config::accounts, &AccountsConfig::refresh_token_ttl, as_duration)},
        {"login_failures_per_ip",
         nested(&Config::accounts, &AccountsConfig::login_failures_per_ip, as_count)},
        {"login_failures_per_account",
         nested(&Config::accounts, &AccountsConfig::login_failures_per_account, as_count)},
        {"login_failure_window",
         nested(&Config::accounts, &AccountsConfig::login_failure_window, as_duration)},
        {"login_backoff_max",
         nested(&Config::accounts, &AccountsConfig::login_backoff_max, as_duration)}}},
      {"limits",
       {{"max_connections", nested(&Config::limits, &LimitsConfig::max_connections, as_count)},
        {"max_connections_per_ip",
         nested(&Config::limits, &LimitsConfig::max_connections_per_ip, as_count)},
        {"idle_timeout", nested(&Config::limits, &LimitsConfig::idle_timeout, as_duration)},
        {"session_timeout", nested(&Config::limits, &LimitsConfig::session_timeout, as_duration)},
        {"drain_timeout", nested(&Config::limits, &LimitsConfig::drain_timeout, as_duration)}}},
      {"log",
       {{"level", set_log_level},
        {"file",
         [](const toml::node& n, Config& c) -> Status {
           c.log.file = SEALMAIL_TRY(as_path_text(n));
           return ok_status();
         }}}},
  };
  return sections;
}

Error at(const std::filesystem::path& source, const toml::node& node, std::string_view key,
         std::string_view reason) {
  return make_error(Errc::kInvalidArgument, fmt::format("{}:{}: {}: {}", source.string(),
                                                        node.source().begin.line, key, reason));
}

// [plans.NAME] tables: each one a PlanConfig; "default" is kept first.
Status parse_plans(const std::filesystem::path& source, const toml::node& plans_node,
                   Config& config) {
  const toml::table* plans = plans_node.as_table();
  if (!plans) return at(source, plans_node, "plans", "expected [plans.NAME] tables");
  for (const auto& [name_key, plan_node] : *plans) {
    std::string name(name_key.str());
    std::string where = "plans." + name;
    const toml::table* table = plan_node.as_table();
    if (!table) return at(source, plan_node, where, "expected a [plans.NAME] table");
    auto existing = std::find_if(config.plans.begin(), config.plans.end(),
                                 [&](const PlanConfig& p) { return p.name == name; });
    PlanConfig& plan = existing != config.plans.end()
                           ? *existing
                           : config.plans.emplace_back(PlanConfig{.name = name});
    for (const auto& [key, node] : *table) {
      std::string_view key_name = key.str();
      std::string dotted = fmt::format("{}.{}", where, key_name);
      auto entry = std::find_if(plan_schema().begin(), plan_schema().end(),
                                [&](const auto& k) { return k.first == key_name; });
      if (entry == plan_schema().end()) return at(source, node, dotted, "unknown key");
      if (Status s = entry->second(node, plan); !s.ok()) {
        return at(source, node, dotted, s.error().message);
      }
    }
  }
  return ok_status();
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::filesystem::path& p) {
  if (p.empty() || p.is_absolute()) return p;
  return (base / p).lexically_normal();
}

}  // namespace

const PlanConfig* find_plan(const Config& config, std::string_view name) {
  for (const PlanConfig& plan : config.plans) {
    if (plan.name == name) return &plan;
  }
  return nullptr;
}

const PlanConfig& plan_or_default(const Config& config, std::string_view name) {
  const PlanConfig* plan = find_plan(config, name);
  return plan != nullptr ? *plan : config.plans.front();  // "default" is kept first
}

std::string Endpoint::to_string() const {
  if (address.find(':') != std::string::npos) return fmt::format("[{}]:{}", address, port);
  return fmt::format("{}:{}", address, port);
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  auto bad = [&] {
    return make_error(Errc::kInvalidArgument,
                      fmt::format("expected \"ADDRESS:PORT\" like \"127.0.0.1:25\" or "
                                  "\"[::1]:25\", got \"{}\"",
                                  text));
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return bad();
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == std::string_view::npos) return bad();
  } else if (host.find(':') != std::string_view::npos || host.empty()) {
    return bad();
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad();
  }
  return Endpoint{std::string(host), static_cast<uint16_t>(port)};
}

Result<Config> parse_config(std::string_view text, const std::filesystem::path& source) {
  toml::table root;
  try {
    root = toml::parse(text, source.string());
  } catch (const toml::parse_error& e) {
    return make_error(Errc::kInvalidArgument, fmt::format("{}:{}: {}", source.string(),
                                                          e.source().begin.line, e.description()));
  }

  Config config;
  config.source = source;
  for (const auto& [section_key, section_node] : root) {
    std::string_view section_name = section_key.str();
    if (section_name == "plans") {
      SEALMAIL_RETURN_IF_ERROR(parse_plans(source, section_node, config));
      continue;
    }
    auto section = std::find_if(schema().begin(), schema().end(),
                                [&](const Section& s) { return s.name == section_name; });
    if (section == schema().end()) return at(source, section_node, section_name, "unknown section");
    const toml::table* table = section_node.as_table();
    if (!table) return at(source, section_node, section_name, "expected a [section] table");
    for (const auto& [key, node] : *table) {
      std::string_view key_name = key.str();  // a named copy: lambdas cannot capture bindings
      std::string dotted = fmt::format("{}.{}", section_name, key_name);
      auto entry = std::find_if(section->keys.begin(), section->keys.end(),
                                [&](const Key& k) { return k.name == key_name; });
      if (entry == section->keys.end()) return at(source, node, dotted, "unknown key");
      if (Status s = entry->set(node, config); !s.ok()) {
        return at(source, node, dotted, s.error().message);
      }
    }
  }

  std::filesystem::path base = source.parent_path();
  config.data_dir = resolve(base, config.data_dir);
  config.tls_cert = resolve(base, config.tls_cert);
  config.tls_key = resolve(base, config.tls_key);
  config.log.file = resolve(base, config.log.file);
  return config;
}

Result<Config> load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::kNotFound,
                      fmt::format("{}: cannot read the config file: {}", path.string(),
                                  std::error_code(errno, std::generic_category()).message()));
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), std::filesystem::absolute(path));
}

std::string render_default_config(std::string_view hostname, std::string_view domain) {
  const Config d;
  return fmt::format(
      R"(# sealmail configuration. Every key is documented in docs/configuration.md.
# Relative paths are relative to this file's folder.

[server]
# The name this server answers to (SMTP greeting, TLS certificate).
hostname = "{hostname}"
# The first hosted mail domain.
domain = "{domain}"
# Roles this process runs. Known roles: {roles}.
roles = ["api", "mx"]
# Where the store and other state live.
data_dir = "{data_dir}"

[store]
# "sqlite" (a file in data_dir), "sqlite:PATH".
url = "{store_url}"

[tls]
# PEM certificate chain and private key. `sealmail init` makes a self-signed pair;
# replace them with real ones and send SIGHUP to reload.
cert = "{cert}"
key = "{key}"

[api]
# HTTPS listeners for the JSON API. Use "[::]:443" to serve the world.
listen = ["{api_listen}"]
max_header_bytes = {max_header_bytes}
max_body_bytes = {max_body_bytes}

[mx]
# SMTP listeners receiving mail from the Internet (STARTTLS with the [tls] pair). Use
# "0.0.0.0:25" and "[::]:25" to receive the world's mail.
listen = ["{mx_listen}"]
max_message_bytes = "{mx_size} MiB"
max_recipients = {mx_recipients}
# Bare CR or LF in message data: "reject" (550 5.6.0) or "normalize" to CRLF.
bare_line_endings = "{mx_bare}"
# A sender domain whose DMARC policy says p=reject: "reject" (550 5.7.1) or "quarantine".
dmarc_reject = "{mx_dmarc}"

[dns]
# Resolvers to forward to, "ADDRESS@PORT"; empty: /etc/resolv.conf.
forwarders = []

[accounts]
# Who may create an account: "open", "invite" (a code from `sealmail user invite`) or
# "admin-only" (a code bound to the address: `sealmail user invite --address A`).
signup = "{signup}"
access_token_ttl = "{access_token_ttl}"
refresh_token_ttl = "{refresh_token_ttl}"
# Failed logins allowed per client address (IPv6: per /64) and per account within the window
# before each further attempt waits 1 s, 2 s, 4 s ... up to login_backoff_max.
login_failures_per_ip = {login_failures_per_ip}
login_failures_per_account = {login_failures_per_account}
login_failure_window = "{login_failure_window}"
login_backoff_max = "{login_backoff_max}"

# What an account may use. New accounts are on "default"; `sealmail user quota ADDRESS --plan P`
# moves one. Add [plans.NAME] tables for more plans.
[plans.default]
addresses = {plan_addresses}
storage = "{plan_storage} GiB"
# One message sent from the client, attachments included (encrypted size).
max_message = "{plan_max_message} MiB"
messages_per_hour = {plan_per_hour}
messages_per_day = {plan_per_day}

[limits]
# Per listener.
max_connections = {max_connections}
max_connections_per_ip = {max_connections_per_ip}
# A connection silent this long is closed; no session lasts longer than session_timeout.
idle_timeout = "{idle_timeout}"
session_timeout = "{session_timeout}"
# After SIGTERM, connections get this long to finish before they are closed.
drain_timeout = "{drain_timeout}"

[log]
# trace, debug, info, warn, error, critical, off
level = "{log_level}"
# Empty: standard error.
file = ""
)",
      fmt::arg("hostname", hostname), fmt::arg("domain", domain),
      fmt::arg("roles", fmt::join(kKnownRoles, ", ")), fmt::arg("data_dir", d.data_dir.string()),
      fmt::arg("store_url", d.store_url), fmt::arg("cert", d.tls_cert.string()),
      fmt::arg("key", d.tls_key.string()), fmt::arg("api_listen", d.api.listen[0].to_string()),
      fmt::arg("max_header_bytes", d.api.max_header_bytes),
      fmt::arg("max_body_bytes", d.api.max_body_bytes),
      fmt::arg("signup", d.accounts.signup), fmt::arg("mx_listen", d.mx.listen[0].to_string()),
      fmt::arg("mx_size", d.mx.max_message_bytes >> 20),
      fmt::arg("mx_recipients", d.mx.max_recipients),
      fmt::arg("mx_bare", d.mx.bare_line_endings), fmt::arg("mx_dmarc", d.mx.dmarc_reject),
      fmt::arg("access_token_ttl", format_duration(d.accounts.access_token_ttl)),
      fmt::arg("refresh_token_ttl", format_duration(d.accounts.refresh_token_ttl)),
      fmt::arg("login_failures_per_ip", d.accounts.login_failures_per_ip),
      fmt::arg("login_failures_per_account", d.accounts.login_failures_per_account),
      fmt::arg("login_failure_window", format_duration(d.accounts.login_failure_window)),
      fmt::arg("login_backoff_max", format_duration(d.accounts.login_backoff_max)),
      fmt::arg("plan_addresses", d.plans[0].addresses),
      fmt::arg("plan_storage", d.plans[0].storage_bytes >> 30),
      fmt::arg("plan_max_message", d.plans[0].max_message_bytes >> 20),
      fmt::arg("plan_per_hour", d.plans[0].messages_per_hour),
      fmt::arg("plan_per_day", d.plans[0].messages_per_day),
      fmt::arg("max_connections", d.limits.max_connections),
      fmt::arg("max_connections_per_ip", d.limits.max_connections_per_ip),
      fmt::arg("idle_timeout", format_duration(d.limits.idle_timeout)),
      fmt::arg("session_timeout", format_duration(d.limits.session_timeout)),
      fmt::arg("drain_timeout", format_duration(d.limits.drain_timeout)),
      fmt::arg("log_level", d.log.level));
}

}  // namespace sealmail
