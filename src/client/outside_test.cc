// Mail for outside recipients, read back the way their client would: PGP/MIME decrypts with
// the recipient's key and carries the sender's signature; cleartext is multipart/signed with a
// valid detached signature and an Autocrypt header offering the sender's key.
#include "client/outside.h"

#include <gtest/gtest.h>

#include "mime/autocrypt.h"
#include "mime/pgp_mime.h"
#include "pgp/message.h"

namespace sealmail::client {
namespace {

struct Person {
  pgp::GeneratedKey key;
  pgp::Keyring keyring;
};

Person person(const std::string& address) {
  pgp::KeySpec spec;
  spec.address = address;
  spec.passphrase = "x";
  spec.s2k_iterations = 1024;
  pgp::GeneratedKey key = pgp::generate_key(spec).value();
  pgp::Keyring keyring = pgp::Keyring::create().value();
  EXPECT_TRUE(keyring.unlock(key.secret_key, "x").ok());
  return Person{std::move(key), std::move(keyring)};
}

mime::Envelope envelope() {
  mime::Envelope e;
  e.from = {{"Alice", "alice@example.test"}};
  e.to = {{"", "carol@outside.test"}};
  e.subject = "Secret plans";
  e.date = 1795566607;
  return e;
}

TEST(Outside, PgpMimeOpensForTheRecipientWithTheSendersSignature) {
  Person alice = person("alice@example.test");
  Person carol = person("carol@outside.test");
  mime::Content content{.text = "The plans.\n", .html = {}, .attachments = {}};
  pgp::PublicKey recipients[] = {carol.key.public_key};
  auto message = compose_pgp_mime(alice.keyring, envelope(), content, recipients,
                                  alice.key.public_key);
  ASSERT_TRUE(message.ok()) << message.error().describe();
  EXPECT_EQ(message->find("Secret plans"), std::string::npos);  // the subject is inside only
  EXPECT_EQ(message->find("The plans."), std::string::npos);

  auto parsed = mime::parse(*message);
  ASSERT_TRUE(parsed.ok());
  auto ciphertext = mime::pgp_mime_ciphertext(*parsed);
  ASSERT_TRUE(ciphertext.ok()) << ciphertext.error().describe();
  ASSERT_TRUE(carol.keyring.add(alice.key.public_key).ok());
  auto parts = pgp::split_message(*ciphertext);
  ASSERT_TRUE(parts.ok());
  auto opened = pgp::decrypt(carol.keyring, parts->key_packets, parts->data_packet);
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  const std::string inside(opened->plaintext.reveal());
  EXPECT_NE(inside.find("The plans."), std::string::npos);
  // Protected headers: the real subject travels inside, on an entity marked for it.
  EXPECT_NE(inside.find("Subject: Secret plans"), std::string::npos);
  EXPECT_TRUE(inside.find("protected-headers=v1") != std::string::npos ||
              inside.find("protected-headers=\"v1\"") != std::string::npos)
      << inside.substr(0, 600);
  auto inner = mime::parse(inside);
  ASSERT_TRUE(inner.ok()) << inner.error().describe();
  EXPECT_EQ(mime::summarize(*inner).subject, "Secret plans");
  EXPECT_TRUE(opened->verified_from("alice@example.test"));
  // The sender can read its own copy.
  EXPECT_TRUE(pgp::decrypt(alice.keyring, parts->key_packets, parts->data_packet).ok());
}

TEST(Outside, CleartextIsSignedAndOffersTheSendersKey) {
  Person alice = person("alice@example.test");
  mime::Content content{.text = "Hello, no key yet.\n", .html = {}, .attachments = {}};
  auto message = compose_signed(alice.keyring, envelope(), content, alice.key.public_key);
  ASSERT_TRUE(message.ok()) << message.error().describe();
  auto parsed = mime::parse(*message);
  ASSERT_TRUE(parsed.ok());
  auto signed_parts = mime::pgp_signed_parts(*parsed);
  ASSERT_TRUE(signed_parts.ok()) << signed_parts.error().describe();
  pgp::Keyring verifier = pgp::Keyring::create().value();
  ASSERT_TRUE(verifier.add(alice.key.public_key).ok());
  auto signatures =
      pgp::verify_detached(verifier, signed_parts->signed_bytes, signed_parts->signature);
  ASSERT_TRUE(signatures.ok()) << signatures.error().describe();
  ASSERT_EQ(signatures->size(), 1u);
  EXPECT_TRUE((*signatures)[0].valid);

  auto autocrypt = mime::find_autocrypt(*parsed);
  ASSERT_TRUE(autocrypt.has_value());
  EXPECT_EQ(autocrypt->addr, "alice@example.test");
  EXPECT_EQ(autocrypt->keydata, alice.key.public_key.binary());
}

}  // namespace
}  // namespace sealmail::client
