// rset.cc — RSET (RFC 5321 §4.1.1.5): abort the transaction, keep the HELO/EHLO.
#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_rset(std::string_view args) {
  if (!trim(args).empty()) return error(501, "5.5.4", "Syntax: RSET");
  reset_transaction();
  reply(250, "2.0.0", "OK");
}

}  // namespace sealmail::smtp::internal
