// accounts.cc — signup, the account's own records, password change, a new recovery phrase,
// account reset, and extra addresses.
#include <fmt/format.h>

#include "auth/token.h"
#include "base/ascii.h"
#include "base/base64.h"
#include "base/config.h"
#include "server/api/documents.h"
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "server/api/json_body.h"
#include "server/api/srp_subject.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

constexpr size_t kMaxCodeBytes = 128;

// The address, if its domain is hosted here; 400 for a malformed one, 422 for another domain.
Step<std::string> hosted_address(ApiContext& ctx, const http::Request& request, const Json& body) {
  std::string address = SEALMAIL_API_TRY(text_field(body, "address", store::kMaxAddressBytes));
  size_t at = address.rfind('@');
  if (at == 0 || at == std::string::npos || at + 1 == address.size()) {
    return bad_request("address: not an email address");
  }
  auto domain = ctx.store.find_domain(ascii_lowercase(std::string_view(address).substr(at + 1)));
  if (!domain.ok()) {
    if (domain.error().code != Errc::kNotFound) return failure(domain.error(), request);
    return http::Response::error(422, "domain_not_hosted",
                                 "this server does not host the address's domain");
  }
  return address;
}

const PlanConfig& plan_of(const ApiContext& ctx, const store::AccountRecord& account) {
  return plan_or_default(ctx.config, account.plan);
}

http::Response address_taken() {
  return http::Response::error(409, "address_taken", "this address is taken");
}

// The signup policy: open, or an invite code (bound to this address for admin-only).
Step<std::monostate> admit(ApiContext& ctx, const http::Request& request, const Json& body,
                           const std::string& address) {
  const std::string& mode = ctx.config.accounts.signup;
  auto code = SEALMAIL_API_TRY(optional_text_field(body, "invite", kMaxCodeBytes));
  if (mode == "open" && !code) return std::monostate{};
  if (!code) {
    return http::Response::error(403, "invite_required",
                                 "this server needs an invite code to sign up");
  }
  // admin-only invites are always bound to an address (the CLI makes no other kind then).
  Status taken = ctx.store.take_invite(auth::token_hash(*code), address, ctx.now_ms());
  if (!taken.ok()) {
    if (taken.error().code != Errc::kNotFound) return failure(taken.error(), request);
    return http::Response::error(403, "invite_invalid",
                                 "the invite code is wrong, used, expired or for another address");
  }
  return std::monostate{};
}

// POST /api/v1/accounts — signup with keys and verifiers made by the client.
http::Response create(ApiContext& ctx, const http::Request& request) {
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string address = SEALMAIL_API_TRY(hosted_address(ctx, request, body));
  store::AccountRecord account;
  account.address = address;
  account.credentials = SEALMAIL_API_TRY(credentials_field(body, "auth"));
  account.recovery_credentials = SEALMAIL_API_TRY(credentials_field(body, "recovery_auth"));
  account.account_key = SEALMAIL_API_TRY(account_key_field(body));
  account.two_password_mode = SEALMAIL_API_TRY(bool_field(body, "two_password_mode", false));
  AddressDocuments docs = SEALMAIL_API_TRY(address_documents_field(body, address));
  if (ctx.store.find_account(address).ok()) return address_taken();
  SEALMAIL_API_TRY(admit(ctx, request, body, address));
  store::AddressRecord primary;
  primary.address = address;
  primary.key_record = std::move(docs.key_record);
  primary.key_list = std::move(docs.key_list);
  auto created = ctx.store.create_user(account, primary);
  if (!created.ok() && created.error().code == Errc::kAlreadyExists) return address_taken();
  SEALMAIL_API_TRY(lift(std::move(created), request));
  return http::Response::json(201, {{"address", address}});
}

Json address_json(const store::AddressRecord& a) {
  return Json{{"address", a.address},
              {"address_key", Json::parse(a.key_record, nullptr, false)},
              {"key_list", Json::parse(a.key_list, nullptr, false)}};
}

// GET /api/v1/account — what the client needs to unlock its keys, and the account's state.
http::Response get(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full", "recovery"}));
  auto account = SEALMAIL_API_TRY(lift(ctx.store.get_account(session.account), request));
  auto addresses = SEALMAIL_API_TRY(lift(ctx.store.list_addresses(session.account), request));
  auto totp = SEALMAIL_API_TRY(lift(ctx.store.get_totp(session.account), request));
  auto codes = SEALMAIL_API_TRY(lift(ctx.store.recovery_codes_left(session.account), request));
  const PlanConfig& plan = plan_of(ctx, account);
  Json list = Json::array();
  for (const auto& a : addresses) list.push_back(address_json(a));
  return http::Response::json(
      200, {{"address", account.address},
            {"plan", account.plan},
            {"two_password_mode", account.two_password_mode},
            {"two_factor", !totp.secret.empty()},
            {"recovery_codes_left", codes},
            {"account_key", Json::parse(account.account_key, nullptr, false)},
            {"addresses", list},
            {"quota",
             {{"addresses", {{"used", addresses.size()}, {"limit", plan.addresses}}},
              {"storage_bytes", {{"used", 0}, {"limit", plan.storage_bytes}}},
              {"max_message_bytes", plan.max_message_bytes},
              {"messages_per_hour", plan.messages_per_hour},
              {"messages_per_day", plan.messages_per_day}}}});
}

// PUT /api/v1/account/password — new login credentials and account key record. A "full"
// session proves the current password again (challenge, A, M1); a "recovery" session has
// proven the recovery phrase. Every other session of the account ends.
http::Response change_password(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full", "recovery"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  store::Credentials credentials = SEALMAIL_API_TRY(credentials_field(body, "auth"));
  std::string account_key = SEALMAIL_API_TRY(account_key_field(body));
  auto account = SEALMAIL_API_TRY(lift(ctx.store.get_account(session.account), request));
  bool two_password_mode =
      SEALMAIL_API_TRY(bool_field(body, "two_password_mode", account.two_password_mode));
  Json reply = Json::object();
  std::string keep = session.id;
  if (session.scope == "full") {
    ProvenLogin proven = SEALMAIL_API_TRY(prove_password(ctx, request, body, "login"));
    if (proven.account.id != session.account) return login_failed();
    reply["M2"] = base64_encode(proven.M2);
  } else {
    keep.clear();  // the recovery session has done its job
  }
  SEALMAIL_API_TRY(lift(ctx.store.update_credentials(session.account, credentials, account_key,
                                                     two_password_mode, keep),
                        request));
  return http::Response::json(200, reply);
}

// PUT /api/v1/account/recovery — a new recovery phrase: its credentials and the account key
// record holding the new recovery copy.
http::Response replace_recovery(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  store::Credentials recovery = SEALMAIL_API_TRY(credentials_field(body, "recovery_auth"));
  std::string account_key = SEALMAIL_API_TRY(account_key_field(body));
  SEALMAIL_API_TRY(lift(ctx.store.set_recovery(session.account, recovery, account_key), request));
  return no_content();
}

// POST /api/v1/account/reset — with a reset code from the administrator: new keys and
// credentials for the same primary address; everything else of the account is deleted.
http::Response reset(ApiContext& ctx, const http::Request& request) {
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string address = SEALMAIL_API_TRY(text_field(body, "address", store::kMaxAddressBytes));
  std::string code = SEALMAIL_API_TRY(text_field(body, "reset_code", kMaxCodeBytes));
  std::string confirm = SEALMAIL_API_TRY(text_field(body, "confirm", 400));
  if (confirm != "delete all data of " + ascii_lowercase(address)) {
    return bad_request("confirm: must be \"delete all data of ADDRESS\" (lower case)");
  }
  store::Credentials credentials = SEALMAIL_API_TRY(credentials_field(body, "auth"));
  store::Credentials recovery = SEALMAIL_API_TRY(credentials_field(body, "recovery_auth"));
  std::string account_key = SEALMAIL_API_TRY(account_key_field(body));
  AddressDocuments docs = SEALMAIL_API_TRY(address_documents_field(body, address));
  std::string network = client_network_key(request.peer_address);
  SEALMAIL_API_TRY(check_backoff(ctx, request, {network}));
  Status taken = ctx.store.take_invite(auth::token_hash("reset:" + code), address, ctx.now_ms());
  auto id = ctx.store.find_account(address);
  if (!taken.ok() || !id.ok()) {
    record_failure(ctx, request, {network});
    return http::Response::error(403, "reset_code_invalid",
                                 "the reset code is wrong, used, expired or for another address");
  }
  auto account = SEALMAIL_API_TRY(lift(ctx.store.get_account(*id), request));
  store::AddressRecord primary;
  primary.account = *id;
  primary.address = account.address;
  primary.key_record = std::move(docs.key_record);
  primary.key_list = std::move(docs.key_list);
  SEALMAIL_API_TRY(
      lift(ctx.store.reset_account(*id, credentials, recovery, account_key, primary), request));
  return http::Response::json(200, {{"address", account.address}});
}

// POST /api/v1/addresses — another address with its own key, within the plan's quota.
http::Response add_address(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string address = SEALMAIL_API_TRY(hosted_address(ctx, request, body));
  AddressDocuments docs = SEALMAIL_API_TRY(address_documents_field(body, address));
  auto account = SEALMAIL_API_TRY(lift(ctx.store.get_account(session.account), request));
  auto existing = SEALMAIL_API_TRY(lift(ctx.store.list_addresses(session.account), request));
  const PlanConfig& plan = plan_of(ctx, account);
  if (existing.size() >= plan.addresses) {
    return http::Response::error(
        403, "quota_exceeded",
        fmt::format("the {} plan allows {} addresses", plan.name, plan.addresses));
  }
  store::AddressRecord record;
  record.account = session.account;
  record.address = address;
  record.key_record = std::move(docs.key_record);
  record.key_list = std::move(docs.key_list);
  Status added = ctx.store.add_address(record);
  if (!added.ok() && added.error().code == Errc::kAlreadyExists) return address_taken();
  SEALMAIL_API_TRY(lift(std::move(added), request));
  return http::Response::json(201, {{"address", address}});
}

}  // namespace

void register_accounts(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("POST", "/api/v1/accounts", [ctx](const http::Request& r) { return create(*ctx, r); });
  router.add("GET", "/api/v1/account", [ctx](const http::Request& r) { return get(*ctx, r); });
  router.add("PUT", "/api/v1/account/password",
             [ctx](const http::Request& r) { return change_password(*ctx, r); });
  router.add("PUT", "/api/v1/account/recovery",
             [ctx](const http::Request& r) { return replace_recovery(*ctx, r); });
  router.add("POST", "/api/v1/account/reset",
             [ctx](const http::Request& r) { return reset(*ctx, r); });
  router.add("POST", "/api/v1/addresses",
             [ctx](const http::Request& r) { return add_address(*ctx, r); });
}

}  // namespace sealmail::server::api
