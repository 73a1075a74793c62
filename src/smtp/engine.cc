// engine.cc — SmtpEngine, SmtpEngineFactory and the Session core: the input loop (command
// lines, DATA, BDAT chunks), verb dispatch, reply formatting and session limits. The verbs
// themselves are in one file each (see internal/session.h).
#include "smtp/engine.h"

#include <algorithm>

#include "smtp/internal/session.h"

namespace sealmail::smtp {
namespace internal {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<std::vector<Param>> split_params(std::string_view text) {
  std::vector<Param> out;
  text = trim(text);
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : trim(text.substr(space));
    if (word.empty()) return std::nullopt;
    size_t eq = word.find('=');
    if (eq == 0) return std::nullopt;
    if (eq == std::string_view::npos)
      out.push_back({word, {}, false});
    else
      out.push_back({word.substr(0, eq), word.substr(eq + 1), true});
  }
  return out;
}

Session::Session(std::shared_ptr<MailSink> sink, SmtpLimits limits, Clock clock)
    : sink_(std::move(sink)), limits_(std::move(limits)), clock_(std::move(clock)) {}

net::Output Session::connect(const net::SessionInfo& info) {
  info_ = info;
  return net::Output::read("220 " + limits_.hostname + " ESMTP sealmail\r\n");
}

void Session::reply(int code, std::string_view enhanced, std::string_view text) {
  out_ += std::to_string(code);
  out_ += ' ';
  if (!enhanced.empty()) {
    out_ += enhanced;
    out_ += ' ';
  }
  out_ += text;
  out_ += "\r\n";
}

void Session::close_with(std::string_view enhanced, std::string_view text) {
  reply(421, enhanced, limits_.hostname + " " + std::string(text));
  next_ = Next::kClose;
}

void Session::error(int code, std::string_view enhanced, std::string_view text) {
  reply(code, enhanced, text);
  if (++errors_ >= limits_.max_errors) close_with("4.7.0", "Too many errors, closing connection");
}

namespace {

bool valid_enhanced(std::string_view e, int code) {
  // class "." subject "." detail, 1-3 digits each, class matching the reply's first digit.
  if (e.size() < 5 || e[0] - '0' != code / 100 || e[1] != '.') return false;
  int dots = 0;
  size_t run = 0;
  for (size_t i = 2; i < e.size(); ++i) {
    if (e[i] == '.') {
      if (run == 0 || ++dots > 1) return false;
      run = 0;
    } else if (e[i] >= '0' && e[i] <= '9') {
      if (++run > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 1 && run > 0;
}

}  // namespace

void Session::reply_verdict(const Verdict& verdict) {
  int code = verdict.code;
  std::string enhanced = verdict.enhanced;
  std::string text;
  for (char c : verdict.text.substr(0, 400)) {
    unsigned char u = static_cast<unsigned char>(c);
    text += (u < 32 || u == 127) ? ' ' : c;
  }
  if (code < 200 || code > 599 || code / 100 == 3) {  // a sink bug; never pass it on
    code = 451;
    enhanced = "4.3.0";
    text = "Internal error";
  }
  if (!valid_enhanced(enhanced, code)) enhanced = std::to_string(code / 100) + ".0.0";
  if (text.empty()) text = code < 400 ? "OK" : "Failed";
  reply(code, enhanced, text);
}

void Session::reset_transaction() {
  mail_given_ = false;
  Envelope fresh;
  fresh.helo = envelope_.helo;
  fresh.peer_address = info_.peer_address;
  fresh.tls = info_.tls;
  envelope_ = std::move(fresh);
  declared_size_.reset();
  bdat_used_ = false;
  scanner_.reset();
}

DataScanner::Limits Session::scanner_limits() const {
  return {limits_.max_data_line_bytes, limits_.max_header_bytes, limits_.max_message_bytes,
          limits_.normalize_bare_line_endings};
}

// Consumes one command line (or part of an over-long one) from `input`; 0 when the line is
// incomplete and has been moved to pending_.
size_t Session::consume_command_bytes(std::string_view input) {
  size_t lf = input.find('\n');
  if (discarding_) {
    if (lf == std::string_view::npos) return input.size();
    discarding_ = false;
    return lf + 1;
  }
  if (lf == std::string_view::npos) {
    if (input.size() >= limits_.max_line_bytes) {
      error(500, "5.5.6", "Line too long");
      discarding_ = true;
      return input.size();
    }
    return 0;
  }
  if (lf + 1 > limits_.max_line_bytes) {
    error(500, "5.5.6", "Line too long");
    return lf + 1;
  }
  std::string_view line = input.substr(0, lf);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  dispatch(line);
  return lf + 1;
}

void Session::dispatch(std::string_view line) {
  size_t space = line.find(' ');
  std::string_view verb = line.substr(0, space);
  std::string_view args =
      space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);

  if (!in_transaction() && !iequals(verb, "MAIL") && !iequals(verb, "QUIT") &&
      ++commands_before_mail_ > limits_.max_commands_before_mail) {
    close_with("4.7.0", "Too many commands without a transaction, closing connection");
    return;
  }
  if (iequals(verb, "EHLO")) return cmd_ehlo(args, true);
  if (iequals(verb, "HELO")) return cmd_ehlo(args, false);
  if (iequals(verb, "MAIL")) return cmd_mail(args);
  if (iequals(verb, "RCPT")) return cmd_rcpt(args);
  if (iequals(verb, "DATA")) return cmd_data(args);
  if (iequals(verb, "BDAT")) return cmd_bdat(args);
  if (iequals(verb, "RSET")) return cmd_rset(args);
  if (iequals(verb, "NOOP")) return cmd_noop(args);
  if (iequals(verb, "QUIT")) return cmd_quit(args);
  if (iequals(verb, "VRFY")) return cmd_vrfy(args);
  if (iequals(verb, "HELP")) return cmd_help(args);
  if (iequals(verb, "STARTTLS")) return cmd_starttls(args);
  if (iequals(verb, "AUTH")) return error(503, "5.5.1", "Authentication not enabled");
  if (iequals(verb, "EXPN")) return error(502, "5.5.1", "EXPN not supported");
  error(500, "5.5.1", "Command unrecognized");
}

net::Output Session::data(std::string_view bytes) {
  out_.clear();
  if (next_ != Next::kRead) return net::Output::close();  // transport misuse; stay closed
  std::string joined;
  std::string_view input = bytes;
  if (!pending_.empty()) {
    joined = std::move(pending_) + std::string(bytes);
    pending_.clear();
    input = joined;
  }
  // Draining: close at the first command boundary, but finish a command line that had begun.
  bool continuing = !pending_.empty() || discarding_ || !joined.empty();
  while (!input.empty() && next_ == Next::kRead) {
    if (draining_ && mode_ == Mode::kCommand && !continuing) break;
    continuing = false;
    size_t used = 0;
    switch (mode_) {
      case Mode::kCommand:
        used = consume_command_bytes(input);
        if (used == 0) {
          pending_ = std::string(input);
          used = input.size();
        }
        break;
      case Mode::kData:
        used = scanner_->feed(input);
        if (scanner_->done()) finish_data();
        break;
      case Mode::kBdat: {
        used = static_cast<size_t>(std::min<uint64_t>(bdat_remaining_, input.size()));
        if (!bdat_discard_) scanner_->feed(input.substr(0, used));
        bdat_remaining_ -= used;
        if (bdat_remaining_ == 0) finish_chunk();
        break;
      }
    }
    input.remove_prefix(used);
  }
  if (next_ == Next::kRead && draining_ && mode_ == Mode::kCommand && pending_.empty() &&
      !discarding_)
    close_with("4.3.2", "Service shutting down");
  if (next_ != Next::kRead) pending_.clear();  // bytes behind STARTTLS/close are dropped
  switch (next_) {
    case Next::kRead:
      return net::Output::read(std::move(out_));
    case Next::kStartTls:
      next_ = Next::kRead;
      return net::Output::start_tls(std::move(out_));
    case Next::kClose:
      break;
  }
  return net::Output::close(std::move(out_));
}

net::Output Session::tls_established() {
  info_.tls = true;
  greeted_ = false;
  extended_ = false;
  envelope_.helo.clear();
  pending_.clear();
  discarding_ = false;
  mode_ = Mode::kCommand;
  reset_transaction();
  return net::Output::read();
}

std::string Session::timeout() {
  return "421 4.4.2 " + limits_.hostname + " Error: timeout exceeded\r\n";
}

net::Engine::ShutdownReply Session::shutdown() {
  if (mode_ == Mode::kCommand && pending_.empty() && !discarding_)
    return {"421 4.3.2 " + limits_.hostname + " Service shutting down\r\n", true};
  draining_ = true;
  return {};
}

}  // namespace internal

SmtpEngine::SmtpEngine(std::shared_ptr<MailSink> sink, SmtpLimits limits, Clock clock)
    : session_(std::make_unique<internal::Session>(
          std::move(sink), std::move(limits),
          clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); }))) {}
SmtpEngine::~SmtpEngine() = default;

net::Output SmtpEngine::on_connect(const net::SessionInfo& session) {
  return session_->connect(session);
}
net::Output SmtpEngine::on_data(std::string_view bytes) { return session_->data(bytes); }
net::Output SmtpEngine::on_tls_established() { return session_->tls_established(); }
std::string SmtpEngine::on_timeout() { return session_->timeout(); }
net::Engine::ShutdownReply SmtpEngine::on_shutdown() { return session_->shutdown(); }

SmtpEngineFactory::SmtpEngineFactory(std::shared_ptr<MailSink> sink, SmtpLimits limits, Clock clock)
    : sink_(std::move(sink)), limits_(std::move(limits)), clock_(std::move(clock)) {}

std::unique_ptr<net::Engine> SmtpEngineFactory::create() {
  return std::make_unique<SmtpEngine>(sink_, limits_, clock_);
}

std::string SmtpEngineFactory::refusal(Refusal why) {
  switch (why) {
    case Refusal::kTooManyConnections:
      return "421 4.7.0 " + limits_.hostname + " Too many connections, try again later\r\n";
    case Refusal::kTooManyFromAddress:
      return "421 4.7.0 " + limits_.hostname + " Too many connections from your address\r\n";
    case Refusal::kTooFastFromAddress:
      return "421 4.7.0 " + limits_.hostname +
             " Too many new connections from your address, slow down\r\n";
    case Refusal::kShuttingDown:
      break;
  }
  return "421 4.3.2 " + limits_.hostname + " Service shutting down\r\n";
}

}  // namespace sealmail::smtp
