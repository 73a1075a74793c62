#include "server/api/api.h"

#include "server/api/handlers.h"

namespace sealmail::server::api {

void register_api(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  register_login(router, ctx);
  register_accounts(router, ctx);
  register_sessions(router, ctx);
  register_totp(router, ctx);
  register_keys(router, ctx);
  register_messages(router, ctx);
  register_uploads(router, ctx);
  register_mailbox(router, ctx);
  register_events(router, ctx);
}

}  // namespace sealmail::server::api
