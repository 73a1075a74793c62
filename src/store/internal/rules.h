// rules.h — input checks and normalization shared by every Store backend, so that what is a
// valid address or event, and which addresses are "the same", never depends on the database.
//
// SECURITY: the inputs are untrusted (they may come from the network through the API); these
// functions only inspect bytes and never reflect them into error messages.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::store::internal {

// kInvalidArgument unless `address` is 1..kMaxAddressBytes bytes, has no control characters or
// spaces, and has a non-empty part on each side of its last '@'.
Status check_address(std::string_view address);

// The form that uniqueness and lookup compare: ASCII letters lowered, other bytes as they are.
std::string address_key(std::string_view address);

// kInvalidArgument for a kind that is empty, longer than kMaxEventKindBytes or not printable
// ASCII; kLimitExceeded for a payload above kMaxEventPayloadBytes.
Status check_event(std::string_view kind, std::string_view payload);

}  // namespace sealmail::store::internal
