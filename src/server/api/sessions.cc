// sessions.cc — the account's login sessions: list them, end one.
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

// GET /api/v1/sessions
http::Response list(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  auto sessions = SEALMAIL_API_TRY(lift(ctx.store.list_sessions(session.account), request));
  Json out = Json::array();
  for (const store::SessionRecord& s : sessions) {
    out.push_back({{"id", s.id},
                   {"scope", s.scope},
                   {"client", s.client},
                   {"created_ms", s.created_at_ms},
                   {"last_used_ms", s.last_used_ms},
                   {"current", s.id == session.id}});
  }
  return http::Response::json(200, {{"sessions", out}});
}

// DELETE /api/v1/sessions/{id} — another account's session is 404, like one that never was.
http::Response revoke(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  SEALMAIL_API_TRY(lift(ctx.store.revoke_session(session.account, request.param("id")), request));
  return no_content();
}

}  // namespace

void register_sessions(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("GET", "/api/v1/sessions", [ctx](const http::Request& r) { return list(*ctx, r); });
  router.add("DELETE", "/api/v1/sessions/{id}",
             [ctx](const http::Request& r) { return revoke(*ctx, r); });
}

}  // namespace sealmail::server::api
