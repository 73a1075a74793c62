#include "client/records_json.h"

#include <gtest/gtest.h>

#include <string>

#include "pgp/hierarchy.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

const pgp::NewAccount& keys() {
  static const pgp::NewAccount* created = [] {
    pgp::KeySpec spec;
    spec.s2k_iterations = 1024;
    auto made = pgp::create_account_keys("records password", "Bob@Example.test",
                                         pgp::KdfParams{pgp::kKdfMinMemoryKib, 1, 1}, spec);
    if (!made.ok()) ADD_FAILURE() << made.error().describe();
    return new pgp::NewAccount(std::move(made).value());
  }();
  return *created;
}

TEST(RecordsJsonTest, AccountKeyRoundTrips) {
  const pgp::AccountKeyRecord& record = keys().account;
  Json doc = account_key_json(record).value();
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["kdf"], "m=19456,t=1,p=1");
  EXPECT_TRUE(doc["public_key"].get<std::string>().starts_with("-----BEGIN PGP PUBLIC KEY"));
  auto back = parse_account_key_text(doc.dump());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->public_key.binary(), record.public_key.binary());
  EXPECT_EQ(back->locked.binary(), record.locked.binary());
  EXPECT_EQ(back->recovery_copy.binary(), record.recovery_copy.binary());
  EXPECT_EQ(back->key_salt, record.key_salt);
  EXPECT_EQ(back->recovery_salt, record.recovery_salt);
  EXPECT_EQ(back->params, record.params);
  EXPECT_EQ(back->recovery_params, record.recovery_params);
  // Still unlocks: nothing was lost in the text forms.
  EXPECT_TRUE(pgp::unlock_account(*back, "records password").ok());
}

TEST(RecordsJsonTest, AddressKeyRoundTrips) {
  const pgp::AddressKeyRecord& record = keys().address;
  Json doc = address_key_json(record).value();
  EXPECT_EQ(doc["address"], "bob@example.test");
  auto back = parse_address_key_text(doc.dump());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->address, record.address);
  EXPECT_EQ(back->public_key.binary(), record.public_key.binary());
  EXPECT_EQ(back->locked.binary(), record.locked.binary());
  EXPECT_EQ(back->token_message, record.token_message);
  auto ring = pgp::unlock_account(keys().account, "records password");
  ASSERT_TRUE(ring.ok());
  EXPECT_TRUE(pgp::unlock_address(*ring, keys().account, *back).ok());
}

TEST(RecordsJsonTest, MalformedAccountKeysAreErrors) {
  Json good = account_key_json(keys().account).value();
  std::vector<std::string> inputs = {"", "not json", "[]", "null", "{\"version\":1}", "\"x\""};
  auto mutate = [&](auto change) {
    Json doc = good;
    change(doc);
    inputs.push_back(doc.dump());
  };
  mutate([](Json& d) { d["version"] = 2; });
  mutate([](Json& d) { d["version"] = "1"; });
  mutate([](Json& d) { d.erase("locked_key"); });
  mutate([](Json& d) { d["locked_key"] = d["public_key"]; });  // not a secret key
  mutate([](Json& d) { d["public_key"] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx"; });
  mutate([](Json& d) { d["key_salt"] = "***"; });
  mutate([](Json& d) { d["key_salt"] = 17; });
  mutate([](Json& d) { d["kdf"] = "m=1024,t=1,p=1"; });  // below the policy floor
  mutate([](Json& d) { d["recovery_kdf"] = "m=65536"; });
  mutate([](Json& d) { d["recovery_copy"] = nullptr; });
  for (const std::string& input : inputs) {
    auto parsed = parse_account_key_text(input);
    ASSERT_FALSE(parsed.ok()) << input.substr(0, 80);
    EXPECT_EQ(parsed.error().code, Errc::kInvalidArgument);
  }
}

TEST(RecordsJsonTest, MalformedAddressKeysAreErrors) {
  Json good = address_key_json(keys().address).value();
  std::vector<std::string> inputs = {"{", "{}", "1"};
  auto mutate = [&](auto change) {
    Json doc = good;
    change(doc);
    inputs.push_back(doc.dump());
  };
  mutate([](Json& d) { d.erase("address"); });
  mutate([](Json& d) { d["address"] = Json::array(); });
  mutate([](Json& d) { d["token_message"] = "!!"; });
  mutate([](Json& d) { d["locked_key"] = "garbage"; });
  mutate([](Json& d) { d["version"] = 0; });
  for (const std::string& input : inputs) {
    auto parsed = parse_address_key_text(input);
    ASSERT_FALSE(parsed.ok()) << input.substr(0, 80);
    EXPECT_EQ(parsed.error().code, Errc::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sealmail::client
