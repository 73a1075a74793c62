#include "pgp/decrypt_policy.h"

#include <gtest/gtest.h>

namespace sealmail::pgp {
namespace {

TEST(DecryptPolicyTest, ProtectionNames) {
  EXPECT_EQ(protection_from_rnp("none"), Protection::kNone);
  EXPECT_EQ(protection_from_rnp("cfb"), Protection::kCfb);
  EXPECT_EQ(protection_from_rnp("cfb-mdc"), Protection::kCfbMdc);
  EXPECT_EQ(protection_from_rnp("aead-ocb"), Protection::kAead);
  EXPECT_EQ(protection_from_rnp("aead-eax"), Protection::kAead);
  EXPECT_EQ(protection_from_rnp("aead-gcm-someday"), Protection::kUnknown);
}

TEST(DecryptPolicyTest, ReleasesOnlyFinishedIntegrityProtectedData) {
  EXPECT_TRUE(release_decrypted(true, Protection::kCfbMdc, true).ok());
  EXPECT_TRUE(release_decrypted(true, Protection::kAead, true).ok());
  EXPECT_FALSE(release_decrypted(false, Protection::kCfbMdc, true).ok());
  EXPECT_FALSE(release_decrypted(true, Protection::kCfbMdc, false).ok());
  EXPECT_FALSE(release_decrypted(true, Protection::kCfb, true).ok());
  EXPECT_FALSE(release_decrypted(true, Protection::kCfb, false).ok());
  EXPECT_FALSE(release_decrypted(true, Protection::kNone, true).ok());
  EXPECT_FALSE(release_decrypted(true, Protection::kUnknown, true).ok());
  auto refused = release_decrypted(true, Protection::kCfb, true);
  EXPECT_EQ(refused.error().code, Errc::kPermissionDenied);
}

TEST(DecryptPolicyTest, SignatureValidNeedsEveryFact) {
  SignatureFacts good{true, false, true, true, false, true};
  EXPECT_TRUE(signature_valid(good));
  auto without = [&](auto mutate) {
    SignatureFacts f = good;
    mutate(f);
    return signature_valid(f);
  };
  EXPECT_FALSE(without([](SignatureFacts& f) { f.verified = false; }));
  EXPECT_FALSE(without([](SignatureFacts& f) { f.expired = true; }));
  EXPECT_FALSE(without([](SignatureFacts& f) { f.key_known = false; }));
  EXPECT_FALSE(without([](SignatureFacts& f) { f.key_valid = false; }));
  EXPECT_FALSE(without([](SignatureFacts& f) { f.key_revoked = true; }));
  EXPECT_FALSE(without([](SignatureFacts& f) { f.covers_output = false; }));
}

}  // namespace
}  // namespace sealmail::pgp
