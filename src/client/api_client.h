// api_client.h — JSON calls to the sealmail HTTPS API (docs/api.md) over HttpsClient: bodies
// in and out as JSON, the server's {"error":{code,message}} turned into a Result error, the
// bearer token attached, and an expired access token refreshed once, transparently.
//
// Errors: a server error becomes an Error whose message is the server's `message` verbatim and
// whose Errc follows the status (400/422 kInvalidArgument, 401/403 kPermissionDenied, 404
// kNotFound, 409 kAlreadyExists, 413/429 kLimitExceeded, 503 kUnavailable, others kInternal);
// last_error() keeps the status and the stable `code` for callers that branch on it.
// Transport failures are HttpsClient's errors, unchanged (last_error() is then empty).
//
// Refresh: a request sent with the access token that gets `401 unauthorized` while a refresh
// token is held → POST /api/v1/auth/refresh once; on success the new pair replaces the old,
// on_tokens_changed is called (the caller persists it; the old refresh token is dead), and the
// request is sent again once. A failed refresh returns the original 401.
//
// SECURITY: responses are untrusted: bodies are parsed without exceptions, a non-JSON body is
// an error naming only the status. Tokens are written to the TLS stream only (HttpsClient) and
// never appear in error messages.
// Standards: RFC 8259 (JSON), RFC 6750 (bearer tokens), RFC 9110 (status codes).
// Thread-safety: one thread at a time, like the HttpsClient it owns.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "client/https_client.h"

namespace sealmail::client {

// What the server said when it refused a request.
struct ApiError {
  int status = 0;
  std::string code;     // stable, e.g. "login_failed"
  std::string message;  // for people
};

// The session a login gives (docs/api.md "Authentication").
struct SessionTokens {
  std::string session_id;
  std::string access_token;
  std::string refresh_token;
  std::string scope;  // "full", "2fa", "recovery", "2fa-recovery"
};

// Reads {"session_id","access_token","refresh_token","scope"}; kInvalidArgument if one is
// missing or not a string.
Result<SessionTokens> parse_session_tokens(const nlohmann::json& reply);

class ApiClient {
 public:
  enum class Auth { kBearer, kNone };

  explicit ApiClient(HttpsClient http, std::string server_url);

  // Sends `body` (omitted when null) and returns the reply's JSON (an empty object for 204 or
  // an empty body). `target` starts with "/api/v1/".
  Result<nlohmann::json> call(std::string_view method, std::string_view target,
                              const nlohmann::json& body = nullptr, Auth auth = Auth::kBearer);

  // POSTs `bytes` as application/octet-stream (an upload, docs/api.md) and returns the reply's
  // JSON, as call().
  Result<nlohmann::json> upload(std::string_view target, std::string_view bytes);

  // GETs raw bytes (a data packet, docs/api.md): the body of a 2xx reply as it is.
  Result<std::string> fetch(std::string_view target);

  // The error of the last call() that the server refused; nullopt after a success or a
  // transport failure.
  const std::optional<ApiError>& last_error() const { return last_error_; }

  void set_tokens(SessionTokens tokens) { tokens_ = std::move(tokens); }
  void clear_tokens() { tokens_ = SessionTokens{}; }
  const SessionTokens& tokens() const { return tokens_; }
  void set_on_tokens_changed(std::function<void(const SessionTokens&)> callback) {
    on_tokens_changed_ = std::move(callback);
  }

  const std::string& server_url() const { return server_url_; }
  const ServerAddress& server() const { return http_.server(); }

 private:
  Result<nlohmann::json> send(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view content_type, Auth auth);
  // One request; the 2xx response, or the server's refusal in last_error_.
  Result<HttpResponse> exchange(std::string_view method, std::string_view target,
                                std::string_view body, std::string_view content_type, Auth auth);
  // send(), and once more after refreshing the tokens when the access token has expired.
  Result<nlohmann::json> send_refreshing(std::string_view method, std::string_view target,
                                         std::string_view body, std::string_view content_type,
                                         Auth auth);
  bool refresh();

  // Constant after construction.
  std::string server_url_;
  // Mutable state, one thread at a time.
  HttpsClient http_;
  SessionTokens tokens_;
  std::function<void(const SessionTokens&)> on_tokens_changed_;
  std::optional<ApiError> last_error_;
};

}  // namespace sealmail::client
