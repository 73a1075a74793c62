#include "base/duration.h"

#include <gtest/gtest.h>

namespace sealmail {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesEveryUnit) {
  struct Case {
    const char* text;
    int64_t ms;
  } cases[] = {{"250ms", 250},    {"30s", 30'000},     {"5m", 300'000},
               {"2h", 7'200'000}, {"7d", 604'800'000}, {"0s", 0}};
  for (const Case& c : cases) {
    auto d = parse_duration(c.text);
    ASSERT_TRUE(d.ok()) << c.text;
    EXPECT_EQ(d->count(), c.ms) << c.text;
  }
}

TEST(Duration, RejectsMalformed) {
  for (const char* text : {"", "s", "5", "5 m", "-5s", "5x", "1.5s", "99999999999999999999d",
                           "9223372036854775807d"}) {
    EXPECT_FALSE(parse_duration(text).ok()) << text;
  }
}

TEST(Duration, FormatsShortestExactUnitAndRoundTrips) {
  EXPECT_EQ(format_duration(milliseconds(300'000)), "5m");
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1500ms");
  EXPECT_EQ(format_duration(milliseconds(86'400'000)), "1d");
  for (int64_t ms : {1, 999, 1000, 61'000, 3'600'000}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms)))->count(), ms);
  }
}

}  // namespace
}  // namespace sealmail
