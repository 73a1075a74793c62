#include "dns/ptr_name.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>

namespace sealmail::dns {

std::optional<std::string> ptr_name(std::string_view address) {
  if (address.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(address);  // inet_pton needs the terminating NUL
  std::array<uint8_t, 16> bytes{};
  std::string name;
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    for (int i = 3; i >= 0; --i) name += std::to_string(bytes[i]) + '.';
    return name + "in-addr.arpa";
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
      name += kHex[bytes[i] & 0xf];
      name += '.';
      name += kHex[bytes[i] >> 4];
      name += '.';
    }
    return name + "ip6.arpa";
  }
  return std::nullopt;
}

}  // namespace sealmail::dns
