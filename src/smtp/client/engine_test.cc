// engine_test — the client engine against a scripted server: each step feeds the server's
// bytes and checks the exact bytes the engine writes and what it wants next.
#include "smtp/client/engine.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <random>

namespace sealmail::smtp::client {
namespace {

using Next = Step::Next;

Options options() {
  Options o;
  o.helo_name = "mta.our.test";
  return o;
}

Envelope envelope(std::vector<std::string> rcpt = {"bob@their.test"}) {
  Envelope e;
  e.mail_from = "alice@our.test";
  e.rcpt_to = std::move(rcpt);
  return e;
}

const char kMessage[] = "Subject: hi\r\n\r\nbody\r\n";
const char kWire[] = "Subject: hi\r\n\r\nbody\r\n.\r\n";

// Runs the engine and keeps every byte it wrote.
struct Client {
  Engine engine;
  std::string all_written;

  Client(Options o, Envelope e, std::string message = kMessage)
      : engine(std::move(o), std::move(e), std::move(message)) {
    Step s = engine.on_connect();
    EXPECT_EQ(s.write, "");
    EXPECT_EQ(s.next, Next::kRead);
  }

  Step feed(std::string_view server) {
    Step s = engine.on_data(server);
    all_written += s.write;
    return s;
  }
  // Feeds `server` and expects `client` written, then `next`.
  void exchange(std::string_view server, std::string_view client, Next next = Next::kRead) {
    SCOPED_TRACE(std::string(server));
    Step s = feed(server);
    EXPECT_EQ(s.write, client);
    EXPECT_EQ(s.next, next);
  }
  void tls() {
    Step s = engine.tls_started();
    all_written += s.write;
    EXPECT_EQ(s.write, "EHLO mta.our.test\r\n");
    EXPECT_EQ(s.next, Next::kRead);
  }
  const Result& result() const { return engine.result(); }
};

// Greeting and a one-line EHLO reply offering `extensions` (each "KEYWORD[ params]").
void greet(Client& c, std::vector<std::string> extensions) {
  c.exchange("220 mx.their.test ESMTP\r\n", "EHLO mta.our.test\r\n");
  std::string reply = "250";
  reply += extensions.empty() ? " " : "-";
  reply += "mx.their.test\r\n";
  for (size_t i = 0; i < extensions.size(); ++i) {
    reply += "250";
    reply += i + 1 == extensions.size() ? " " : "-";
    reply += extensions[i] + "\r\n";
  }
  c.feed(reply);
}

TEST(SmtpClient, PlainDeliveryOneRecipientRejectedOneAccepted) {
  Client c(options(), envelope({"nobody@their.test", "bob@their.test"}));
  c.exchange("220-mx.their.test ESMTP\r\n220 welcome\r\n", "EHLO mta.our.test\r\n");
  c.exchange("250-mx.their.test\r\n250-size 1000000\r\n250 8BITMIME\r\n",
             "MAIL FROM:<alice@our.test> SIZE=21\r\n");
  c.exchange("250 2.1.0 Ok\r\n", "RCPT TO:<nobody@their.test>\r\n");
  c.exchange("550 5.1.1 <nobody@their.test>: Recipient address rejected\r\n",
             "RCPT TO:<bob@their.test>\r\n");
  c.exchange("250 2.1.5 Ok\r\n", "DATA\r\n");
  c.exchange("354 End data with <CR><LF>.<CR><LF>\r\n", kWire);
  c.exchange("250 2.0.0 Ok: queued as 4ABC\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.feed("221 2.0.0 Bye\r\n").next, Next::kDone);  // ignored

  const Result& r = c.result();
  EXPECT_EQ(r.outcome, Outcome::kDelivered);
  EXPECT_EQ(r.reply.code, 250);
  EXPECT_EQ(r.reason, "delivered to 1 of 2 recipients: 250 2.0.0 Ok: queued as 4ABC");
  EXPECT_FALSE(r.tls);
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].address, "nobody@their.test");
  EXPECT_EQ(r.recipients[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(r.recipients[0].reply.code, 550);
  EXPECT_EQ(r.recipients[0].reply.enhanced, "5.1.1");
  EXPECT_EQ(r.recipients[0].reply.text, "<nobody@their.test>: Recipient address rejected");
  EXPECT_EQ(r.recipients[1].outcome, Outcome::kDelivered);
  EXPECT_EQ(r.recipients[1].reply.code, 250);
  EXPECT_EQ(r.recipients[1].reply.enhanced, "2.0.0");
  EXPECT_TRUE(c.engine.done());
}

TEST(SmtpClient, StartTlsSendsEhloTwiceAndForgetsPlaintextCapabilities) {
  Client c(options(), envelope({"bob@their.test", "carol@their.test"}));
  c.exchange("220 mx.their.test ESMTP\r\n", "EHLO mta.our.test\r\n");
  // SIZE 10 before TLS would refuse the message; it must be forgotten.
  c.exchange("250-mx.their.test\r\n250-STARTTLS\r\n250 SIZE 10\r\n", "STARTTLS\r\n");
  c.exchange("220 2.0.0 Ready to start TLS\r\n", "", Next::kStartTls);
  c.tls();
  c.exchange("250-mx.their.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n",
             "MAIL FROM:<alice@our.test>\r\n"
             "RCPT TO:<bob@their.test>\r\n"
             "RCPT TO:<carol@their.test>\r\n"
             "DATA\r\n");
  c.exchange("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", "");
  c.exchange("250 2.1.5 Ok\r\n354 go\r\n", kWire);
  c.exchange("250 2.0.0 queued\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kDelivered);
  EXPECT_EQ(c.result().reason, "delivered: 250 2.0.0 queued");
  EXPECT_TRUE(c.result().tls);
  for (const RecipientResult& r : c.result().recipients) {
    EXPECT_EQ(r.outcome, Outcome::kDelivered);
  }
}

TEST(SmtpClient, BytesAfterStartTlsReplyAreAnInjection) {
  for (std::string_view injected : {"250 fake\r\n", "2", "\r\n"}) {
    SCOPED_TRACE(std::string(injected));
    Client c(options(), envelope());
    greet(c, {"STARTTLS"});
    c.exchange(std::string("220 go\r\n").append(injected), "", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
    EXPECT_EQ(c.result().reply.enhanced, "4.7.0");
    EXPECT_NE(c.result().reason.find("STARTTLS response injection"), std::string::npos);
    EXPECT_EQ(c.result().recipients[0].outcome, Outcome::kTemporary);
    EXPECT_EQ(c.all_written, "EHLO mta.our.test\r\nSTARTTLS\r\n");
  }
}

TEST(SmtpClient, TlsRequiredWithoutStartTlsNeverSendsMail) {
  Options o = options();
  o.tls_required = true;
  Client c(o, envelope());
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  c.exchange("250-mx\r\n250 PIPELINING\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
  EXPECT_EQ(c.result().reply.code, 0);
  EXPECT_EQ(c.result().reply.enhanced, "4.7.10");
  EXPECT_EQ(c.result().reason, "TLS required by policy but the server does not offer STARTTLS");
  EXPECT_EQ(c.all_written.find("MAIL"), std::string::npos);
}

TEST(SmtpClient, TlsRequiredAndStartTlsRefused) {
  Options o = options();
  o.tls_required = true;
  Client c(o, envelope());
  greet(c, {"STARTTLS"});
  c.exchange("454 4.7.0 TLS not available\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
  EXPECT_EQ(c.result().reason,
            "TLS required by policy but STARTTLS was refused: 454 4.7.0 TLS not available");
}

TEST(SmtpClient, StartTlsRefusedWithoutPolicyGoesOnInPlaintext) {
  Client c(options(), envelope());
  greet(c, {"STARTTLS"});
  c.exchange("454 4.7.0 TLS not available\r\n", "MAIL FROM:<alice@our.test>\r\n");
}

TEST(SmtpClient, TlsRequiredHandshakeFailure) {
  Options o = options();
  o.tls_required = true;
  Client c(o, envelope());
  greet(c, {"STARTTLS"});
  c.exchange("220 go\r\n", "", Next::kStartTls);
  Step s = c.engine.on_closed();
  EXPECT_EQ(s.write, "");
  EXPECT_EQ(s.next, Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
  EXPECT_EQ(c.result().reason, "connection closed by the server during the TLS handshake");
}

TEST(SmtpClient, RequireTlsOffered) {
  Options o = options();
  o.already_tls = true;
  Envelope e = envelope();
  e.requiretls = true;
  Client c(o, e);
  greet(c, {"REQUIRETLS", "STARTTLS"});  // STARTTLS is ignored under implicit TLS
  EXPECT_EQ(c.all_written, "EHLO mta.our.test\r\nMAIL FROM:<alice@our.test> REQUIRETLS\r\n");
}

TEST(SmtpClient, RequireTlsNotOfferedIs5730) {
  Options o = options();
  o.already_tls = true;
  Envelope e = envelope();
  e.requiretls = true;
  Client c(o, e);
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  c.exchange("250-mx\r\n250 8BITMIME\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().reply.enhanced, "5.7.30");
  EXPECT_EQ(c.result().recipients[0].reply.enhanced, "5.7.30");
  EXPECT_TRUE(c.result().tls);
}

TEST(SmtpClient, RequireTlsWithoutTlsIs5730) {
  Envelope e = envelope();
  e.requiretls = true;
  Client c(options(), e);
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  // REQUIRETLS advertised in plaintext does not count.
  c.exchange("250-mx\r\n250 REQUIRETLS\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().reply.enhanced, "5.7.30");
  EXPECT_EQ(c.result().reason, "REQUIRETLS requested but the connection is not TLS");
}

TEST(SmtpClient, Smtputf8NotOfferedIs567) {
  Envelope e = envelope();
  e.smtputf8 = true;
  Client c(options(), e);
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  c.exchange("250-mx\r\n250 8BITMIME\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().reply.enhanced, "5.6.7");
}

TEST(SmtpClient, NonAsciiAddressNeedsSmtputf8EvenIfNotFlagged) {
  Client c(options(), envelope({"jörg@their.test"}));
  greet(c, {"SMTPUTF8", "8BITMIME"});
  EXPECT_EQ(c.all_written, "EHLO mta.our.test\r\nMAIL FROM:<alice@our.test> SMTPUTF8\r\n");
  c.exchange("250 ok\r\n", "RCPT TO:<jörg@their.test>\r\n");
}

TEST(SmtpClient, EightBitNeeds8BitMime) {
  Envelope e = envelope();
  e.eight_bit = true;
  {
    Client c(options(), e);
    greet(c, {"SIZE"});
    EXPECT_EQ(c.all_written, "EHLO mta.our.test\r\nQUIT\r\n");
    EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
    EXPECT_EQ(c.result().reply.enhanced, "5.6.3");
  }
  {
    e.size = 777;
    Client c(options(), e);
    greet(c, {"SIZE 0", "8BITMIME"});  // SIZE 0: no limit
    EXPECT_EQ(c.all_written,
              "EHLO mta.our.test\r\nMAIL FROM:<alice@our.test> SIZE=777 BODY=8BITMIME\r\n");
  }
}

TEST(SmtpClient, SizeLimitTooSmallIs534) {
  Envelope e = envelope();
  e.size = 5000;
  Client c(options(), e);
  greet(c, {"SIZE 4999"});
  EXPECT_EQ(c.all_written, "EHLO mta.our.test\r\nQUIT\r\n");
  EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().reply.enhanced, "5.3.4");
  EXPECT_EQ(c.result().reason, "message size 5000 exceeds the server's SIZE 4999");
}

// Delivers `message` and returns what followed the 354.
std::string wire_for(std::string message) {
  Client c(options(), envelope(), std::move(message));
  greet(c, {"PIPELINING"});
  c.feed("250 ok\r\n250 ok\r\n");
  return c.feed("354 go\r\n").write;
}

TEST(SmtpClient, DotStuffingAndLineEndingsAreByteExact) {
  EXPECT_EQ(wire_for("a\n.b\r\n..c\rd\r\r\n.\nend"),
            "a\r\n..b\r\n...c\r\nd\r\n\r\n..\r\nend\r\n.\r\n");
  EXPECT_EQ(wire_for(".starts\r\n"), "..starts\r\n.\r\n");
  // The end-of-data sequence inside the stored bytes, in every line ending flavour.
  EXPECT_EQ(wire_for("x\r\n.\r\ny\n.\nz\r.\rw"), "x\r\n..\r\ny\r\n..\r\nz\r\n..\r\nw\r\n.\r\n");
  EXPECT_EQ(wire_for(""), ".\r\n");
  EXPECT_EQ(wire_for("\n"), "\r\n.\r\n");
  EXPECT_EQ(wire_for("no newline"), "no newline\r\n.\r\n");
  EXPECT_EQ(wire_for("a.b\r\n \r\n"), "a.b\r\n \r\n.\r\n");
  EXPECT_EQ(wire_for(std::string("nul\0byte\n", 9)), std::string("nul\0byte\r\n.\r\n", 13));
}

TEST(SmtpClient, SizeCountsCrlfWithoutStuffing) {
  Client c(options(), envelope(), "a\n.b\n");  // "a\r\n.b\r\n" = 7 bytes
  greet(c, {"SIZE 7"});
  EXPECT_EQ(c.all_written, "EHLO mta.our.test\r\nMAIL FROM:<alice@our.test> SIZE=7\r\n");
}

// A whole session, with the server's replies in `replies` fed in chunks made by `split`.
struct SessionRun {
  std::string written;
  Result result;
};
SessionRun run_session(
    const std::vector<std::string>& replies,
    const std::function<std::vector<std::string>(size_t, const std::string&)>& split) {
  Options o = options();
  Client c(o, envelope({"a@their.test", "b@their.test"}));
  bool tls_pending = false;
  for (size_t i = 0; i < replies.size(); ++i) {
    for (const std::string& chunk : split(i, replies[i])) {
      Step s = c.feed(chunk);
      tls_pending = s.next == Next::kStartTls;
    }
    if (tls_pending) c.tls();
  }
  c.engine.on_closed();
  return {c.all_written, c.result()};
}

void expect_same(const SessionRun& a, const SessionRun& b) {
  EXPECT_EQ(a.written, b.written);
  EXPECT_EQ(a.result.outcome, b.result.outcome);
  EXPECT_EQ(a.result.reason, b.result.reason);
  ASSERT_EQ(a.result.recipients.size(), b.result.recipients.size());
  for (size_t i = 0; i < a.result.recipients.size(); ++i) {
    EXPECT_EQ(a.result.recipients[i].outcome, b.result.recipients[i].outcome);
    EXPECT_EQ(a.result.recipients[i].reply.code, b.result.recipients[i].reply.code);
    EXPECT_EQ(a.result.recipients[i].reply.enhanced, b.result.recipients[i].reply.enhanced);
    EXPECT_EQ(a.result.recipients[i].reply.text, b.result.recipients[i].reply.text);
  }
}

TEST(SmtpClient, RepliesSplitAtEveryByteGiveTheSameResult) {
  const std::vector<std::string> replies = {
      "220-mx.their.test ESMTP\r\n220-more\n220 last\r\n",
      "250-mx.their.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
      "220 2.0.0 go\r\n",
      "250-mx.their.test greets you\r\n250-SIZE 100000\r\n250-pipelining\r\n250 SMTPUTF8\r\n",
      "250 2.1.0 Ok\r\n550-5.1.1 no such\r\n550-5.1.1 user here\r\n550 5.1.1 sorry\r\n",
      "250 2.1.5 Ok\r\n354 go ahead\r\n",
      "250-2.0.0 Ok\r\n250 2.0.0 queued as X\r\n",
  };
  auto whole = [](size_t, const std::string& r) { return std::vector<std::string>{r}; };
  SessionRun reference = run_session(replies, whole);
  EXPECT_EQ(reference.result.outcome, Outcome::kDelivered);
  EXPECT_TRUE(reference.result.tls);
  EXPECT_EQ(reference.result.recipients[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(reference.result.recipients[0].reply.text, "no such user here sorry");
  EXPECT_EQ(reference.result.recipients[1].outcome, Outcome::kDelivered);
  EXPECT_EQ(reference.result.reply.text, "Ok queued as X");

  for (size_t which = 0; which < replies.size(); ++which) {
    for (size_t at = 0; at <= replies[which].size(); ++at) {
      SCOPED_TRACE("reply " + std::to_string(which) + " split at " + std::to_string(at));
      expect_same(reference, run_session(replies, [&](size_t i, const std::string& r) {
                    if (i != which) return std::vector<std::string>{r};
                    return std::vector<std::string>{r.substr(0, at), r.substr(at)};
                  }));
    }
  }
  SCOPED_TRACE("byte at a time");
  expect_same(reference, run_session(replies, [](size_t, const std::string& r) {
                std::vector<std::string> bytes;
                for (char ch : r) bytes.emplace_back(1, ch);
                return bytes;
              }));
}

TEST(SmtpClient, MismatchedMultiLineCodesAreAProtocolError) {
  Client c(options(), envelope());
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  c.exchange("250-mx\r\n251 PIPELINING\r\n", "", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
  EXPECT_EQ(c.result().reason, "protocol error: multi-line reply with mismatched codes");
}

TEST(SmtpClient, MalformedRepliesAreProtocolErrors) {
  for (std::string_view bad :
       {"2200 x\r\n", "22\r\n", "abc\r\n", "120 x\r\n", "620 x\r\n", "260 x\r\n", "220\tx\r\n"}) {
    SCOPED_TRACE(std::string(bad));
    Client c(options(), envelope());
    c.exchange(bad, "", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
    EXPECT_EQ(c.result().reason, "protocol error: malformed reply line");
  }
}

TEST(SmtpClient, OverLongReplyLine) {
  Options o = options();
  o.max_reply_line = 64;
  {
    Client c(o, envelope());
    // Exactly 64 bytes with CRLF is fine.
    c.exchange("220 " + std::string(58, 'x') + "\r\n", "EHLO mta.our.test\r\n");
  }
  {
    Client c(o, envelope());
    c.exchange("220 " + std::string(59, 'x') + "\r\n", "", Next::kDone);
    EXPECT_EQ(c.result().reason, "protocol error: reply line too long");
  }
  {
    Client c(o, envelope());  // no line end at all: refused without waiting for one
    c.exchange(std::string(63, '2'), "", Next::kRead);
    c.exchange("2", "", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
  }
}

TEST(SmtpClient, TooManyReplyLines) {
  Options o = options();
  o.max_reply_lines = 3;
  Client c(o, envelope());
  c.exchange("220-a\r\n220-b\r\n220 c\r\n", "EHLO mta.our.test\r\n");
  c.exchange("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", "", Next::kDone);
  EXPECT_EQ(c.result().reason, "protocol error: reply too long");
}

TEST(SmtpClient, Greeting421IsTemporaryAnd554Permanent) {
  {
    Client c(options(), envelope());
    c.exchange("421 4.3.2 mx.their.test Service not available\r\n", "QUIT\r\n", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
    EXPECT_EQ(c.result().reply.code, 421);
    EXPECT_EQ(c.result().reply.enhanced, "4.3.2");
    EXPECT_EQ(c.result().reason, "greeting refused: 421 4.3.2 mx.their.test Service not available");
  }
  {
    Client c(options(), envelope());
    c.exchange("554 no service\r\n", "QUIT\r\n", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
    EXPECT_EQ(c.result().reply.enhanced, "");
    EXPECT_EQ(c.result().recipients[0].reply.code, 554);
  }
}

TEST(SmtpClient, PeerClosingMidDataIsTemporary) {
  Client c(options(), envelope({"a@their.test", "b@their.test"}));
  greet(c, {});
  c.exchange("250 ok\r\n", "RCPT TO:<a@their.test>\r\n");
  c.exchange("550 5.1.1 no\r\n", "RCPT TO:<b@their.test>\r\n");
  c.exchange("250 ok\r\n", "DATA\r\n");
  c.exchange("354 go\r\n", kWire);
  Step s = c.engine.on_closed();
  EXPECT_EQ(s.write, "");
  EXPECT_EQ(s.next, Next::kDone);
  const Result& r = c.result();
  EXPECT_EQ(r.outcome, Outcome::kTemporary);
  EXPECT_EQ(r.reply.enhanced, "4.4.2");
  EXPECT_EQ(r.reason,
            "connection closed by the server after the message was sent, before the final reply");
  EXPECT_EQ(r.recipients[0].outcome, Outcome::kPermanent);  // keeps its own 550
  EXPECT_EQ(r.recipients[1].outcome, Outcome::kTemporary);
  EXPECT_EQ(c.engine.on_closed().next, Next::kDone);
}

TEST(SmtpClient, Reply421EndsTheSession) {
  Client c(options(), envelope({"a@their.test", "b@their.test"}));
  greet(c, {});
  c.exchange("250 ok\r\n", "RCPT TO:<a@their.test>\r\n");
  c.exchange("250 ok\r\n", "RCPT TO:<b@their.test>\r\n");
  c.exchange("421 4.4.2 timeout\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
  EXPECT_EQ(c.result().reason, "RCPT TO refused: 421 4.4.2 timeout");
  EXPECT_EQ(c.result().recipients[0].reply.code, 421);  // accepted, then the session failed
  EXPECT_EQ(c.result().recipients[1].reply.code, 421);
}

TEST(SmtpClient, HeloFallbackWhenEhloRefused) {
  Client c(options(), envelope());
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  c.exchange("502 5.5.2 Command not recognized\r\n", "HELO mta.our.test\r\n");
  c.exchange("250 mx\r\n", "MAIL FROM:<alice@our.test>\r\n");
}

TEST(SmtpClient, NoHeloFallbackWhenTlsRequired) {
  Options o = options();
  o.tls_required = true;
  Client c(o, envelope());
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  c.exchange("500 what\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
  EXPECT_EQ(c.result().reason, "TLS required by policy but EHLO was refused: 500 what");
}

TEST(SmtpClient, HeloFallbackUnderImplicitTlsSatisfiesPolicy) {
  Options o = options();
  o.tls_required = true;
  o.already_tls = true;
  Client c(o, envelope());
  c.exchange("220 mx\r\n", "EHLO mta.our.test\r\n");
  c.exchange("500 what\r\n", "HELO mta.our.test\r\n");
  c.exchange("250 mx\r\n", "MAIL FROM:<alice@our.test>\r\n");
}

TEST(SmtpClient, NoRecipientAccepted) {
  struct Case {
    const char* replies;
    Outcome overall;
    Outcome a, b;
    const char* reason;
  };
  for (const Case& k : {
           Case{"450 4.2.1 busy\r\n451 later\r\n", Outcome::kTemporary, Outcome::kTemporary,
                Outcome::kTemporary, "no recipient accepted: 450 4.2.1 busy"},
           Case{"550 5.1.1 no\r\n553 bad\r\n", Outcome::kPermanent, Outcome::kPermanent,
                Outcome::kPermanent, "no recipient accepted: 550 5.1.1 no"},
           Case{"550 5.1.1 no\r\n452 4.5.3 full\r\n", Outcome::kTemporary, Outcome::kPermanent,
                Outcome::kTemporary, "no recipient accepted: 452 4.5.3 full"},
       }) {
    SCOPED_TRACE(k.replies);
    Client c(options(), envelope({"a@their.test", "b@their.test"}));
    greet(c, {"PIPELINING"});
    EXPECT_EQ(c.all_written,
              "EHLO mta.our.test\r\nMAIL FROM:<alice@our.test>\r\nRCPT TO:<a@their.test>\r\n"
              "RCPT TO:<b@their.test>\r\nDATA\r\n");
    c.exchange(std::string("250 ok\r\n") + k.replies, "");
    c.exchange("554 5.5.1 no valid recipients\r\n", "QUIT\r\n", Next::kDone);
    EXPECT_EQ(c.result().outcome, k.overall);
    EXPECT_EQ(c.result().recipients[0].outcome, k.a);
    EXPECT_EQ(c.result().recipients[1].outcome, k.b);
    EXPECT_EQ(c.result().reason, k.reason);
  }
}

TEST(SmtpClient, NoRecipientAcceptedWithoutPipeliningSkipsData) {
  Client c(options(), envelope());
  greet(c, {});
  c.exchange("250 ok\r\n", "RCPT TO:<bob@their.test>\r\n");
  c.exchange("550 5.1.1 no\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().reply.code, 550);
}

TEST(SmtpClient, PipelinedDataAcceptedWithoutRecipientsGetsAnEmptyMessage) {
  Client c(options(), envelope());
  greet(c, {"PIPELINING"});
  c.exchange("250 ok\r\n550 5.1.1 no\r\n354 go\r\n", ".\r\n");
  c.exchange("554 5.5.1 no recipients\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().reply.code, 550);
}

TEST(SmtpClient, PipelinedMailRefusedDrainsThenQuits) {
  Client c(options(), envelope());
  greet(c, {"PIPELINING"});
  c.exchange("550 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n", "");
  // Decided already: a close now does not change the result.
  Step s = c.engine.on_closed();
  EXPECT_EQ(s.next, Next::kDone);
  EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().reason, "MAIL FROM refused: 550 5.7.1 sender refused");
  EXPECT_EQ(c.result().recipients[0].reply.code, 550);
}

TEST(SmtpClient, DataAndFinalReplies) {
  {
    Client c(options(), envelope());
    greet(c, {"PIPELINING"});
    c.exchange("250 ok\r\n250 ok\r\n451 4.3.0 try later\r\n", "QUIT\r\n", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
    EXPECT_EQ(c.result().reason, "DATA refused: 451 4.3.0 try later");
  }
  {
    Client c(options(), envelope());
    greet(c, {"PIPELINING"});
    c.exchange("250 ok\r\n250 ok\r\n354 go\r\n", kWire);
    c.exchange("554 5.7.1 spam\r\n", "QUIT\r\n", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kPermanent);
    EXPECT_EQ(c.result().recipients[0].reply.text, "spam");
    EXPECT_EQ(c.result().reason, "message refused: 554 5.7.1 spam");
  }
  {
    Client c(options(), envelope());
    greet(c, {"PIPELINING"});
    c.exchange("250 ok\r\n250 ok\r\n250 what\r\n", "", Next::kDone);  // 250 to DATA
    EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
    EXPECT_EQ(c.result().reason, "protocol error: unexpected reply to DATA: 250 what");
  }
}

TEST(SmtpClient, ServerTalkingBeforeACommandIsAProtocolError) {
  {
    Client c(options(), envelope());
    c.exchange("220 mx\r\n250 early\r\n", "", Next::kDone);
    EXPECT_EQ(c.result().outcome, Outcome::kTemporary);
    EXPECT_EQ(c.result().reason, "protocol error: reply to a command not sent yet");
  }
  {
    Client c(options(), envelope());
    c.exchange("220 mx\r\n25", "", Next::kDone);
    EXPECT_EQ(c.result().reason, "protocol error: server sent data before our command");
  }
  {
    Client c(options(), envelope());
    greet(c, {});
    c.exchange("250 ok\r\n", "RCPT TO:<bob@their.test>\r\n");
    c.exchange("250 ok\r\n250 ok\r\n", "", Next::kDone);
  }
}

TEST(SmtpClient, AddressesThatWouldInjectCommandsAreNotSent) {
  Client c(options(), envelope({"evil@x>\r\nRSET", "bob@their.test", ""}));
  greet(c, {});
  c.exchange("250 ok\r\n", "RCPT TO:<bob@their.test>\r\n");
  EXPECT_EQ(c.result().recipients[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(c.result().recipients[0].reply.enhanced, "5.1.3");
  EXPECT_EQ(c.result().recipients[2].reply.enhanced, "5.1.3");

  Envelope e = envelope();
  e.mail_from = "a@b\nDATA";
  Client d(options(), e);
  greet(d, {});
  EXPECT_EQ(d.all_written, "EHLO mta.our.test\r\nQUIT\r\n");
  EXPECT_EQ(d.result().reply.enhanced, "5.1.7");
}

TEST(SmtpClient, NullReversePath) {
  Envelope e = envelope();
  e.mail_from = "";
  Client c(options(), e);
  greet(c, {});
  EXPECT_EQ(c.all_written, "EHLO mta.our.test\r\nMAIL FROM:<>\r\n");
}

TEST(SmtpClient, InvalidHeloNameEndsAtOnce) {
  Options o = options();
  o.helo_name = "bad name\r\nMAIL";
  Engine engine(o, envelope(), kMessage);
  Step s = engine.on_connect();
  EXPECT_EQ(s.write, "");
  EXPECT_EQ(s.next, Next::kDone);
  EXPECT_EQ(engine.result().outcome, Outcome::kTemporary);
}

TEST(SmtpClient, EnhancedCodeOnlyWhenItsClassMatches) {
  Client c(options(), envelope());
  greet(c, {});
  c.exchange("550 4.1.1 odd\r\n", "QUIT\r\n", Next::kDone);
  EXPECT_EQ(c.result().reply.enhanced, "");
  EXPECT_EQ(c.result().reply.text, "4.1.1 odd");
}

// The replies a plausible server gives to the commands in `wrote` (occasionally refusing).
template <typename Pick>
std::string cooperative_replies(std::string_view wrote, Pick& pick) {
  std::string out;
  if (wrote.empty()) return "220 mx ESMTP\r\n";
  if (wrote.ends_with("\r\n.\r\n") || wrote == ".\r\n") {
    return pick(4) == 0 ? "451 4.3.0 later\r\n" : "250 2.0.0 queued\r\n";
  }
  while (!wrote.empty()) {
    size_t end = wrote.find("\r\n");
    std::string_view line = wrote.substr(0, end);
    wrote.remove_prefix(end == std::string_view::npos ? wrote.size() : end + 2);
    if (line.starts_with("EHLO")) {
      out += pick(4) == 0 ? "502 5.5.2 no\r\n"
                          : "250-mx\r\n250-STARTTLS\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                            "250-SIZE 1000\r\n250-SMTPUTF8\r\n250 REQUIRETLS\r\n";
    } else if (line.starts_with("HELO")) {
      out += "250 mx\r\n";
    } else if (line.starts_with("STARTTLS")) {
      out += pick(4) == 0 ? "454 4.7.0 no TLS\r\n" : "220 2.0.0 go\r\n";
    } else if (line.starts_with("MAIL") || line.starts_with("RCPT")) {
      size_t r = pick(6);
      out += r == 0 ? "550 5.1.1 no\r\n" : r == 1 ? "450 4.2.1 later\r\n" : "250 ok\r\n";
    } else if (line.starts_with("DATA")) {
      out += "354 go\r\n";
    }
  }
  return out;
}

// Random bytes and random plausible replies, in random chunks: the engine must end with an
// outcome, and with tls_required must never write MAIL before the handshake.
TEST(SmtpClient, RandomRepliesNeverCrash) {
  uint32_t seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const std::vector<std::string> pieces = {"220 ok\r\n",
                                           "220-x\r\n",
                                           "250 ok\r\n",
                                           "250-mx\r\n",
                                           "250-STARTTLS\r\n",
                                           "250-PIPELINING\r\n",
                                           "250-SIZE 10\r\n",
                                           "250 SMTPUTF8\r\n",
                                           "250 REQUIRETLS\r\n",
                                           "354 go\r\n",
                                           "450 4.1.1 later\r\n",
                                           "550 5.1.1 no\r\n",
                                           "421 bye\r\n",
                                           "\r\n",
                                           "\n",
                                           "2",
                                           "5",
                                           "-",
                                           " ",
                                           "5.7.1 ",
                                           "\r"};
  // Whole replies that a real server could send at some point: these get sessions deep.
  const std::vector<std::string> replies = {
      "220 ok\r\n",
      "250 ok\r\n",
      "250-mx\r\n250-STARTTLS\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
      "250 REQUIRETLS\r\n",
      "250-mx\r\n250-8BITMIME\r\n250 SIZE 10\r\n",
      "354 go\r\n",
      "450 4.2.1 later\r\n",
      "550 5.1.1 no\r\n"};
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int delivered = 0, temporary = 0, permanent = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Options o = options();
    o.tls_required = pick(2) == 0;
    o.already_tls = pick(4) == 0;
    o.max_reply_line = pick(4) == 0 ? 1 + pick(64) : 2048;
    o.max_reply_lines = pick(4) == 0 ? 1 + pick(8) : 100;
    Envelope e = envelope({"a@their.test", "b@their.test", "c@their.test"});
    e.requiretls = pick(4) == 0;
    e.smtputf8 = pick(4) == 0;
    e.eight_bit = pick(4) == 0;
    Engine engine(o, e, "x\n.y\r");
    engine.on_connect();
    bool tls = o.already_tls;
    std::string wrote;  // what the engine wrote last: a cooperative server answers it
    for (int feeds = 0; feeds < 40 && !engine.done(); ++feeds) {
      std::string chunk;
      size_t mode = pick(8);
      if (mode == 0) {
        for (size_t n = pick(16); n > 0; --n) chunk += static_cast<char>(pick(256));
      } else if (mode == 1) {
        for (size_t n = 1 + pick(3); n > 0; --n) chunk += pieces[pick(pieces.size())];
      } else if (mode == 2) {
        chunk = replies[pick(replies.size())];
      } else {
        chunk = cooperative_replies(wrote, pick);
      }
      // Sometimes in two reads.
      size_t cut = pick(chunk.size() + 1);
      Step s = engine.on_data(chunk.substr(0, cut));
      if (!engine.done() && s.next == Next::kRead && cut < chunk.size()) {
        std::string first = s.write;
        s = engine.on_data(chunk.substr(cut));
        s.write = first + s.write;
      }
      if (o.tls_required && !tls) {
        ASSERT_EQ(s.write.find("MAIL"), std::string::npos);
      }
      wrote = s.write;
      if (s.next == Next::kStartTls) {
        if (pick(5) == 0) break;  // handshake fails
        s = engine.tls_started();
        wrote = s.write;
        tls = true;
      }
    }
    Step last = engine.on_closed();
    ASSERT_EQ(last.next, Next::kDone);
    ASSERT_TRUE(engine.done());
    const Result& r = engine.result();
    ASSERT_EQ(r.recipients.size(), 3u);
    ASSERT_FALSE(r.reason.empty());
    ASSERT_EQ(r.reason.find('\n'), std::string::npos);
    if (r.outcome == Outcome::kDelivered) {
      ASSERT_TRUE(!o.tls_required || r.tls);
    }
    delivered += r.outcome == Outcome::kDelivered;
    temporary += r.outcome == Outcome::kTemporary;
    permanent += r.outcome == Outcome::kPermanent;
  }
  std::printf("delivered %d temporary %d permanent %d\n", delivered, temporary, permanent);
}

}  // namespace
}  // namespace sealmail::smtp::client
