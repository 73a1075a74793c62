#include "base/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sealmail {
namespace {

TEST(RandomTest, ReturnsRequestedLength) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(16).size(), 16u);
  // getrandom may return short reads above 256 bytes; the loop must fill everything.
  EXPECT_EQ(random_bytes(100000).size(), 100000u);
}

TEST(RandomTest, LargeBufferIsFilled) {
  // A partly unfilled buffer would end in zeros. 4 KiB of real randomness shows well over 200
  // distinct byte values (expected ~251.5; fewer than 200 is astronomically unlikely).
  std::string bytes = random_bytes(4096);
  EXPECT_NE(bytes.substr(4096 - 64), std::string(64, '\0'));
  std::set<unsigned char> seen(bytes.begin(), bytes.end());
  EXPECT_GT(seen.size(), 200u);
}

TEST(RandomTest, CallsDiffer) { EXPECT_NE(random_bytes(16), random_bytes(16)); }

TEST(RandomTest, TokenHexIsLowercaseHexOfTwiceTheLength) {
  std::string token = random_token_hex(32);
  ASSERT_EQ(token.size(), 64u);
  for (char c : token) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
  EXPECT_NE(token, random_token_hex(32));
  EXPECT_EQ(random_token_hex(0), "");
}

}  // namespace
}  // namespace sealmail
