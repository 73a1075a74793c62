#include "store/internal/rules.h"

#include "base/ascii.h"
#include "store/store.h"

namespace sealmail::store::internal {

Status check_address(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddressBytes) {
    return make_error(Errc::kInvalidArgument, "address length out of range");
  }
  for (unsigned char c : address) {
    if (c <= 0x20 || c == 0x7f) {
      return make_error(Errc::kInvalidArgument, "address contains spaces or control characters");
    }
  }
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return make_error(Errc::kInvalidArgument, "address is not local-part@domain");
  }
  return ok_status();
}

std::string address_key(std::string_view address) { return ascii_lowercase(address); }

Status check_event(std::string_view kind, std::string_view payload) {
  if (kind.empty() || kind.size() > kMaxEventKindBytes) {
    return make_error(Errc::kInvalidArgument, "event kind length out of range");
  }
  for (unsigned char c : kind) {
    if (c <= 0x20 || c >= 0x7f) {
      return make_error(Errc::kInvalidArgument, "event kind is not printable ASCII");
    }
  }
  if (payload.size() > kMaxEventPayloadBytes) {
    return make_error(Errc::kLimitExceeded, "event payload too large");
  }
  return ok_status();
}

}  // namespace sealmail::store::internal
