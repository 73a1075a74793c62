// guard.h — who is asking and whether they may: bearer tokens → login sessions, the issuing of
// tokens, and the backoff that slows down password guessing.
//
// Tokens. A login creates a session with a random access token (short-lived, sent as
// "Authorization: Bearer …") and a refresh token (long-lived, exchanged once for a new pair).
// The store keeps only their SHA-256 hashes. A session has a scope: "full" for normal use,
// "2fa" while the second factor is pending, "recovery" after logging in with the recovery
// phrase ("2fa-recovery" while its second factor is pending). Each endpoint names the scopes
// it accepts; any other token is a 401.
//
// Backoff. Failed logins (and second-factor codes) are counted in the store, shared by every
// server process, per client network (the exact IPv4 address, an IPv6 /64) and per account
// (also for addresses that do not exist, so the answer does not depend on it). Past the
// configured allowance within the window, each further attempt must wait 1 s, 2 s, 4 s … (up
// to login_backoff_max) after the previous failure, or gets 429 with Retry-After. The bar per
// account is higher than per client, so an attacker's guesses slow the attacker down long
// before they lock out the owner, who logs in from elsewhere.
//
// SECURITY: reads the untrusted Authorization header and client addresses. Token comparison
// happens in the store by hash equality, so no timing of ours depends on the token's bytes.
// Thread-safety: functions only; state is in the store.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "http/request.h"
#include "server/api/context.h"
#include "server/api/json_body.h"
#include "server/api/step.h"
#include "store/records.h"

namespace sealmail::server::api {

// The session of the request's bearer token if it is live and its scope is one of `scopes`.
Step<store::SessionRecord> authenticate(ApiContext& ctx, const http::Request& request,
                                        std::initializer_list<std::string_view> scopes);

struct IssuedTokens {
  store::SessionRecord session;
  std::string access_token;
  std::string refresh_token;

  // {"session_id","access_token","refresh_token","expires_in","scope"}
  Json to_json(const ApiContext& ctx) const;
};
// A session record with fresh tokens and expiries for `account` (not stored).
IssuedTokens new_tokens(const ApiContext& ctx, store::AccountId account, std::string scope,
                        std::string id = {});

// "ip:192.0.2.1", "ip:2001:db8:1:2::/64".
std::string client_network_key(std::string_view peer_address);
// "account:" + the ASCII-folded address.
std::string account_key(std::string_view address);

// 429 too_many_attempts (with Retry-After) if any of `keys` is in backoff now.
Step<std::monostate> check_backoff(ApiContext& ctx, const http::Request& request,
                                   std::initializer_list<std::string_view> keys);
// Counts a failure under each key. Store errors are logged, not returned: the attempt failed
// either way.
void record_failure(ApiContext& ctx, const http::Request& request,
                    std::initializer_list<std::string_view> keys);
void clear_failures(ApiContext& ctx, std::initializer_list<std::string_view> keys);

}  // namespace sealmail::server::api
