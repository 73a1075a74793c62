#include "client/account.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "auth/srp.h"
#include "auth/token.h"
#include "base/ascii.h"
#include "base/base64.h"
#include "base/clock.h"
#include "client/records_json.h"
#include "pgp/key_list.h"
#include "pgp/recovery.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

constexpr char kServerNotProven[] =
    "the server could not prove it knows the password verifier; not logging in";

Result<std::string> checked_address(std::string_view address) {
  std::string lower = ascii_lowercase(address);
  size_t at = lower.rfind('@');
  bool ok = at != std::string::npos && at > 0 && at + 1 < lower.size() && lower.size() <= 320;
  for (char c : lower) {
    ok = ok && c > 0x20 && c < 0x7f && c != '/' && c != '?' && c != '#' && c != '%' && c != '\\';
  }
  if (!ok) return make_error(Errc::kInvalidArgument, "not an email address: " + lower);
  return lower;
}

Result<std::string> string_member(const Json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return make_error(Errc::kInvalidArgument,
                      std::string("the server's answer has no valid ") + name);
  }
  return it->get<std::string>();
}

Result<std::string> bytes_member(const Json& doc, const char* name) {
  auto bytes = base64_decode(SEALMAIL_TRY(string_member(doc, name)));
  if (!bytes) {
    return make_error(Errc::kInvalidArgument,
                      std::string("the server's answer has no valid ") + name);
  }
  return std::move(*bytes);
}

bool bool_member(const Json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

// {"srp","salt","verifier","kdf"} for `secret` under a fresh salt.
Result<Json> new_credentials(std::string_view identity, std::string_view secret,
                             const pgp::KdfParams& kdf) {
  auth::SrpParams params;
  std::string salt = pgp::new_salt();
  Sensitive derived = SEALMAIL_TRY(pgp::derive_auth_secret(secret, salt, kdf));
  std::string verifier = SEALMAIL_TRY(auth::srp_verifier(params, identity, derived.reveal(), salt));
  return Json{{"srp", auth::to_string(params)},
              {"salt", base64_encode(salt)},
              {"verifier", base64_encode(verifier)},
              {"kdf", pgp::to_string(kdf)}};
}

// What sign-up and reset upload: keys, credentials and the key list, plus the phrase to show.
struct NewAccountDocuments {
  Json body;
  pgp::RecoveryPhrase phrase;
};

Result<NewAccountDocuments> new_account_documents(std::string_view address,
                                                  std::string_view password,
                                                  const CreateOptions& options) {
  if (password.empty()) return make_error(Errc::kInvalidArgument, "the password is empty");
  if (options.two_password_mode && options.mailbox_password.empty()) {
    return make_error(Errc::kInvalidArgument, "the mailbox password is empty");
  }
  std::string_view key_password =
      options.two_password_mode ? std::string_view(options.mailbox_password) : password;
  const pgp::KdfParams& kdf = options.keys.kdf;
  pgp::NewAccount keys =
      SEALMAIL_TRY(pgp::create_account_keys(key_password, address, kdf, options.keys.key));

  // The key list is signed by the address key, which needs the account key to open.
  pgp::Keyring ring = SEALMAIL_TRY(pgp::unlock_account(keys.account, key_password));
  SEALMAIL_RETURN_IF_ERROR(pgp::unlock_address(ring, keys.account, keys.address));
  const std::string& fingerprint = keys.address.public_key.info().fingerprint;
  pgp::KeyList list{
      .address = keys.address.address, .fingerprints = {fingerprint}, .created_ms = unix_time_ms()};
  std::string key_list = SEALMAIL_TRY(pgp::sign_key_list(ring, list, fingerprint));
  Json key_list_doc = Json::parse(key_list, nullptr, /*allow_exceptions=*/false);
  if (!key_list_doc.is_object()) return make_error(Errc::kInternal, "key list is not JSON");

  std::string identity = ascii_lowercase(address);
  std::string phrase = keys.recovery.to_string();
  // No SEALMAIL_TRY inside a braced initializer (see records_json.cc).
  Json auth = SEALMAIL_TRY(new_credentials(identity, password, kdf));
  Json recovery_auth = SEALMAIL_TRY(new_credentials(identity, phrase, kdf));
  Json account_key = SEALMAIL_TRY(account_key_json(keys.account));
  Json address_key = SEALMAIL_TRY(address_key_json(keys.address));
  Json body{{"address", identity},
            {"auth", std::move(auth)},
            {"recovery_auth", std::move(recovery_auth)},
            {"two_password_mode", options.two_password_mode},
            {"account_key", std::move(account_key)},
            {"address_key", std::move(address_key)},
            {"key_list", std::move(key_list_doc)}};
  return NewAccountDocuments{std::move(body), std::move(keys.recovery)};
}

// A fresh challenge answered with `secret`: what login and password change send.
struct Proof {
  Json fields;  // {"challenge","A","M1"}
  std::string expected_M2;
};

Result<Proof> prove(ApiClient& api, std::string_view identity, std::string_view secret,
                    std::string_view purpose) {
  Json challenge = SEALMAIL_TRY(api.call("POST", "/api/v1/auth/challenge",
                                         Json{{"address", identity}, {"purpose", purpose}},
                                         ApiClient::Auth::kNone));
  std::string id = SEALMAIL_TRY(string_member(challenge, "challenge"));
  auto params = auth::parse_srp_params(SEALMAIL_TRY(string_member(challenge, "srp")));
  if (!params.ok() || !auth::check_production(*params).ok()) {
    return make_error(Errc::kPermissionDenied,
                      "the server asked for SRP parameters weaker than this client accepts");
  }
  auto kdf = pgp::parse_kdf_params(SEALMAIL_TRY(string_member(challenge, "kdf")));
  if (!kdf.ok()) {
    return make_error(Errc::kPermissionDenied,
                      "the server asked for key derivation parameters outside this client's "
                      "policy: " +
                          kdf.error().message);
  }
  std::string salt = SEALMAIL_TRY(bytes_member(challenge, "salt"));
  std::string B = SEALMAIL_TRY(bytes_member(challenge, "B"));
  Sensitive derived = SEALMAIL_TRY(pgp::derive_auth_secret(secret, salt, *kdf));
  auth::SrpClientProof proof =
      SEALMAIL_TRY(auth::srp_client_proof(*params, identity, derived.reveal(), salt, B));
  return Proof{
      Json{{"challenge", id}, {"A", base64_encode(proof.A)}, {"M1", base64_encode(proof.M1)}},
      std::move(proof.expected_M2)};
}

Status check_M2(const Json& reply, const Proof& proof) {
  auto M2 = bytes_member(reply, "M2");
  if (!M2.ok() || !auth::constant_time_equals(*M2, proof.expected_M2)) {
    return make_error(Errc::kPermissionDenied, kServerNotProven);
  }
  return ok_status();
}

// GET /api/v1/account: the raw document and its account key record.
struct AccountDocument {
  Json doc;
  pgp::AccountKeyRecord record;
  bool two_password_mode = false;
};

Result<AccountDocument> fetch_account(ApiClient& api) {
  Json doc = SEALMAIL_TRY(api.call("GET", "/api/v1/account"));
  auto it = doc.find("account_key");
  if (it == doc.end()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no account_key");
  }
  pgp::AccountKeyRecord record = SEALMAIL_TRY(parse_account_key(*it));
  bool two_passwords = bool_member(doc, "two_password_mode");
  return AccountDocument{std::move(doc), std::move(record), two_passwords};
}

}  // namespace

Result<std::string> canonical_phrase(std::string_view phrase) {
  Sensitive entropy = SEALMAIL_TRY(pgp::recovery_entropy(phrase));
  return SEALMAIL_TRY(pgp::recovery_phrase_from_entropy(entropy.reveal())).to_string();
}

Result<pgp::RecoveryPhrase> create_account(ApiClient& api, std::string_view address,
                                           std::string_view password,
                                           const CreateOptions& options) {
  std::string identity = SEALMAIL_TRY(checked_address(address));
  NewAccountDocuments docs = SEALMAIL_TRY(new_account_documents(identity, password, options));
  if (!options.invite.empty()) docs.body["invite"] = options.invite;
  SEALMAIL_TRY(api.call("POST", "/api/v1/accounts", docs.body, ApiClient::Auth::kNone));
  return std::move(docs.phrase);
}

Result<pgp::RecoveryPhrase> reset_account(ApiClient& api, std::string_view address,
                                          std::string_view reset_code, std::string_view password,
                                          const CreateOptions& options) {
  std::string identity = SEALMAIL_TRY(checked_address(address));
  if (reset_code.empty()) return make_error(Errc::kInvalidArgument, "the reset code is empty");
  NewAccountDocuments docs = SEALMAIL_TRY(new_account_documents(identity, password, options));
  docs.body["reset_code"] = std::string(reset_code);
  docs.body["confirm"] = "delete all data of " + identity;
  SEALMAIL_TRY(api.call("POST", "/api/v1/account/reset", docs.body, ApiClient::Auth::kNone));
  return std::move(docs.phrase);
}

Result<LoginResult> login(ApiClient& api, std::string_view address, std::string_view secret,
                          LoginPurpose purpose, const SecondFactorPrompt& second_factor,
                          SessionStore* sessions) {
  std::string identity = SEALMAIL_TRY(checked_address(address));
  bool recovery = purpose == LoginPurpose::kRecovery;
  std::string canonical = recovery ? SEALMAIL_TRY(canonical_phrase(secret)) : std::string(secret);
  if (canonical.empty()) return make_error(Errc::kInvalidArgument, "the password is empty");
  std::string purpose_name = recovery ? "recovery" : "login";

  Proof proof = SEALMAIL_TRY(prove(api, identity, canonical, purpose_name));
  Json request = proof.fields;
  request["purpose"] = purpose_name;
  request["client"] = std::string(kClientName);
  Json reply =
      SEALMAIL_TRY(api.call("POST", "/api/v1/auth/login", request, ApiClient::Auth::kNone));
  SEALMAIL_RETURN_IF_ERROR(check_M2(reply, proof));
  LoginResult out;
  out.tokens = SEALMAIL_TRY(parse_session_tokens(reply));
  out.two_password_mode = bool_member(reply, "two_password_mode");
  api.set_tokens(out.tokens);

  if (bool_member(reply, "second_factor_required")) {
    if (!second_factor) {
      return make_error(Errc::kPermissionDenied, "this account needs a second factor");
    }
    std::string code = SEALMAIL_TRY(second_factor());
    auto upgraded = api.call("POST", "/api/v1/auth/2fa", Json{{"code", code}});
    if (!upgraded.ok()) {
      (void)api.call("POST", "/api/v1/auth/logout");  // the half-open session is of no use
      api.clear_tokens();
      return std::move(upgraded).error();
    }
    out.tokens = SEALMAIL_TRY(parse_session_tokens(*upgraded));
    api.set_tokens(out.tokens);
  }
  std::string expected = recovery ? "recovery" : "full";
  if (out.tokens.scope != expected) {
    api.clear_tokens();
    return make_error(Errc::kPermissionDenied, "the server gave a session of scope " +
                                                   out.tokens.scope.substr(0, 20) + " instead of " +
                                                   expected);
  }
  if (sessions != nullptr) {
    SEALMAIL_RETURN_IF_ERROR(sessions->save(StoredSession{api.server_url(), identity, out.tokens}));
  }
  return out;
}

Status logout(ApiClient& api) {
  auto reply = api.call("POST", "/api/v1/auth/logout");
  api.clear_tokens();
  if (!reply.ok()) return std::move(reply).error();
  return ok_status();
}

Status change_password(ApiClient& api, std::string_view address, const PasswordChange& change) {
  std::string identity = SEALMAIL_TRY(checked_address(address));
  if (change.new_password.empty()) {
    return make_error(Errc::kInvalidArgument, "the new password is empty");
  }
  AccountDocument account = SEALMAIL_TRY(fetch_account(api));
  const KeyOptions& keys = change.keys;
  Json body;
  if (change.mailbox) {
    if (!account.two_password_mode) {
      return make_error(Errc::kInvalidArgument,
                        "this account has one password; change it without --mailbox");
    }
    pgp::AccountKeyRecord relocked =
        SEALMAIL_TRY(pgp::change_password(account.record, change.current_mailbox_password,
                                          change.new_password, keys.kdf, keys.key.s2k_iterations));
    body["account_key"] = SEALMAIL_TRY(account_key_json(relocked));
    body["auth"] = SEALMAIL_TRY(new_credentials(identity, change.current_password, keys.kdf));
  } else if (account.two_password_mode) {
    // The account key stays under the mailbox password; only the login credentials change.
    body["account_key"] = account.doc["account_key"];
    body["auth"] = SEALMAIL_TRY(new_credentials(identity, change.new_password, keys.kdf));
  } else {
    pgp::AccountKeyRecord relocked =
        SEALMAIL_TRY(pgp::change_password(account.record, change.current_password,
                                          change.new_password, keys.kdf, keys.key.s2k_iterations));
    body["account_key"] = SEALMAIL_TRY(account_key_json(relocked));
    body["auth"] = SEALMAIL_TRY(new_credentials(identity, change.new_password, keys.kdf));
  }
  body["two_password_mode"] = account.two_password_mode;
  Proof proof = SEALMAIL_TRY(prove(api, identity, change.current_password, "login"));
  body.update(proof.fields);
  Json reply = SEALMAIL_TRY(api.call("PUT", "/api/v1/account/password", body));
  return check_M2(reply, proof);
}

Result<pgp::RecoveryPhrase> new_recovery_phrase(ApiClient& api, std::string_view address,
                                                std::string_view key_password,
                                                const KeyOptions& options) {
  std::string identity = SEALMAIL_TRY(checked_address(address));
  AccountDocument account = SEALMAIL_TRY(fetch_account(api));
  pgp::NewRecovery fresh = SEALMAIL_TRY(
      pgp::replace_recovery(account.record, key_password, options.kdf, options.key.s2k_iterations));
  Json recovery_auth =
      SEALMAIL_TRY(new_credentials(identity, fresh.phrase.to_string(), options.kdf));
  Json account_key = SEALMAIL_TRY(account_key_json(fresh.account));
  Json body{{"recovery_auth", std::move(recovery_auth)}, {"account_key", std::move(account_key)}};
  SEALMAIL_TRY(api.call("PUT", "/api/v1/account/recovery", body));
  return std::move(fresh.phrase);
}

Status recover_with_phrase(ApiClient& api, std::string_view address, std::string_view phrase,
                           std::string_view new_password, const SecondFactorPrompt& second_factor,
                           const KeyOptions& options) {
  std::string identity = SEALMAIL_TRY(checked_address(address));
  if (new_password.empty()) return make_error(Errc::kInvalidArgument, "the new password is empty");
  std::string canonical = SEALMAIL_TRY(canonical_phrase(phrase));
  SEALMAIL_TRY(login(api, identity, canonical, LoginPurpose::kRecovery, second_factor));
  auto account = fetch_account(api);
  if (!account.ok()) {
    (void)logout(api);
    return std::move(account).error();
  }
  auto recovered =
      pgp::recover_account(account->record, canonical, new_password, options.key.s2k_iterations);
  if (!recovered.ok()) {
    (void)logout(api);
    return std::move(recovered).error();
  }
  // One password afterwards: the recovered key is locked by the new password.
  Json auth = SEALMAIL_TRY(new_credentials(identity, new_password, options.kdf));
  Json account_key = SEALMAIL_TRY(account_key_json(*recovered));
  Json body{{"auth", std::move(auth)},
            {"account_key", std::move(account_key)},
            {"two_password_mode", false}};
  auto reply = api.call("PUT", "/api/v1/account/password", body);
  api.clear_tokens();  // the server ended the recovery session
  if (!reply.ok()) return std::move(reply).error();
  return ok_status();
}

Result<std::vector<SessionInfo>> list_sessions(ApiClient& api) {
  Json reply = SEALMAIL_TRY(api.call("GET", "/api/v1/sessions"));
  auto it = reply.find("sessions");
  if (it == reply.end() || !it->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no sessions");
  }
  std::vector<SessionInfo> out;
  for (const Json& s : *it) {
    if (!s.is_object()) continue;
    SessionInfo info;
    info.id = s.value("id", "");
    info.scope = s.value("scope", "");
    info.client = s.value("client", "");
    if (s.contains("created_ms") && s["created_ms"].is_number_integer())
      info.created_ms = s["created_ms"].get<int64_t>();
    if (s.contains("last_used_ms") && s["last_used_ms"].is_number_integer())
      info.last_used_ms = s["last_used_ms"].get<int64_t>();
    info.current = bool_member(s, "current");
    out.push_back(std::move(info));
  }
  return out;
}

Status revoke_session(ApiClient& api, std::string_view id) {
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id)
    ok = ok && ((ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_');
  if (!ok) return make_error(Errc::kInvalidArgument, "not a session id");
  SEALMAIL_TRY(api.call("DELETE", "/api/v1/sessions/" + std::string(id)));
  return ok_status();
}

Result<TotpEnrolment> begin_totp(ApiClient& api) {
  Json reply = SEALMAIL_TRY(api.call("POST", "/api/v1/2fa/totp", Json::object()));
  return TotpEnrolment{SEALMAIL_TRY(string_member(reply, "secret")),
                       SEALMAIL_TRY(string_member(reply, "uri"))};
}

Result<std::vector<std::string>> confirm_totp(ApiClient& api, std::string_view code) {
  Json reply =
      SEALMAIL_TRY(api.call("POST", "/api/v1/2fa/totp/confirm", Json{{"code", std::string(code)}}));
  auto it = reply.find("recovery_codes");
  if (it == reply.end() || !it->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no recovery codes");
  }
  std::vector<std::string> codes;
  for (const Json& c : *it) {
    if (c.is_string()) codes.push_back(c.get<std::string>());
  }
  return codes;
}

Status disable_totp(ApiClient& api, std::string_view code) {
  SEALMAIL_TRY(api.call("DELETE", "/api/v1/2fa/totp", Json{{"code", std::string(code)}}));
  return ok_status();
}

Result<std::vector<KeyDescription>> list_keys(ApiClient& api) {
  AccountDocument account = SEALMAIL_TRY(fetch_account(api));
  auto describe = [](std::string role, std::string address, const pgp::KeyInfo& info) {
    KeyDescription d{std::move(role), std::move(address), info.fingerprint, info.algorithm, {},
                     info.created};
    for (const auto& sub : info.subkeys) d.subkey_algorithms.push_back(sub.algorithm);
    return d;
  };
  std::string primary = account.doc.value("address", "");
  std::vector<KeyDescription> out;
  out.push_back(describe("account", ascii_lowercase(primary), account.record.public_key.info()));
  auto addresses = account.doc.find("addresses");
  if (addresses != account.doc.end() && addresses->is_array()) {
    for (const Json& entry : *addresses) {
      if (!entry.is_object() || !entry.contains("address_key")) continue;
      pgp::AddressKeyRecord record = SEALMAIL_TRY(parse_address_key(entry["address_key"]));
      out.push_back(describe("address", record.address, record.public_key.info()));
    }
  }
  return out;
}

Result<std::string> export_public_key(ApiClient& api, std::string_view address) {
  std::string identity = SEALMAIL_TRY(checked_address(address));
  Json reply =
      SEALMAIL_TRY(api.call("GET", "/api/v1/keys/" + identity, nullptr, ApiClient::Auth::kNone));
  auto keys = reply.find("keys");
  auto list = reply.find("key_list");
  if (keys == reply.end() || !keys->is_array() || keys->empty() || !(*keys)[0].is_object() ||
      list == reply.end() || !list->is_object()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no key and key list");
  }
  std::string armored = SEALMAIL_TRY(string_member((*keys)[0], "public_key"));
  auto key = pgp::PublicKey::parse(armored);
  if (!key.ok()) return make_error(Errc::kInvalidArgument, "the server sent no valid public key");
  auto verified = pgp::verify_key_list(list->dump(), *key, identity);
  if (!verified.ok()) {
    return make_error(Errc::kPermissionDenied,
                      "the key the server sent for " + identity +
                          " is not named in a key list it signed; not exporting it");
  }
  return key->armored();
}

}  // namespace sealmail::client
