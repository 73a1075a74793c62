// engine_test — what the transcripts cannot show: the exact message and Envelope handed to the
// sink (Received: header, flags, DSN parameters), the factory's refusals, and limits.
#include "smtp/engine.h"

#include <gtest/gtest.h>

#include "smtp/test_sink.h"

namespace sealmail::smtp {
namespace {

std::chrono::system_clock::time_point fixed() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));
}

struct Fixture {
  std::shared_ptr<testing::TestSink> sink = std::make_shared<testing::TestSink>();
  SmtpLimits limits;
  std::unique_ptr<SmtpEngine> engine;

  explicit Fixture(bool tls = false, std::string peer = "192.0.2.1") {
    limits.hostname = "mx.our.test";
    engine = std::make_unique<SmtpEngine>(sink, limits, fixed);
    net::SessionInfo info;
    info.peer_address = std::move(peer);
    info.tls = tls;
    engine->on_connect(info);
  }
  std::string send(std::string_view bytes) { return engine->on_data(bytes).write; }
};

TEST(SmtpEngine, DeliversWithReceivedHeaderAndEnvelope) {
  Fixture f(/*tls=*/true);
  f.send(
      "EHLO client.example\r\n"
      "MAIL FROM:<a@client.example> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id1 REQUIRETLS\r\n"
      "RCPT TO:<bob@our.test> NOTIFY=FAILURE ORCPT=rfc822;bob+40our.test\r\n"
      "RCPT TO:<nobody@our.test>\r\n"
      "RCPT TO:<carol@our.test>\r\n"
      "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
  ASSERT_EQ(f.sink->deliveries.size(), 1u);
  const auto& d = f.sink->deliveries[0];
  EXPECT_EQ(d.message,
            "Received: from client.example ([192.0.2.1])\r\n"
            "\tby mx.our.test (sealmail) with UTF8SMTPS;\r\n"
            "\tFri, 02 Jan 2026 03:04:05 +0000\r\n"
            "Subject: x\r\n\r\nbody\r\n");
  const Envelope& e = d.envelope;
  EXPECT_EQ(e.helo, "client.example");
  EXPECT_EQ(e.mail_from, "a@client.example");
  EXPECT_EQ(e.recipients, (std::vector<std::string>{"bob@our.test", "carol@our.test"}));
  ASSERT_EQ(e.recipient_dsn.size(), 2u);
  EXPECT_EQ(e.recipient_dsn[0].notify, "FAILURE");
  EXPECT_EQ(e.recipient_dsn[0].orcpt, "rfc822;bob+40our.test");
  EXPECT_EQ(e.recipient_dsn[1].notify, "");
  EXPECT_TRUE(e.smtputf8);
  EXPECT_TRUE(e.eight_bit);
  EXPECT_TRUE(e.requiretls);
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.peer_address, "192.0.2.1");
  EXPECT_EQ(e.ret, "HDRS");
  EXPECT_EQ(e.envid, "id1");
}

TEST(SmtpEngine, EnvelopeIsFreshForTheNextTransaction) {
  Fixture f;
  f.send(
      "EHLO c.example\r\nMAIL FROM:<a@c.example> BODY=8BITMIME\r\nRCPT TO:<bob@our.test>\r\n"
      "DATA\r\n\r\nx\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<carol@our.test>\r\nBDAT 3 LAST\r\nx\r\n");
  ASSERT_EQ(f.sink->deliveries.size(), 2u);
  const Envelope& e = f.sink->deliveries[1].envelope;
  EXPECT_EQ(e.mail_from, "");
  EXPECT_FALSE(e.eight_bit);
  EXPECT_EQ(e.recipients, (std::vector<std::string>{"carol@our.test"}));
  EXPECT_TRUE(f.sink->deliveries[1].message.find("with ESMTP;") != std::string::npos);
  EXPECT_TRUE(
      f.sink->deliveries[1].message.ends_with("\r\n\tFri, 02 Jan 2026 03:04:05 +0000\r\nx\r\n"));
}

TEST(SmtpEngine, ReceivedHeaderFiltersPeerAddress) {
  Fixture f(false, "1.2.3.4\r\nX-Evil: yes");
  f.send("HELO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<bob@our.test>\r\nDATA\r\n.\r\n");
  ASSERT_EQ(f.sink->deliveries.size(), 1u);
  EXPECT_TRUE(f.sink->deliveries[0].message.starts_with(
      "Received: from c.example ([1.2.3.4E:e])\r\n\tby mx.our.test (sealmail) with SMTP;"));
}

class OddSink : public MailSink {
 public:
  Verdict check_recipient(const Envelope&, std::string_view) override {
    return {250, "bogus", "line1\r\n999 injected"};
  }
  Verdict deliver(const Envelope&, std::string_view) override { return {354, "3.0.0", "x"}; }
};

TEST(SmtpEngine, SanitizesSinkVerdicts) {
  SmtpEngine engine(std::make_shared<OddSink>(), SmtpLimits{}, fixed);
  engine.on_connect({});
  std::string out =
      engine.on_data("HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b>\r\nDATA\r\n.\r\n").write;
  EXPECT_EQ(out,
            "250 localhost\r\n250 2.1.0 OK\r\n250 2.0.0 line1  999 injected\r\n"
            "354 End data with <CR><LF>.<CR><LF>\r\n451 4.3.0 Internal error\r\n");
}

TEST(SmtpEngineFactory, Refusals) {
  SmtpLimits limits;
  limits.hostname = "mx.our.test";
  SmtpEngineFactory factory(std::make_shared<testing::TestSink>(), limits);
  using R = net::EngineFactory::Refusal;
  EXPECT_EQ(factory.refusal(R::kTooManyConnections),
            "421 4.7.0 mx.our.test Too many connections, try again later\r\n");
  EXPECT_EQ(factory.refusal(R::kTooManyFromAddress),
            "421 4.7.0 mx.our.test Too many connections from your address\r\n");
  EXPECT_EQ(factory.refusal(R::kShuttingDown), "421 4.3.2 mx.our.test Service shutting down\r\n");
  auto engine = factory.create();
  EXPECT_EQ(engine->on_connect({}).write, "220 mx.our.test ESMTP sealmail\r\n");
}

TEST(SmtpEngine, ShutdownMidLineWaits) {
  Fixture f;
  f.send("EHLO c.example\r\nNO");
  auto r = f.engine->on_shutdown();
  EXPECT_FALSE(r.close_now);
  auto out = f.engine->on_data("OP\r\n");
  EXPECT_EQ(out.write, "250 2.0.0 OK\r\n421 4.3.2 mx.our.test Service shutting down\r\n");
  EXPECT_EQ(out.next, net::Output::Next::kClose);
}

TEST(SmtpEngine, LargeMessageWithinLimits) {
  Fixture f;
  std::string body;
  for (int i = 0; i < 20000; ++i) body += "0123456789012345678901234567890123456789\r\n";
  f.send("EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<bob@our.test>\r\nDATA\r\n");
  for (size_t i = 0; i < body.size(); i += 4096) f.send(std::string_view(body).substr(i, 4096));
  EXPECT_EQ(f.send(".\r\n").substr(0, 20), "250 2.0.0 queued #1 ");
  ASSERT_EQ(f.sink->deliveries.size(), 1u);
  EXPECT_TRUE(f.sink->deliveries[0].message.ends_with(body));
}

}  // namespace
}  // namespace sealmail::smtp
