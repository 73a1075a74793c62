// totp.cc — turning TOTP on (with one-time recovery codes) and off, and checking a second
// factor for login (second_factor.h).
#include <fmt/format.h>

#include "auth/token.h"
#include "auth/totp.h"
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "server/api/second_factor.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

constexpr int kRecoveryCodes = 10;
constexpr std::string_view kIssuer = "sealmail";

int64_t now_seconds(const ApiContext& ctx) { return ctx.now_ms() / 1000; }

// POST /api/v1/2fa/totp — a new secret, pending until a code from it is confirmed.
http::Response begin(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  auto totp = SEALMAIL_API_TRY(lift(ctx.store.get_totp(session.account), request));
  if (!totp.secret.empty()) {
    return http::Response::error(409, "already_enabled", "two-factor login is already on");
  }
  auto account = SEALMAIL_API_TRY(lift(ctx.store.get_account(session.account), request));
  std::string secret = auth::new_totp_secret();
  SEALMAIL_API_TRY(lift(ctx.store.set_totp_pending(session.account, secret), request));
  return http::Response::json(
      200, {{"secret", auth::base32_encode(secret)},
            {"uri", auth::otpauth_uri(kIssuer, account.address, secret)}});
}

// POST /api/v1/2fa/totp/confirm {"code"} — turns TOTP on; returns the recovery codes once.
http::Response confirm(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string code = SEALMAIL_API_TRY(text_field(body, "code", 16));
  auto totp = SEALMAIL_API_TRY(lift(ctx.store.get_totp(session.account), request));
  if (totp.pending_secret.empty()) {
    return http::Response::error(409, "nothing_pending",
                                 "start with POST /api/v1/2fa/totp to get a secret");
  }
  auto step = auth::totp_match(totp.pending_secret, code, now_seconds(ctx));
  if (!step) return http::Response::error(401, "second_factor_failed", "wrong code");
  std::vector<std::string> codes, hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    codes.push_back(auth::new_recovery_code());
    hashes.push_back(auth::token_hash(auth::normalize_recovery_code(codes.back())));
  }
  SEALMAIL_API_TRY(lift(ctx.store.enable_totp(session.account, *step, hashes), request));
  return http::Response::json(200, {{"recovery_codes", codes}});
}

// DELETE /api/v1/2fa/totp {"code"} — turns TOTP off; needs a current code or a recovery code.
http::Response disable(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  SEALMAIL_API_TRY(require_second_factor(ctx, request, session.account));
  SEALMAIL_API_TRY(lift(ctx.store.disable_totp(session.account), request));
  return no_content();
}

}  // namespace

Step<bool> accept_second_factor(ApiContext& ctx, const http::Request& request,
                                store::AccountId account, std::string_view code) {
  auto totp = SEALMAIL_API_TRY(lift(ctx.store.get_totp(account), request));
  if (totp.secret.empty()) return false;
  if (auto step = auth::totp_match(totp.secret, code, now_seconds(ctx))) {
    return lift(ctx.store.use_totp_step(account, *step), request);
  }
  std::string normalized = auth::normalize_recovery_code(code);
  if (normalized.empty()) return false;
  return lift(ctx.store.use_recovery_code(account, auth::token_hash(normalized)), request);
}

Step<std::monostate> require_second_factor(ApiContext& ctx, const http::Request& request,
                                           store::AccountId account) {
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string code = SEALMAIL_API_TRY(text_field(body, "code", 64));
  std::string network = client_network_key(request.peer_address);
  std::string counter = "2fa:" + std::to_string(account.value);
  SEALMAIL_API_TRY(check_backoff(ctx, request, {network, counter}));
  if (!SEALMAIL_API_TRY(accept_second_factor(ctx, request, account, code))) {
    record_failure(ctx, request, {network, counter});
    return http::Response::error(401, "second_factor_failed", "wrong or already used code");
  }
  clear_failures(ctx, {counter});
  return std::monostate{};
}

void register_totp(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("POST", "/api/v1/2fa/totp", [ctx](const http::Request& r) { return begin(*ctx, r); });
  router.add("POST", "/api/v1/2fa/totp/confirm",
             [ctx](const http::Request& r) { return confirm(*ctx, r); });
  router.add("DELETE", "/api/v1/2fa/totp",
             [ctx](const http::Request& r) { return disable(*ctx, r); });
}

}  // namespace sealmail::server::api
