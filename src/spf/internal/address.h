// address.h — internal to src/spf: IP addresses as SPF compares them. An IPv4-mapped IPv6
// address (::ffff:a.b.c.d) is the IPv4 address (RFC 7208 §5: the connection is IPv4).
//
// SECURITY: parses addresses from DNS answers and records; anything inet_pton(3) refuses is
// nullopt.
// Standards: RFC 7208 §5.6 (ip4/ip6 and CIDR), §7.3 (the "i" macro's dotted forms).
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sealmail::spf::internal {

struct Address {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4
};

// IPv4 dotted quad or IPv6 text; IPv4-mapped IPv6 becomes IPv4.
std::optional<Address> parse_address(std::string_view text);
// Exactly one family, no mapping: for ip4:/ip6: networks.
std::optional<Address> parse_ipv4(std::string_view text);
std::optional<Address> parse_ipv6(std::string_view text);

// Whether `address` lies in `network`/`prefix` (same family only).
bool in_network(const Address& address, const Address& network, int prefix);

// The "i" macro: "192.0.2.3", or 32 lower-case nibbles joined by dots for IPv6.
std::string dotted(const Address& address);
// For logs: inet_ntop form.
std::string to_text(const Address& address);

}  // namespace sealmail::spf::internal
