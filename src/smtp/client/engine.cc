#include "smtp/client/engine.h"

#include <charconv>
#include <deque>
#include <utility>

#include "base/ascii.h"
#include "base/check.h"
#include "smtp/client/internal/reply_reader.h"

namespace sealmail::smtp::client {
namespace internal {
namespace {

constexpr size_t kMaxRecipients = 100;

// What the server's next reply answers.
enum class Expect { kGreeting, kEhlo, kHelo, kStartTls, kMail, kRcpt, kData, kDataEnd };

std::string_view name_of(Expect what) {
  switch (what) {
    case Expect::kGreeting:
      return "greeting";
    case Expect::kEhlo:
      return "EHLO";
    case Expect::kHelo:
      return "HELO";
    case Expect::kStartTls:
      return "STARTTLS";
    case Expect::kMail:
      return "MAIL FROM";
    case Expect::kRcpt:
      return "RCPT TO";
    case Expect::kData:
      return "DATA";
    case Expect::kDataEnd:
      return "message";
  }
  SEALMAIL_UNREACHABLE();
}

struct Pending {
  Expect what;
  size_t rcpt = 0;  // kRcpt: index into Envelope::rcpt_to
};

struct Capabilities {
  bool starttls = false;
  bool pipelining = false;
  bool size = false;
  uint64_t size_limit = 0;  // 0: no limit given
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool requiretls = false;
};

// RFC 5321 §4.1.1.1: keywords after the first line, case-insensitive. Unknown ones are skipped.
Capabilities parse_ehlo(const RawReply& reply) {
  Capabilities caps;
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    size_t space = line.find(' ');
    std::string keyword = ascii_lowercase(line.substr(0, space));
    std::string_view param = space == std::string_view::npos ? "" : line.substr(space + 1);
    if (keyword == "starttls") {
      caps.starttls = true;
    } else if (keyword == "pipelining") {
      caps.pipelining = true;
    } else if (keyword == "size") {
      caps.size = true;
      uint64_t limit = 0;
      auto [end, ec] = std::from_chars(param.data(), param.data() + param.size(), limit);
      // A limit we cannot read is treated as none; one beyond uint64 as "no practical limit".
      if (ec == std::errc() && end == param.data() + param.size()) caps.size_limit = limit;
    } else if (keyword == "8bitmime") {
      caps.eight_bit_mime = true;
    } else if (keyword == "smtputf8") {
      caps.smtputf8 = true;
    } else if (keyword == "requiretls") {
      caps.requiretls = true;
    }
  }
  return caps;
}

// A path we can put between < and > without changing the command's meaning.
bool valid_address(std::string_view address) {
  for (char c : address) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '<' || c == '>') return false;
  }
  return true;
}

bool has_non_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

bool valid_helo_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

struct EncodedMessage {
  std::string wire;   // CRLF only, dot-stuffed, ending "\r\n.\r\n" (or ".\r\n" when empty)
  uint64_t size = 0;  // the message with CRLF endings, without stuffing and terminator
};

// RFC 5321 §4.5.2 transparency and §2.3.8 line endings: CRLF, bare CR and bare LF all end a
// line and go out as CRLF.
EncodedMessage encode_message(std::string_view message) {
  EncodedMessage out;
  out.wire.reserve(message.size() + message.size() / 32 + 8);
  bool line_start = true;
  size_t stuffed = 0;
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out.wire += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') {
      out.wire += '.';
      ++stuffed;
    }
    out.wire += c;
    line_start = false;
  }
  if (!line_start) out.wire += "\r\n";
  out.size = out.wire.size() - stuffed;
  out.wire += ".\r\n";
  return out;
}

Outcome outcome_of(int code) { return code / 100 == 5 ? Outcome::kPermanent : Outcome::kTemporary; }

std::string describe(const Reply& reply) {
  std::string s = reply.code == 0 ? std::string() : std::to_string(reply.code);
  for (const std::string* part : {&reply.enhanced, &reply.text}) {
    if (part->empty()) continue;
    if (!s.empty()) s += ' ';
    s += *part;
  }
  return s;
}

Reply local(std::string enhanced, std::string text) {
  return Reply{.code = 0, .enhanced = std::move(enhanced), .text = std::move(text)};
}

}  // namespace

class Session {
 public:
  Session(Options options, Envelope envelope, std::string message)
      : options_(std::move(options)),
        envelope_(std::move(envelope)),
        message_(encode_message(message)),
        reader_(options_.max_reply_line, options_.max_reply_lines),
        tls_(options_.already_tls) {
    SEALMAIL_CHECK(!envelope_.rcpt_to.empty() && envelope_.rcpt_to.size() <= kMaxRecipients);
    rcpt_.resize(envelope_.rcpt_to.size());
    result_.recipients.resize(envelope_.rcpt_to.size());
    for (size_t i = 0; i < rcpt_.size(); ++i) {
      result_.recipients[i].address = envelope_.rcpt_to[i];
    }
    smtputf8_needed_ = envelope_.smtputf8 || has_non_ascii(envelope_.mail_from);
    for (const std::string& r : envelope_.rcpt_to) smtputf8_needed_ |= has_non_ascii(r);
  }

  Step on_connect() {
    out_.clear();
    SEALMAIL_CHECK(!connected_);
    connected_ = true;
    if (!valid_helo_name(options_.helo_name)) {
      decide(Outcome::kTemporary, local("4.3.5", "invalid helo_name in the configuration"),
             "cannot greet: invalid helo_name in the configuration");
      finish(/*quit=*/false);
    } else {
      pending_.push_back({Expect::kGreeting});
    }
    return step();
  }

  Step on_data(std::string_view bytes) {
    out_.clear();
    SEALMAIL_CHECK(connected_);
    if (done_ || bytes.empty()) return step();
    if (awaiting_tls_) {
      // The transport should not read plaintext while it runs the handshake; if it did, the
      // bytes came after the 220 just like an injection.
      injection();
      return step();
    }
    reader_.feed(bytes);
    size_t owed = pending_.size();  // replies to commands already written
    while (!done_ && !awaiting_tls_) {
      ReplyReader::Item item = reader_.next();
      if (item.kind == ReplyReader::Item::Kind::kNone) break;
      if (item.kind == ReplyReader::Item::Kind::kError) {
        protocol_error(item.error);
        break;
      }
      if (owed == 0) {
        protocol_error("reply to a command not sent yet");
        break;
      }
      --owed;
      Pending p = pending_.front();
      pending_.pop_front();
      handle(p, item.reply);
      if (!done_ && decided_ && pending_.empty()) finish(/*quit=*/true);
    }
    if (!done_ && !awaiting_tls_ && owed == 0 && !reader_.empty()) {
      protocol_error("server sent data before our command");
    }
    return step();
  }

  Step tls_started() {
    out_.clear();
    SEALMAIL_CHECK(awaiting_tls_ && !done_);
    awaiting_tls_ = false;
    tls_ = true;
    caps_ = {};  // RFC 3207 §4.2: forget everything learned before TLS
    send_ehlo();
    return step();
  }

  Step on_closed() {
    out_.clear();
    if (done_) return step();
    if (!decided_) {
      std::string when = awaiting_tls_ ? "during the TLS handshake" : "waiting for a reply";
      if (!pending_.empty() && pending_.front().what == Expect::kDataEnd) {
        when = "after the message was sent, before the final reply";
      } else if (!pending_.empty() && pending_.front().what == Expect::kGreeting) {
        when = "before the greeting";
      }
      decide(Outcome::kTemporary, local("4.4.2", "connection closed"),
             "connection closed by the server " + when);
    }
    finish(/*quit=*/false);
    return step();
  }

  bool done() const { return done_; }
  const Result& result() const { return result_; }

 private:
  enum class RcptState { kNotSent, kInvalid, kAccepted, kRejected };

  Step step() {
    Step::Next next = done_           ? Step::Next::kDone
                      : awaiting_tls_ ? Step::Next::kStartTls
                                      : Step::Next::kRead;
    return Step{.write = std::move(out_), .next = next};
  }

  void send(std::string command, Expect what, size_t rcpt = 0) {
    out_ += command;
    out_ += "\r\n";
    pending_.push_back({what, rcpt});
  }

  void send_ehlo() { send("EHLO " + options_.helo_name, Expect::kEhlo); }

  void handle(Pending p, const RawReply& raw) {
    Reply reply = to_reply(raw);
    int cls = raw.code / 100;
    if (decided_) {
      // Draining pipelined replies after the outcome was fixed: only a 354 needs an answer.
      if (p.what == Expect::kData && raw.code == 354) {
        out_ += ".\r\n";
        pending_.push_back({Expect::kDataEnd});
      }
      return;
    }
    // RFC 5321 §3.8: 421 to any command means the server is closing the channel.
    if (raw.code == 421) return refused(name_of(p.what), reply);
    switch (p.what) {
      case Expect::kGreeting:
        if (raw.code == 220) return send_ehlo();
        return refused("greeting", reply);
      case Expect::kEhlo:
        if (cls == 2) return after_hello(parse_ehlo(raw));
        if (cls == 5 && options_.tls_required && !tls_) {
          decide(Outcome::kTemporary, local("4.7.10", "TLS required by policy"),
                 "TLS required by policy but EHLO was refused: " + describe(reply));
          return;
        }
        if (cls == 5) return send("HELO " + options_.helo_name, Expect::kHelo);
        return refused("EHLO", reply);
      case Expect::kHelo:
        if (cls == 2) return after_hello(Capabilities{});
        return refused("HELO", reply);
      case Expect::kStartTls:
        if (raw.code == 220) {
          if (!reader_.empty()) return injection();
          awaiting_tls_ = true;
          return;
        }
        if (cls != 4 && cls != 5) return protocol_error("unexpected reply to STARTTLS");
        if (options_.tls_required) {
          decide(Outcome::kTemporary, local("4.7.10", "TLS required by policy"),
                 "TLS required by policy but STARTTLS was refused: " + describe(reply));
          return;
        }
        return start_transaction();  // RFC 3207 §4: go on in plaintext
      case Expect::kMail:
        if (cls == 2) {
          if (!pipelining_) send_next_rcpt(0);
          return;
        }
        return refused("MAIL FROM", reply);
      case Expect::kRcpt:
        return rcpt_reply(p.rcpt, reply);
      case Expect::kData:
        if (raw.code == 354) {
          out_ += message_.wire;
          pending_.push_back({Expect::kDataEnd});
          return;
        }
        return refused("DATA", reply);
      case Expect::kDataEnd:
        if (cls == 2) {
          for (size_t i = 0; i < rcpt_.size(); ++i) {
            if (rcpt_[i] == RcptState::kAccepted) set_recipient(i, Outcome::kDelivered, reply);
          }
          size_t delivered = 0;
          for (RcptState s : rcpt_) delivered += s == RcptState::kAccepted;
          std::string reason = delivered == rcpt_.size()
                                   ? "delivered"
                                   : "delivered to " + std::to_string(delivered) + " of " +
                                         std::to_string(rcpt_.size()) + " recipients";
          return decide(Outcome::kDelivered, reply, reason + ": " + describe(reply));
        }
        return refused("message", reply);
    }
  }

  // A 4xx/5xx reply ends the session for every recipient still open; anything else is a
  // protocol error.
  void refused(std::string_view what, const Reply& reply) {
    int cls = reply.code / 100;
    if (cls != 4 && cls != 5) {
      return protocol_error("unexpected reply to " + std::string(what) + ": " + describe(reply));
    }
    decide(outcome_of(reply.code), reply, std::string(what) + " refused: " + describe(reply));
  }

  void after_hello(Capabilities caps) {
    caps_ = caps;
    if (!tls_ && caps_.starttls) return send("STARTTLS", Expect::kStartTls);
    start_transaction();
  }

  // The checks listed at the top of engine.h, then MAIL (and with PIPELINING the RCPTs and
  // DATA too).
  void start_transaction() {
    uint64_t size = envelope_.size != 0 ? envelope_.size : message_.size;
    if (options_.tls_required && !tls_) {
      return decide(Outcome::kTemporary, local("4.7.10", "TLS required by policy"),
                    "TLS required by policy but the server does not offer STARTTLS");
    }
    if (envelope_.requiretls && !(tls_ && caps_.requiretls)) {
      return decide(Outcome::kPermanent, local("5.7.30", "REQUIRETLS support required"),
                    tls_ ? "REQUIRETLS requested but the server does not offer it"
                         : "REQUIRETLS requested but the connection is not TLS");
    }
    if (smtputf8_needed_ && !caps_.smtputf8) {
      return decide(Outcome::kPermanent, local("5.6.7", "SMTPUTF8 required"),
                    "the message needs SMTPUTF8 but the server does not offer it");
    }
    if (envelope_.eight_bit && !caps_.eight_bit_mime) {
      return decide(Outcome::kPermanent, local("5.6.3", "conversion to 7 bit required"),
                    "the message has 8-bit data but the server does not offer 8BITMIME; it "
                    "would need conversion");
    }
    if (caps_.size && caps_.size_limit != 0 && size > caps_.size_limit) {
      return decide(Outcome::kPermanent, local("5.3.4", "message too big for the server"),
                    "message size " + std::to_string(size) + " exceeds the server's SIZE " +
                        std::to_string(caps_.size_limit));
    }
    bool any_valid = false;
    for (size_t i = 0; i < rcpt_.size(); ++i) {
      if (envelope_.rcpt_to[i].empty() || !valid_address(envelope_.rcpt_to[i])) {
        rcpt_[i] = RcptState::kInvalid;
        set_recipient(i, Outcome::kPermanent, local("5.1.3", "bad recipient address syntax"));
      } else {
        any_valid = true;
      }
    }
    if (!valid_address(envelope_.mail_from)) {
      return decide(Outcome::kPermanent, local("5.1.7", "bad sender address syntax"),
                    "bad sender address syntax");
    }
    if (!any_valid) {
      return decide(Outcome::kPermanent, local("5.1.3", "bad recipient address syntax"),
                    "no valid recipient address");
    }

    std::string mail = "MAIL FROM:<" + envelope_.mail_from + ">";
    if (caps_.size) mail += " SIZE=" + std::to_string(size);
    if (envelope_.eight_bit) mail += " BODY=8BITMIME";
    if (smtputf8_needed_) mail += " SMTPUTF8";
    if (envelope_.requiretls) mail += " REQUIRETLS";
    send(std::move(mail), Expect::kMail);
    pipelining_ = caps_.pipelining;
    if (pipelining_) {
      for (size_t i = 0; i < rcpt_.size(); ++i) {
        if (rcpt_[i] == RcptState::kNotSent) send_rcpt(i);
      }
      send("DATA", Expect::kData);
    }
  }

  void send_rcpt(size_t i) { send("RCPT TO:<" + envelope_.rcpt_to[i] + ">", Expect::kRcpt, i); }

  // Without PIPELINING: the next RCPT from index i on, or DATA when all were answered (and,
  // as rcpt_reply made sure, at least one was accepted).
  void send_next_rcpt(size_t i) {
    while (i < rcpt_.size() && rcpt_[i] != RcptState::kNotSent) ++i;
    if (i < rcpt_.size()) return send_rcpt(i);
    send("DATA", Expect::kData);
  }

  void rcpt_reply(size_t i, const Reply& reply) {
    int cls = reply.code / 100;
    if (cls == 2) {
      rcpt_[i] = RcptState::kAccepted;
    } else if (cls == 4 || cls == 5) {
      rcpt_[i] = RcptState::kRejected;
      set_recipient(i, outcome_of(reply.code), reply);
    } else {
      return protocol_error("unexpected reply to RCPT TO: " + describe(reply));
    }
    bool last = true;
    for (size_t j = i + 1; j < rcpt_.size(); ++j) last &= rcpt_[j] != RcptState::kNotSent;
    if (last && all_rcpts_failed()) return;  // decided; a pipelined DATA reply is drained
    if (!pipelining_) send_next_rcpt(i + 1);
  }

  // After the last RCPT reply: if none was accepted, decides from the recipients' replies.
  bool all_rcpts_failed() {
    for (RcptState s : rcpt_) {
      if (s == RcptState::kAccepted) return false;
    }
    const RecipientResult* first_temporary = nullptr;
    const RecipientResult* first_permanent = nullptr;
    for (const RecipientResult& r : result_.recipients) {
      if (r.outcome == Outcome::kTemporary && !first_temporary) first_temporary = &r;
      if (r.outcome == Outcome::kPermanent && !first_permanent) first_permanent = &r;
    }
    const RecipientResult* decider = first_temporary ? first_temporary : first_permanent;
    SEALMAIL_CHECK(decider != nullptr);
    Reply reply = decider->reply;
    decide(decider->outcome, reply, "no recipient accepted: " + describe(reply));
    return true;
  }

  void set_recipient(size_t i, Outcome outcome, const Reply& reply) {
    result_.recipients[i].outcome = outcome;
    result_.recipients[i].reply = reply;
  }

  // Fixes the result. Recipients without an answer of their own (not sent, or accepted and
  // then the session failed) get this outcome and reply; the overall outcome follows the
  // recipients (see engine.h).
  void decide(Outcome outcome, Reply reply, std::string reason) {
    SEALMAIL_CHECK(!decided_);
    decided_ = true;
    for (size_t i = 0; i < rcpt_.size(); ++i) {
      if (rcpt_[i] == RcptState::kNotSent ||
          (rcpt_[i] == RcptState::kAccepted && outcome != Outcome::kDelivered)) {
        set_recipient(i, outcome, reply);
      }
    }
    bool any_delivered = false, any_temporary = false;
    for (const RecipientResult& r : result_.recipients) {
      any_delivered |= r.outcome == Outcome::kDelivered;
      any_temporary |= r.outcome == Outcome::kTemporary;
    }
    result_.outcome = any_delivered   ? Outcome::kDelivered
                      : any_temporary ? Outcome::kTemporary
                                      : Outcome::kPermanent;
    result_.reply = std::move(reply);
    result_.tls = tls_;
    result_.reason = std::move(reason);
  }

  // Ends the session; `quit` appends QUIT (never after a protocol error: the stream is out of
  // step and a pipelined QUIT could land inside message data).
  void finish(bool quit) {
    if (quit) out_ += "QUIT\r\n";
    done_ = true;
    awaiting_tls_ = false;
    pending_.clear();
  }

  // Nothing more is written, not even what this call had prepared.
  void protocol_error(std::string what) {
    if (!decided_) {
      decide(Outcome::kTemporary, local("4.5.0", what), "protocol error: " + what);
    }
    out_.clear();
    finish(/*quit=*/false);
  }

  void injection() {
    if (!decided_) {
      decide(Outcome::kTemporary, local("4.7.0", "STARTTLS response injection"),
             "STARTTLS response injection: the server sent bytes after its 220 to STARTTLS");
    }
    out_.clear();
    finish(/*quit=*/false);
  }

  // Constant after construction.
  const Options options_;
  const Envelope envelope_;
  const EncodedMessage message_;
  bool smtputf8_needed_ = false;

  ReplyReader reader_;
  std::deque<Pending> pending_;  // replies due, in order; all written except during a call
  std::vector<RcptState> rcpt_;
  Capabilities caps_;
  std::string out_;  // bytes to write at the end of the current call
  bool tls_ = false;
  bool connected_ = false;
  bool awaiting_tls_ = false;  // returned kStartTls; tls_started() comes next
  bool pipelining_ = false;    // the transaction was sent as one group
  bool decided_ = false;       // result_ is final; replies still due are drained
  bool done_ = false;
  Result result_;
};

}  // namespace internal

Engine::Engine(Options options, Envelope envelope, std::string message)
    : session_(std::make_unique<internal::Session>(std::move(options), std::move(envelope),
                                                   std::move(message))) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Step Engine::on_connect() { return session_->on_connect(); }
Step Engine::on_data(std::string_view bytes) { return session_->on_data(bytes); }
Step Engine::tls_started() { return session_->tls_started(); }
Step Engine::on_closed() { return session_->on_closed(); }
bool Engine::done() const { return session_->done(); }
const Result& Engine::result() const { return session_->result(); }

}  // namespace sealmail::smtp::client
