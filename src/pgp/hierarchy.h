// hierarchy.h — the key hierarchy of design.md §3: an account key locked by the password (and a
// second copy locked by a recovery phrase), and one address key per address locked by a random
// token that is encrypted and signed to the account key. Format: docs/formats/keys.md.
//
// Everything here runs on the client. The records are what the server stores: public keys,
// locked keys, salts, KDF parameters and encrypted tokens — never a password, passphrase,
// token or unlocked key. A password change re-locks the account key only; address records
// are not touched.
//
// SECURITY: every record comes back from the server and is untrusted. unlock_account* refuse
// with one fixed kPermissionDenied message whatever went wrong (no oracle between "wrong
// password" and "bad record"); unlock_address accepts a token only from a message that is
// integrity protected and validly signed by the account key, and checks the unlocked key is
// the one the record names. KdfParams are checked against policy (kdf.h) on every derivation.
// Standards: RFC 9106 (Argon2id) via kdf.h, BIP39 via recovery.h, RFC 4880 / RFC 9580 via
// key.h and message.h.
// Thread-safety: functions are reentrant; a Keyring is used by one thread at a time (key.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "pgp/kdf.h"
#include "pgp/key.h"
#include "pgp/recovery.h"

namespace sealmail::pgp {

// What the server stores per account (docs/formats/keys.md "The stored records").
struct AccountKeyRecord {
  PublicKey public_key;  // the account key's certificate (not published; for verification)
  LockedKey locked;      // protected with derive_key_passphrase(password, key_salt, params)
  std::string key_salt;  // binary, kSaltSize bytes
  KdfParams params;
  LockedKey recovery_copy;    // protected with derive_recovery_passphrase(phrase,
                              //   recovery_salt, recovery_params)
  std::string recovery_salt;  // binary, kSaltSize bytes; ≠ key_salt
  KdfParams recovery_params;
};

// What the server stores per address.
struct AddressKeyRecord {
  std::string address;   // lower-case, as in the key's user ID
  PublicKey public_key;  // published (WKD, Autocrypt)
  LockedKey locked;      // protected with the token (random_token_hex(32))
  // The token, encrypted to the account key and signed by it: key packets ‖ data packet,
  // binary OpenPGP (SEIPD with MDC).
  std::string token_message;
};

struct NewAccount {
  AccountKeyRecord account;
  AddressKeyRecord address;  // the key of the primary address
  RecoveryPhrase recovery;   // shown to the user once; never stored or sent
};

// Generates the account key (user ID `options.name <primary_address>`), the first address key,
// a token for it, a 12-word recovery phrase and the recovery copy. `options` gives the name,
// algorithm, expiry and S2K iteration count (0 = RNP calibrates); its address and passphrase
// are ignored. kInvalidArgument for an empty password or out-of-policy params.
Result<NewAccount> create_account_keys(std::string_view password, std::string_view primary_address,
                                       const KdfParams& params, const KeySpec& options);

// A new address key whose token is encrypted to `account.public_key` and signed with the
// account key, which must be unlocked in `account_keyring` (see unlock_account). `options`
// as for create_account_keys.
Result<AddressKeyRecord> add_address_key(const AccountKeyRecord& account, Keyring& account_keyring,
                                         std::string_view address, const KeySpec& options);

// A Keyring with the account key unlocked. kPermissionDenied with the same message for a wrong
// password, a wrong phrase and any defect of the record.
Result<Keyring> unlock_account(const AccountKeyRecord& account, std::string_view password);
// Same with the recovery copy. A phrase that fails its BIP39 checksum or has an unknown word
// is kInvalidArgument (recovery_entropy's message: position only, never the word).
Result<Keyring> unlock_account_with_recovery(const AccountKeyRecord& account,
                                             std::string_view phrase);

// Decrypts `address.token_message` with `keyring` (account key unlocked), requires a valid
// signature by `account`'s key, and unlocks `address.locked` with the token in `keyring`.
// kPermissionDenied if any step fails (e.g. a token message moved from another address).
Status unlock_address(Keyring& keyring, const AccountKeyRecord& account,
                      const AddressKeyRecord& address);

// A copy of `account` whose account key is re-locked under `new_password` with a fresh
// key_salt and `new_params`; nothing else changes (address records and the recovery copy stay
// valid as they are). kPermissionDenied (fixed message) if `old_password` does not unlock.
Result<AccountKeyRecord> change_password(const AccountKeyRecord& account,
                                         std::string_view old_password,
                                         std::string_view new_password, const KdfParams& new_params,
                                         size_t s2k_iterations = 0);

// Forgotten password: unlocks the recovery copy with `phrase` and re-locks the account key
// under `new_password` (fresh key_salt, the record's params). Errors as
// unlock_account_with_recovery.
Result<AccountKeyRecord> recover_account(const AccountKeyRecord& account, std::string_view phrase,
                                         std::string_view new_password, size_t s2k_iterations = 0);

struct NewRecovery {
  AccountKeyRecord account;  // with a new recovery copy, recovery_salt and recovery_params
  RecoveryPhrase phrase;     // shown to the user once; never stored or sent
};

// A new 12-word recovery phrase: the account key (unlocked with `password`, the one that
// locks `account.locked`) is copied under the new phrase's passphrase with a fresh
// recovery_salt and `params`; the old recovery copy, and so the old phrase, is dropped.
// Nothing else changes. kPermissionDenied (fixed message) if `password` does not unlock;
// kInvalidArgument for out-of-policy params.
Result<NewRecovery> replace_recovery(const AccountKeyRecord& account, std::string_view password,
                                     const KdfParams& params, size_t s2k_iterations = 0);

}  // namespace sealmail::pgp
