// handlers.h — the API's handler groups, each registering its routes on the router. Internal
// to src/server/api; the server calls register_api (api.h) only. docs/api.md documents every
// route with an example.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "http/router.h"
#include "server/api/context.h"

namespace sealmail::server::api {

void register_login(http::Router& router, std::shared_ptr<ApiContext> ctx);     // login.cc
void register_accounts(http::Router& router, std::shared_ptr<ApiContext> ctx);  // accounts.cc
void register_sessions(http::Router& router, std::shared_ptr<ApiContext> ctx);  // sessions.cc
void register_totp(http::Router& router, std::shared_ptr<ApiContext> ctx);      // totp.cc
void register_keys(http::Router& router, std::shared_ptr<ApiContext> ctx);      // keys.cc
void register_messages(http::Router& router, std::shared_ptr<ApiContext> ctx);  // messages.cc
void register_mailbox(http::Router& router, std::shared_ptr<ApiContext> ctx);   // mailbox.cc
void register_events(http::Router& router, std::shared_ptr<ApiContext> ctx);    // events.cc
void register_uploads(http::Router& router, std::shared_ptr<ApiContext> ctx);   // uploads.cc

// Shared by the routes that take messages (messages.cc).
// The largest message any plan may send (PlanConfig::max_message_bytes).
size_t largest_message(const Config& config);
// A large body's admission: a full session, checked on the header before the body is read.
std::function<std::optional<http::Response>(const http::Request&)> admit_full_session(
    std::shared_ptr<ApiContext> ctx);

}  // namespace sealmail::server::api
