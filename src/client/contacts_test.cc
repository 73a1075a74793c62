// The address book: pinned keys must fit the address, preferences round-trip, files are private.
#include "client/contacts.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "base/testing/temp_dir.h"

namespace sealmail::client {
namespace {

pgp::PublicKey key_for(const std::string& address) {
  pgp::KeySpec spec;
  spec.address = address;
  spec.passphrase = "x";
  spec.s2k_iterations = 1024;
  return pgp::generate_key(spec).value().public_key;
}

TEST(Contacts, PinsAKeyThatFitsTheAddressAndRemembersThePreference) {
  testing::TempDir home;
  Contacts book(home.path());
  EXPECT_EQ(book.list()->size(), 0u);
  Contact carol{.address = "Carol@Outside.test", .key = key_for("carol@outside.test"),
                .encrypt = EncryptPreference::kAlways};
  ASSERT_TRUE(book.save(carol).ok());
  auto found = book.find("CAROL@outside.test");
  ASSERT_TRUE(found.ok()) << found.error().describe();
  EXPECT_EQ(found->address, "carol@outside.test");
  EXPECT_EQ(found->encrypt, EncryptPreference::kAlways);
  ASSERT_TRUE(found->key.has_value());
  EXPECT_EQ(found->key->info().fingerprint, carol.key->info().fingerprint);

  struct stat st {};
  ASSERT_EQ(::stat((home.path() / "contacts" / "carol@outside.test.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Contact wrong{.address = "dave@outside.test", .key = key_for("carol@outside.test"),
                .encrypt = EncryptPreference::kAuto};
  EXPECT_EQ(book.save(wrong).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(book.find("dave@outside.test").error().code, Errc::kNotFound);

  ASSERT_TRUE(book.save(Contact{.address = "erin@outside.test", .key = {},
                                .encrypt = EncryptPreference::kNever}).ok());
  auto all = book.list();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].address, "erin@outside.test");
  EXPECT_FALSE((*all)[1].key.has_value());

  EXPECT_TRUE(book.remove("carol@outside.test").ok());
  EXPECT_EQ(book.remove("carol@outside.test").error().code, Errc::kNotFound);
  for (const char* bad : {"../x@y", "no-at", "a@b@c", "a b@c", ""}) {
    EXPECT_EQ(book.find(bad).error().code, Errc::kInvalidArgument) << bad;
  }
}

TEST(Contacts, PreferencesHaveNames) {
  for (auto p : {EncryptPreference::kAuto, EncryptPreference::kAlways, EncryptPreference::kNever}) {
    EXPECT_EQ(parse_preference(to_string(p)).value(), p);
  }
  EXPECT_FALSE(parse_preference("sometimes").ok());
}

}  // namespace
}  // namespace sealmail::client
