#include "server/api/guard.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <chrono>

#include "auth/token.h"
#include "base/ascii.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/random.h"

namespace sealmail::server::api {
namespace {

constexpr std::string_view kBearer = "Bearer ";

uint32_t allowance(const ApiContext& ctx, std::string_view key) {
  return key.starts_with("ip:") ? ctx.config.accounts.login_failures_per_ip
                                : ctx.config.accounts.login_failures_per_account;
}

// How long after the last failure the next attempt must wait; 0 within the allowance.
int64_t backoff_ms(const ApiContext& ctx, int64_t count, uint32_t allowed) {
  if (count < allowed) return 0;
  int64_t cap = ctx.config.accounts.login_backoff_max.count();
  int64_t doublings = std::min<int64_t>(count - allowed, 40);
  return std::min(cap, int64_t{1000} << doublings);
}

}  // namespace

Step<store::SessionRecord> authenticate(ApiContext& ctx, const http::Request& request,
                                        std::initializer_list<std::string_view> scopes) {
  auto header = request.header("Authorization");
  if (!header || header->size() <= kBearer.size() ||
      !ascii_lowercase(header->substr(0, kBearer.size())).starts_with("bearer ")) {
    return unauthorized();
  }
  std::string_view token = header->substr(kBearer.size());
  if (token.size() > 256) return unauthorized();
  int64_t now = ctx.now_ms();
  auto session = ctx.store.find_session_by_access(auth::token_hash(token), now);
  if (!session.ok()) {
    if (session.error().code == Errc::kNotFound) return unauthorized();
    return failure(session.error(), request);
  }
  if (session->access_expires_ms <= now ||
      std::find(scopes.begin(), scopes.end(), session->scope) == scopes.end()) {
    return unauthorized();
  }
  return std::move(session).value();
}

Json IssuedTokens::to_json(const ApiContext& ctx) const {
  return Json{{"session_id", session.id},
              {"access_token", access_token},
              {"refresh_token", refresh_token},
              {"expires_in", ctx.config.accounts.access_token_ttl.count() / 1000},
              {"scope", session.scope}};
}

IssuedTokens new_tokens(const ApiContext& ctx, store::AccountId account, std::string scope,
                        std::string id) {
  IssuedTokens out;
  out.access_token = auth::new_token();
  out.refresh_token = auth::new_token();
  int64_t now = ctx.now_ms();
  store::SessionRecord& s = out.session;
  s.id = id.empty() ? random_token_hex(8) : std::move(id);
  s.account = account;
  s.scope = std::move(scope);
  s.access_hash = auth::token_hash(out.access_token);
  s.refresh_hash = auth::token_hash(out.refresh_token);
  s.created_at_ms = now;
  s.last_used_ms = now;
  s.access_expires_ms = now + ctx.config.accounts.access_token_ttl.count();
  s.refresh_expires_ms = now + ctx.config.accounts.refresh_token_ttl.count();
  return out;
}

std::string client_network_key(std::string_view peer_address) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(peer_address), ec);
  if (ec) return "ip:" + std::string(peer_address);
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return "ip:" + boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
                       .to_string();
  }
  if (address.is_v4()) return "ip:" + address.to_string();
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return "ip:" + boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

std::string account_key(std::string_view address) { return "account:" + ascii_lowercase(address); }

Step<std::monostate> check_backoff(ApiContext& ctx, const http::Request& request,
                                   std::initializer_list<std::string_view> keys) {
  int64_t now = ctx.now_ms();
  int64_t window = ctx.config.accounts.login_failure_window.count();
  int64_t wait_ms = 0;
  for (std::string_view key : keys) {
    auto count = SEALMAIL_API_TRY(lift(ctx.store.failures(key, now, window), request));
    int64_t until = count.last_failure_ms + backoff_ms(ctx, count.count, allowance(ctx, key));
    wait_ms = std::max(wait_ms, until - now);
  }
  if (wait_ms <= 0) return std::monostate{};
  http::Response response = http::Response::error(
      429, "too_many_attempts", "too many failed attempts; wait before trying again");
  response.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
  return response;
}

void record_failure(ApiContext& ctx, const http::Request& request,
                    std::initializer_list<std::string_view> keys) {
  int64_t now = ctx.now_ms();
  for (std::string_view key : keys) {
    auto counted =
        ctx.store.record_failure(key, now, ctx.config.accounts.login_failure_window.count());
    if (!counted.ok()) {
      spdlog::warn("request {}: failed login not counted: {}", request.request_id,
                   counted.error().describe());
    }
  }
}

void clear_failures(ApiContext& ctx, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (Status s = ctx.store.clear_failures(key); !s.ok()) {
      spdlog::warn("failure count not cleared: {}", s.error().describe());
    }
  }
}

}  // namespace sealmail::server::api
