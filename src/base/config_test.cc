#include "base/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sealmail {
namespace {

const std::filesystem::path kSource = "/etc/sealmail/sealmail.toml";

std::string error_of(std::string_view text) {
  auto c = parse_config(text, kSource);
  return c.ok() ? "(accepted)" : c.error().message;
}

TEST(Config, EmptyFileGivesDefaultsWithPathsResolvedAgainstTheFile) {
  auto c = parse_config("", kSource);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->roles, (std::vector<std::string>{"api", "mx"}));
  EXPECT_EQ(c->data_dir, "/etc/sealmail/data");
  EXPECT_EQ(c->tls_cert, "/etc/sealmail/tls/cert.pem");
  EXPECT_EQ(c->api.listen.at(0).to_string(), "127.0.0.1:8443");
  EXPECT_EQ(c->limits.idle_timeout, std::chrono::minutes(5));
  EXPECT_TRUE(c->log.file.empty());
}

TEST(Config, ReadsEveryKey) {
  auto c = parse_config(R"(
[server]
hostname = "mx.example.test"
domain = "example.test"
roles = ["api"]
data_dir = "/srv/sealmail"
[store]
url = "sqlite:mail.db"
[tls]
cert = "c.pem"
key = "/k.pem"
[api]
listen = ["[::1]:0", "127.0.0.2:443"]
max_header_bytes = 100
max_body_bytes = 200
[limits]
max_connections = 5
max_connections_per_ip = 2
idle_timeout = "250ms"
session_timeout = "1h"
drain_timeout = "3s"
[log]
level = "debug"
file = "log/sealmail.log"
)",
                        kSource);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->hostname, "mx.example.test");
  EXPECT_EQ(c->domain, "example.test");
  EXPECT_EQ(c->data_dir, "/srv/sealmail");
  EXPECT_EQ(c->store_url, "sqlite:mail.db");
  EXPECT_EQ(c->tls_cert, "/etc/sealmail/c.pem");
  EXPECT_EQ(c->tls_key, "/k.pem");
  ASSERT_EQ(c->api.listen.size(), 2u);
  EXPECT_EQ(c->api.listen[0].address, "::1");
  EXPECT_EQ(c->api.listen[0].port, 0);
  EXPECT_EQ(c->api.listen[1].to_string(), "127.0.0.2:443");
  EXPECT_EQ(c->api.max_header_bytes, 100u);
  EXPECT_EQ(c->api.max_body_bytes, 200u);
  EXPECT_EQ(c->limits.max_connections, 5u);
  EXPECT_EQ(c->limits.max_connections_per_ip, 2u);
  EXPECT_EQ(c->limits.idle_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c->limits.session_timeout, std::chrono::hours(1));
  EXPECT_EQ(c->limits.drain_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_EQ(c->log.file, "/etc/sealmail/log/sealmail.log");
}

TEST(Config, ErrorsNameFileLineAndKey) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"[server]\nhostnme = \"x\"\n", "/etc/sealmail/sealmail.toml:2: server.hostnme: unknown key"},
      {"\n\n[srever]\n", "/etc/sealmail/sealmail.toml:3: srever: unknown section"},
      {"[limits]\nmax_connections = \"10\"\n",
       "/etc/sealmail/sealmail.toml:2: limits.max_connections: expected an integer, got string"},
      {"[limits]\nmax_connections = 0\n",
       "/etc/sealmail/sealmail.toml:2: limits.max_connections: must be between 1 and 4294967295, "
       "got 0"},
      {"[limits]\nidle_timeout = 30\n",
       "/etc/sealmail/sealmail.toml:2: limits.idle_timeout: expected a string, got integer"},
      {"[limits]\nidle_timeout = \"30 seconds\"\n",
       "/etc/sealmail/sealmail.toml:2: limits.idle_timeout: expected a duration like \"30s\", "
       "\"5m\", \"2h\", \"7d\" or \"250ms\", got \"30 seconds\""},
      {"[server]\nroles = [\"api\", \"pop3\"]\n",
       "/etc/sealmail/sealmail.toml:2: server.roles: unknown role \"pop3\" (known: api, mx)"},
      {"[server]\nroles = \"api\"\n",
       "/etc/sealmail/sealmail.toml:2: server.roles: expected an array of strings, got string"},
      {"[api]\nlisten = [\"localhost:80\", 1]\n",
       "/etc/sealmail/sealmail.toml:2: api.listen: expected an array of strings, got integer"},
      {"[api]\nlisten = [\"127.0.0.1:99999\"]\n",
       "/etc/sealmail/sealmail.toml:2: api.listen: expected \"ADDRESS:PORT\" like \"127.0.0.1:25\" "
       "or \"[::1]:25\", got \"127.0.0.1:99999\""},
      {"[log]\nlevel = \"loud\"\n",
       "/etc/sealmail/sealmail.toml:2: log.level: unknown level \"loud\" (known: trace, debug, "
       "info, warn, error, critical, off)"},
      {"server = 1\n", "/etc/sealmail/sealmail.toml:1: server: expected a [section] table"},
      {"[mx]\nbare_line_endings = \"fix\"\n",
       "/etc/sealmail/sealmail.toml:2: mx.bare_line_endings: unknown value \"fix\" (known: reject, "
       "normalize)"},
      {"[mx]\nmax_message_bytes = \"10 MB\"\n",
       "/etc/sealmail/sealmail.toml:2: mx.max_message_bytes: expected a size like \"5 GiB\" (units "
       "B, KiB, MiB, GiB, TiB), got \"10 MB\""},
  };
  for (const Case& c : cases) EXPECT_EQ(error_of(c.text), c.error) << c.text;
}

TEST(Config, SyntaxErrorsNameFileAndLine) {
  std::string e = error_of("[server]\nhostname = \"unterminated\n");
  EXPECT_EQ(e.rfind("/etc/sealmail/sealmail.toml:2: ", 0), 0u) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << "one line: " << e;
}

TEST(Config, MissingFileIsAOneLineError) {
  auto c = load_config("/nonexistent/sealmail.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "/nonexistent/sealmail.toml: cannot read the config file: No such file or directory");
}

TEST(Config, HostAndDomainMustBeDnsNames) {
  EXPECT_EQ(error_of("[server]\ndomain = \"exa mple.test\"\n"),
            "/etc/sealmail/sealmail.toml:2: server.domain: \"exa mple.test\" is not a DNS name");
  for (const char* good : {"localhost", "mail.example.test", "a-b.c9.example"}) {
    EXPECT_TRUE(is_dns_name(good)) << good;
  }
  for (const std::string& bad : std::vector<std::string>{"", ".", "a..b", "-a.b", "a-.b", "a_b.c",
                                                         "a.b.", std::string(64, 'a')}) {
    EXPECT_FALSE(is_dns_name(bad)) << bad;
  }
}

TEST(Config, EndpointsParseAndPrint) {
  EXPECT_EQ(parse_endpoint("[::1]:25")->to_string(), "[::1]:25");
  EXPECT_EQ(parse_endpoint("0.0.0.0:0")->port, 0);
  for (const char* bad : {"", ":25", "127.0.0.1", "127.0.0.1:", "::1:25", "[127.0.0.1]:25",
                          "1.2.3.4:-1", "1.2.3.4:25x"}) {
    EXPECT_FALSE(parse_endpoint(bad).ok()) << bad;
  }
}

TEST(Config, RenderedDefaultConfigParsesToTheDefaults) {
  std::string text = render_default_config("mail.example.test", "example.test");
  auto c = parse_config(text, kSource);
  ASSERT_TRUE(c.ok()) << c.error().message;
  Config d;
  EXPECT_EQ(c->hostname, "mail.example.test");
  EXPECT_EQ(c->domain, "example.test");
  EXPECT_EQ(c->roles, d.roles);
  EXPECT_EQ(c->store_url, d.store_url);
  EXPECT_EQ(c->api.listen[0].to_string(), d.api.listen[0].to_string());
  EXPECT_EQ(c->api.max_body_bytes, d.api.max_body_bytes);
  EXPECT_EQ(c->limits.max_connections, d.limits.max_connections);
  EXPECT_EQ(c->limits.idle_timeout, d.limits.idle_timeout);
  EXPECT_EQ(c->limits.session_timeout, d.limits.session_timeout);
  EXPECT_EQ(c->limits.drain_timeout, d.limits.drain_timeout);
  EXPECT_EQ(c->log.level, d.log.level);
}

TEST(Config, AccountsAndPlans) {
  auto c = parse_config(R"(
[accounts]
signup = "open"
access_token_ttl = "10m"
refresh_token_ttl = "7d"
login_failures_per_ip = 3
login_failures_per_account = 30
login_failure_window = "30m"
login_backoff_max = "1m"
[plans.default]
addresses = 2
[plans.family]
addresses = 10
storage = "20 GiB"
max_message = "50 MiB"
messages_per_hour = 500
messages_per_day = 5000
)",
                        kSource);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->accounts.signup, "open");
  EXPECT_EQ(c->accounts.access_token_ttl, std::chrono::minutes(10));
  EXPECT_EQ(c->accounts.refresh_token_ttl, std::chrono::hours(24 * 7));
  EXPECT_EQ(c->accounts.login_failures_per_ip, 3u);
  EXPECT_EQ(c->accounts.login_failures_per_account, 30u);
  EXPECT_EQ(c->accounts.login_failure_window, std::chrono::minutes(30));
  EXPECT_EQ(c->accounts.login_backoff_max, std::chrono::minutes(1));
  ASSERT_EQ(c->plans.size(), 2u);
  EXPECT_EQ(c->plans[0].name, "default");
  EXPECT_EQ(c->plans[0].addresses, 2u);
  EXPECT_EQ(c->plans[0].storage_bytes, uint64_t{5} << 30);  // untouched keys keep defaults
  const PlanConfig* family = find_plan(*c, "family");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->addresses, 10u);
  EXPECT_EQ(family->storage_bytes, uint64_t{20} << 30);
  EXPECT_EQ(family->max_message_bytes, uint64_t{50} << 20);
  EXPECT_EQ(c->plans[0].max_message_bytes, uint64_t{25} << 20);
  EXPECT_EQ(family->messages_per_hour, 500u);
  EXPECT_EQ(family->messages_per_day, 5000u);
  EXPECT_EQ(find_plan(*c, "gold"), nullptr);
}

TEST(Config, BadAccountsAndPlansAreRefusedWithTheirKey) {
  EXPECT_EQ(error_of("[accounts]\nsignup = \"everyone\"\n"),
            "/etc/sealmail/sealmail.toml:2: accounts.signup: unknown mode \"everyone\" (known: "
            "open, invite, admin-only)");
  EXPECT_EQ(error_of("[plans.x]\nstorage = \"5 GB\"\n"),
            "/etc/sealmail/sealmail.toml:2: plans.x.storage: expected a size like \"5 GiB\" "
            "(units B, KiB, MiB, GiB, TiB), got \"5 GB\"");
  EXPECT_EQ(error_of("[plans.x]\nseats = 3\n"),
            "/etc/sealmail/sealmail.toml:2: plans.x.seats: unknown key");
  EXPECT_EQ(error_of("[plans]\nx = 3\n"),
            "/etc/sealmail/sealmail.toml:2: plans.x: expected a [plans.NAME] table");
  EXPECT_EQ(error_of("[plans.x]\naddresses = 0\n"),
            "/etc/sealmail/sealmail.toml:2: plans.x.addresses: must be between 1 and 4294967295, "
            "got 0");
}

}  // namespace
}  // namespace sealmail
