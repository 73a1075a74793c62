#include "base/hex.h"

#include <gtest/gtest.h>

namespace sealmail {
namespace {

TEST(Hex, EncodesBothCasesAndRoundTrips) {
  std::string bytes("\x00\x01\x7f\x80\xab\xff", 6);
  EXPECT_EQ(hex_encode(bytes), "00017f80abff");
  EXPECT_EQ(hex_encode(bytes, HexCase::kUpper), "00017F80ABFF");
  EXPECT_EQ(hex_decode("00017F80abff"), bytes);
  EXPECT_EQ(hex_decode(""), "");
}

TEST(Hex, RefusesOddLengthAndNonHex) {
  for (const char* bad : {"0", "abc", "0g", "  ", "0x00"}) {
    EXPECT_EQ(hex_decode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace sealmail
