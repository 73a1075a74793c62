#include "dns/ptr_name.h"

#include <gtest/gtest.h>

namespace sealmail::dns {
namespace {

TEST(PtrName, Ipv4) {
  EXPECT_EQ(ptr_name("192.0.2.10"), "10.2.0.192.in-addr.arpa");
  EXPECT_EQ(ptr_name("0.0.0.0"), "0.0.0.0.in-addr.arpa");
}

TEST(PtrName, Ipv6AllSpellingsAgree) {
  const std::string expected =
      "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
  EXPECT_EQ(ptr_name("2001:db8::1"), expected);
  EXPECT_EQ(ptr_name("2001:DB8:0:0::0:1"), expected);
  EXPECT_EQ(ptr_name("::ffff:192.0.2.1"),
            "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

TEST(PtrName, RefusesNonAddresses) {
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.1 ", "host.example", "1::2::3",
                          "192.0.2.1/24", "::1%lo"}) {
    EXPECT_FALSE(ptr_name(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ptr_name(std::string(100, '1')).has_value());
}

}  // namespace
}  // namespace sealmail::dns
