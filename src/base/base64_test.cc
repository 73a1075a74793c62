#include "base/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace sealmail {
namespace {

TEST(Base64Test, RoundTripsAndRejects) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode(" Zm9v\r\n YmE= "), "fooba");
  EXPECT_FALSE(base64_decode("Zm9").has_value());       // not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!A==").has_value());  // invalid character
  EXPECT_FALSE(base64_decode("Zg==Zg==").has_value());  // data after padding
  EXPECT_FALSE(base64_decode(std::string("Zm9\0", 4)).has_value());
}

}  // namespace
}  // namespace sealmail
