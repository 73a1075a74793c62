// help.cc — HELP (RFC 5321 §4.1.1.8): a fixed two-line 214 reply, the enhanced code on every
// line (RFC 2034 §3).
#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_help(std::string_view) {
  out_ += "214-2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS\r\n";
  reply(214, "2.0.0", "See RFC 5321");
}

}  // namespace sealmail::smtp::internal
