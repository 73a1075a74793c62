// rdata.h — internal to src/dns: turns the raw rdata libunbound hands back into the values of
// resolver.h, and a caller's name into the presentation form libunbound parses.
//
// SECURITY: rdata comes from the network. Every length is checked against the buffer; a record
// that does not parse is dropped (nullopt), never guessed at. Names in rdata must be
// uncompressed (libunbound stores names decompressed; a compression pointer is refused) and
// are returned only when every label is printable ASCII without '.' or '\' — anything else
// could not be told apart from a different name once written as text.
// Standards: RFC 1035 §3.1 (names), §3.3.9 (MX), §3.3.12 (PTR), §3.3.14 (TXT); RFC 3596
// (AAAA); RFC 7505 (null MX); RFC 7208 §3.3 (TXT strings concatenated).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dns/resolver.h"

namespace sealmail::dns::internal {

using Bytes = std::span<const uint8_t>;

// The name as libunbound's text parser must see it: one trailing dot is dropped, every byte
// other than a letter, digit, '-' or '_' is written \DDD, so no byte of a caller's name can
// change its label structure. nullopt for an empty name, an empty label, a label over 63
// bytes or a name over 253 bytes.
std::optional<std::string> query_name(std::string_view name);

// TXT: the character-strings of one record concatenated.
std::optional<std::string> txt_from_rdata(Bytes rdata);
// A (4 bytes) or AAAA (16 bytes) as text.
std::optional<std::string> ipv4_from_rdata(Bytes rdata);
std::optional<std::string> ipv6_from_rdata(Bytes rdata);
// MX: the preference and the host, lower-case without trailing dot; the root name gives "".
std::optional<MxRecord> mx_from_rdata(Bytes rdata);
// PTR: the host name, lower-case without trailing dot.
std::optional<std::string> ptr_from_rdata(Bytes rdata);

}  // namespace sealmail::dns::internal
