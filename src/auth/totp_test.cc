#include "auth/totp.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sealmail::auth {
namespace {

constexpr std::string_view kRfcSecret = "12345678901234567890";  // RFC 4226 / RFC 6238 SHA-1

TEST(TotpTest, Rfc4226AppendixDHotpValues) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter)
    EXPECT_EQ(hotp(kRfcSecret, counter), expected[counter]) << counter;
}

TEST(TotpTest, Rfc6238AppendixBSha1Values) {
  struct Case {
    int64_t time;
    int64_t step;
    const char* code;
  };
  const Case cases[] = {
      {59, 0x1, "94287082"},
      {1111111109, 0x23523EC, "07081804"},
      {1111111111, 0x23523ED, "14050471"},
      {1234567890, 0x273EF07, "89005924"},
      {2000000000, 0x3F940AA, "69279037"},
      {20000000000, 0x27BC86AA, "65353130"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(totp_step(c.time), c.step) << c.time;
    EXPECT_EQ(hotp(kRfcSecret, static_cast<uint64_t>(totp_step(c.time)), 8), c.code) << c.time;
    // The 6-digit code apps show is the last six digits of the same truncation.
    std::string six = std::string(c.code).substr(2);
    EXPECT_EQ(totp_match(kRfcSecret, six, c.time, 0), c.step) << c.time;
  }
}

TEST(TotpTest, StepIsFloorDivision) {
  EXPECT_EQ(totp_step(0), 0);
  EXPECT_EQ(totp_step(29), 0);
  EXPECT_EQ(totp_step(30), 1);
  EXPECT_EQ(totp_step(-1), -1);
  EXPECT_EQ(totp_step(-30), -1);
  EXPECT_EQ(totp_step(-31), -2);
}

TEST(TotpTest, WindowAcceptsNeighbouringStepsOnly) {
  const int64_t now = 1700000000;
  const int64_t step = totp_step(now);
  auto code_at = [](int64_t s) { return hotp(kRfcSecret, static_cast<uint64_t>(s)); };
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step), now), step);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step - 1), now), step - 1);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step + 1), now), step + 1);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step - 2), now), std::nullopt);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step + 2), now), std::nullopt);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step - 1), now, 0), std::nullopt);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step - 2), now, 2), step - 2);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step + 2), now, 2), step + 2);
  // Window edges: the last second of a step and the first of the next.
  const int64_t start = step * kTotpStepSeconds;
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step), start + 29, 0), step);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step), start + 30, 0), std::nullopt);
  EXPECT_EQ(totp_match(kRfcSecret, code_at(step), start + 30, 1), step);
  // Another secret's code does not match.
  EXPECT_EQ(totp_match("another secret value!", code_at(step), now), std::nullopt);
}

TEST(TotpTest, StepsBefore1970AreNeverMatched) {
  // At t = 10 the window is steps -1..1; step -1 has no counter.
  EXPECT_EQ(totp_match(kRfcSecret, hotp(kRfcSecret, 0), 10), 0);
  EXPECT_EQ(totp_match(kRfcSecret, hotp(kRfcSecret, 1), 10), 1);
  EXPECT_EQ(totp_match(kRfcSecret, hotp(kRfcSecret, 0), -100, 1), std::nullopt);
}

TEST(TotpTest, MalformedCodesNeverMatch) {
  const int64_t now = 1234567890;
  const std::string good = hotp(kRfcSecret, static_cast<uint64_t>(totp_step(now)));
  ASSERT_EQ(totp_match(kRfcSecret, good, now), totp_step(now));
  for (const std::string& bad :
       {std::string(), good.substr(0, 5), good + "0", " " + good.substr(1), good.substr(0, 5) + "a",
        std::string("+") + good.substr(1), std::string("-") + good.substr(1),
        good.substr(0, 3) + std::string(1, '\0') + good.substr(4), std::string("١٢٣٤٥٦"),
        "0x" + good.substr(2), std::string("12345678")}) {
    EXPECT_EQ(totp_match(kRfcSecret, bad, now), std::nullopt) << bad;
  }
}

TEST(TotpTest, HotpPadsWithZeros) {
  // RFC 6238's "07081804" starts with a zero; its 6-digit form has none, so check a padded one.
  EXPECT_EQ(hotp(kRfcSecret, 0x23523EC, 8), "07081804");
  for (uint64_t c = 0; c < 200; ++c) EXPECT_EQ(hotp(kRfcSecret, c).size(), 6u);
}

TEST(Base32Test, Rfc4648Section10Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  const std::string padded[] = {
      "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"};
  for (size_t i = 0; i < std::size(vectors); ++i) {
    const auto& [bytes, text] = vectors[i];
    EXPECT_EQ(base32_encode(bytes), text);
    auto decoded = base32_decode(padded[i]);
    ASSERT_TRUE(decoded.ok()) << padded[i];
    EXPECT_EQ(*decoded, bytes);
    auto unpadded = base32_decode(text);
    ASSERT_TRUE(unpadded.ok()) << text;
    EXPECT_EQ(*unpadded, bytes);
  }
}

TEST(Base32Test, DecodeIsLenient) {
  EXPECT_EQ(base32_decode("mzxw 6ytb oi").value_or("?"), "foobar");
  EXPECT_EQ(base32_decode("MzXw6YtBoI==").value_or("?"), "foobar");
  EXPECT_EQ(base32_decode("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ").value_or("?"),
            std::string(kRfcSecret));
}

TEST(Base32Test, DecodeRefusesOtherCharactersAndImpossibleLengths) {
  for (std::string_view bad :
       {"MZXW1", "MZXW8", "MZXW-6", "MZ\tXW", "MZXW6\n", "M", "MZX", "MZXW6Y", "MZXW6YTBO", "é"}) {
    auto r = base32_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
}

TEST(Base32Test, RoundTripsRandomSecrets) {
  for (int i = 0; i < 50; ++i) {
    std::string secret = new_totp_secret();
    ASSERT_EQ(secret.size(), kTotpSecretBytes);
    std::string text = base32_encode(secret);
    EXPECT_EQ(text.size(), 32u);
    EXPECT_EQ(base32_decode(text).value_or("?"), secret);
  }
  EXPECT_NE(new_totp_secret(), new_totp_secret());
}

TEST(TotpTest, OtpauthUri) {
  EXPECT_EQ(otpauth_uri("Example", "alice@example.org", kRfcSecret),
            "otpauth://totp/Example:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Example&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(otpauth_uri("ACME Co", "a:b&c=d?é", "\x01"),
            "otpauth://totp/ACME%20Co:a%3Ab%26c%3Dd%3F%C3%A9?secret=AE"
            "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30");
}

// A second implementation: oathtool (package oathtool), when installed. Not installed by the
// test; the case is skipped otherwise.
TEST(TotpTest, AgreesWithOathtool) {
  if (std::system("command -v oathtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "oathtool is not installed";
  const std::string secret = "\x8f\x10\x00\xff secret bytes \x7f";
  const std::string b32 = base32_encode(secret);
  for (int64_t t : {int64_t{59}, int64_t{1111111109}, int64_t{1700000123}, int64_t{4102444800}}) {
    std::string cmd = "oathtool --totp -b " + b32 + " --now=@" + std::to_string(t) + " 2>/dev/null";
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buf[64] = {};
    std::string out = fgets(buf, sizeof buf, pipe) ? std::string(buf) : std::string();
    pclose(pipe);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    EXPECT_EQ(out, hotp(secret, static_cast<uint64_t>(totp_step(t)))) << t;
  }
}

}  // namespace
}  // namespace sealmail::auth
