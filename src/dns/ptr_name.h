// ptr_name.h — the reverse-lookup name of an IP address: "10.2.0.192.in-addr.arpa" for
// 192.0.2.10, 32 nibbles + "ip6.arpa" for an IPv6 address. Resolver::ptr asks for this name;
// in-memory resolvers key their PTR records by it, so every spelling of one address agrees.
//
// SECURITY: the address may come from anywhere; anything inet_pton(3) refuses gives nullopt.
// Standards: RFC 1035 §3.5 (IN-ADDR.ARPA), RFC 3596 §2.5 (IP6.ARPA).
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail::dns {

std::optional<std::string> ptr_name(std::string_view address);

}  // namespace sealmail::dns
