#include "spf/internal/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace sealmail::spf::internal {
namespace {

std::optional<Address> parse(std::string_view text, int family) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string copy(text);  // inet_pton needs the terminating NUL
  Address address;
  address.v6 = family == AF_INET6;
  if (inet_pton(family, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
  return address;
}

}  // namespace

std::optional<Address> parse_ipv4(std::string_view text) { return parse(text, AF_INET); }

std::optional<Address> parse_ipv6(std::string_view text) { return parse(text, AF_INET6); }

std::optional<Address> parse_address(std::string_view text) {
  if (auto v4 = parse_ipv4(text)) return v4;
  auto v6 = parse_ipv6(text);
  if (!v6) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6->bytes.data(), kMapped, sizeof kMapped) == 0) {
    Address v4;
    std::memcpy(v4.bytes.data(), v6->bytes.data() + 12, 4);
    return v4;
  }
  return v6;
}

bool in_network(const Address& address, const Address& network, int prefix) {
  if (address.v6 != network.v6) return false;
  const int bits = address.v6 ? 128 : 32;
  if (prefix < 0 || prefix > bits) return false;
  int full = prefix / 8;
  if (std::memcmp(address.bytes.data(), network.bytes.data(), static_cast<size_t>(full)) != 0) {
    return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[full] & mask) == (network.bytes[full] & mask);
}

std::string dotted(const Address& address) {
  if (!address.v6) return to_text(address);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : address.bytes) {
    if (!out.empty()) out += '.';
    out += kHex[byte >> 4];
    out += '.';
    out += kHex[byte & 0xf];
  }
  return out;
}

std::string to_text(const Address& address) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof text);
  return text;
}

}  // namespace sealmail::spf::internal
