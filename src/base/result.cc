#include "base/result.h"

namespace sealmail {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid_argument";
    case Errc::kNotFound:
      return "not_found";
    case Errc::kAlreadyExists:
      return "already_exists";
    case Errc::kPermissionDenied:
      return "permission_denied";
    case Errc::kLimitExceeded:
      return "limit_exceeded";
    case Errc::kUnavailable:
      return "unavailable";
    case Errc::kTimeout:
      return "timeout";
    case Errc::kCorruption:
      return "corruption";
    case Errc::kIo:
      return "io";
    case Errc::kUnsupported:
      return "unsupported";
    case Errc::kInternal:
      return "internal";
  }
  SEALMAIL_UNREACHABLE();
}

std::string Error::describe() const { return std::string(errc_name(code)) + ": " + message; }

}  // namespace sealmail
