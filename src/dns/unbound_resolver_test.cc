// Tests UnboundResolver against a real peer: BIND 9 started by testdata/dns_lab.sh on
// 127.0.0.1, serving a signed zone (sealmail.test, anchored), an unsigned one (plain.test),
// one signed by a key other than its anchor (broken.test) and two reverse zones.
#include "dns/unbound_resolver.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "base/testing/temp_dir.h"

extern char** environ;

namespace sealmail::dns {
namespace {

using ::sealmail::testing::TempDir;

// Runs the lab script with stdout into `out`; its exit status.
int run_lab(const std::string& command, const std::filesystem::path& dir,
            const std::filesystem::path& out) {
  std::string script = SEALMAIL_DNS_LAB;
  std::string dir_text = dir.string();
  std::vector<char*> argv = {const_cast<char*>("/bin/sh"), script.data(),
                             const_cast<char*>(command.c_str()), dir_text.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  int status = -1;
  if (posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv.data(), environ) == 0) {
    waitpid(pid, &status, 0);
  }
  posix_spawn_file_actions_destroy(&actions);
  return status;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class UnboundResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto out = dir_->path() / "lab.out";
    ASSERT_EQ(run_lab("start", dir_->path() / "lab", out), 0) << "the DNS lab did not start";
    std::ifstream in(out);
    in >> port_;
    ASSERT_GT(port_, 0);
  }

  static void TearDownTestSuite() {
    if (dir_ == nullptr) return;
    run_lab("stop", dir_->path() / "lab", dir_->path() / "stop.out");
    delete dir_;
    dir_ = nullptr;
  }

  static UnboundOptions lab_options() {
    UnboundOptions options;
    options.forwarders = {"127.0.0.1@" + std::to_string(port_)};
    options.trust_anchor_file = dir_->path() / "lab" / "trust-anchors";
    options.transparent_zones = {"test", "2.0.192.in-addr.arpa", "8.b.d.0.1.0.0.2.ip6.arpa"};
    options.timeout = std::chrono::milliseconds(3000);
    return options;
  }

  void SetUp() override {
    ASSERT_GT(port_, 0);
    auto created = UnboundResolver::create(lab_options());
    ASSERT_TRUE(created.ok()) << created.error().describe();
    resolver_ = std::move(created).value();
  }

  static TempDir* dir_;
  static int port_;
  std::unique_ptr<UnboundResolver> resolver_;
};

TempDir* UnboundResolverTest::dir_ = nullptr;
int UnboundResolverTest::port_ = 0;

TEST_F(UnboundResolverTest, SecureTxtConcatenatesCharacterStrings) {
  auto answer = resolver_->txt("spf.sealmail.test");
  EXPECT_EQ(answer.outcome, Outcome::kFound);
  EXPECT_EQ(answer.security, Security::kSecure);
  EXPECT_EQ(answer.records, std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 -all"});
}

TEST_F(UnboundResolverTest, SeveralRecordsAndAnEmptyString) {
  auto txt = resolver_->txt("multi.sealmail.test");
  EXPECT_EQ(txt.outcome, Outcome::kFound);
  EXPECT_EQ(sorted(txt.records), (std::vector<std::string>{"first", "second"}));
  auto a = resolver_->a("multi.sealmail.test");
  EXPECT_EQ(sorted(a.records), (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(a.security, Security::kSecure);
  auto empty = resolver_->txt("empty.sealmail.test");
  EXPECT_EQ(empty.records, std::vector<std::string>{""});
}

TEST_F(UnboundResolverTest, AddressesInAnyCaseWithOrWithoutTrailingDot) {
  auto a = resolver_->a("HOST.Sealmail.Test.");
  EXPECT_EQ(a.outcome, Outcome::kFound);
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.10"});
  auto aaaa = resolver_->aaaa("host.sealmail.test");
  EXPECT_EQ(aaaa.outcome, Outcome::kFound);
  EXPECT_EQ(aaaa.security, Security::kSecure);
  EXPECT_EQ(aaaa.records, std::vector<std::string>{"2001:db8::10"});
}

TEST_F(UnboundResolverTest, MxHostsAreLowerCase) {
  auto mx = resolver_->mx("sealmail.test");
  ASSERT_EQ(mx.outcome, Outcome::kFound);
  EXPECT_EQ(mx.security, Security::kSecure);
  std::sort(mx.records.begin(), mx.records.end(),
            [](const MxRecord& x, const MxRecord& y) { return x.preference < y.preference; });
  ASSERT_EQ(mx.records.size(), 2u);
  EXPECT_EQ(mx.records[0].preference, 10);
  EXPECT_EQ(mx.records[0].host, "mx1.sealmail.test");
  EXPECT_EQ(mx.records[1].preference, 20);
  EXPECT_EQ(mx.records[1].host, "mx2.sealmail.test");
}

TEST_F(UnboundResolverTest, NullMx) {
  auto mx = resolver_->mx("nullmx.sealmail.test");
  ASSERT_EQ(mx.outcome, Outcome::kFound);
  ASSERT_EQ(mx.records.size(), 1u);
  EXPECT_EQ(mx.records[0].preference, 0);
  EXPECT_EQ(mx.records[0].host, "");
}

TEST_F(UnboundResolverTest, SecureNxDomainAndNoData) {
  auto nx = resolver_->txt("nope.sealmail.test");
  EXPECT_EQ(nx.outcome, Outcome::kNxDomain);
  EXPECT_EQ(nx.security, Security::kSecure);
  EXPECT_TRUE(nx.records.empty());
  auto nodata = resolver_->txt("host.sealmail.test");
  EXPECT_EQ(nodata.outcome, Outcome::kFound);
  EXPECT_EQ(nodata.security, Security::kSecure);
  EXPECT_TRUE(nodata.records.empty());
}

TEST_F(UnboundResolverTest, UnsignedZoneIsInsecure) {
  auto a = resolver_->a("www.plain.test");
  EXPECT_EQ(a.outcome, Outcome::kFound);
  EXPECT_EQ(a.security, Security::kInsecure);
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.20"});
  auto nx = resolver_->a("nope.plain.test");
  EXPECT_EQ(nx.outcome, Outcome::kNxDomain);
  EXPECT_EQ(nx.security, Security::kInsecure);
}

TEST_F(UnboundResolverTest, BogusAnswersKeepTheirRecords) {
  auto a = resolver_->a("www.broken.test");
  EXPECT_EQ(a.security, Security::kBogus);
  EXPECT_EQ(a.outcome, Outcome::kFound);
  EXPECT_EQ(a.records, std::vector<std::string>{"192.0.2.30"});
}

TEST_F(UnboundResolverTest, Ptr) {
  auto v4 = resolver_->ptr("192.0.2.10");
  EXPECT_EQ(v4.outcome, Outcome::kFound);
  EXPECT_EQ(v4.security, Security::kInsecure);
  EXPECT_EQ(sorted(v4.records),
            (std::vector<std::string>{"alias.plain.test", "host.sealmail.test"}));
  auto v6 = resolver_->ptr("2001:DB8::10");
  EXPECT_EQ(v6.outcome, Outcome::kFound);
  EXPECT_EQ(v6.records, std::vector<std::string>{"host.sealmail.test"});
  EXPECT_EQ(resolver_->ptr("192.0.2.99").outcome, Outcome::kNxDomain);
}

TEST_F(UnboundResolverTest, MalformedQuestionsAreNotAsked) {
  for (std::string name : {std::string(), std::string("a..sealmail.test"),
                           std::string(64, 'a') + ".sealmail.test", std::string(254, 'a')}) {
    EXPECT_EQ(resolver_->txt(name).outcome, Outcome::kPermFail) << name;
  }
  EXPECT_EQ(resolver_->ptr("host.sealmail.test").outcome, Outcome::kPermFail);
}

TEST_F(UnboundResolverTest, OddBytesAreAskedLiterally) {
  // Escaped, so this is one label "a b" (which does not exist), not a parse error.
  auto answer = resolver_->txt("a b.sealmail.test");
  EXPECT_EQ(answer.outcome, Outcome::kNxDomain);
  EXPECT_EQ(answer.security, Security::kSecure);
  EXPECT_EQ(resolver_->txt("spf\\.sealmail.test").outcome, Outcome::kNxDomain);
}

TEST_F(UnboundResolverTest, RefusedByTheServerIsTemporary) {
  // named refuses names outside its zones; unbound reports that as SERVFAIL.
  EXPECT_EQ(resolver_->a("www.elsewhere.test").outcome, Outcome::kTempFail);
}

TEST_F(UnboundResolverTest, WithoutTrustAnchorEverythingIsInsecure) {
  auto options = lab_options();
  options.trust_anchor_file.clear();
  auto resolver = UnboundResolver::create(options);
  ASSERT_TRUE(resolver.ok());
  auto a = (*resolver)->a("host.sealmail.test");
  EXPECT_EQ(a.outcome, Outcome::kFound);
  EXPECT_EQ(a.security, Security::kInsecure);
  EXPECT_EQ((*resolver)->a("www.broken.test").security, Security::kInsecure);
}

TEST_F(UnboundResolverTest, ManyThreadsShareOneResolver) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if ((t + i) % 2 == 0) {
          auto a = resolver_->a("host.sealmail.test");
          if (a.records != std::vector<std::string>{"192.0.2.10"}) ++wrong;
        } else {
          auto txt = resolver_->txt("spf.sealmail.test");
          if (txt.records != std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24 -all"}) ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(UnboundResolverTimeout, SilentServerGivesTempFailInTime) {
  // A UDP socket that never answers.
  int silent = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);

  UnboundOptions options;
  options.forwarders = {"127.0.0.1@" + std::to_string(ntohs(address.sin_port))};
  options.transparent_zones = {"test"};
  options.timeout = std::chrono::milliseconds(300);
  auto resolver = UnboundResolver::create(options);
  ASSERT_TRUE(resolver.ok());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ((*resolver)->a("host.sealmail.test").outcome, Outcome::kTempFail);
  EXPECT_EQ((*resolver)->txt("other.sealmail.test").outcome, Outcome::kTempFail);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
  close(silent);
}

TEST(UnboundResolverCreate, RefusesBadOptions) {
  UnboundOptions options;
  options.forwarders = {"127.0.0.1\nforward-zone:"};
  EXPECT_EQ(UnboundResolver::create(options).error().code, Errc::kInvalidArgument);
  options.forwarders = {"127.0.0.1"};
  options.transparent_zones = {"test. static"};
  EXPECT_EQ(UnboundResolver::create(options).error().code, Errc::kInvalidArgument);
  options.transparent_zones = {};
  options.trust_anchor_file = "/nonexistent/anchors";
  EXPECT_EQ(UnboundResolver::create(options).error().code, Errc::kNotFound);
  options.trust_anchor_file.clear();
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(UnboundResolver::create(options).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sealmail::dns
