#include "pgp/message.h"
#include "base/hex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pgp/testing/test_keys.h"

namespace sealmail::pgp {
namespace {

using testing::test_keys;
using testing::unlocked;

const std::string& fpr(const GeneratedKey& k) { return k.public_key.info().fingerprint; }

// `gpg --rfc2440 --cipher-algo AES256 -c` of "EFAIL canary: unprotected", password "pw":
// SKESK + SED (tag 9, no MDC).
const char kSedHex[] =
    "8c0d040903087c39951251cde5f9ffa43886a01a6552529942685022f3f73f66c8eebe7c1f9d6cced509a08d03"
    "456b49a4852e6d3f4346be554a746fa2c9737e6866a7250f02b7c250";
// The same plaintext and password without --rfc2440: SKESK + SEIPD with MDC (the control).
const char kMdcHex[] =
    "8c0d040903089978c235545c05a6ffd24f01f70ecff6325bcdaa967b304d3825ef0269eb61a0c24f8a31af3818"
    "ec6ca1d099e4d86b85b8c608ed1b13db7e7aa103637b4ef15707f2c24483cc598d3f957056483b7f286118a0d8"
    "a6c20227a3c6";

class MessageTest : public ::testing::Test {
 protected:
  std::vector<PublicKey> to_bob_and_alice() {
    return {test_keys().bob.public_key, test_keys().alice.public_key};
  }
};

TEST_F(MessageTest, EncryptSplitsKeyPacketsFromDataPacket) {
  Keyring alice = unlocked(test_keys().alice);
  auto recipients = to_bob_and_alice();
  auto msg = encrypt(alice, "hello bob", recipients, fpr(test_keys().alice));
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  ASSERT_EQ(msg->key_packets.size(), 2u);
  for (const auto& kp : msg->key_packets) {
    EXPECT_EQ(kp.kind, KeyPacket::Kind::kPublicKey);
    EXPECT_EQ(kp.key_id.size(), 16u);
    EXPECT_TRUE(kp.fingerprint == fpr(test_keys().bob) || kp.fingerprint == fpr(test_keys().alice));
    // the PKESK is addressed to the encryption subkey
    EXPECT_NE(kp.key_id, test_keys().bob.public_key.info().key_id);
  }
  EXPECT_NE(msg->key_packets[0].fingerprint, msg->key_packets[1].fingerprint);
  ASSERT_FALSE(msg->data_packet.empty());
  EXPECT_EQ(static_cast<unsigned char>(msg->data_packet[0]) & 0x3f, 18) << "SEIPD expected";
  auto resplit = split_message(msg->concatenated());
  ASSERT_TRUE(resplit.ok());
  EXPECT_EQ(resplit->data_packet, msg->data_packet);
}

void round_trip(const GeneratedKey& sender, const GeneratedKey& recipient) {
  Keyring out = unlocked(sender);
  std::vector<PublicKey> to{recipient.public_key};
  std::string text = "Subject: hi\r\n\r\nsecret body \xe2\x9c\x93";
  auto msg = encrypt(out, text, to, fpr(sender));
  ASSERT_TRUE(msg.ok()) << msg.error().describe();

  Keyring in = unlocked(recipient);
  ASSERT_TRUE(in.add(sender.public_key).ok());
  auto plain = decrypt(in, msg->key_packets, msg->data_packet);
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_EQ(plain->plaintext.reveal(), text);
  ASSERT_EQ(plain->signatures.size(), 1u);
  const Signature& sig = plain->signatures[0];
  EXPECT_TRUE(sig.valid);
  EXPECT_EQ(sig.signer_fingerprint, fpr(sender));
  std::string from = address_of_user_id(sender.public_key.info().user_ids[0]);
  EXPECT_TRUE(plain->verified_from(from));
  EXPECT_TRUE(plain->verified_from("Someone <" + from + ">"));
  EXPECT_FALSE(plain->verified_from("mallory@example.org"));
}

TEST_F(MessageTest, RoundTripCurve25519) { round_trip(test_keys().alice, test_keys().bob); }
TEST_F(MessageTest, RoundTripRsa) { round_trip(test_keys().carol, test_keys().alice); }
TEST_F(MessageTest, RoundTripToRsa) { round_trip(test_keys().bob, test_keys().carol); }

TEST_F(MessageTest, UnknownSignerDecryptsButIsNotVerified) {
  Keyring alice = unlocked(test_keys().alice);
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg = encrypt(alice, "body", to, fpr(test_keys().alice));
  ASSERT_TRUE(msg.ok());
  Keyring bob = unlocked(test_keys().bob);  // alice's certificate not added
  auto plain = decrypt(bob, msg->key_packets, msg->data_packet);
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  ASSERT_EQ(plain->signatures.size(), 1u);
  EXPECT_FALSE(plain->signatures[0].valid);
  EXPECT_FALSE(plain->verified_from("alice@example.org"));
}

TEST_F(MessageTest, UnsignedHasNoSignatures) {
  Keyring ring = Keyring::create().value();
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg = encrypt(ring, "body", to);
  ASSERT_TRUE(msg.ok());
  Keyring bob = unlocked(test_keys().bob);
  auto plain = decrypt(bob, msg->key_packets, msg->data_packet);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->signatures.empty());
  EXPECT_FALSE(plain->verified_from("alice@example.org"));
}

TEST_F(MessageTest, NotARecipientIsRefused) {
  Keyring alice = unlocked(test_keys().alice);
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg = encrypt(alice, "body", to);
  ASSERT_TRUE(msg.ok());
  auto plain = decrypt(alice, msg->key_packets, msg->data_packet);
  EXPECT_FALSE(plain.ok());
}

TEST_F(MessageTest, EachKeyPacketAloneDecrypts) {
  Keyring alice = unlocked(test_keys().alice);
  auto recipients = to_bob_and_alice();
  auto msg = encrypt(alice, "shared", recipients);
  ASSERT_TRUE(msg.ok());
  Keyring bob = unlocked(test_keys().bob);
  for (const auto& kp : msg->key_packets) {
    std::vector<KeyPacket> one{kp};
    Keyring& ring = kp.fingerprint == fpr(test_keys().bob) ? bob : alice;
    auto plain = decrypt(ring, one, msg->data_packet);
    ASSERT_TRUE(plain.ok()) << plain.error().describe();
    EXPECT_EQ(plain->plaintext.reveal(), "shared");
  }
}

TEST_F(MessageTest, FlippedCiphertextByteIsRefusedWithoutPlaintext) {
  Keyring alice = unlocked(test_keys().alice);
  Keyring bob = unlocked(test_keys().bob);
  ASSERT_TRUE(bob.add(test_keys().alice.public_key).ok());
  std::vector<PublicKey> to{test_keys().bob.public_key};
  std::string text(5000, 'A');
  auto msg = encrypt(alice, text, to, fpr(test_keys().alice));
  ASSERT_TRUE(msg.ok());
  ASSERT_TRUE(decrypt(bob, msg->key_packets, msg->data_packet).ok());  // control
  // Flip a byte in the middle of the ciphertext, and the last byte (inside the MDC).
  for (size_t pos : {msg->data_packet.size() / 2, msg->data_packet.size() - 1}) {
    std::string tampered = msg->data_packet;
    tampered[pos] = static_cast<char>(tampered[pos] ^ 0x01);
    auto plain = decrypt(bob, msg->key_packets, tampered);
    ASSERT_FALSE(plain.ok()) << "tampered byte " << pos << " accepted";
    EXPECT_EQ(plain.error().code, Errc::kPermissionDenied);
    EXPECT_EQ(plain.error().message.find("AAAA"), std::string::npos);
  }
}

TEST_F(MessageTest, RecombinedKeyPacketsAndDataPacketAreRefused) {
  Keyring alice = unlocked(test_keys().alice);
  Keyring bob = unlocked(test_keys().bob);
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto a = encrypt(alice, "message A", to);
  auto b = encrypt(alice, "message B", to);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(decrypt(bob, a->key_packets, a->data_packet).ok());
  auto mixed = decrypt(bob, a->key_packets, b->data_packet);
  EXPECT_FALSE(mixed.ok());
}

TEST_F(MessageTest, ShapeIsChecked) {
  Keyring bob = unlocked(test_keys().bob);
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg = encrypt(bob, "x", to);
  ASSERT_TRUE(msg.ok());
  // Two packets smuggled into one "key packet", a truncated data packet, trailing bytes.
  std::vector<KeyPacket> doubled = msg->key_packets;
  doubled[0].bytes += doubled[0].bytes;
  EXPECT_FALSE(decrypt(bob, doubled, msg->data_packet).ok());
  EXPECT_FALSE(decrypt(bob, msg->key_packets, msg->data_packet.substr(1)).ok());
  EXPECT_FALSE(decrypt(bob, msg->key_packets, msg->data_packet + "x").ok());
  EXPECT_FALSE(decrypt(bob, msg->key_packets, "").ok());
  // A literal data packet is not encrypted data.
  EXPECT_FALSE(decrypt(bob, {}, std::string("\xcb\x07\x62\x00\x00\x00\x00\x00hi", 10)).ok());
  EXPECT_FALSE(split_message("\xcb\x02hi").ok());
}

TEST_F(MessageTest, PasswordOnlyRoundTrip) {
  Keyring ring = Keyring::create().value();
  auto msg = encrypt_with_password(ring, "for your eyes", "hunter2", {}, 1024);
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  ASSERT_EQ(msg->key_packets.size(), 1u);
  EXPECT_EQ(msg->key_packets[0].kind, KeyPacket::Kind::kPassword);
  auto plain = decrypt_with_password(ring, msg->key_packets, msg->data_packet, "hunter2");
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_EQ(plain->plaintext.reveal(), "for your eyes");
  EXPECT_FALSE(decrypt_with_password(ring, msg->key_packets, msg->data_packet, "hunter3").ok());
  EXPECT_FALSE(decrypt(ring, msg->key_packets, msg->data_packet).ok());
}

TEST_F(MessageTest, PacketWithoutMdcIsRefused) {
  Keyring ring = Keyring::create().value();
  auto control = split_message(hex_decode(kMdcHex).value());
  ASSERT_TRUE(control.ok()) << control.error().describe();
  auto ok = decrypt_with_password(ring, control->key_packets, control->data_packet, "pw");
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->plaintext.reveal(), "EFAIL canary: unprotected");

  auto sed = split_message(hex_decode(kSedHex).value());
  ASSERT_TRUE(sed.ok()) << sed.error().describe();
  EXPECT_EQ(static_cast<unsigned char>(sed->data_packet[0]), 0xa4) << "old-format tag 9";
  auto refused = decrypt_with_password(ring, sed->key_packets, sed->data_packet, "pw");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kPermissionDenied);
}

TEST_F(MessageTest, SignVerifyDetachedInlineCleartext) {
  Keyring alice = unlocked(test_keys().alice);
  Keyring verifier = Keyring::create().value();
  ASSERT_TRUE(verifier.add(test_keys().alice.public_key).ok());
  const std::string data = "signed content\r\nline two\r\n";
  const std::string& signer = fpr(test_keys().alice);

  for (Armor armor : {Armor::kBinary, Armor::kArmored}) {
    auto sig = sign_detached(alice, data, signer, armor);
    ASSERT_TRUE(sig.ok()) << sig.error().describe();
    auto good = verify_detached(verifier, data, *sig);
    ASSERT_TRUE(good.ok()) << good.error().describe();
    ASSERT_EQ(good->size(), 1u);
    EXPECT_TRUE((*good)[0].valid);
    EXPECT_TRUE((*good)[0].signer_matches("alice@example.org"));
    auto bad = verify_detached(verifier, data + "x", *sig);
    ASSERT_TRUE(bad.ok()) << bad.error().describe();
    ASSERT_EQ(bad->size(), 1u);
    EXPECT_FALSE((*bad)[0].valid);

    auto signed_msg = sign_inline(alice, data, signer, armor);
    ASSERT_TRUE(signed_msg.ok());
    auto v = verify_inline(verifier, *signed_msg);
    ASSERT_TRUE(v.ok()) << v.error().describe();
    EXPECT_EQ(v->content, data);
    ASSERT_EQ(v->signatures.size(), 1u);
    EXPECT_TRUE(v->signatures[0].valid);
  }
  auto clear = sign_cleartext(alice, "plain text\n", signer);
  ASSERT_TRUE(clear.ok());
  EXPECT_TRUE(clear->starts_with("-----BEGIN PGP SIGNED MESSAGE-----"));
  auto v = verify_inline(verifier, *clear);
  ASSERT_TRUE(v.ok()) << v.error().describe();
  ASSERT_EQ(v->signatures.size(), 1u);
  EXPECT_TRUE(v->signatures[0].valid);
  EXPECT_NE(v->content.find("plain text"), std::string::npos);
  // Tampered cleartext: not valid.
  std::string tampered = *clear;
  tampered.replace(tampered.find("plain"), 5, "PLAIN");
  auto t = verify_inline(verifier, tampered);
  if (t.ok()) {
    for (const auto& s : t->signatures) EXPECT_FALSE(s.valid);
  }
  // Unknown key: not valid.
  Keyring empty = Keyring::create().value();
  auto unknown = verify_detached(empty, data, *sign_detached(alice, data, signer, Armor::kBinary));
  ASSERT_TRUE(unknown.ok()) << unknown.error().describe();
  ASSERT_EQ(unknown->size(), 1u);
  EXPECT_FALSE((*unknown)[0].valid);
}

TEST_F(MessageTest, VerifyInlineRefusesEncryptedInput) {
  Keyring bob = unlocked(test_keys().bob);
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg = encrypt(bob, "secret", to);
  ASSERT_TRUE(msg.ok());
  auto v = verify_inline(bob, msg->concatenated());
  EXPECT_FALSE(v.ok());
}

TEST_F(MessageTest, SigningNeedsAnUnlockedKey) {
  Keyring ring = Keyring::create().value();
  ASSERT_TRUE(ring.add(test_keys().alice.public_key).ok());
  EXPECT_FALSE(sign_detached(ring, "x", fpr(test_keys().alice), Armor::kBinary).ok());
  std::vector<PublicKey> to{test_keys().bob.public_key};
  EXPECT_FALSE(encrypt(ring, "x", to, fpr(test_keys().alice)).ok());
  EXPECT_FALSE(encrypt(ring, "x", {}).ok());
}

TEST_F(MessageTest, AddRecipientRewrapsWithoutTouchingTheDataPacket) {
  Keyring bob_ring = unlocked(test_keys().bob);
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg = encrypt(bob_ring, "for bob, later alice", to, fpr(test_keys().bob));
  ASSERT_TRUE(msg.ok());
  Keyring alice = unlocked(test_keys().alice);
  ASSERT_TRUE(alice.add(test_keys().bob.public_key).ok());
  EXPECT_FALSE(decrypt(alice, msg->key_packets, msg->data_packet).ok());  // not yet

  auto added = add_recipient(test_keys().bob.secret_key, testing::kPassphrase, msg->key_packets,
                             test_keys().alice.public_key);
  ASSERT_TRUE(added.ok()) << added.error().describe();
  EXPECT_EQ(added->fingerprint, fpr(test_keys().alice));
  EXPECT_EQ(added->key_id, test_keys().alice.public_key.info().subkeys[0].key_id);
  std::vector<KeyPacket> only_new{*added};
  auto plain = decrypt(alice, only_new, msg->data_packet);
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_EQ(plain->plaintext.reveal(), "for bob, later alice");
  EXPECT_TRUE(plain->verified_from("bob@example.org"));

  // RSA on either side: bob → carol (RSA), then carol → alice from carol's packet.
  auto for_carol = add_recipient(test_keys().bob.secret_key, testing::kPassphrase, msg->key_packets,
                                 test_keys().carol.public_key);
  ASSERT_TRUE(for_carol.ok()) << for_carol.error().describe();
  Keyring carol = unlocked(test_keys().carol);
  std::vector<KeyPacket> carol_only{*for_carol};
  auto carol_plain = decrypt(carol, carol_only, msg->data_packet);
  ASSERT_TRUE(carol_plain.ok()) << carol_plain.error().describe();
  EXPECT_EQ(carol_plain->plaintext.reveal(), "for bob, later alice");
  auto from_carol = add_recipient(test_keys().carol.secret_key, testing::kPassphrase, carol_only,
                                  test_keys().alice.public_key);
  ASSERT_TRUE(from_carol.ok()) << from_carol.error().describe();
  std::vector<KeyPacket> alice_only{*from_carol};
  EXPECT_TRUE(decrypt(alice, alice_only, msg->data_packet).ok());

  // Wrong passphrase, an opener that is not a recipient: refused.
  EXPECT_FALSE(add_recipient(test_keys().bob.secret_key, "wrong", msg->key_packets,
                             test_keys().alice.public_key)
                   .ok());
  auto stranger = add_recipient(test_keys().alice.secret_key, testing::kPassphrase,
                                msg->key_packets, test_keys().alice.public_key);
  ASSERT_FALSE(stranger.ok());
  EXPECT_EQ(stranger.error().code, Errc::kPermissionDenied);
  // A corrupted key packet does not yield a session key.
  std::vector<KeyPacket> corrupt = msg->key_packets;
  corrupt[0].bytes[corrupt[0].bytes.size() - 3] ^= 0x10;
  EXPECT_FALSE(add_recipient(test_keys().bob.secret_key, testing::kPassphrase, corrupt,
                             test_keys().alice.public_key)
                   .ok());
}

TEST_F(MessageTest, LargeMessage) {
  Keyring alice = unlocked(test_keys().alice);
  Keyring bob = unlocked(test_keys().bob);
  ASSERT_TRUE(bob.add(test_keys().alice.public_key).ok());
  std::string big(8 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 9));
  std::vector<PublicKey> to{test_keys().bob.public_key};
  auto msg = encrypt(alice, big, to, fpr(test_keys().alice));
  ASSERT_TRUE(msg.ok());
  EXPECT_LT(msg->data_packet.size(), big.size() + 16384);  // partial-length headers
  auto plain = decrypt(bob, msg->key_packets, msg->data_packet);
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_TRUE(plain->plaintext.reveal() == big);
  EXPECT_TRUE(plain->verified_from("alice@example.org"));
}

}  // namespace
}  // namespace sealmail::pgp
