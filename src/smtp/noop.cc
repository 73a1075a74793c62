// noop.cc — NOOP (RFC 5321 §4.1.1.9): any argument is ignored, as the RFC allows.
#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_noop(std::string_view) { reply(250, "2.0.0", "OK"); }

}  // namespace sealmail::smtp::internal
