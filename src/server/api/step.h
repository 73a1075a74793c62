// step.h — how API handlers stop early. A handler works through steps that each either give a
// value to go on with or end the request with a response (a refusal, an error). Step<T> holds
// one or the other, and SEALMAIL_API_TRY unwraps it or returns the response — the Result/TRY
// pattern of base/result.h, with an HTTP answer in place of an Error.
//
// SECURITY: failure() turns an internal Error into a response. Store and library messages are
// for the log, not for clients: internal failures answer "internal error" and are logged with
// the request id; only caller mistakes (kInvalidArgument) echo their message, which our own
// code wrote.
// Thread-safety: values and pure functions.
#pragma once

#include <string_view>
#include <utility>
#include <variant>

#include "base/result.h"
#include "http/request.h"

namespace sealmail::server::api {

template <typename T>
using Step = std::variant<T, http::Response>;

// The response for an Error from the store or a library: kInvalidArgument → 400
// invalid_request with its message; kNotFound → 404 not_found; kAlreadyExists → 409;
// kUnavailable / kTimeout → 503 (Retry-After: 5); anything else → 500 internal, logged.
http::Response failure(const Error& error, const http::Request& request);

// A Result as a Step, failures mapped by failure().
template <typename T>
Step<T> lift(Result<T> result, const http::Request& request) {
  if (result.ok()) return std::move(result).value();
  return failure(result.error(), request);
}
inline Step<std::monostate> lift(Status status, const http::Request& request) {
  if (status.ok()) return std::monostate{};
  return failure(status.error(), request);
}

// 400 invalid_request with `message`.
http::Response bad_request(std::string_view message);
// 401 unauthorized: no, unknown, expired or revoked token, or one of the wrong scope.
http::Response unauthorized();
// 204 with no body.
http::Response no_content();
// 404 not_found with a fixed message: also what another account's objects look like.
http::Response not_found();

}  // namespace sealmail::server::api

// `auto x = SEALMAIL_API_TRY(step);` — the value, or return the response from the handler.
#define SEALMAIL_API_TRY(expr)                                                      \
  ({                                                                                \
    auto sealmail_step_ = (expr);                                                   \
    if (sealmail_step_.index() == 1) return std::get<1>(std::move(sealmail_step_)); \
    std::get<0>(std::move(sealmail_step_));                                         \
  })
