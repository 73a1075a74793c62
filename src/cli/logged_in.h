// logged_in.h — what the client commands share: the logged-in account a command acts for.
#pragma once

#include <memory>
#include <string_view>

#include "base/result.h"
#include "client/api_client.h"
#include "client/session_store.h"

namespace sealmail::cli {

// A logged-in account: its stored session, and a client that persists refreshed tokens.
struct Account {
  client::SessionStore sessions;
  client::StoredSession session;
  std::unique_ptr<client::ApiClient> api;
};

// The account `address` (any case), or the default one when empty; kNotFound when not logged in.
Result<Account> logged_in_as(std::string_view address);

}  // namespace sealmail::cli
