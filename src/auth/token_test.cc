#include "auth/token.h"

#include "base/hex.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sealmail::auth {
namespace {

TEST(TokenTest, NewTokenIs43Base64UrlCharacters) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string token = new_token();
    ASSERT_EQ(token.size(), 43u);
    for (char c : token) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      EXPECT_TRUE(ok) << token;
    }
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(TokenTest, NewTokenUsesTheWholeAlphabet) {
  // 200 tokens of 43 characters: every one of the 64 symbols shows up (the chance that one
  // is missing from 8600 uniform draws is below 64 * (63/64)^8600 ≈ 1e-57).
  std::set<char> symbols;
  for (int i = 0; i < 200; ++i)
    for (char c : new_token()) symbols.insert(c);
  EXPECT_EQ(symbols.size(), 64u);
}

TEST(TokenTest, HashIsLowercaseHexSha256) {
  // FIPS 180-2 / NIST examples.
  EXPECT_EQ(token_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(token_hash(std::string("a\0b", 3)).size(), 64u);
  EXPECT_NE(token_hash(std::string("a\0b", 3)), token_hash("a"));
}

TEST(TokenTest, RecoveryCodeShape) {
  const std::string alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  std::set<char> symbols;
  for (int i = 0; i < 300; ++i) {
    std::string code = new_recovery_code();
    ASSERT_EQ(code.size(), 11u) << code;
    EXPECT_EQ(code[5], '-') << code;
    for (size_t j = 0; j < code.size(); ++j) {
      if (j == 5) continue;
      EXPECT_NE(alphabet.find(code[j]), std::string::npos) << code;
      symbols.insert(code[j]);
    }
    EXPECT_EQ(normalize_recovery_code(code).size(), 10u);
    EXPECT_EQ(normalize_recovery_code(code), code.substr(0, 5) + code.substr(6));
  }
  EXPECT_EQ(symbols.size(), 32u);
  EXPECT_NE(new_recovery_code(), new_recovery_code());
}

TEST(TokenTest, NormalizeRecoveryCode) {
  EXPECT_EQ(normalize_recovery_code("abcde-fgh1j"), "abcdefgh1j");
  EXPECT_EQ(normalize_recovery_code("ABCDE FGH1J"), "abcdefgh1j");
  EXPECT_EQ(normalize_recovery_code(" a-b c\td-e fghjk "), "abcdefghjk");
  EXPECT_EQ(normalize_recovery_code("0O1lIi"), "001111");
  EXPECT_EQ(normalize_recovery_code("abcde_fghjk"), "abcde_fghjk");  // kept: will not match
  EXPECT_EQ(normalize_recovery_code(""), "");
  EXPECT_EQ(token_hash(normalize_recovery_code("K7M2P-QX9ZA")),
            token_hash(normalize_recovery_code("k7m2pqx9za")));
}

TEST(TokenTest, ConstantTimeEquals) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_TRUE(constant_time_equals(std::string("a\0c", 3), std::string("a\0c", 3)));
  EXPECT_FALSE(constant_time_equals(std::string("a\0c", 3), std::string("a\0d", 3)));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_FALSE(constant_time_equals("", "a"));
  EXPECT_FALSE(constant_time_equals("xbc", "abc"));
}

TEST(TokenTest, HmacSha256MatchesRfc4231) {
  // RFC 4231 §4.3, test case 2.
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace sealmail::auth
