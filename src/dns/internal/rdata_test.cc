#include "dns/internal/rdata.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealmail::dns::internal {
namespace {

Bytes bytes(const std::vector<uint8_t>& v) { return Bytes(v.data(), v.size()); }

TEST(QueryName, KeepsPlainNamesAndDropsOneTrailingDot) {
  EXPECT_EQ(query_name("Mail.Example.com"), "Mail.Example.com");
  EXPECT_EQ(query_name("_dmarc.example.com."), "_dmarc.example.com");
  EXPECT_EQ(query_name("a"), "a");
}

TEST(QueryName, EscapesEveryOtherByte) {
  EXPECT_EQ(query_name("a b.example"), "a\\032b.example");
  EXPECT_EQ(query_name("x\\.example"), "x\\092.example");
  EXPECT_EQ(query_name("\"q\";x"), "\\034q\\034\\059x");
  EXPECT_EQ(query_name(std::string("nul\0l", 5)), "nul\\000l");
  EXPECT_EQ(query_name("\xff"), "\\255");
}

TEST(QueryName, RefusesMalformedNames) {
  for (std::string name : {"", ".", "..", "a..b", ".a", "a.."}) {
    EXPECT_FALSE(query_name(name).has_value()) << name;
  }
  EXPECT_TRUE(query_name(std::string(63, 'a') + ".b").has_value());
  EXPECT_FALSE(query_name(std::string(64, 'a') + ".b").has_value());
  std::string longest;
  while (longest.size() < 253) longest += longest.size() % 2 == 0 ? 'a' : '.';
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_TRUE(query_name(longest).has_value());
  EXPECT_TRUE(query_name(longest + ".").has_value());
  EXPECT_FALSE(query_name(longest + "a").has_value());
}

TEST(TxtFromRdata, ConcatenatesCharacterStrings) {
  EXPECT_EQ(txt_from_rdata(bytes({3, 'a', 'b', 'c', 0, 2, 'd', 'e'})), "abcde");
  EXPECT_EQ(txt_from_rdata(bytes({0})), "");
  EXPECT_EQ(txt_from_rdata(bytes({})), "");
  EXPECT_EQ(txt_from_rdata(bytes({2, 0, '\n'})), std::string("\0\n", 2));
}

TEST(TxtFromRdata, RefusesOverrun) {
  EXPECT_FALSE(txt_from_rdata(bytes({4, 'a', 'b', 'c'})).has_value());
  EXPECT_FALSE(txt_from_rdata(bytes({1, 'a', 1})).has_value());
}

TEST(AddressFromRdata, NeedsExactLengths) {
  EXPECT_EQ(ipv4_from_rdata(bytes({192, 0, 2, 1})), "192.0.2.1");
  EXPECT_FALSE(ipv4_from_rdata(bytes({192, 0, 2})).has_value());
  EXPECT_FALSE(ipv4_from_rdata(bytes({192, 0, 2, 1, 0})).has_value());
  EXPECT_EQ(ipv6_from_rdata(bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})),
            "2001:db8::1");
  EXPECT_FALSE(ipv6_from_rdata(bytes({0x20, 0x01})).has_value());
}

TEST(MxFromRdata, ParsesPreferenceAndLowerCaseHost) {
  auto mx = mx_from_rdata(bytes({0, 10, 2, 'M', 'x', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0}));
  ASSERT_TRUE(mx.has_value());
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(mx->host, "mx.example");
  auto big = mx_from_rdata(bytes({0x12, 0x34, 1, 'a', 0}));
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->preference, 0x1234);
}

TEST(MxFromRdata, NullMxIsTheRootName) {
  auto mx = mx_from_rdata(bytes({0, 0, 0}));
  ASSERT_TRUE(mx.has_value());
  EXPECT_EQ(mx->preference, 0);
  EXPECT_EQ(mx->host, "");
}

TEST(MxFromRdata, RefusesMalformedNames) {
  const std::vector<std::vector<uint8_t>> bad = {
      {0, 10},                       // no name
      {0, 10, 0xc0, 0x0c},           // compression pointer
      {0, 10, 3, 'a', 'b'},          // label overruns
      {0, 10, 1, 'a'},               // no root label
      {0, 10, 1, 'a', 0, 0},         // trailing bytes
      {0, 10, 3, 'a', '.', 'b', 0},  // a dot inside a label
      {0, 10, 3, 'a', ' ', 'b', 0},  // a space
      {0, 10, 2, 'a', '\\', 0},      // a backslash
      {0, 10, 2, 'a', 0x80, 0},      // not ASCII
  };
  for (const auto& rdata : bad) EXPECT_FALSE(mx_from_rdata(bytes(rdata)).has_value());
  std::vector<uint8_t> label64 = {0, 1, 64};
  label64.resize(label64.size() + 64, 'a');
  label64.push_back(0);
  EXPECT_FALSE(mx_from_rdata(bytes(label64)).has_value());
}

TEST(MxFromRdata, RefusesNamesOver255Bytes) {
  std::vector<uint8_t> rdata = {0, 1};
  for (int i = 0; i < 4; ++i) {
    rdata.push_back(63);
    rdata.resize(rdata.size() + 63, 'a');
  }
  rdata.push_back(0);  // 4 * 64 + 1 = 257 bytes of name
  EXPECT_FALSE(mx_from_rdata(bytes(rdata)).has_value());
  // Shorten the first label from 63 to 61 bytes: 62 + 3 * 64 + 1 = 255 bytes of name.
  rdata.erase(rdata.begin() + 2, rdata.begin() + 4);
  rdata[2] = 61;
  EXPECT_TRUE(mx_from_rdata(bytes(rdata)).has_value());
}

TEST(PtrFromRdata, ParsesHostAndRefusesRoot) {
  EXPECT_EQ(ptr_from_rdata(bytes({4, 'H', 'o', 's', 't', 4, 't', 'e', 's', 't', 0})), "host.test");
  EXPECT_FALSE(ptr_from_rdata(bytes({0})).has_value());
  EXPECT_FALSE(ptr_from_rdata(bytes({})).has_value());
}

}  // namespace
}  // namespace sealmail::dns::internal
