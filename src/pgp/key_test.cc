#include "pgp/key.h"

#include <gtest/gtest.h>

#include "pgp/testing/test_keys.h"

namespace sealmail::pgp {
namespace {

using testing::kPassphrase;
using testing::test_keys;

TEST(KeyTest, DefaultKeyIsEd25519WithCv25519SubkeyAndNoExpiry) {
  const KeyInfo& info = test_keys().alice.public_key.info();
  EXPECT_EQ(info.algorithm, "EDDSA");
  EXPECT_EQ(info.fingerprint.size(), 40u);
  EXPECT_EQ(info.key_id.size(), 16u);
  ASSERT_EQ(info.user_ids.size(), 1u);
  EXPECT_EQ(info.user_ids[0], "Alice <alice@example.org>");
  EXPECT_TRUE(info.can_sign);
  EXPECT_TRUE(info.can_certify);
  EXPECT_TRUE(info.can_encrypt);
  EXPECT_TRUE(info.valid);
  EXPECT_FALSE(info.revoked);
  EXPECT_EQ(info.expires, 0) << "RNP's two-year default must be overridden";
  ASSERT_EQ(info.subkeys.size(), 1u);
  EXPECT_EQ(info.subkeys[0].algorithm, "ECDH");
  EXPECT_TRUE(info.subkeys[0].can_encrypt);
  EXPECT_FALSE(info.subkeys[0].can_sign);
  EXPECT_EQ(info.subkeys[0].expires, 0);
  EXPECT_GT(info.created, 1600000000);
}

TEST(KeyTest, RsaOnRequest) {
  const KeyInfo& info = test_keys().carol.public_key.info();
  EXPECT_EQ(info.algorithm, "RSA");
  ASSERT_EQ(info.subkeys.size(), 1u);
  EXPECT_EQ(info.subkeys[0].algorithm, "RSA");
  EXPECT_TRUE(info.can_encrypt);
}

TEST(KeyTest, ExpiryWhenAsked) {
  KeySpec spec;
  spec.address = "temp@example.org";
  spec.passphrase = "x";
  spec.s2k_iterations = 1024;
  spec.expires_in_seconds = 86400;
  auto key = generate_key(spec);
  ASSERT_TRUE(key.ok()) << key.error().describe();
  const KeyInfo& info = key->public_key.info();
  EXPECT_EQ(info.expires, info.created + 86400);
  EXPECT_EQ(info.user_ids[0], "<temp@example.org>");
}

TEST(KeyTest, PublicKeyRoundTripsArmoredAndBinary) {
  const PublicKey& pub = test_keys().alice.public_key;
  auto armored = pub.armored();
  ASSERT_TRUE(armored.ok());
  EXPECT_TRUE(armored->starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  auto from_armor = PublicKey::parse(*armored);
  ASSERT_TRUE(from_armor.ok()) << from_armor.error().describe();
  EXPECT_EQ(from_armor->info().fingerprint, pub.info().fingerprint);
  EXPECT_EQ(from_armor->binary(), pub.binary());
  auto from_binary = PublicKey::parse(pub.binary());
  ASSERT_TRUE(from_binary.ok());
  EXPECT_EQ(from_binary->info().subkeys.size(), 1u);
}

TEST(KeyTest, PublicKeyParseDropsSecretMaterial) {
  auto pub = PublicKey::parse(test_keys().alice.secret_key.binary());
  ASSERT_TRUE(pub.ok()) << pub.error().describe();
  EXPECT_EQ(pub->binary(), test_keys().alice.public_key.binary());
}

TEST(KeyTest, SecretKeyIsExportedLockedAndRoundTrips) {
  const LockedKey& sec = test_keys().alice.secret_key;
  auto armored = sec.armored();
  ASSERT_TRUE(armored.ok());
  EXPECT_TRUE(armored->starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
  auto parsed = LockedKey::parse(*armored);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->info().fingerprint, sec.info().fingerprint);
  auto pub = parsed->public_key();
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->binary(), test_keys().alice.public_key.binary());
}

TEST(KeyTest, ParseRejectsGarbageAndTwoKeys) {
  EXPECT_FALSE(PublicKey::parse("not a key").ok());
  EXPECT_FALSE(PublicKey::parse("").ok());
  std::string two = test_keys().alice.public_key.binary() + test_keys().bob.public_key.binary();
  auto parsed = PublicKey::parse(two);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, Errc::kInvalidArgument);
  // A public key is not a locked secret key.
  EXPECT_FALSE(LockedKey::parse(test_keys().alice.public_key.binary()).ok());
}

TEST(KeyTest, UnlockNeedsTheRightPassphrase) {
  auto ring = Keyring::create();
  ASSERT_TRUE(ring.ok());
  auto bad = ring->unlock(test_keys().alice.secret_key, "wrong");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kPermissionDenied);
  EXPECT_FALSE(ring->can_sign_with(test_keys().alice.public_key.info().fingerprint));
  ASSERT_TRUE(ring->unlock(test_keys().alice.secret_key, kPassphrase).ok());
  EXPECT_TRUE(ring->can_sign_with(test_keys().alice.public_key.info().fingerprint));
  ring->lock_all();
  EXPECT_FALSE(ring->can_sign_with(test_keys().alice.public_key.info().fingerprint));
}

TEST(KeyTest, ChangePassphrase) {
  auto relocked = test_keys().bob.secret_key.with_passphrase(kPassphrase, "new pass", 1024);
  ASSERT_TRUE(relocked.ok()) << relocked.error().describe();
  EXPECT_FALSE(test_keys().bob.secret_key.with_passphrase("wrong", "x", 1024).ok());
  auto ring = Keyring::create();
  ASSERT_TRUE(ring.ok());
  EXPECT_FALSE(ring->unlock(*relocked, kPassphrase).ok());
  EXPECT_TRUE(ring->unlock(*relocked, "new pass").ok());
}

TEST(KeyTest, GenerateRefusesEmptyPassphrase) {
  KeySpec spec;
  spec.address = "a@example.org";
  EXPECT_FALSE(generate_key(spec).ok());
}

TEST(KeyTest, AddressOfUserId) {
  EXPECT_EQ(address_of_user_id("Alice <Alice@Example.org>"), "alice@example.org");
  EXPECT_EQ(address_of_user_id("bob@example.org"), "bob@example.org");
  EXPECT_EQ(address_of_user_id("Just a name"), "");
  EXPECT_EQ(address_of_user_id("Evil <a@b.c"), "");
}

}  // namespace
}  // namespace sealmail::pgp
