#include "client/internal/request_wire.h"

#include <gtest/gtest.h>

#include "client/https_client.h"

namespace sealmail::client {
namespace {

TEST(ServerUrl, AcceptsHostAndPort) {
  struct Case {
    std::string_view url;
    std::string_view host;
    uint16_t port;
    bool ip;
    std::string_view authority;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"https://mail.example.com", "mail.example.com", 443, false, "mail.example.com:443"},
           {"https://Mail.Example.COM:8443/", "mail.example.com", 8443, false,
            "mail.example.com:8443"},
           {"HTTPS://localhost:1", "localhost", 1, false, "localhost:1"},
           {"https://127.0.0.1:65535", "127.0.0.1", 65535, true, "127.0.0.1:65535"},
           {"https://[::1]", "::1", 443, true, "[::1]:443"},
           {"https://[2001:DB8::1]:8443", "2001:db8::1", 8443, true, "[2001:db8::1]:8443"},
       }) {
    auto server = parse_server_url(c.url);
    ASSERT_TRUE(server.ok()) << c.url << ": " << server.error().describe();
    EXPECT_EQ(server->host, c.host) << c.url;
    EXPECT_EQ(server->port, c.port) << c.url;
    EXPECT_EQ(server->ip_literal, c.ip) << c.url;
    EXPECT_EQ(server->authority(), c.authority) << c.url;
  }
}

TEST(ServerUrl, RefusesEverythingElse) {
  for (std::string_view url : {"",
                               "mail.example.com",
                               "http://mail.example.com",
                               "ftp://mail.example.com",
                               "https://",
                               "https:///",
                               "https://mail.example.com/api",
                               "https://mail.example.com//",
                               "https://mail.example.com?x=1",
                               "https://mail.example.com#f",
                               "https://user@host",
                               "https://user:pw@host:443",
                               "https://host:",
                               "https://host:0",
                               "https://host:65536",
                               "https://host:99999",
                               "https://host:+443",
                               "https://host:44a",
                               "https://host:443:1",
                               "https://::1",
                               "https://[::1",
                               "https://[::1]x",
                               "https://[127.0.0.1]",
                               "https://ho st",
                               "https://host\n",
                               "https://-host",
                               "https://ho_st",
                               "https://host.",
                               " https://host",
                               "https://host\\x"}) {
    auto server = parse_server_url(url);
    EXPECT_FALSE(server.ok()) << "accepted '" << url << "'";
    if (!server.ok()) {
      EXPECT_EQ(server.error().code, Errc::kInvalidArgument) << url;
    }
  }
}

TEST(ServerUrl, CreateRefusesBadUrlsAndOptions) {
  HttpsOptions options;
  options.server = "http://localhost:1";
  options.known_servers = "/tmp/unused";
  auto client = HttpsClient::create(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::kInvalidArgument);

  options.server = "https://localhost:1";
  options.known_servers.clear();
  EXPECT_FALSE(HttpsClient::create(options).ok());
  options.known_servers = "/tmp/unused";
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_FALSE(HttpsClient::create(options).ok());
  options.timeout = std::chrono::milliseconds(1000);
  EXPECT_TRUE(HttpsClient::create(options).ok());
}

TEST(RequestWire, ExactBytes) {
  ServerAddress server = parse_server_url("https://mail.example:8443").value();
  auto wire =
      internal::serialize_request(server, "POST", "/api/v1/login?x=1", R"({"a":1})", "tok.en-123");
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire,
            "POST /api/v1/login?x=1 HTTP/1.1\r\n"
            "Host: mail.example:8443\r\n"
            "User-Agent: sealmail/" SEALMAIL_VERSION
            "\r\n"
            "Authorization: Bearer tok.en-123\r\n"
            "Content-Length: 7\r\n"
            "Content-Type: application/json\r\n"
            "\r\n"
            R"({"a":1})");
}

TEST(RequestWire, DefaultPortAndNoBody) {
  ServerAddress server = parse_server_url("https://mail.example").value();
  EXPECT_EQ(internal::serialize_request(server, "GET", "/", "", "").value(),
            "GET / HTTP/1.1\r\nHost: mail.example\r\nUser-Agent: sealmail/" SEALMAIL_VERSION
            "\r\n\r\n");
  // A POST without a body still states its length.
  EXPECT_EQ(internal::serialize_request(server, "POST", "/x", "", "").value(),
            "POST /x HTTP/1.1\r\nHost: mail.example\r\nUser-Agent: sealmail/" SEALMAIL_VERSION
            "\r\nContent-Length: 0\r\n\r\n");
  ServerAddress v6 = parse_server_url("https://[::1]").value();
  EXPECT_NE(internal::serialize_request(v6, "GET", "/", "", "")->find("Host: [::1]\r\n"),
            std::string::npos);
}

TEST(RequestWire, AnUploadSaysItsContentType) {
  ServerAddress server = parse_server_url("https://mail.example").value();
  auto wire = internal::serialize_request(server, "POST", "/api/v1/uploads", "\xd2\x01", "t",
                                          "application/octet-stream");
  ASSERT_TRUE(wire.ok());
  EXPECT_NE(wire->find("\r\nContent-Type: application/octet-stream\r\n"), std::string::npos);
  EXPECT_EQ(wire->find("application/json"), std::string::npos);
  EXPECT_EQ(
      internal::serialize_request(server, "POST", "/x", "x", "", "a/b\r\nX-Evil: 1").error().code,
      Errc::kInvalidArgument);
}

TEST(RequestWire, RefusesWhatCouldSplitTheHeader) {
  ServerAddress server = parse_server_url("https://mail.example").value();
  struct Case {
    std::string_view method, target, bearer;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "/", ""},
           {"GE T", "/", ""},
           {"GET\r\n", "/", ""},
           {"GET", "", ""},
           {"GET", "x", ""},
           {"GET", "http://evil/", ""},
           {"GET", "/a b", ""},
           {"GET", "/a\r\nX: y", ""},
           {"GET", "/", "tok\r\nX-Evil: 1"},
           {"GET", "/", "tok en"},
           {"GET", "/", std::string_view("tok\0", 4)},
       }) {
    auto wire = internal::serialize_request(server, c.method, c.target, "", c.bearer);
    EXPECT_FALSE(wire.ok()) << c.method << " " << c.target;
    if (!wire.ok()) {
      EXPECT_EQ(wire.error().code, Errc::kInvalidArgument);
      if (!c.bearer.empty()) {  // never quotes the secret
        EXPECT_EQ(wire.error().message.find(c.bearer), std::string::npos);
      }
    }
  }
}

}  // namespace
}  // namespace sealmail::client
