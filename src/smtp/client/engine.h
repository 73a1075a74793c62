// engine.h — the SMTP client engine for outbound delivery: one transaction (MAIL, RCPT…, DATA)
// to one server, as a state machine fed the server's bytes. No sockets, timers, DNS or
// threads: the transport connects, writes Step::write, carries out Step::next and feeds every
// byte it reads to on_data. Which MX to use and whether TLS is mandatory (DANE, MTA-STS) are
// decided before; this engine enforces the decision and reports one Result.
//
// Session: wait for "220"; EHLO (HELO if EHLO gets 5xx and plaintext is acceptable: no
// extensions then); STARTTLS when offered and not yet TLS, then EHLO again on the encrypted
// channel; MAIL FROM with SIZE= / BODY=8BITMIME / SMTPUTF8 / REQUIRETLS as needed and offered;
// one RCPT per recipient; DATA; the message; QUIT. With PIPELINING, MAIL, the RCPTs and DATA
// go out as one group (RFC 2920) and their replies are read in order; once the outcome is fixed
// (MAIL refused, no recipient accepted) the remaining replies are read and ignored, a 354 is
// answered with an empty message (".") as RFC 2920 advises, and then QUIT. A 421 to any
// command ends the session (RFC 5321 §3.8). QUIT follows every decided session except after a
// protocol error or an injection: then nothing more is written.
//
// Before MAIL, in this order, the session ends with QUIT and no MAIL sent when:
//   - Options::tls_required and the channel is not TLS (STARTTLS not offered, refused, or EHLO
//     refused)                                       → kTemporary, status 4.7.10
//   - Envelope::requiretls and not (TLS and REQUIRETLS offered)  → kPermanent 5.7.30 (RFC 8689
//     §4.2.1)
//   - SMTPUTF8 needed (Envelope::smtputf8 or a non-ASCII address) and not offered → kPermanent
//     5.6.7 (RFC 6531 §3.4)
//   - Envelope::eight_bit and 8BITMIME not offered → kPermanent 5.6.3: the body would need
//     conversion to 7 bit (RFC 6152), which this engine does not do; sending 8-bit bytes to
//     a 7-bit server is not an option
//   - SIZE n offered with n > 0 and the message is larger  → kPermanent 5.3.4 (RFC 1870)
// A recipient whose address cannot be put in a command (CR, LF, control bytes, '<' '>', empty)
// is not sent: it fails kPermanent 5.1.3 locally; a bad sender fails everything with 5.1.7.
//
// Result: per recipient, the RCPT reply when rejected, the reply after the message when
// accepted, else the reply (or local reason) that ended the session. Result::outcome is
// kDelivered when the message was accepted for at least one recipient; otherwise kTemporary if
// any recipient failed temporarily, else kPermanent. Always act on Result::recipients.
// Reply::code is 0 when no server reply decided (a local check, a protocol error, the peer
// closing); Reply::enhanced then holds our RFC 3463 status.
//
// SECURITY: every server byte is untrusted. A reply is "ddd", "ddd text" or "ddd-text" lines
// ending in CRLF (bare LF accepted), codes 200–559, the same code on every line; a line longer
// than Options::max_reply_line bytes (terminator included) or more than max_reply_lines lines
// ends the session kTemporary, as does any other protocol error, including bytes that arrive
// when no reply is due (the server cannot answer a command it has not been sent). Bytes after
// the "220" to STARTTLS, in the same read, are a response injection (CVE-2011-0411 class): the
// session ends kTemporary and nothing more is written. Reply text is reduced to printable
// ASCII before it reaches Result. Message data goes out with CRLF line endings only (bare CR
// and bare LF become CRLF), dot-stuffed, ending "\r\n.\r\n", so no stored byte sequence can
// end the data early (SMTP smuggling). Lines longer than 998 bytes are sent as they are:
// keeping within RFC 5322's limit is the message builder's job.
//
// Standards: RFC 5321, RFC 3207 (STARTTLS), RFC 2920 (PIPELINING), RFC 1870 (SIZE), RFC 6152
// (8BITMIME), RFC 6531 (SMTPUTF8), RFC 8689 (REQUIRETLS), RFC 2034 + RFC 3463 (enhanced status
// codes).
//
// Thread-safety: an Engine belongs to one delivery attempt and is called from one thread at a
// time. It has no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::smtp::client {

// One transaction. Addresses are without angle brackets.
struct Envelope {
  std::string mail_from;             // "" = the null reverse-path <>
  std::vector<std::string> rcpt_to;  // 1..100, checked (the queue splits larger jobs)
  bool smtputf8 = false;             // the message or an address needs SMTPUTF8
  bool requiretls = false;           // RFC 8689: the sender asked for REQUIRETLS
  bool eight_bit = false;            // the body has 8-bit bytes: needs BODY=8BITMIME
  uint64_t size = 0;                 // SIZE= value; 0 = the message's size with CRLF endings
};

struct Reply {
  int code = 0;          // 200..559; 0 = decided locally (see the top of this file)
  std::string enhanced;  // "5.1.1" when the server gave one whose class matches code, else ""
  std::string text;      // all lines, printable ASCII, joined by ' ', enhanced code removed,
                         // at most 1024 bytes
};

enum class Outcome { kDelivered, kTemporary, kPermanent };

struct RecipientResult {
  std::string address;
  Outcome outcome = Outcome::kTemporary;
  Reply reply;
};

struct Result {
  Outcome outcome = Outcome::kTemporary;
  Reply reply;                              // the reply or local reason that decided outcome
  std::vector<RecipientResult> recipients;  // one per Envelope::rcpt_to, same order
  bool tls = false;                         // the transaction (or its failure) was under TLS
  std::string reason;                       // one line for logs and DSNs
};

struct Options {
  std::string helo_name;      // our hostname for EHLO/HELO; invalid → kTemporary at once
  bool tls_required = false;  // policy (DANE, MTA-STS enforce): never send MAIL in plaintext
  bool already_tls = false;   // implicit TLS: the connection is encrypted from the start
  size_t max_reply_line = 2048;
  size_t max_reply_lines = 100;
};

// What the transport does after an engine call: write `write`, then `next`.
struct Step {
  enum class Next {
    kRead,      // read and call on_data (or on_closed)
    kStartTls,  // run the TLS handshake without reading plaintext, then call tls_started();
                // if the handshake fails, call on_closed()
    kDone,      // result() is final; the transport may read briefly for the 221, then closes
  };
  std::string write;
  Next next = Next::kRead;
};

namespace internal {
class Session;
}

class Engine {
 public:
  // `message` is the stored message, any line endings; it is encoded for DATA here.
  Engine(Options options, Envelope envelope, std::string message);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // The TCP (or implicit TLS) connection is up: nothing to write, wait for the greeting.
  Step on_connect();
  // Server bytes, any split. Ignored once done.
  Step on_data(std::string_view bytes);
  // Only after Step::Next::kStartTls: the handshake succeeded; sends EHLO again.
  Step tls_started();
  // The peer closed, the connection failed or timed out: kTemporary unless already done.
  Step on_closed();

  bool done() const;
  // Final once a Step said kDone.
  const Result& result() const;

 private:
  std::unique_ptr<internal::Session> session_;
};

}  // namespace sealmail::smtp::client
