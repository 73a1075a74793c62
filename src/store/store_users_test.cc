// The behavioural suite of the Store's domains, users and addresses, run against every backend
// in all_backends(). Like store_test.cc it speaks only store.h.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_test_backends.h"
#include "store/store_users_fixture.h"

namespace sealmail::store {
namespace {

using namespace testing;  // the fixture's record builders

class StoreUsersTest : public StoreUsersFixture {};

// ---- domains

TEST_P(StoreUsersTest, DomainsAreListedInNameOrderAndFoundIgnoringCase) {
  int64_t before = unix_time_ms();
  ASSERT_TRUE(store_->add_domain("mail.example.org").ok());
  ASSERT_TRUE(store_->add_domain("example.com").ok());
  auto domains = store_->list_domains();
  ASSERT_TRUE(domains.ok()) << domains.error().describe();
  ASSERT_EQ(domains->size(), 2u);
  EXPECT_EQ((*domains)[0].name, "example.com");
  EXPECT_EQ((*domains)[1].name, "mail.example.org");
  EXPECT_GE((*domains)[0].created_at_ms, before);
  EXPECT_LE((*domains)[0].created_at_ms, unix_time_ms());

  auto found = store_->find_domain("Mail.EXAMPLE.org");
  ASSERT_TRUE(found.ok()) << found.error().describe();
  EXPECT_EQ(found->name, "mail.example.org");
  EXPECT_EQ(code_of(store_->find_domain("example.net")), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->find_domain("")), Errc::kNotFound);
}

TEST_P(StoreUsersTest, BadOrDuplicateDomainsAreRefused) {
  for (std::string_view bad : {"", "Example.org", "example.org.", "-example.org", "exa mple.org",
                               "a..example.org", "ex_ample.org"}) {
    Status added = store_->add_domain(bad);
    ASSERT_FALSE(added.ok()) << bad;
    EXPECT_EQ(added.error().code, Errc::kInvalidArgument) << bad;
  }
  ASSERT_TRUE(store_->add_domain("example.org").ok());
  Status again = store_->add_domain("example.org");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kAlreadyExists);
  EXPECT_EQ(store_->list_domains().value_or({}).size(), 1u);
}

// ---- users

TEST_P(StoreUsersTest, CreatedUserKeepsEveryField) {
  int64_t before = unix_time_ms();
  AccountRecord record = account_record("Alice@Example.org");
  record.id = AccountId{999};  // ignored
  record.created_at_ms = 5;    // ignored
  AddressRecord primary = address_record(AccountId{12345}, "Alice@Example.org", "primary");
  primary.created_at_ms = 5;
  auto id = store_->create_user(record, primary);
  ASSERT_TRUE(id.ok()) << id.error().describe();
  int64_t after = unix_time_ms();

  auto got = store_->get_account(*id);
  ASSERT_TRUE(got.ok()) << got.error().describe();
  EXPECT_EQ(got->id, *id);
  EXPECT_EQ(got->address, "Alice@Example.org");
  EXPECT_EQ(got->plan, "pro");
  EXPECT_FALSE(got->disabled);
  EXPECT_TRUE(got->two_password_mode);
  EXPECT_EQ(got->credentials.srp_salt, record.credentials.srp_salt);
  EXPECT_EQ(got->credentials.srp_verifier, record.credentials.srp_verifier);
  EXPECT_EQ(got->credentials.kdf, record.credentials.kdf);
  EXPECT_EQ(got->credentials.srp, record.credentials.srp);
  EXPECT_EQ(got->recovery_credentials.srp, record.recovery_credentials.srp);
  EXPECT_EQ(got->recovery_credentials.srp_salt, record.recovery_credentials.srp_salt);
  EXPECT_EQ(got->recovery_credentials.srp_verifier, record.recovery_credentials.srp_verifier);
  EXPECT_EQ(got->recovery_credentials.kdf, record.recovery_credentials.kdf);
  EXPECT_EQ(got->account_key, record.account_key);
  EXPECT_GE(got->created_at_ms, before);
  EXPECT_LE(got->created_at_ms, after);

  auto addresses = store_->list_addresses(*id);
  ASSERT_TRUE(addresses.ok()) << addresses.error().describe();
  ASSERT_EQ(addresses->size(), 1u);
  EXPECT_EQ((*addresses)[0].account, *id);
  EXPECT_EQ((*addresses)[0].address, "Alice@Example.org");
  EXPECT_EQ((*addresses)[0].key_record, primary.key_record);
  EXPECT_EQ((*addresses)[0].key_list, primary.key_list);
  EXPECT_GE((*addresses)[0].created_at_ms, before);

  EXPECT_EQ(store_->find_account("alice@example.org").value_or({}), *id);
  auto found = store_->find_address("ALICE@example.org");
  ASSERT_TRUE(found.ok()) << found.error().describe();
  EXPECT_EQ(found->account, *id);
  EXPECT_EQ(found->address, "Alice@Example.org");
}

TEST_P(StoreUsersTest, CreateUserRefusesMismatchedOrMalformedInputAndCreatesNothing) {
  AccountRecord record = account_record("bob@example.org");
  auto differs =
      store_->create_user(record, address_record(AccountId{}, "Bob@example.org", "primary"));
  EXPECT_EQ(code_of(differs), Errc::kInvalidArgument);

  AccountRecord bad = account_record("bob example.org");
  EXPECT_EQ(code_of(store_->create_user(bad, address_record({}, bad.address, "p"))),
            Errc::kInvalidArgument);

  AccountRecord huge = record;
  huge.account_key = std::string(kMaxDocumentBytes + 1, 'k');
  EXPECT_EQ(code_of(store_->create_user(huge, address_record({}, record.address, "p"))),
            Errc::kLimitExceeded);
  AddressRecord huge_list = address_record({}, record.address, "p");
  huge_list.key_list = std::string(kMaxDocumentBytes + 1, 'l');
  EXPECT_EQ(code_of(store_->create_user(record, huge_list)), Errc::kLimitExceeded);

  AccountRecord long_salt = record;
  long_salt.credentials.srp_salt = std::string(kMaxSecretBytes + 1, 's');
  EXPECT_EQ(code_of(store_->create_user(long_salt, address_record({}, record.address, "p"))),
            Errc::kInvalidArgument);
  AccountRecord no_plan = record;
  no_plan.plan = "";
  EXPECT_EQ(code_of(store_->create_user(no_plan, address_record({}, record.address, "p"))),
            Errc::kInvalidArgument);

  EXPECT_TRUE(store_->list_accounts().value_or({AccountRecord{}}).empty());
  EXPECT_EQ(code_of(store_->find_account("bob@example.org")), Errc::kNotFound);

  // The largest documents are accepted.
  AccountRecord largest = record;
  largest.account_key = std::string(kMaxDocumentBytes, 'k');
  AddressRecord largest_primary = address_record({}, record.address, "p");
  largest_primary.key_record = std::string(kMaxDocumentBytes, 'r');
  auto id = store_->create_user(largest, largest_primary);
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(store_->get_account(*id).value_or({}).account_key.size(), kMaxDocumentBytes);
}

TEST_P(StoreUsersTest, AddressesAreUniqueAcrossPrimaryAndExtraAddressesIgnoringCase) {
  AccountId alice = user("alice@example.org");
  add_address(alice, "Postmaster@Example.org");
  AccountId bob = user("bob@example.org");

  // An extra address of alice is taken for every kind of creation.
  EXPECT_EQ(code_of(store_->create_account("POSTMASTER@example.org")), Errc::kAlreadyExists);
  EXPECT_EQ(code_of(store_->create_user(account_record("postmaster@example.org"),
                                        address_record({}, "postmaster@example.org", "p"))),
            Errc::kAlreadyExists);
  EXPECT_EQ(store_->add_address(address_record(bob, "postmaster@EXAMPLE.ORG", "x")).error().code,
            Errc::kAlreadyExists);
  // So is a primary address, whether made by create_user or by create_account.
  EXPECT_EQ(store_->add_address(address_record(bob, "ALICE@example.org", "x")).error().code,
            Errc::kAlreadyExists);
  EXPECT_EQ(code_of(store_->create_user(account_record("Alice@Example.ORG"),
                                        address_record({}, "Alice@Example.ORG", "p"))),
            Errc::kAlreadyExists);
  AccountId legacy = store_->create_account("Legacy@example.org").value_or({});
  EXPECT_EQ(store_->add_address(address_record(bob, "legacy@example.org", "x")).error().code,
            Errc::kAlreadyExists);
  EXPECT_EQ(code_of(store_->create_user(account_record("legacy@example.org"),
                                        address_record({}, "legacy@example.org", "p"))),
            Errc::kAlreadyExists);

  EXPECT_EQ(store_->find_account("postmaster@example.org").value_or({}), alice);
  EXPECT_EQ(store_->find_account("LEGACY@example.org").value_or({}), legacy);
  EXPECT_EQ(store_->find_address("postmaster@example.org").value_or({}).account, alice);
  EXPECT_EQ(addresses_of(bob), std::vector<std::string>{"bob@example.org"});
  EXPECT_EQ(store_->list_accounts().value_or({}).size(), 3u);
}

TEST_P(StoreUsersTest, CreateUserWithATakenAddressLeavesNoHalfAccount) {
  AccountId alice = user("alice@example.org");
  add_address(alice, "carol@example.org");
  auto before = store_->list_accounts();
  ASSERT_TRUE(before.ok());
  // The accounts row could be written (carol is nobody's primary); the address cannot.
  auto carol = store_->create_user(account_record("carol@example.org"),
                                   address_record({}, "carol@example.org", "p"));
  ASSERT_FALSE(carol.ok());
  EXPECT_EQ(carol.error().code, Errc::kAlreadyExists);
  auto after = store_->list_accounts();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size());
  AccountId dave = user("dave@example.org");
  EXPECT_EQ(addresses_of(dave), std::vector<std::string>{"dave@example.org"});
  EXPECT_EQ(store_->list_accounts().value_or({}).size(), before->size() + 1);
}

TEST_P(StoreUsersTest, AccountsMadeByCreateAccountHaveAnEmptyPrimaryAddress) {
  AccountId id = store_->create_account("Old@Example.org").value_or({});
  auto got = store_->get_account(id);
  ASSERT_TRUE(got.ok()) << got.error().describe();
  EXPECT_EQ(got->address, "Old@Example.org");
  EXPECT_EQ(got->plan, "default");
  EXPECT_FALSE(got->two_password_mode);
  EXPECT_TRUE(got->credentials.srp_verifier.empty());
  auto addresses = store_->list_addresses(id);
  ASSERT_TRUE(addresses.ok());
  ASSERT_EQ(addresses->size(), 1u);
  EXPECT_EQ((*addresses)[0].address, "Old@Example.org");
  EXPECT_EQ((*addresses)[0].key_record, "");
  add_address(id, "old.alias@example.org");
  EXPECT_EQ(store_->find_account("OLD.ALIAS@example.org").value_or({}), id);
}

TEST_P(StoreUsersTest, AddressesArePrimaryFirstThenInCreationOrder) {
  AccountId id = user("m@example.org");
  // Added within the same millisecond, and in reverse alphabetical order.
  for (std::string_view a : {"z@example.org", "y@example.org", "a@example.org", "b@example.org"}) {
    add_address(id, a);
  }
  EXPECT_EQ(addresses_of(id),
            (std::vector<std::string>{"m@example.org", "z@example.org", "y@example.org",
                                      "a@example.org", "b@example.org"}));
  auto extra = store_->find_address("y@example.org");
  ASSERT_TRUE(extra.ok());
  EXPECT_EQ(extra->key_record, R"({"key_record":"extra"})");
}

TEST_P(StoreUsersTest, AddressCallsRefuseUnknownAccountsAndBadAddresses) {
  AccountId id = user("n@example.org");
  AccountId ghost{id.value + 100};
  EXPECT_EQ(store_->add_address(address_record(ghost, "ghost@example.org", "x")).error().code,
            Errc::kNotFound);
  EXPECT_EQ(code_of(store_->list_addresses(ghost)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->find_address("ghost@example.org")), Errc::kNotFound);
  EXPECT_EQ(store_->add_address(address_record(id, "no-at-sign", "x")).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->find_address("no-at-sign")), Errc::kInvalidArgument);
  AddressRecord huge = address_record(id, "big@example.org", "x");
  huge.key_record = std::string(kMaxDocumentBytes + 1, 'r');
  EXPECT_EQ(store_->add_address(huge).error().code, Errc::kLimitExceeded);
  EXPECT_EQ(addresses_of(id), std::vector<std::string>{"n@example.org"});
}

TEST_P(StoreUsersTest, ListAccountsIsInIdOrder) {
  EXPECT_TRUE(store_->list_accounts().value_or({AccountRecord{}}).empty());
  AccountId a = user("a1@example.org");
  AccountId b = store_->create_account("a2@example.org").value_or({});
  AccountId c = user("a3@example.org");
  auto accounts = store_->list_accounts();
  ASSERT_TRUE(accounts.ok()) << accounts.error().describe();
  ASSERT_EQ(accounts->size(), 3u);
  EXPECT_EQ((*accounts)[0].id, a);
  EXPECT_EQ((*accounts)[1].id, b);
  EXPECT_EQ((*accounts)[2].id, c);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ((*accounts)[2].address, "a3@example.org");
}

TEST_P(StoreUsersTest, UpdateCredentialsRevokesEverySessionButTheKeptOne) {
  AccountId alice = user("alice@example.org");
  AccountId bob = user("bob@example.org");
  for (std::string_view id : {"a1", "a2", "a3"}) session(alice, id);
  session(bob, "b1");

  Status updated = store_->update_credentials(alice, credentials("second"),
                                              R"({"account_key":"second"})", false, "a2");
  ASSERT_TRUE(updated.ok()) << updated.error().describe();
  auto got = store_->get_account(alice);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->credentials.srp_verifier, credentials("second").srp_verifier);
  EXPECT_EQ(got->credentials.kdf, credentials("second").kdf);
  EXPECT_EQ(got->credentials.srp, credentials("second").srp);
  EXPECT_EQ(got->recovery_credentials.srp_verifier, credentials("first-recovery").srp_verifier);
  EXPECT_EQ(got->account_key, R"({"account_key":"second"})");
  EXPECT_FALSE(got->two_password_mode);
  EXPECT_EQ(session_ids(alice), std::vector<std::string>{"a2"});
  EXPECT_EQ(code_of(store_->find_session_by_access(bytes("access-a1"), 1)), Errc::kNotFound);
  EXPECT_EQ(session_ids(bob), std::vector<std::string>{"b1"});  // other accounts untouched

  ASSERT_TRUE(store_->update_credentials(alice, credentials("third"), "{}", true, "").ok());
  EXPECT_TRUE(session_ids(alice).empty());
  EXPECT_TRUE(store_->get_account(alice).value_or({}).two_password_mode);

  AccountId ghost{bob.value + 100};
  EXPECT_EQ(store_->update_credentials(ghost, credentials("x"), "{}", false, "").error().code,
            Errc::kNotFound);
}

TEST_P(StoreUsersTest, SettersChangeOneThingAndRefuseUnknownAccounts) {
  AccountId id = user("erin@example.org");
  session(id, "e1");
  ASSERT_TRUE(store_->set_recovery(id, credentials("new-recovery"), R"({"recovery":"copy"})").ok());
  ASSERT_TRUE(store_->set_plan(id, "family").ok());
  auto got = store_->get_account(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->account_key, R"({"recovery":"copy"})");
  EXPECT_EQ(got->plan, "family");
  EXPECT_EQ(got->credentials.srp_verifier, credentials("first").srp_verifier);
  EXPECT_EQ(got->recovery_credentials.srp, credentials("new-recovery").srp);
  EXPECT_EQ(got->recovery_credentials.srp_salt, credentials("new-recovery").srp_salt);
  EXPECT_EQ(got->recovery_credentials.srp_verifier, credentials("new-recovery").srp_verifier);
  EXPECT_EQ(got->recovery_credentials.kdf, credentials("new-recovery").kdf);
  EXPECT_EQ(session_ids(id), std::vector<std::string>{"e1"});  // neither revokes sessions

  EXPECT_EQ(store_->set_plan(id, "").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_->set_recovery(id, credentials("x"), std::string(kMaxDocumentBytes + 1, 'k'))
                .error()
                .code,
            Errc::kLimitExceeded);

  AccountId ghost{id.value + 100};
  EXPECT_EQ(store_->set_recovery(ghost, credentials("x"), "{}").error().code, Errc::kNotFound);
  EXPECT_EQ(store_->set_plan(ghost, "x").error().code, Errc::kNotFound);
  EXPECT_EQ(store_->set_disabled(ghost, true).error().code, Errc::kNotFound);
  EXPECT_EQ(code_of(store_->get_account(ghost)), Errc::kNotFound);
}

TEST_P(StoreUsersTest, DisablingRevokesEverySession) {
  AccountId id = user("frank@example.org");
  AccountId other = user("grace@example.org");
  session(id, "f1");
  session(id, "f2");
  session(other, "g1");
  ASSERT_TRUE(store_->set_disabled(id, true).ok());
  EXPECT_TRUE(store_->get_account(id).value_or({}).disabled);
  EXPECT_TRUE(session_ids(id).empty());
  EXPECT_EQ(session_ids(other), std::vector<std::string>{"g1"});

  ASSERT_TRUE(store_->set_disabled(id, false).ok());
  EXPECT_FALSE(store_->get_account(id).value_or({}).disabled);
  session(id, "f3");
  ASSERT_TRUE(store_->set_disabled(id, false).ok());  // enabling again keeps sessions
  EXPECT_EQ(session_ids(id), std::vector<std::string>{"f3"});
}

TEST_P(StoreUsersTest, ResetDeletesTheListedStateAndKeepsIdAndPrimaryAddress) {
  AccountId id = user("heidi@example.org");
  AccountId other = user("ivan@example.org");
  add_address(id, "heidi.alias@example.org");
  session(id, "h1");
  session(other, "i1");
  ASSERT_TRUE(store_->append_event(id, "test.event", "x").ok());
  ASSERT_TRUE(store_->append_event(id, "test.event", "y").ok());
  ASSERT_TRUE(store_->append_event(other, "test.event", "z").ok());
  enable_totp(id, 50, {bytes("code-1"), bytes("code-2")});

  AddressRecord primary = address_record(AccountId{}, "HEIDI@example.org", "reset");
  Status reset =
      store_->reset_account(id, credentials("reset"), credentials("reset-recovery"),
                            R"({"account_key":"reset"})", primary);
  ASSERT_TRUE(reset.ok()) << reset.error().describe();

  auto got = store_->get_account(id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->address, "heidi@example.org");
  EXPECT_EQ(got->credentials.srp_salt, credentials("reset").srp_salt);
  EXPECT_EQ(got->credentials.srp, credentials("reset").srp);
  EXPECT_EQ(got->recovery_credentials.srp_verifier, credentials("reset-recovery").srp_verifier);
  EXPECT_EQ(got->account_key, R"({"account_key":"reset"})");
  EXPECT_FALSE(got->two_password_mode);
  EXPECT_EQ(got->plan, "pro");  // not part of a reset

  auto addresses = store_->list_addresses(id);
  ASSERT_TRUE(addresses.ok());
  ASSERT_EQ(addresses->size(), 1u);
  EXPECT_EQ((*addresses)[0].address, "heidi@example.org");
  EXPECT_EQ((*addresses)[0].key_record, primary.key_record);
  EXPECT_EQ((*addresses)[0].key_list, primary.key_list);
  EXPECT_EQ(store_->find_account("heidi@example.org").value_or({}), id);
  EXPECT_EQ(code_of(store_->find_account("heidi.alias@example.org")), Errc::kNotFound);

  EXPECT_TRUE(store_->events_after(id, 0, 100).value_or({Event{}}).empty());
  EXPECT_TRUE(session_ids(id).empty());
  auto totp = store_->get_totp(id);
  ASSERT_TRUE(totp.ok());
  EXPECT_EQ(totp->secret, "");
  EXPECT_EQ(totp->pending_secret, "");
  EXPECT_EQ(store_->recovery_codes_left(id).value_or(-1), 0);
  // Cursors are never reused: the next event continues after the deleted ones.
  EXPECT_EQ(store_->append_event(id, "test.event", "after").value_or(-1), 3);

  // Other accounts are untouched.
  EXPECT_EQ(session_ids(other), std::vector<std::string>{"i1"});
  EXPECT_EQ(store_->events_after(other, 0, 100).value_or({}).size(), 1u);
}

TEST_P(StoreUsersTest, ResetRefusesAnotherPrimaryAndUnknownAccountsChangingNothing) {
  AccountId id = user("judy@example.org");
  add_address(id, "judy.alias@example.org");
  session(id, "j1");
  Status wrong = store_->reset_account(id, credentials("reset"), credentials("r"), "{}",
                                       address_record({}, "judy.alias@example.org", "r"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(addresses_of(id).size(), 2u);
  EXPECT_EQ(session_ids(id), std::vector<std::string>{"j1"});
  EXPECT_EQ(store_->get_account(id).value_or({}).credentials.srp_salt,
            credentials("first").srp_salt);

  Status ghost = store_->reset_account(AccountId{id.value + 100}, credentials("reset"),
                                       credentials("r"), "{}",
                                       address_record({}, "judy@example.org", "r"));
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().code, Errc::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreUsersTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sealmail::store
