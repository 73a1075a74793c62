#include "pgp/hierarchy.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "base/ascii.h"
#include "base/hex.h"
#include "base/random.h"
#include "pgp/internal/rnp_ffi.h"
#include "pgp/message.h"

namespace sealmail::pgp {
namespace {

// Fixed texts: the caller learns "it did not unlock", never which step failed.
constexpr char kAccountRefused[] = "cannot unlock the account key";
constexpr char kAddressRefused[] = "cannot unlock the address key";

constexpr size_t kTokenBytes = 32;  // random_token_hex(32): 64 lower-case hex characters

Error account_refused() { return make_error(Errc::kPermissionDenied, kAccountRefused); }
Error address_refused() { return make_error(Errc::kPermissionDenied, kAddressRefused); }

// A std::string that is wiped when it goes out of scope (tokens, passphrase copies).
class WipedString {
 public:
  explicit WipedString(std::string s) : s_(std::move(s)) {}
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { internal::wipe(s_); }
  const std::string& get() const { return s_; }

 private:
  std::string s_;
};

bool is_token(std::string_view t) { return is_lower_hex(t, 2 * kTokenBytes); }

bool has_address(const KeyInfo& info, std::string_view address) {
  return std::any_of(info.user_ids.begin(), info.user_ids.end(),
                     [&](const std::string& uid) { return address_of_user_id(uid) == address; });
}

// The record's locked key and public key must be the same key.
bool consistent(const PublicKey& pub, const LockedKey& locked) {
  return !pub.info().fingerprint.empty() && pub.info().fingerprint == locked.info().fingerprint;
}

KeySpec spec_for(const KeySpec& options, std::string_view address, std::string_view passphrase) {
  KeySpec spec;
  spec.name = options.name;
  spec.address = std::string(address);
  spec.algorithm = options.algorithm;
  spec.expires_in_seconds = options.expires_in_seconds;
  spec.passphrase = std::string(passphrase);
  spec.s2k_iterations = options.s2k_iterations;
  return spec;
}

// Re-locks `account.locked` (unlockable with `old_passphrase`) under `new_password` with a
// fresh salt and `new_params`.
Result<AccountKeyRecord> relock(const AccountKeyRecord& account, const LockedKey& source,
                                std::string_view old_passphrase, std::string_view new_password,
                                const KdfParams& new_params, size_t s2k_iterations) {
  if (new_password.empty()) return make_error(Errc::kInvalidArgument, "empty password");
  std::string salt = new_salt();
  Sensitive passphrase = SEALMAIL_TRY(derive_key_passphrase(new_password, salt, new_params));
  auto relocked = source.with_passphrase(old_passphrase, passphrase.reveal(), s2k_iterations);
  if (!relocked.ok()) return account_refused();
  if (relocked->info().fingerprint != account.public_key.info().fingerprint)
    return account_refused();
  AccountKeyRecord out = account;
  out.locked = std::move(relocked).value();
  out.key_salt = std::move(salt);
  out.params = new_params;
  return out;
}

Result<AddressKeyRecord> make_address_key(const PublicKey& account_public,
                                          std::string_view account_fingerprint, Keyring& keyring,
                                          std::string_view address, const KeySpec& options) {
  std::string addr = ascii_lowercase(address);
  if (addr.empty() || address_of_user_id(addr) != addr)
    return make_error(Errc::kInvalidArgument, "not an e-mail address");
  WipedString token(random_token_hex(kTokenBytes));
  GeneratedKey key = SEALMAIL_TRY(generate_key(spec_for(options, addr, token.get())));
  std::vector<PublicKey> to{account_public};
  EncryptedMessage msg = SEALMAIL_TRY(encrypt(keyring, token.get(), to, account_fingerprint));
  return AddressKeyRecord{std::move(addr), std::move(key.public_key), std::move(key.secret_key),
                          msg.concatenated()};
}

}  // namespace

Result<NewAccount> create_account_keys(std::string_view password, std::string_view primary_address,
                                       const KdfParams& params, const KeySpec& options) {
  if (password.empty()) return make_error(Errc::kInvalidArgument, "empty password");
  std::string address = ascii_lowercase(primary_address);
  if (address.empty() || address_of_user_id(address) != address)
    return make_error(Errc::kInvalidArgument, "not an e-mail address");

  std::string key_salt = new_salt();
  Sensitive passphrase = SEALMAIL_TRY(derive_key_passphrase(password, key_salt, params));
  GeneratedKey account =
      SEALMAIL_TRY(generate_key(spec_for(options, address, passphrase.reveal())));

  RecoveryPhrase phrase = new_recovery_phrase(12);
  std::string recovery_salt = new_salt();
  Sensitive recovery_passphrase =
      SEALMAIL_TRY(derive_recovery_passphrase(phrase.to_string(), recovery_salt, params));
  LockedKey recovery_copy = SEALMAIL_TRY(account.secret_key.with_passphrase(
      passphrase.reveal(), recovery_passphrase.reveal(), options.s2k_iterations));

  AccountKeyRecord record{std::move(account.public_key),
                          std::move(account.secret_key),
                          std::move(key_salt),
                          params,
                          std::move(recovery_copy),
                          std::move(recovery_salt),
                          params};

  Keyring keyring = SEALMAIL_TRY(Keyring::create());
  SEALMAIL_RETURN_IF_ERROR(keyring.unlock(record.locked, passphrase.reveal()));
  AddressKeyRecord first = SEALMAIL_TRY(make_address_key(
      record.public_key, record.public_key.info().fingerprint, keyring, address, options));
  return NewAccount{std::move(record), std::move(first), std::move(phrase)};
}

Result<AddressKeyRecord> add_address_key(const AccountKeyRecord& account, Keyring& account_keyring,
                                         std::string_view address, const KeySpec& options) {
  const std::string& fpr = account.public_key.info().fingerprint;
  if (!account_keyring.can_sign_with(fpr))
    return make_error(Errc::kInvalidArgument, "the account key is not unlocked in this keyring");
  return make_address_key(account.public_key, fpr, account_keyring, address, options);
}

Result<Keyring> unlock_account(const AccountKeyRecord& account, std::string_view password) {
  if (!consistent(account.public_key, account.locked)) return account_refused();
  auto passphrase = derive_key_passphrase(password, account.key_salt, account.params);
  if (!passphrase.ok()) return account_refused();
  auto keyring = Keyring::create();
  if (!keyring.ok()) return std::move(keyring).error();
  if (!keyring->unlock(account.locked, passphrase->reveal()).ok()) return account_refused();
  return std::move(keyring).value();
}

Result<Keyring> unlock_account_with_recovery(const AccountKeyRecord& account,
                                             std::string_view phrase) {
  // A typo is the user's to fix, and the checksum is computed here, not by the server: report it.
  SEALMAIL_RETURN_IF_ERROR(recovery_entropy(phrase));
  if (!consistent(account.public_key, account.recovery_copy)) return account_refused();
  auto passphrase =
      derive_recovery_passphrase(phrase, account.recovery_salt, account.recovery_params);
  if (!passphrase.ok()) return account_refused();
  auto keyring = Keyring::create();
  if (!keyring.ok()) return std::move(keyring).error();
  if (!keyring->unlock(account.recovery_copy, passphrase->reveal()).ok()) return account_refused();
  return std::move(keyring).value();
}

Status unlock_address(Keyring& keyring, const AccountKeyRecord& account,
                      const AddressKeyRecord& address) {
  const std::string& account_fpr = account.public_key.info().fingerprint;
  if (!consistent(address.public_key, address.locked) ||
      !has_address(address.locked.info(), ascii_lowercase(address.address)) ||
      address.locked.info().fingerprint == account_fpr)
    return address_refused();
  if (!keyring.add(account.public_key).ok()) return address_refused();

  auto split = split_message(address.token_message);
  if (!split.ok()) return address_refused();
  auto plain = decrypt(keyring, split->key_packets, split->data_packet);
  if (!plain.ok()) return address_refused();
  bool signed_by_account = std::any_of(
      plain->signatures.begin(), plain->signatures.end(),
      [&](const Signature& s) { return s.valid && s.signer_fingerprint == account_fpr; });
  if (!signed_by_account || !is_token(plain->plaintext.reveal())) return address_refused();

  if (!keyring.unlock(address.locked, plain->plaintext.reveal()).ok()) return address_refused();
  return ok_status();
}

Result<AccountKeyRecord> change_password(const AccountKeyRecord& account,
                                         std::string_view old_password,
                                         std::string_view new_password, const KdfParams& new_params,
                                         size_t s2k_iterations) {
  SEALMAIL_RETURN_IF_ERROR(check_kdf_params(new_params));
  auto old_passphrase = derive_key_passphrase(old_password, account.key_salt, account.params);
  if (!old_passphrase.ok()) return account_refused();
  return relock(account, account.locked, old_passphrase->reveal(), new_password, new_params,
                s2k_iterations);
}

Result<AccountKeyRecord> recover_account(const AccountKeyRecord& account, std::string_view phrase,
                                         std::string_view new_password, size_t s2k_iterations) {
  SEALMAIL_RETURN_IF_ERROR(recovery_entropy(phrase));
  auto recovery_passphrase =
      derive_recovery_passphrase(phrase, account.recovery_salt, account.recovery_params);
  if (!recovery_passphrase.ok()) return account_refused();
  return relock(account, account.recovery_copy, recovery_passphrase->reveal(), new_password,
                account.params, s2k_iterations);
}

Result<NewRecovery> replace_recovery(const AccountKeyRecord& account, std::string_view password,
                                     const KdfParams& params, size_t s2k_iterations) {
  SEALMAIL_RETURN_IF_ERROR(check_kdf_params(params));
  if (!consistent(account.public_key, account.locked)) return account_refused();
  auto passphrase = derive_key_passphrase(password, account.key_salt, account.params);
  if (!passphrase.ok()) return account_refused();
  RecoveryPhrase phrase = new_recovery_phrase(12);
  std::string recovery_salt = new_salt();
  Sensitive recovery_passphrase =
      SEALMAIL_TRY(derive_recovery_passphrase(phrase.to_string(), recovery_salt, params));
  auto copy = account.locked.with_passphrase(passphrase->reveal(), recovery_passphrase.reveal(),
                                             s2k_iterations);
  if (!copy.ok() || copy->info().fingerprint != account.public_key.info().fingerprint)
    return account_refused();
  AccountKeyRecord out = account;
  out.recovery_copy = std::move(copy).value();
  out.recovery_salt = std::move(recovery_salt);
  out.recovery_params = params;
  return NewRecovery{std::move(out), std::move(phrase)};
}

}  // namespace sealmail::pgp
