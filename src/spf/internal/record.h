// record.h — internal to src/spf: an SPF record's text parsed into directives and modifiers.
// The whole record is parsed before anything is evaluated, because a syntax error anywhere
// makes the result permerror (RFC 7208 §4.6).
//
// SECURITY: the text is an untrusted TXT record. Parsing is one linear pass; every number
// is range-checked (CIDR lengths); domain-specs are checked with macro.h and kept unexpanded.
// Standards: RFC 7208 §4.5 (selection by "v=spf1"), §4.6 (terms), §5 (mechanisms), §6
// (modifiers), §12 (ABNF).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spf/internal/address.h"

namespace sealmail::spf::internal {

enum class Qualifier { kPass, kFail, kSoftFail, kNeutral };
enum class Mechanism { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };

struct Directive {
  Qualifier qualifier = Qualifier::kPass;
  Mechanism mechanism = Mechanism::kAll;
  std::string domain_spec;  // unexpanded; "" means the current domain (a, mx, ptr)
  Address network;          // ip4, ip6
  int cidr4 = 32;           // ip4, a, mx
  int cidr6 = 128;          // ip6, a, mx
  std::string text;         // the term as written, for reasons
};

struct Record {
  std::vector<Directive> directives;
  std::optional<std::string> redirect;     // unexpanded domain-spec
  std::optional<std::string> explanation;  // parsed and checked, not evaluated
  bool has_all = false;                    // then redirect is ignored (§5.1)
};

// Whether `text` begins with the version section "v=spf1" (then SP or the end), any case.
bool is_spf_record(std::string_view text);

// kInvalidArgument with a one-line reason for any syntax error.
Result<Record> parse_record(std::string_view text);

}  // namespace sealmail::spf::internal
