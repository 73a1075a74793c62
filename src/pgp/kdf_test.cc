#include "pgp/kdf.h"
#include "base/hex.h"

#include <gtest/gtest.h>

#include <string>

namespace sealmail::pgp {
namespace {

// Cheapest parameters the policy accepts, to keep the tests fast (also under ASan).
constexpr KdfParams kFast{.memory_kib = 19456, .iterations = 2, .parallelism = 1};

// RFC 9106 §5.3, the Argon2id test vector (with secret and associated data).
TEST(KdfTest, Rfc9106Argon2idVector) {
  const std::string password(32, '\x01'), salt(16, '\x02'), secret(8, '\x03'), ad(12, '\x04');
  Argon2idInput in{.password = password,
                   .salt = salt,
                   .secret = secret,
                   .associated_data = ad,
                   .params = {.memory_kib = 32, .iterations = 3, .parallelism = 4},
                   .out_len = 32};
  auto tag = argon2id(in);
  ASSERT_TRUE(tag.ok()) << tag.error().describe();
  EXPECT_EQ(hex_encode(tag->reveal()),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

// Vector from the reference implementation's CLI (Debian package argon2):
//   echo -n password | argon2 somesaltsomesalt -id -t 3 -k 65536 -p 1 -l 32 -r
TEST(KdfTest, DeriveKeyMatchesReferenceCliWithDefaultParams) {
  auto key = derive_key("password", "somesaltsomesalt", KdfParams{});
  ASSERT_TRUE(key.ok()) << key.error().describe();
  EXPECT_EQ(hex_encode(key->reveal()),
            "7664ad4ba1a3c999fcdd0991ffc2270f78302d2383233db5e7befc85d1bb1819");
}

TEST(KdfTest, DefaultsAreTheDocumentedOnes) {
  EXPECT_EQ(KdfParams{}, (KdfParams{.memory_kib = 65536, .iterations = 3, .parallelism = 1}));
  EXPECT_TRUE(check_kdf_params(KdfParams{}).ok());
}

// Vectors computed with the reference implementation (libargon2.so.1 through Python ctypes):
// argon2id_hash_raw(t=2, m=19456, p=1, pwd, label || 0x00 || salt, 32).
TEST(KdfTest, KeyPassphraseIsLabelledAndBase64) {
  std::string salt;
  for (int i = 0; i < 16; ++i) salt.push_back(static_cast<char>(i));
  auto passphrase = derive_key_passphrase("correct horse battery staple", salt, kFast);
  ASSERT_TRUE(passphrase.ok()) << passphrase.error().describe();
  EXPECT_EQ(passphrase->reveal(), "nOmzG/CPKiuLOJ5xxOo8otEfiSQpx4byPrLGNBdUq6k=");

  auto auth = derive_auth_secret("correct horse battery staple", salt, kFast);
  ASSERT_TRUE(auth.ok()) << auth.error().describe();
  EXPECT_EQ(hex_encode(auth->reveal()),
            "7922e2cdba5c9347d8818a1b3241d6fbe1d3046b8e3b4f0b959e4e9576e8c5ba");

  // Same password, same salt: the label alone separates the two and the unlabelled hash.
  auto plain = derive_key("correct horse battery staple", salt, kFast);
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(plain->reveal(), auth->reveal());
}

TEST(KdfTest, EveryInputChangesTheOutput) {
  std::string salt(16, 's');
  auto base = derive_key("pw", salt, kFast);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->size(), 32u);
  EXPECT_EQ(derive_key("pw", salt, kFast)->reveal(), base->reveal());
  EXPECT_NE(derive_key("pW", salt, kFast)->reveal(), base->reveal());
  EXPECT_NE(derive_key("pw", std::string(16, 't'), kFast)->reveal(), base->reveal());
  KdfParams more = kFast;
  more.iterations = 3;
  EXPECT_NE(derive_key("pw", salt, more)->reveal(), base->reveal());
  auto longer = derive_key("pw", salt, kFast, 64);
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ(longer->size(), 64u);
}

TEST(KdfTest, PassphraseIsPrintable) {
  auto passphrase = derive_key_passphrase("", new_salt(), kFast);
  ASSERT_TRUE(passphrase.ok()) << passphrase.error().describe();
  ASSERT_EQ(passphrase->size(), 44u);
  for (char c : passphrase->reveal()) EXPECT_TRUE(c > ' ' && c < 0x7f) << int(c);
}

TEST(KdfTest, BadParamsAreInvalidArgument) {
  std::string salt(16, 's');
  auto expect_invalid = [&](KdfParams p) {
    auto r = derive_key("pw", salt, p);
    ASSERT_FALSE(r.ok()) << to_string(p);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << to_string(p);
    EXPECT_EQ(check_kdf_params(p).error().code, Errc::kInvalidArgument);
  };
  expect_invalid({.memory_kib = 32, .iterations = 3, .parallelism = 1});  // too small
  expect_invalid({.memory_kib = kKdfMinMemoryKib - 1, .iterations = 3, .parallelism = 1});
  expect_invalid({.memory_kib = kKdfMaxMemoryKib + 1, .iterations = 3, .parallelism = 1});
  expect_invalid({.memory_kib = 0xffffffff, .iterations = 3, .parallelism = 1});  // huge
  expect_invalid({.memory_kib = 65536, .iterations = 0, .parallelism = 1});
  expect_invalid({.memory_kib = 65536, .iterations = 65, .parallelism = 1});
  expect_invalid({.memory_kib = 65536, .iterations = 3, .parallelism = 0});
  expect_invalid({.memory_kib = 65536, .iterations = 3, .parallelism = 17});
  EXPECT_TRUE(check_kdf_params(kFast).ok());
  EXPECT_TRUE(
      check_kdf_params({.memory_kib = kKdfMaxMemoryKib, .iterations = 64, .parallelism = 16}).ok());
}

TEST(KdfTest, BadSaltOrLengthIsInvalidArgument) {
  EXPECT_EQ(derive_key("pw", std::string(15, 's'), kFast).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(derive_key("pw", "", kFast).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(derive_key("pw", std::string(65, 's'), kFast).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(derive_key("pw", std::string(16, 's'), kFast, 15).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(derive_key("pw", std::string(16, 's'), kFast, 65).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(derive_key_passphrase("pw", "short", kFast).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(derive_auth_secret("pw", "short", kFast).error().code, Errc::kInvalidArgument);
}

TEST(KdfTest, RawArgon2idChecksItsOwnLimits) {
  std::string salt8(8, 's');
  EXPECT_TRUE(argon2id({.password = "pw", .salt = salt8, .params = {32, 1, 4}, .out_len = 4}).ok());
  EXPECT_EQ(argon2id({.password = "pw", .salt = "1234567", .params = {32, 1, 1}}).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(argon2id({.password = "pw", .salt = salt8, .params = {31, 1, 4}}).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(
      argon2id({.password = "pw", .salt = salt8, .params = {32, 1, 1}, .out_len = 3}).error().code,
      Errc::kInvalidArgument);
  EXPECT_EQ(argon2id({.password = "pw", .salt = salt8, .params = {kKdfMaxMemoryKib + 1, 1, 1}})
                .error()
                .code,
            Errc::kInvalidArgument);
}

TEST(KdfTest, SaltsAreFreshAndSized) {
  std::string a = new_salt(), b = new_salt();
  EXPECT_EQ(a.size(), kSaltSize);
  EXPECT_NE(a, b);
}

TEST(KdfTest, ParamsRoundTripAsText) {
  EXPECT_EQ(to_string(KdfParams{}), "m=65536,t=3,p=1");
  auto parsed = parse_kdf_params("m=262144,t=4,p=2");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(*parsed, (KdfParams{.memory_kib = 262144, .iterations = 4, .parallelism = 2}));
  EXPECT_EQ(parse_kdf_params(to_string(KdfParams{})).value(), KdfParams{});
  for (std::string_view bad :
       {"", "m=65536,t=3", "m=65536,t=3,p=1,", "t=3,m=65536,p=1", "m=65536;t=3;p=1", "m=-1,t=3,p=1",
        "m=+65536,t=3,p=1", "m=65536,t=3,p=1x", "m=99999999999,t=3,p=1", "m=32,t=3,p=1",
        "m=65536,t=0,p=1", " m=65536,t=3,p=1"}) {
    auto r = parse_kdf_params(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace sealmail::pgp
