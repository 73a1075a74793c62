// engine.h — the SMTP server engine for the MX role (port 25, STARTTLS): a net::Engine fed
// raw bytes that answers with RFC 5321 replies and hands each accepted message to a MailSink.
// No sockets, timers or store here: the transport (net/) does the I/O, the sink does
// recipient lookup and durable delivery. Replies, limits and every reply-code choice are
// documented in docs/smtp.md; the golden transcripts in src/smtp/testdata/ are the spec.
//
// Verbs: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS (one file each).
// EHLO advertises PIPELINING SIZE 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES CHUNKING DSN, STARTTLS
// only when SessionInfo::starttls_available and not yet TLS, REQUIRETLS only under TLS.
// AUTH is not offered on an MX: "503 5.5.1".
//
// SECURITY: every byte is untrusted. Command lines ≤ max_line_bytes (with CRLF) or "500
// 5.5.6"; end of DATA only at <CRLF>.<CRLF> (SMTP smuggling, see internal/data_scanner.h);
// bare CR/LF in message data → "550 5.6.0" unless normalize_bare_line_endings; SIZE and the
// data limits → "552 5.3.4", always after the data has ended, never accepting; recipients per
// message → "452 4.5.3"; too many commands before MAIL or too many errors → "421 4.7.0" and
// close. Bytes pipelined after STARTTLS are dropped. The Received: header is built only from
// validated values (HELO name, peer IP, our hostname) and cannot carry CR/LF. Sink verdict
// texts are sanitized before they are sent. Replies never say whether an address exists beyond
// what the sink's verdict says. Open relaying is the sink's to prevent: check_recipient gets
// the whole parsed mailbox (route dropped) — see path.h for the forms it must refuse.
//
// Standards: RFC 5321, RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8), RFC 2920
// (PIPELINING), RFC 3030 (CHUNKING/BDAT), RFC 2034 + RFC 3463 + RFC 5248 (enhanced status
// codes), RFC 3207 (STARTTLS), RFC 3461 (DSN parameters), RFC 8689 (REQUIRETLS), RFC 3848
// (Received "with" keywords).
//
// Thread-safety: an SmtpEngine belongs to one connection (net/engine.h). The MailSink is
// called synchronously from the connection's thread and may block; one sink is shared by all
// engines and must be thread-safe. SmtpEngineFactory::create/refusal may run concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/engine.h"

namespace sealmail::smtp {

struct RecipientDsn {
  std::string notify;  // RFC 3461 NOTIFY value as given ("" if absent)
  std::string orcpt;   // RFC 3461 ORCPT value as given, e.g. "rfc822;a+40b.example"
};

struct Envelope {
  std::string helo;
  std::string mail_from;                    // reverse-path without brackets, "" for <>
  std::vector<std::string> recipients;      // accepted recipients, in order
  std::vector<RecipientDsn> recipient_dsn;  // parallel to recipients
  bool smtputf8 = false;
  bool eight_bit = false;  // BODY=8BITMIME
  bool requiretls = false;
  std::string peer_address;
  bool tls = false;
  std::string ret, envid;  // DSN parameters kept as given
};

struct Verdict {
  int code;              // 2xx accept, 4xx temporary, 5xx permanent
  std::string enhanced;  // "2.1.5"
  std::string text;      // one line; CR/LF and control bytes are replaced before sending
};

class MailSink {
 public:
  virtual ~MailSink() = default;
  // `recipient` is the parsed mailbox "local@domain" with the source route dropped (or
  // "Postmaster" alone). Must refuse every non-local form listed in path.h.
  virtual Verdict check_recipient(const Envelope& envelope, std::string_view recipient) = 0;
  // Called once per message after the end of data; must be durable before returning 2xx. The
  // message starts with the engine's Received: header and uses CRLF line endings.
  virtual Verdict deliver(const Envelope& envelope, std::string_view message) = 0;
};

struct SmtpLimits {
  size_t max_line_bytes = 1000;       // command line including CRLF (RFC 5321 §4.5.3.1.4)
  size_t max_data_line_bytes = 1000;  // message text line including CRLF (§4.5.3.1.6); raise
                                      // (e.g. 10000) to tolerate broken senders
  size_t max_header_bytes = 1 << 20;
  size_t max_message_bytes = 50 << 20;  // advertised as SIZE
  size_t max_recipients = 100;
  size_t max_commands_before_mail = 50;  // commands outside a transaction, reset by MAIL
  size_t max_errors = 10;
  bool normalize_bare_line_endings = false;
  std::string hostname = "localhost";
};

// The clock for the Received: header's date (tests pin it).
using Clock = std::function<std::chrono::system_clock::time_point()>;

namespace internal {
class Session;
}

class SmtpEngine : public net::Engine {
 public:
  SmtpEngine(std::shared_ptr<MailSink> sink, SmtpLimits limits, Clock clock = {});
  ~SmtpEngine() override;
  SmtpEngine(const SmtpEngine&) = delete;
  SmtpEngine& operator=(const SmtpEngine&) = delete;

  // "220 <hostname> ESMTP sealmail".
  net::Output on_connect(const net::SessionInfo& session) override;
  net::Output on_data(std::string_view bytes) override;
  // Forgets HELO/EHLO and the transaction (RFC 3207 §4.2); sends nothing.
  net::Output on_tls_established() override;
  // "421 4.4.2 <hostname> Error: timeout exceeded".
  std::string on_timeout() override;
  // Idle between commands → "421 4.3.2 <hostname> Service shutting down" now; inside DATA or
  // a BDAT chunk → the reply to the message, then that 421 and close.
  ShutdownReply on_shutdown() override;

 private:
  std::unique_ptr<internal::Session> session_;
};

class SmtpEngineFactory : public net::EngineFactory {
 public:
  SmtpEngineFactory(std::shared_ptr<MailSink> sink, SmtpLimits limits, Clock clock = {});

  std::unique_ptr<net::Engine> create() override;
  // "421 4.7.0 <hostname> Too many connections…" / "…from your address…"; shutting down →
  // "421 4.3.2 <hostname> Service shutting down".
  std::string refusal(Refusal why) override;

 private:
  // Constant after construction.
  const std::shared_ptr<MailSink> sink_;
  const SmtpLimits limits_;
  const Clock clock_;
};

}  // namespace sealmail::smtp
