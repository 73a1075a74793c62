// api.h — the JSON API of design.md §6 on an http::Router: signup, SRP login with a second
// factor, sessions, password change and recovery, addresses and the public key directory.
// Every route and its errors: docs/api.md.
//
// SECURITY: every handler reads untrusted requests (json_body.h bounds them) and answers
// another account's objects with 404, never 403, so ids cannot be probed. Nothing a handler
// logs carries a request body, a token or an address.
// Standards: RFC 5054 / RFC 2945 (SRP-6a, via auth/srp.h), RFC 6238 (TOTP, via auth/totp.h),
// RFC 6750 (bearer tokens), RFC 9110 (status codes, Retry-After).
// Thread-safety: register at start-up; handlers then run on any thread.
#pragma once

#include <memory>

#include "http/router.h"
#include "server/api/context.h"

namespace sealmail::server::api {

void register_api(http::Router& router, std::shared_ptr<ApiContext> ctx);

}  // namespace sealmail::server::api
