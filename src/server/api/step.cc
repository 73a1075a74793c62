#include "server/api/step.h"

#include "base/log.h"

namespace sealmail::server::api {

http::Response failure(const Error& error, const http::Request& request) {
  switch (error.code) {
    case Errc::kInvalidArgument:
      return bad_request(error.message);
    case Errc::kNotFound:
      return not_found();
    case Errc::kAlreadyExists:
      return http::Response::error(409, "already_exists", "it exists already");
    case Errc::kUnavailable:
    case Errc::kTimeout: {
      spdlog::warn("request {}: {}", request.request_id, error.describe());
      http::Response response =
          http::Response::error(503, "unavailable", "the server cannot do this now; try again");
      response.headers.emplace_back("Retry-After", "5");
      return response;
    }
    default:
      spdlog::error("request {}: {}", request.request_id, error.describe());
      return http::Response::error(500, "internal", "internal error");
  }
}

http::Response bad_request(std::string_view message) {
  return http::Response::error(400, "invalid_request", message);
}

http::Response unauthorized() {
  http::Response response =
      http::Response::error(401, "unauthorized", "log in first: the token is missing, expired or "
                                                 "revoked, or not valid for this request");
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

http::Response no_content() {
  http::Response response;
  response.status = 204;
  return response;
}

http::Response not_found() { return http::Response::error(404, "not_found", "not found"); }

}  // namespace sealmail::server::api
