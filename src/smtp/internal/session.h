// session.h — the SMTP session state machine behind SmtpEngine. engine.cc holds the input
// loop, reply helpers and limits; each verb's handler lives in its own file (ehlo.cc, mail.cc,
// rcpt.cc, data.cc, bdat.cc, rset.cc, noop.cc, quit.cc, vrfy.cc, help.cc, starttls.cc).
//
// SECURITY / Standards: see smtp/engine.h.
// Thread-safety: owned by one SmtpEngine; single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/engine.h"
#include "smtp/engine.h"
#include "smtp/internal/data_scanner.h"

namespace sealmail::smtp::internal {

class Session {
 public:
  Session(std::shared_ptr<MailSink> sink, SmtpLimits limits, Clock clock);

  net::Output connect(const net::SessionInfo& info);
  net::Output data(std::string_view bytes);
  net::Output tls_established();
  std::string timeout();
  net::Engine::ShutdownReply shutdown();

 private:
  enum class Mode { kCommand, kData, kBdat };
  enum class Next { kRead, kStartTls, kClose };

  // engine.cc: input loop and dispatch.
  size_t consume_command_bytes(std::string_view input);
  void dispatch(std::string_view line);

  // engine.cc: replies. `error` counts toward max_errors (and may add 421 + close).
  void reply(int code, std::string_view enhanced, std::string_view text);
  void error(int code, std::string_view enhanced, std::string_view text);
  void reply_verdict(const Verdict& verdict);
  void close_with(std::string_view enhanced, std::string_view text);  // 421 … and close
  void reset_transaction();
  bool in_transaction() const { return mail_given_; }

  // One handler per verb; `args` is the text after the verb and its separating space.
  void cmd_ehlo(std::string_view args, bool extended);  // ehlo.cc
  void cmd_mail(std::string_view args);                 // mail.cc
  void cmd_rcpt(std::string_view args);                 // rcpt.cc
  void cmd_data(std::string_view args);                 // data.cc
  void finish_data();                                   // data.cc
  void cmd_bdat(std::string_view args);                 // bdat.cc
  void finish_chunk();                                  // bdat.cc
  void cmd_rset(std::string_view args);                 // rset.cc
  void cmd_noop(std::string_view args);                 // noop.cc
  void cmd_quit(std::string_view args);                 // quit.cc
  void cmd_vrfy(std::string_view args);                 // vrfy.cc
  void cmd_help(std::string_view args);                 // help.cc
  void cmd_starttls(std::string_view args);             // starttls.cc

  // data.cc: the Received: header, the data-problem reply, and the hand-off to the sink.
  std::string received_header() const;
  void deliver_message(const DataScanner& scanner, std::string message);
  DataScanner::Limits scanner_limits() const;

  // Constant after construction.
  const std::shared_ptr<MailSink> sink_;
  const SmtpLimits limits_;
  const Clock clock_;

  // Session state.
  net::SessionInfo info_;
  Mode mode_ = Mode::kCommand;
  Next next_ = Next::kRead;
  std::string out_;          // replies produced by the current call
  std::string pending_;      // an incomplete command line
  bool discarding_ = false;  // dropping the rest of an over-long command line
  bool greeted_ = false;     // HELO or EHLO accepted
  bool extended_ = false;    // it was EHLO
  bool draining_ = false;    // on_shutdown while busy: close after the current message
  size_t errors_ = 0;
  size_t commands_before_mail_ = 0;

  // Transaction state (reset by RSET, EHLO/HELO, STARTTLS, the end of a message).
  bool mail_given_ = false;
  Envelope envelope_;
  std::optional<size_t> declared_size_;  // SIZE= on MAIL
  bool bdat_used_ = false;
  std::optional<DataScanner> scanner_;  // kData, and kBdat with a valid transaction
  uint64_t bdat_remaining_ = 0;
  uint64_t bdat_chunk_size_ = 0;
  bool bdat_last_ = false;
  bool bdat_discard_ = false;  // the chunk is read and thrown away (its reply is an error)
  int bdat_error_code_ = 0;
  std::string bdat_error_enhanced_, bdat_error_text_;
};

// Helpers shared by the verb files (engine.cc).
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
std::string_view trim(std::string_view text);
// Splits "KEY=VALUE" parameters separated by spaces; false on an empty parameter.
struct Param {
  std::string_view key, value;
  bool has_value;
};
std::optional<std::vector<Param>> split_params(std::string_view text);

}  // namespace sealmail::smtp::internal
