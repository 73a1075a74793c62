// quit.cc — QUIT (RFC 5321 §4.1.1.10): 221 and close; bytes after it are dropped.
#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_quit(std::string_view args) {
  if (!trim(args).empty()) return error(501, "5.5.4", "Syntax: QUIT");
  reply(221, "2.0.0", limits_.hostname + " Bye");
  next_ = Next::kClose;
}

}  // namespace sealmail::smtp::internal
