#include "spf/internal/address.h"

#include <gtest/gtest.h>

namespace sealmail::spf::internal {
namespace {

TEST(Address, MappedIpv6IsIpv4) {
  auto mapped = parse_address("::ffff:192.0.2.1");
  ASSERT_TRUE(mapped.has_value());
  EXPECT_FALSE(mapped->v6);
  EXPECT_EQ(to_text(*mapped), "192.0.2.1");
  EXPECT_FALSE(parse_address("not-an-ip").has_value());
  EXPECT_FALSE(parse_ipv4("::1").has_value());
  EXPECT_FALSE(parse_ipv6("192.0.2.1").has_value());
}

TEST(Address, Networks) {
  auto ip = *parse_address("192.0.2.130");
  EXPECT_TRUE(in_network(ip, *parse_ipv4("192.0.2.128"), 25));
  EXPECT_FALSE(in_network(ip, *parse_ipv4("192.0.2.0"), 25));
  EXPECT_TRUE(in_network(ip, *parse_ipv4("10.0.0.0"), 0));
  EXPECT_TRUE(in_network(ip, *parse_ipv4("192.0.2.130"), 32));
  EXPECT_FALSE(in_network(ip, *parse_ipv4("192.0.2.131"), 32));
  EXPECT_FALSE(in_network(ip, *parse_ipv6("::"), 0));  // other family
  auto ip6 = *parse_address("2001:db8:1:2::5");
  EXPECT_TRUE(in_network(ip6, *parse_ipv6("2001:db8::"), 32));
  EXPECT_TRUE(in_network(ip6, *parse_ipv6("2001:db8:1::"), 47));
  EXPECT_FALSE(in_network(ip6, *parse_ipv6("2001:db8:2::"), 48));
  EXPECT_FALSE(in_network(ip6, *parse_ipv6("2001:db8::"), 129));
}

}  // namespace
}  // namespace sealmail::spf::internal
