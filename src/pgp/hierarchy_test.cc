#include "pgp/hierarchy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pgp/message.h"
#include "pgp/testing/test_keys.h"
#include "pgp/wordlist.h"

namespace sealmail::pgp {
namespace {

using testing::test_keys;
using testing::unlocked;

constexpr char kPassword[] = "Tr0ub4dor&3 hierarchy";
constexpr char kNewPassword[] = "a brand new password";

// The policy minimum, one pass: fast enough for tests, still accepted by check_kdf_params.
KdfParams fast_params() { return KdfParams{kKdfMinMemoryKib, 1, 1}; }

KeySpec fast_spec() {
  KeySpec spec;
  spec.name = "Alice";
  spec.s2k_iterations = 1024;
  return spec;
}

std::string to_hex(std::string_view bytes, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string base64(std::string_view bytes) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += t[(v >> s) & 63];
  }
  // The tail is not needed for a substring search: the first full groups already identify it.
  return out;
}

const NewAccount& account() {
  static const NewAccount* acc = [] {
    auto created = create_account_keys(kPassword, "Alice@Example.org", fast_params(), fast_spec());
    if (!created.ok()) ADD_FAILURE() << created.error().describe();
    return new NewAccount(std::move(created).value());
  }();
  return *acc;
}

// The token in a record's message, read the way a client does (for the tests' own checks).
std::string token_of(Keyring& account_ring, const AddressKeyRecord& address) {
  auto split = split_message(address.token_message);
  EXPECT_TRUE(split.ok());
  auto plain = decrypt(account_ring, split->key_packets, split->data_packet);
  EXPECT_TRUE(plain.ok()) << plain.error().describe();
  return std::string(plain->plaintext.reveal());
}

// Encrypts to `address`'s public key from outside and checks `ring` decrypts it.
void expect_reads_mail(Keyring& ring, const AddressKeyRecord& address) {
  Keyring sender = Keyring::create().value();
  std::vector<PublicKey> to{address.public_key};
  std::string body = "Subject: for " + address.address + "\r\n\r\nhello";
  auto msg = encrypt(sender, body, to);
  ASSERT_TRUE(msg.ok()) << msg.error().describe();
  auto plain = decrypt(ring, msg->key_packets, msg->data_packet);
  ASSERT_TRUE(plain.ok()) << plain.error().describe();
  EXPECT_EQ(plain->plaintext.reveal(), body);
}

TEST(HierarchyTest, CreateUnlockAndReadMail) {
  const NewAccount& acc = account();
  EXPECT_EQ(acc.recovery.words.size(), 12u);
  EXPECT_EQ(acc.account.key_salt.size(), kSaltSize);
  EXPECT_EQ(acc.account.recovery_salt.size(), kSaltSize);
  EXPECT_NE(acc.account.key_salt, acc.account.recovery_salt);
  EXPECT_EQ(acc.account.params, fast_params());
  EXPECT_EQ(acc.address.address, "alice@example.org");
  EXPECT_NE(acc.address.public_key.info().fingerprint, acc.account.public_key.info().fingerprint);
  EXPECT_NE(acc.account.locked.binary(), acc.account.recovery_copy.binary());
  // stored secret keys parse as locked keys (parse refuses unprotected ones)
  EXPECT_TRUE(LockedKey::parse(acc.account.locked.binary()).ok());
  EXPECT_TRUE(LockedKey::parse(acc.account.recovery_copy.binary()).ok());
  EXPECT_TRUE(LockedKey::parse(acc.address.locked.binary()).ok());

  auto ring = unlock_account(acc.account, kPassword);
  ASSERT_TRUE(ring.ok()) << ring.error().describe();
  EXPECT_TRUE(ring->can_sign_with(acc.account.public_key.info().fingerprint));
  EXPECT_FALSE(ring->can_sign_with(acc.address.public_key.info().fingerprint));

  // Before the address key is unlocked, mail to it cannot be read.
  Keyring sender = Keyring::create().value();
  std::vector<PublicKey> to{acc.address.public_key};
  auto early = encrypt(sender, "not yet", to);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(decrypt(*ring, early->key_packets, early->data_packet).ok());

  Status s = unlock_address(*ring, acc.account, acc.address);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_TRUE(ring->can_sign_with(acc.address.public_key.info().fingerprint));
  expect_reads_mail(*ring, acc.address);
}

TEST(HierarchyTest, WrongPasswordIsPermissionDeniedWithoutOracle) {
  const NewAccount& acc = account();
  auto wrong = unlock_account(acc.account, "Tr0ub4dor&3 hierarchY");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::kPermissionDenied);

  auto empty = unlock_account(acc.account, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::kPermissionDenied);

  // A defective record (salt too short, params below policy) fails the same way.
  AccountKeyRecord bad_salt = acc.account;
  bad_salt.key_salt = "short";
  auto r1 = unlock_account(bad_salt, kPassword);
  ASSERT_FALSE(r1.ok());
  AccountKeyRecord bad_params = acc.account;
  bad_params.params.memory_kib = 8;
  auto r2 = unlock_account(bad_params, kPassword);
  ASSERT_FALSE(r2.ok());
  AccountKeyRecord other_key = acc.account;
  other_key.locked = test_keys().bob.secret_key;
  auto r3 = unlock_account(other_key, kPassword);
  ASSERT_FALSE(r3.ok());
  for (const auto* e : {&empty.error(), &r1.error(), &r2.error(), &r3.error()}) {
    EXPECT_EQ(e->code, Errc::kPermissionDenied);
    EXPECT_EQ(e->message, wrong.error().message);
  }
  // The recovery copy does not open with the password either.
  AccountKeyRecord swapped = acc.account;
  swapped.locked = acc.account.recovery_copy;
  EXPECT_FALSE(unlock_account(swapped, kPassword).ok());
}

TEST(HierarchyTest, PasswordChangeKeepsAddressesAndRetiresOldPassword) {
  const NewAccount& acc = account();
  // A second address, added with the unlocked account key.
  auto ring = unlock_account(acc.account, kPassword);
  ASSERT_TRUE(ring.ok());
  auto second = add_address_key(acc.account, *ring, "alice.work@example.org", fast_spec());
  ASSERT_TRUE(second.ok()) << second.error().describe();
  std::vector<std::string> before{acc.address.locked.binary(), acc.address.public_key.binary(),
                                  acc.address.token_message,   second->locked.binary(),
                                  second->public_key.binary(), second->token_message};

  auto wrong_old =
      change_password(acc.account, "not the password", kNewPassword, fast_params(), 1024);
  ASSERT_FALSE(wrong_old.ok());
  EXPECT_EQ(wrong_old.error().code, Errc::kPermissionDenied);

  KdfParams raised{kKdfMinMemoryKib, 2, 1};
  auto changed = change_password(acc.account, kPassword, kNewPassword, raised, 1024);
  ASSERT_TRUE(changed.ok()) << changed.error().describe();
  // Only locked, key_salt and params change.
  EXPECT_EQ(changed->public_key.binary(), acc.account.public_key.binary());
  EXPECT_EQ(changed->recovery_copy.binary(), acc.account.recovery_copy.binary());
  EXPECT_EQ(changed->recovery_salt, acc.account.recovery_salt);
  EXPECT_EQ(changed->recovery_params, acc.account.recovery_params);
  EXPECT_NE(changed->key_salt, acc.account.key_salt);
  EXPECT_NE(changed->locked.binary(), acc.account.locked.binary());
  EXPECT_EQ(changed->params, raised);
  EXPECT_EQ(changed->locked.info().fingerprint, acc.account.public_key.info().fingerprint);

  auto old = unlock_account(*changed, kPassword);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, Errc::kPermissionDenied);

  auto fresh = unlock_account(*changed, kNewPassword);
  ASSERT_TRUE(fresh.ok()) << fresh.error().describe();
  // The address records are byte for byte what they were, and still unlock.
  std::vector<std::string> after{acc.address.locked.binary(), acc.address.public_key.binary(),
                                 acc.address.token_message,   second->locked.binary(),
                                 second->public_key.binary(), second->token_message};
  EXPECT_EQ(before, after);
  ASSERT_TRUE(unlock_address(*fresh, *changed, acc.address).ok());
  ASSERT_TRUE(unlock_address(*fresh, *changed, *second).ok());
  expect_reads_mail(*fresh, acc.address);
  expect_reads_mail(*fresh, *second);

  // Out-of-policy new parameters are refused, not clamped.
  auto cheap = change_password(acc.account, kPassword, kNewPassword, KdfParams{1024, 1, 1}, 1024);
  ASSERT_FALSE(cheap.ok());
  EXPECT_EQ(cheap.error().code, Errc::kInvalidArgument);
}

TEST(HierarchyTest, RecoveryPhraseUnlocksAndRecovers) {
  const NewAccount& acc = account();
  std::string phrase = acc.recovery.to_string();

  auto ring = unlock_account_with_recovery(acc.account, phrase);
  ASSERT_TRUE(ring.ok()) << ring.error().describe();
  ASSERT_TRUE(unlock_address(*ring, acc.account, acc.address).ok());
  expect_reads_mail(*ring, acc.address);

  // Typed differently (case, whitespace) is the same phrase.
  std::string shouted;
  for (const auto& w : acc.recovery.words) {
    for (char c : w) shouted += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    shouted += "  \n";
  }
  EXPECT_TRUE(unlock_account_with_recovery(acc.account, shouted).ok());

  auto recovered = recover_account(acc.account, phrase, kNewPassword, 1024);
  ASSERT_TRUE(recovered.ok()) << recovered.error().describe();
  EXPECT_FALSE(unlock_account(*recovered, kPassword).ok());
  auto fresh = unlock_account(*recovered, kNewPassword);
  ASSERT_TRUE(fresh.ok()) << fresh.error().describe();
  EXPECT_EQ(recovered->recovery_copy.binary(), acc.account.recovery_copy.binary());
  EXPECT_NE(recovered->key_salt, acc.account.key_salt);
  ASSERT_TRUE(unlock_address(*fresh, *recovered, acc.address).ok());
  expect_reads_mail(*fresh, acc.address);
  // The phrase still works after recovery (the recovery copy is untouched).
  EXPECT_TRUE(unlock_account_with_recovery(*recovered, phrase).ok());
}

TEST(HierarchyTest, ReplaceRecoveryRetiresTheOldPhrase) {
  const NewAccount& acc = account();
  auto replaced = replace_recovery(acc.account, kPassword, fast_params(), 1024);
  ASSERT_TRUE(replaced.ok()) << replaced.error().describe();
  const AccountKeyRecord& record = replaced->account;
  EXPECT_EQ(replaced->phrase.words.size(), 12u);
  EXPECT_NE(replaced->phrase.to_string(), acc.recovery.to_string());
  EXPECT_NE(record.recovery_salt, acc.account.recovery_salt);
  EXPECT_NE(record.recovery_salt, record.key_salt);
  // Only the recovery copy changed: the password still unlocks, addresses still open.
  EXPECT_EQ(record.locked.binary(), acc.account.locked.binary());
  EXPECT_EQ(record.key_salt, acc.account.key_salt);
  EXPECT_FALSE(unlock_account_with_recovery(record, acc.recovery.to_string()).ok());
  auto ring = unlock_account_with_recovery(record, replaced->phrase.to_string());
  ASSERT_TRUE(ring.ok()) << ring.error().describe();
  ASSERT_TRUE(unlock_address(*ring, record, acc.address).ok());
  EXPECT_TRUE(unlock_account(record, kPassword).ok());
  // The new phrase recovers the account.
  auto recovered = recover_account(record, replaced->phrase.to_string(), kNewPassword, 1024);
  ASSERT_TRUE(recovered.ok()) << recovered.error().describe();
  EXPECT_TRUE(unlock_account(*recovered, kNewPassword).ok());

  // A wrong password is the fixed refusal; cheap parameters are refused, not clamped.
  auto wrong = replace_recovery(acc.account, kNewPassword, fast_params(), 1024);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::kPermissionDenied);
  auto cheap = replace_recovery(acc.account, kPassword, KdfParams{1024, 1, 1}, 1024);
  ASSERT_FALSE(cheap.ok());
  EXPECT_EQ(cheap.error().code, Errc::kInvalidArgument);
}

TEST(HierarchyTest, RecoveryPhraseWithOneWrongWordIsRefused) {
  const NewAccount& acc = account();
  // Every position, replaced by a different valid word: either the checksum catches it or the
  // derived passphrase does not unlock; either way nothing unlocks.
  for (size_t i = 0; i < acc.recovery.words.size(); ++i) {
    RecoveryPhrase typo = acc.recovery;
    typo.words[i] = std::string(typo.words[i] == kBip39EnglishWords[0] ? kBip39EnglishWords[1]
                                                                       : kBip39EnglishWords[0]);
    auto ring = unlock_account_with_recovery(acc.account, typo.to_string());
    ASSERT_FALSE(ring.ok()) << "word " << i;
    EXPECT_TRUE(ring.error().code == Errc::kInvalidArgument ||
                ring.error().code == Errc::kPermissionDenied);
    EXPECT_FALSE(recover_account(acc.account, typo.to_string(), kNewPassword, 1024).ok());
  }
  // A misspelt word is reported by position, never by its text.
  RecoveryPhrase misspelt = acc.recovery;
  misspelt.words[4] = "zzzzqx";
  auto ring = unlock_account_with_recovery(acc.account, misspelt.to_string());
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(ring.error().message.find("zzzzqx"), std::string::npos);
  // The password is not a recovery phrase.
  EXPECT_FALSE(unlock_account_with_recovery(acc.account, kPassword).ok());
}

TEST(HierarchyTest, SwappedOrForgedTokenMessageIsRefused) {
  const NewAccount& acc = account();
  auto ring = unlock_account(acc.account, kPassword);
  ASSERT_TRUE(ring.ok());
  auto second = add_address_key(acc.account, *ring, "alice+lists@example.org", fast_spec());
  ASSERT_TRUE(second.ok()) << second.error().describe();

  AddressKeyRecord a = acc.address, b = *second;
  std::swap(a.token_message, b.token_message);
  Keyring fresh = unlock_account(acc.account, kPassword).value();
  Status sa = unlock_address(fresh, acc.account, a);
  ASSERT_FALSE(sa.ok());
  EXPECT_EQ(sa.error().code, Errc::kPermissionDenied);
  EXPECT_FALSE(unlock_address(fresh, acc.account, b).ok());
  EXPECT_FALSE(fresh.can_sign_with(acc.address.public_key.info().fingerprint));
  EXPECT_FALSE(fresh.can_sign_with(second->public_key.info().fingerprint));

  // The right token, re-encrypted to the account key but not signed by it, is refused.
  std::string token = token_of(fresh, acc.address);
  ASSERT_EQ(token.size(), 64u);
  std::vector<PublicKey> to{acc.account.public_key};
  AddressKeyRecord unsigned_rec = acc.address;
  auto unsigned_msg = encrypt(fresh, token, to);
  ASSERT_TRUE(unsigned_msg.ok());
  unsigned_rec.token_message = unsigned_msg->concatenated();
  EXPECT_FALSE(unlock_address(fresh, acc.account, unsigned_rec).ok());
  // ... and so is one signed by someone else (a server forging tokens with its own key).
  Keyring mallory = unlocked(test_keys().bob);
  auto forged_msg = encrypt(mallory, token, to, test_keys().bob.public_key.info().fingerprint);
  ASSERT_TRUE(forged_msg.ok());
  AddressKeyRecord forged = acc.address;
  forged.token_message = forged_msg->concatenated();
  ASSERT_TRUE(fresh.add(test_keys().bob.public_key).ok());
  EXPECT_FALSE(unlock_address(fresh, acc.account, forged).ok());
  // A record whose public key is another key's is refused.
  AddressKeyRecord mismatched = acc.address;
  mismatched.public_key = second->public_key;
  EXPECT_FALSE(unlock_address(fresh, acc.account, mismatched).ok());
  // A record claiming another address is refused.
  AddressKeyRecord renamed = acc.address;
  renamed.address = "mallory@example.org";
  EXPECT_FALSE(unlock_address(fresh, acc.account, renamed).ok());

  // The genuine records still work.
  ASSERT_TRUE(unlock_address(fresh, acc.account, acc.address).ok());
  ASSERT_TRUE(unlock_address(fresh, acc.account, *second).ok());
  expect_reads_mail(fresh, *second);
}

TEST(HierarchyTest, AddAddressNeedsTheUnlockedAccountKey) {
  const NewAccount& acc = account();
  Keyring empty = Keyring::create().value();
  auto r = add_address_key(acc.account, empty, "bob@example.org", fast_spec());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  Keyring ring = unlock_account(acc.account, kPassword).value();
  EXPECT_FALSE(add_address_key(acc.account, ring, "not an address", fast_spec()).ok());
}

TEST(HierarchyTest, RecordsHoldNoPlaintextSecrets) {
  const NewAccount& acc = account();
  Keyring ring = unlock_account(acc.account, kPassword).value();
  std::string token = token_of(ring, acc.address);
  ASSERT_EQ(token.size(), 64u);

  std::string stored = acc.account.public_key.binary() + acc.account.locked.binary() +
                       acc.account.key_salt + to_string(acc.account.params) +
                       acc.account.recovery_copy.binary() + acc.account.recovery_salt +
                       acc.address.address + acc.address.public_key.binary() +
                       acc.address.locked.binary() + acc.address.token_message;
  stored += acc.account.locked.armored().value() + acc.address.locked.armored().value();

  Sensitive passphrase =
      derive_key_passphrase(kPassword, acc.account.key_salt, acc.account.params).value();
  std::string raw_token = from_hex(token);
  std::vector<std::string> secrets{
      token,
      to_hex(raw_token, /*upper=*/true),
      raw_token,
      base64(raw_token),
      base64(token),
      kPassword,
      std::string(passphrase.reveal()),
      acc.recovery.to_string(),
      acc.recovery.words[0] + " " + acc.recovery.words[1] + " " + acc.recovery.words[2],
  };
  for (const auto& secret : secrets) {
    ASSERT_GE(secret.size(), 10u);  // long enough not to occur by chance
    EXPECT_EQ(stored.find(secret), std::string::npos)
        << "a secret of " << secret.size() << " bytes is in the stored records";
  }
  // The search itself works: what is meant to be stored in the clear is found.
  EXPECT_NE(stored.find(acc.address.address), std::string::npos);
  EXPECT_NE(stored.find(acc.account.key_salt), std::string::npos);
}

}  // namespace
}  // namespace sealmail::pgp
