// macro.h — internal to src/spf: macro strings and domain-specs (RFC 7208 §7): syntax checks
// for the record parser, expansion for the evaluator.
//
// SECURITY: the macro string comes from a DNS record and the values partly from the SMTP
// client (sender, HELO): expansion is bounded (kMaxExpansion bytes, else an error) and the
// transformer's digit count is clamped, so no input makes it loop or grow without bound.
// "p" expands to "unknown": validating the client's name would cost DNS queries the RFC
// discourages (§5.5, §7.3).
// Standards: RFC 7208 §7 (macros), §7.3 (truncation of expanded names), §4.8 (domain-spec),
// RFC 3986 §2.3 (unreserved characters, for upper-case macro letters).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::spf::internal {

constexpr size_t kMaxExpansion = 8192;

struct MacroValues {
  std::string sender;         // s
  std::string local_part;     // l
  std::string sender_domain;  // o
  std::string domain;         // d: the domain being checked
  std::string ip;             // i: dotted form (address.h)
  std::string ip_version;     // v: "in-addr" or "ip6"
  std::string helo;           // h
};

// kInvalidArgument with a one-line reason when `text` is not a macro-string, or uses a macro
// letter outside s l o d i p v h (c, r and t belong to explanation text only).
Status check_macro_string(std::string_view text);
// A macro-string that ends in a macro or in "." toplabel ["."].
Status check_domain_spec(std::string_view text);

// `text` must have passed check_macro_string. kLimitExceeded over kMaxExpansion bytes.
Result<std::string> expand(std::string_view text, const MacroValues& values);

// §7.3: drops leading labels until the name is at most 253 bytes (a trailing dot is dropped
// first).
std::string truncate_name(std::string name);

}  // namespace sealmail::spf::internal
