// account.h — the client side of accounts and login (docs/api.md "Accounts", "Sessions",
// "Two-factor login", "Keys"): sign-up with keys made here, SRP-6a login with an optional
// second factor, password and mailbox-password changes, recovery phrases, account reset,
// sessions, TOTP and public keys. Nothing here prompts: secrets and codes are parameters or
// come from a callback.
//
// What leaves the machine (docs/formats/keys.md "What the server never sees"): SRP verifiers,
// A and M1, salts, KDF parameters, locked keys, encrypted tokens, public keys and signed key
// lists. Never a password, a phrase, a derived passphrase or auth secret, a token in the clear
// or an unlocked key (tests/e2e/client_server_test.cc taps the wire to check it).
//
// SECURITY: every server answer is untrusted. A login refuses SRP parameters other than the
// production ones (auth::check_production), KDF parameters outside policy
// (pgp::parse_kdf_params: a server cannot make the client derive a cheap hash or allocate
// gigabytes), and a server whose M2 differs from the expected one (it does not know the
// verifier). Key records are parsed as untrusted (records_json.h) and unlocked with the checks
// of pgp/hierarchy.h; an exported public key is returned only with a key list it signed.
// Passwords are used as the exact UTF-8 bytes given (no Unicode normalisation), the SRP
// identity is the lower-case address, and a recovery phrase enters SRP as its canonical text:
// its BIP39 words, lower case, joined by single spaces.
// Standards: RFC 5054 / RFC 2945 (SRP-6a, auth/srp.h), RFC 9106 (Argon2id, pgp/kdf.h),
// RFC 6238 (TOTP), BIP39 (recovery phrase), RFC 9580 (keys, key list signatures).
// Thread-safety: functions; the ApiClient is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "client/api_client.h"
#include "client/session_store.h"
#include "pgp/hierarchy.h"
#include "pgp/kdf.h"
#include "pgp/key.h"

namespace sealmail::client {

inline constexpr std::string_view kClientName = "sealmail-cli " SEALMAIL_VERSION;

// How new keys and credentials are made (sign-up, reset, password changes).
struct KeyOptions {
  pgp::KdfParams kdf;  // for every new salt
  pgp::KeySpec key;    // algorithm, name, s2k_iterations (address/passphrase ignored)
};

struct CreateOptions {
  std::string invite;  // empty: none sent
  // Two-password mode: `mailbox_password` locks the account key, the login password only logs
  // in (the server can then not even test the login password against the key).
  bool two_password_mode = false;
  std::string mailbox_password;
  KeyOptions keys;
};

// Sign-up (POST /api/v1/accounts). Returns the recovery phrase, to show once.
Result<pgp::RecoveryPhrase> create_account(ApiClient& api, std::string_view address,
                                           std::string_view password, const CreateOptions& options);

// Account reset with an administrator's reset code (POST /api/v1/account/reset): new keys and
// credentials as at sign-up; every old key and message becomes unreadable. Returns the new
// recovery phrase.
Result<pgp::RecoveryPhrase> reset_account(ApiClient& api, std::string_view address,
                                          std::string_view reset_code, std::string_view password,
                                          const CreateOptions& options);

enum class LoginPurpose { kLogin, kRecovery };

// Asked for a TOTP or recovery code when the server wants a second factor.
using SecondFactorPrompt = std::function<Result<std::string>()>;

struct LoginResult {
  SessionTokens tokens;
  bool two_password_mode = false;
};

// SRP login; for kRecovery `secret` is the recovery phrase. On success the tokens are set on
// `api` and, when `sessions` is given, saved as the default account. kPermissionDenied with the
// server's message for a wrong password ("login_failed"), or "the server could not prove it
// knows the password verifier; not logging in" when M2 differs.
Result<LoginResult> login(ApiClient& api, std::string_view address, std::string_view secret,
                          LoginPurpose purpose, const SecondFactorPrompt& second_factor,
                          SessionStore* sessions = nullptr);

// Ends the session on the server (POST /api/v1/auth/logout) and forgets the tokens in `api`.
Status logout(ApiClient& api);

struct PasswordChange {
  std::string current_password;  // the login password
  std::string new_password;      // the new login password, or with `mailbox` the new mailbox one
  // Two-password mode only: change the mailbox password (re-lock the account key) instead of
  // the login password; new auth credentials are made from the unchanged login password.
  bool mailbox = false;
  std::string current_mailbox_password;
  KeyOptions keys;
};

// PUT /api/v1/account/password with a fresh proof of the current password. Every other session
// of the account ends; this one stays.
Status change_password(ApiClient& api, std::string_view address, const PasswordChange& change);

// A new recovery phrase (PUT /api/v1/account/recovery); the old one stops working.
// `key_password` unlocks the account key: the password, or the mailbox password in
// two-password mode.
Result<pgp::RecoveryPhrase> new_recovery_phrase(ApiClient& api, std::string_view address,
                                                std::string_view key_password,
                                                const KeyOptions& options);

// Forgotten password: logs in with the phrase (scope recovery), re-locks the account key under
// `new_password` and sets new login credentials (one-password mode afterwards). The recovery
// session ends; the caller then logs in normally.
Status recover_with_phrase(ApiClient& api, std::string_view address, std::string_view phrase,
                           std::string_view new_password, const SecondFactorPrompt& second_factor,
                           const KeyOptions& options);

struct SessionInfo {
  std::string id;
  std::string scope;
  std::string client;
  int64_t created_ms = 0;
  int64_t last_used_ms = 0;
  bool current = false;
};
Result<std::vector<SessionInfo>> list_sessions(ApiClient& api);
Status revoke_session(ApiClient& api, std::string_view id);

struct TotpEnrolment {
  std::string secret;  // base32, for typing into an app
  std::string uri;     // otpauth://, for a QR code
};
Result<TotpEnrolment> begin_totp(ApiClient& api);
// Returns the one-time recovery codes, to show once.
Result<std::vector<std::string>> confirm_totp(ApiClient& api, std::string_view code);
Status disable_totp(ApiClient& api, std::string_view code);

struct KeyDescription {
  std::string role;     // "account" or "address"
  std::string address;  // the address the key serves (the primary one for the account key)
  std::string fingerprint;
  std::string algorithm;  // of the primary key, e.g. "EDDSA"
  std::vector<std::string> subkey_algorithms;
  int64_t created = 0;  // seconds since the epoch
};
// The account's keys from GET /api/v1/account (public parts only; nothing is unlocked).
Result<std::vector<KeyDescription>> list_keys(ApiClient& api);

// The armored public key of `address` (GET /api/v1/keys/{address}), returned only if the key
// list beside it is signed by that key and names it for the address.
Result<std::string> export_public_key(ApiClient& api, std::string_view address);

// The canonical text of a typed recovery phrase (lower-case words joined by single spaces);
// recovery.h's errors for a phrase with a typo or an unknown word.
Result<std::string> canonical_phrase(std::string_view phrase);

}  // namespace sealmail::client
