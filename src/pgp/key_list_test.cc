#include "pgp/key_list.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pgp/testing/test_keys.h"

namespace sealmail::pgp {
namespace {

using testing::test_keys;
using testing::unlocked;

std::string signed_list(const GeneratedKey& key, std::string address) {
  Keyring ring = unlocked(key);
  KeyList list{std::move(address), {key.public_key.info().fingerprint}, 1700000000000};
  auto doc = sign_key_list(ring, list, key.public_key.info().fingerprint);
  EXPECT_TRUE(doc.ok()) << doc.error().describe();
  return doc.value_or("");
}

TEST(KeyList, SignedListVerifiesForItsKeyAndAddress) {
  const auto& alice = test_keys().alice;
  std::string doc = signed_list(alice, "Alice@Example.org");
  auto list = verify_key_list(doc, alice.public_key, "alice@EXAMPLE.org");
  ASSERT_TRUE(list.ok()) << list.error().describe();
  EXPECT_EQ(list->address, "alice@example.org");
  EXPECT_EQ(list->fingerprints, std::vector<std::string>{alice.public_key.info().fingerprint});
  EXPECT_EQ(list->created_ms, 1700000000000);
}

TEST(KeyList, AnotherKeyOrAddressIsRefused) {
  const auto& alice = test_keys().alice;
  std::string doc = signed_list(alice, "alice@example.org");
  // A server swapping in Bob's key cannot reuse Alice's list...
  EXPECT_EQ(verify_key_list(doc, test_keys().bob.public_key, "alice@example.org").error().code,
            Errc::kPermissionDenied);
  // ...nor move it to another address.
  EXPECT_EQ(verify_key_list(doc, alice.public_key, "mallory@example.org").error().code,
            Errc::kPermissionDenied);
  // A list Bob signed naming Bob does not vouch for Alice's key either.
  std::string bobs = signed_list(test_keys().bob, "alice@example.org");
  EXPECT_EQ(verify_key_list(bobs, alice.public_key, "alice@example.org").error().code,
            Errc::kPermissionDenied);
}

TEST(KeyList, TamperedDataIsRefused) {
  const auto& alice = test_keys().alice;
  auto doc = nlohmann::json::parse(signed_list(alice, "alice@example.org"));
  std::string data = doc["data"];
  data.replace(data.find("1700000000000"), 13, "1800000000000");
  doc["data"] = data;
  EXPECT_EQ(verify_key_list(doc.dump(), alice.public_key, "alice@example.org").error().code,
            Errc::kPermissionDenied);
}

TEST(KeyList, MalformedDocumentsAreInvalid) {
  const auto& alice = test_keys().alice;
  for (const char* bad : {"", "[]", "{}", R"({"data":1,"signature":"x"})",
                          R"({"data":"{}","signature":"x"})",
                          R"({"data":"{\"version\":1,\"address\":\"a\",\"fingerprints\":[1],\"created_ms\":1}","signature":"x"})"}) {
    EXPECT_EQ(verify_key_list(bad, alice.public_key, "alice@example.org").error().code,
              Errc::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace sealmail::pgp
