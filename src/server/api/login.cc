// login.cc — SRP-6a login (challenge, proof), the second factor, token refresh and logout.
#include <fmt/format.h>

#include "auth/srp.h"
#include "auth/token.h"
#include "base/base64.h"
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "server/api/json_body.h"
#include "server/api/second_factor.h"
#include "server/api/srp_subject.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

constexpr int64_t kChallengeLifetimeMs = 60'000;
constexpr size_t kMaxClientBytes = 200;
constexpr size_t kMaxTokenBytes = 256;

// POST /api/v1/auth/challenge {"address", "purpose"?} → the SRP salt, KDF and B.
http::Response challenge(ApiContext& ctx, const http::Request& request) {
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string address = SEALMAIL_API_TRY(text_field(body, "address", store::kMaxAddressBytes));
  auto purpose = SEALMAIL_API_TRY(optional_text_field(body, "purpose", 16)).value_or("login");
  if (purpose != "login" && purpose != "recovery") {
    return bad_request("purpose: must be \"login\" or \"recovery\"");
  }
  SrpSubject subject = SEALMAIL_API_TRY(srp_subject(ctx, request, address, purpose));
  auto server = SEALMAIL_API_TRY(
      lift(auth::srp_server_challenge(subject.params, subject.credentials.srp_verifier), request));
  store::SrpChallenge record;
  record.id = auth::new_token();
  record.address_key = subject.identity;
  record.purpose = purpose;
  record.server_secret = std::string(server.b.reveal());
  record.server_public = server.B;
  record.expires_at_ms = ctx.now_ms() + kChallengeLifetimeMs;
  SEALMAIL_API_TRY(lift(ctx.store.put_challenge(record), request));
  return http::Response::json(200, {{"challenge", record.id},
                                    {"srp", auth::to_string(subject.params)},
                                    {"salt", base64_encode(subject.credentials.srp_salt)},
                                    {"kdf", subject.credentials.kdf},
                                    {"B", base64_encode(server.B)}});
}

// POST /api/v1/auth/login {"challenge","A","M1","client"?} → M2 and tokens.
http::Response login(ApiContext& ctx, const http::Request& request) {
  Json body = SEALMAIL_API_TRY(json_object(request));
  auto client = SEALMAIL_API_TRY(optional_text_field(body, "client", kMaxClientBytes));
  auto purpose = SEALMAIL_API_TRY(optional_text_field(body, "purpose", 16)).value_or("login");
  if (purpose != "login" && purpose != "recovery") {
    return bad_request("purpose: must be \"login\" or \"recovery\"");
  }
  ProvenLogin proven = SEALMAIL_API_TRY(prove_password(ctx, request, body, purpose));
  const store::AccountRecord& account = proven.account;
  if (account.disabled) {
    return http::Response::error(403, "account_disabled",
                                 "this account is disabled; ask the server's administrator");
  }
  auto totp = SEALMAIL_API_TRY(lift(ctx.store.get_totp(account.id), request));
  std::string scope = purpose == "recovery" ? "recovery" : "full";
  if (!totp.secret.empty()) scope = purpose == "recovery" ? "2fa-recovery" : "2fa";
  IssuedTokens tokens = new_tokens(ctx, account.id, scope);
  tokens.session.client = fmt::format("{} from {}", client.value_or("unknown client"),
                                      request.peer_address);
  SEALMAIL_API_TRY(lift(ctx.store.create_session(tokens.session), request));
  Json reply = tokens.to_json(ctx);
  reply["M2"] = base64_encode(proven.M2);
  reply["two_password_mode"] = account.two_password_mode;
  reply["second_factor_required"] = !totp.secret.empty();
  return http::Response::json(200, reply);
}

// POST /api/v1/auth/2fa {"code"} with a "2fa"/"2fa-recovery" token → a new token pair.
http::Response second_factor(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"2fa", "2fa-recovery"}));
  SEALMAIL_API_TRY(require_second_factor(ctx, request, session.account));
  // New tokens for the full session: the ones that only knew the password stop working.
  IssuedTokens tokens = new_tokens(ctx, session.account,
                                   session.scope == "2fa" ? "full" : "recovery", session.id);
  SEALMAIL_API_TRY(
      lift(ctx.store.upgrade_session(session.account, session.id, tokens.session), request));
  return http::Response::json(200, tokens.to_json(ctx));
}

// POST /api/v1/auth/refresh {"refresh_token"} → a new token pair; the old refresh token dies.
http::Response refresh(ApiContext& ctx, const http::Request& request) {
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string token = SEALMAIL_API_TRY(text_field(body, "refresh_token", kMaxTokenBytes));
  IssuedTokens next = new_tokens(ctx, store::AccountId{}, "");
  auto rotated = ctx.store.rotate_session(auth::token_hash(token), next.session, ctx.now_ms());
  if (!rotated.ok()) {
    if (rotated.error().code == Errc::kNotFound) return unauthorized();
    return failure(rotated.error(), request);
  }
  next.session = std::move(rotated).value();
  return http::Response::json(200, next.to_json(ctx));
}

// POST /api/v1/auth/logout → 204; the session's tokens stop working on every server.
http::Response logout(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(
      authenticate(ctx, request, {"full", "2fa", "recovery", "2fa-recovery"}));
  SEALMAIL_API_TRY(lift(ctx.store.revoke_session(session.account, session.id), request));
  return no_content();
}

}  // namespace

void register_login(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("POST", "/api/v1/auth/challenge",
             [ctx](const http::Request& r) { return challenge(*ctx, r); });
  router.add("POST", "/api/v1/auth/login", [ctx](const http::Request& r) { return login(*ctx, r); });
  router.add("POST", "/api/v1/auth/2fa",
             [ctx](const http::Request& r) { return second_factor(*ctx, r); });
  router.add("POST", "/api/v1/auth/refresh",
             [ctx](const http::Request& r) { return refresh(*ctx, r); });
  router.add("POST", "/api/v1/auth/logout",
             [ctx](const http::Request& r) { return logout(*ctx, r); });
}

}  // namespace sealmail::server::api
