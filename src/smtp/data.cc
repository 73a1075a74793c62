// data.cc — DATA (RFC 5321 §4.1.1.4): 354, then the message through the DataScanner until
// <CRLF>.<CRLF>; one reply for the whole transaction. Also the shared tail of DATA and BDAT
// LAST: the limit/line-ending verdicts, the Received: header (§4.4, RFC 3848) and deliver().
#include <ctime>

#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_data(std::string_view args) {
  if (!trim(args).empty()) return error(501, "5.5.4", "Syntax: DATA");
  if (!in_transaction()) return error(503, "5.5.1", "Need MAIL command");
  if (bdat_used_) return error(503, "5.5.1", "DATA after BDAT");
  if (envelope_.recipients.empty()) return error(554, "5.5.1", "No valid recipients");
  reply(354, "", "End data with <CR><LF>.<CR><LF>");
  scanner_.emplace(DataScanner::Mode::kDot, scanner_limits());
  mode_ = Mode::kData;
}

void Session::finish_data() {
  mode_ = Mode::kCommand;
  DataScanner& scanner = *scanner_;
  deliver_message(scanner, scanner.take_message());
}

std::string Session::received_header() const {
  // Only validated values go in: the HELO name (ehlo.cc), the peer IP (from the transport,
  // filtered again here) and our configured hostname.
  std::string peer;
  for (char c : info_.peer_address)
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
        c == '.')
      peer += c;
  // RFC 3848 / RFC 6531 §4.3: SMTP, ESMTP, ESMTPS; UTF8SMTP(S) for SMTPUTF8 messages.
  std::string with = !extended_           ? "SMTP"
                     : envelope_.smtputf8 ? (info_.tls ? "UTF8SMTPS" : "UTF8SMTP")
                                          : (info_.tls ? "ESMTPS" : "ESMTP");
  std::time_t t = std::chrono::system_clock::to_time_t(clock_());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return "Received: from " + envelope_.helo + " ([" + peer + "])\r\n\tby " + limits_.hostname +
         " (sealmail) with " + with + ";\r\n\t" + date + "\r\n";
}

void Session::deliver_message(const DataScanner& scanner, std::string message) {
  switch (scanner.problem()) {
    case DataScanner::Problem::kNone:
      break;
    case DataScanner::Problem::kTooBig:
      reset_transaction();
      return reply(552, "5.3.4", "Message size exceeds fixed limit");
    case DataScanner::Problem::kHeaderTooBig:
      reset_transaction();
      return reply(552, "5.3.4", "Message header size exceeds limit");
    case DataScanner::Problem::kLineTooLong:
      reset_transaction();
      return reply(550, "5.6.0", "Message line too long");
    case DataScanner::Problem::kBareLineEnding:
      reset_transaction();
      return reply(550, "5.6.0", "Bare <CR> or <LF> in message data");
  }
  std::string full = received_header();
  full += message;
  Verdict verdict = sink_->deliver(envelope_, full);
  reset_transaction();
  reply_verdict(verdict);
}

}  // namespace sealmail::smtp::internal
