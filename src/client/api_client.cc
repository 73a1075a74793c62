#include "client/api_client.h"

#include <utility>

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

Errc errc_for_status(int status) {
  switch (status) {
    case 400:
    case 422:
      return Errc::kInvalidArgument;
    case 401:
    case 403:
      return Errc::kPermissionDenied;
    case 404:
      return Errc::kNotFound;
    case 409:
      return Errc::kAlreadyExists;
    case 413:
    case 429:
      return Errc::kLimitExceeded;
    case 503:
      return Errc::kUnavailable;
    default:
      return Errc::kInternal;
  }
}

// The server's error object, or one naming the status when the body is not one.
ApiError api_error(const HttpResponse& response, std::string_view authority) {
  ApiError out;
  out.status = response.status;
  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const Json& error = body["error"];
    if (error.contains("code") && error["code"].is_string()) out.code = error["code"];
    if (error.contains("message") && error["message"].is_string()) out.message = error["message"];
  }
  if (out.message.empty()) {
    out.message = std::string(authority) + " answered HTTP " + std::to_string(response.status);
  }
  // One printable line: the text reaches a terminal.
  for (char& c : out.message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (out.message.size() > 300) out.message.resize(300);
  return out;
}

}  // namespace

Result<SessionTokens> parse_session_tokens(const Json& reply) {
  SessionTokens out;
  for (auto [name, member] :
       {std::pair{"session_id", &out.session_id}, std::pair{"access_token", &out.access_token},
        std::pair{"refresh_token", &out.refresh_token}, std::pair{"scope", &out.scope}}) {
    auto it = reply.find(name);
    if (it == reply.end() || !it->is_string()) {
      return make_error(Errc::kInvalidArgument,
                        std::string("the server's login answer has no ") + name);
    }
    *member = it->get<std::string>();
  }
  return out;
}

ApiClient::ApiClient(HttpsClient http, std::string server_url)
    : server_url_(std::move(server_url)), http_(std::move(http)) {}

Result<Json> ApiClient::call(std::string_view method, std::string_view target, const Json& body,
                             Auth auth) {
  std::string text = body.is_null() ? std::string() : body.dump();
  return send_refreshing(method, target, text, "application/json", auth);
}

Result<Json> ApiClient::upload(std::string_view target, std::string_view bytes) {
  return send_refreshing("POST", target, bytes, "application/octet-stream", Auth::kBearer);
}

Result<Json> ApiClient::send_refreshing(std::string_view method, std::string_view target,
                                        std::string_view body, std::string_view content_type,
                                        Auth auth) {
  auto reply = send(method, target, body, content_type, auth);
  if (!reply.ok() && last_error_ && last_error_->status == 401 &&
      last_error_->code == "unauthorized" && auth == Auth::kBearer &&
      !tokens_.refresh_token.empty()) {
    ApiError original = *last_error_;
    if (!refresh()) {
      last_error_ = original;
      return reply;
    }
    return send(method, target, body, content_type, auth);
  }
  return reply;
}

Result<std::string> ApiClient::fetch(std::string_view target) {
  auto response = exchange("GET", target, {}, {}, Auth::kBearer);
  if (!response.ok() && last_error_ && last_error_->status == 401 &&
      last_error_->code == "unauthorized" && !tokens_.refresh_token.empty()) {
    ApiError original = *last_error_;
    if (!refresh()) {
      last_error_ = original;
      return std::move(response).error();
    }
    response = exchange("GET", target, {}, {}, Auth::kBearer);
  }
  if (!response.ok()) return std::move(response).error();
  return std::move(response->body);
}

Result<HttpResponse> ApiClient::exchange(std::string_view method, std::string_view target,
                                         std::string_view body, std::string_view content_type,
                                         Auth auth) {
  last_error_.reset();
  std::string_view bearer = auth == Auth::kBearer ? tokens_.access_token : std::string_view();
  HttpResponse response = SEALMAIL_TRY(http_.request(method, target, body, bearer, content_type));
  if (response.status < 200 || response.status > 299) {
    last_error_ = api_error(response, http_.server().authority());
    return make_error(errc_for_status(response.status), last_error_->message);
  }
  return response;
}

Result<Json> ApiClient::send(std::string_view method, std::string_view target,
                             std::string_view body, std::string_view content_type, Auth auth) {
  HttpResponse response = SEALMAIL_TRY(exchange(method, target, body, content_type, auth));
  if (response.body.empty()) return Json::object();
  Json json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(Errc::kInvalidArgument,
                      http_.server().authority() + " answered with a body that is not JSON");
  }
  return json;
}

bool ApiClient::refresh() {
  auto reply =
      send("POST", "/api/v1/auth/refresh", Json{{"refresh_token", tokens_.refresh_token}}.dump(),
           "application/json", Auth::kNone);
  if (!reply.ok()) return false;
  auto tokens = parse_session_tokens(*reply);
  if (!tokens.ok()) return false;
  tokens_ = std::move(tokens).value();
  if (on_tokens_changed_) on_tokens_changed_(tokens_);
  return true;
}

}  // namespace sealmail::client
