// starttls.cc — STARTTLS (RFC 3207): 220 and Output::start_tls. Session::data drops every byte
// after this command (§4.2, the injection attack) and tls_established() forgets the session.
#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_starttls(std::string_view args) {
  if (!trim(args).empty()) return error(501, "5.5.4", "Syntax: STARTTLS");
  if (info_.tls) return error(503, "5.5.1", "TLS already active");
  if (!info_.starttls_available) return error(502, "5.5.1", "STARTTLS not available");
  if (in_transaction()) return error(503, "5.5.1", "MAIL transaction in progress");
  reply(220, "2.0.0", "Ready to start TLS");
  next_ = Next::kStartTls;
}

}  // namespace sealmail::smtp::internal
