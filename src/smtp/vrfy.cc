// vrfy.cc — VRFY (RFC 5321 §3.5.3, §7.3): always 252, never revealing whether an address
// exists (conventions: refusals never reveal accounts).
#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_vrfy(std::string_view args) {
  if (trim(args).empty()) return error(501, "5.5.4", "Syntax: VRFY address");
  reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
}

}  // namespace sealmail::smtp::internal
