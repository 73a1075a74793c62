#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace sealmail {
namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return make_error(Errc::kInvalidArgument, "odd");
  return n / 2;
}

Result<int> quarter(int n) {
  int h = SEALMAIL_TRY(half(n));
  return SEALMAIL_TRY(half(h));
}

Status must_be_even(int n) {
  SEALMAIL_RETURN_IF_ERROR(half(n).ok() ? ok_status() : Status(half(n).error()));
  return ok_status();
}

TEST(Result, HoldsValueOrError) {
  Result<int> good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  Result<int> bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(bad.error().describe(), "invalid_argument: odd");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, TryPropagatesFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  EXPECT_FALSE(quarter(6).ok());  // 6 → 3 → odd
  EXPECT_EQ(quarter(6).error().message, "odd");
}

TEST(Result, StatusAndMoveOnlyValues) {
  EXPECT_TRUE(must_be_even(2).ok());
  EXPECT_FALSE(must_be_even(1).ok());
  Result<std::unique_ptr<int>> owned = std::make_unique<int>(7);
  std::unique_ptr<int> taken = std::move(owned).value();
  EXPECT_EQ(*taken, 7);
}

TEST(ResultDeathTest, ValueOfErrorIsABug) {
  Result<int> bad = half(3);
  EXPECT_DEATH((void)bad.value(), "check failed: ok\\(\\)");
}

}  // namespace
}  // namespace sealmail
