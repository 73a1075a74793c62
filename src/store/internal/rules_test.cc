#include "store/internal/rules.h"

#include <gtest/gtest.h>

#include "store/store.h"

namespace sealmail::store::internal {
namespace {

TEST(RulesTest, AddressKeyLowersOnlyAsciiLetters) {
  EXPECT_EQ(address_key("Alice.Z@Example.ORG"), "alice.z@example.org");
  EXPECT_EQ(address_key("\xc3\x9cser@X.org"), "\xc3\x9cser@x.org");  // "Ü" is left alone
  EXPECT_EQ(address_key("[@]^_`{~"), "[@]^_`{~");                    // neighbours of A-Z and a-z
}

TEST(RulesTest, AddressChecks) {
  EXPECT_TRUE(check_address("a@b").ok());
  EXPECT_TRUE(check_address("\"quoted@local\"@example.org").ok());  // the last '@' splits
  EXPECT_TRUE(check_address("\xc3\xbc@example.org").ok());
  for (std::string_view bad : {"", "a", "a@", "@b", "a b@c", "a@b\x7f", "a\t@b"}) {
    EXPECT_FALSE(check_address(bad).ok()) << bad;
  }
  EXPECT_FALSE(check_address(std::string(kMaxAddressBytes - 1, 'a') + "@b").ok());
  EXPECT_TRUE(check_address(std::string(kMaxAddressBytes - 2, 'a') + "@b").ok());
}

TEST(RulesTest, EventChecks) {
  EXPECT_TRUE(check_event("message.created", "").ok());
  EXPECT_TRUE(check_event("!~", std::string(kMaxEventPayloadBytes, '\0')).ok());
  EXPECT_EQ(check_event("", "x").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(check_event("a b", "x").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(check_event("\x7f", "x").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(check_event("k", std::string(kMaxEventPayloadBytes + 1, 'x')).error().code,
            Errc::kLimitExceeded);
}

}  // namespace
}  // namespace sealmail::store::internal
