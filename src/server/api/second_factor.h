// second_factor.h — checking a second-factor code: a current TOTP code (RFC 6238, ±1 step)
// that no process has accepted before for this account, or one of the account's unused
// recovery codes (which is then used up).
//
// SECURITY: the code is untrusted. Replay protection lives in the store (use_totp_step,
// use_recovery_code), so two server processes cannot both accept one code.
// Thread-safety: functions only.
#pragma once

#include <string_view>

#include "http/request.h"
#include "server/api/context.h"
#include "server/api/json_body.h"
#include "server/api/step.h"
#include "store/records.h"

namespace sealmail::server::api {

// true: accepted (and now used); false: wrong, reused or no TOTP enabled.
Step<bool> accept_second_factor(ApiContext& ctx, const http::Request& request,
                                store::AccountId account, std::string_view code);

// The body's "code" for `account`, with the login backoff (guard.h) per client network and per
// account: ok when accepted; else 401 second_factor_failed (counted) or 429.
Step<std::monostate> require_second_factor(ApiContext& ctx, const http::Request& request,
                                           store::AccountId account);

}  // namespace sealmail::server::api
