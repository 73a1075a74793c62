// events.h — the account's event stream (GET /api/v1/events, docs/api.md "Events"): what
// changed since the last cursor the caller processed, optionally waiting (long poll) until
// something does. A client that remembers the cursor of the last batch it handled and asks
// again from there sees every event exactly once, whether it waited online or was away.
//
// SECURITY: the server's answer is untrusted JSON: every field is checked for type; payloads
// are returned as the server sent them (metadata such as message ids, never mail content).
// Thread-safety: as the ApiClient it uses (one thread at a time).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "client/api_client.h"

namespace sealmail::client {

struct StreamEvent {
  int64_t cursor = 0;
  std::string kind;           // e.g. "message.created"
  nlohmann::json payload;     // the payload when it is JSON; null otherwise
  std::string payload_bytes;  // the payload's bytes when it is not JSON (sent as base64)
  bool binary = false;        // which of the two holds the payload
  int64_t created_ms = 0;
};

struct EventBatch {
  std::vector<StreamEvent> events;  // in cursor order
  int64_t cursor = 0;  // the last event's cursor, or `after` when there is none: ask from here
  bool more = false;   // more events are waiting: ask again at once
};

// The server holds a request at most this long; wait_events asks for no more, so that the
// request fits well within HttpsClient's default 30 s deadline.
inline constexpr std::chrono::seconds kMaxEventWait{25};

// Up to `limit` (1..1000) events after `after`. With wait > 0 and nothing new, the server
// answers as soon as an event arrives, or with an empty batch after `wait` (capped at
// kMaxEventWait). kInvalidArgument for a malformed answer; the ApiClient's errors otherwise.
Result<EventBatch> wait_events(ApiClient& api, int64_t after,
                               std::chrono::seconds wait = std::chrono::seconds(0),
                               size_t limit = 100);

// One event as the server sends it ({"cursor","kind","created_ms","payload" |
// "payload_base64"}), for printing.
nlohmann::json to_json(const StreamEvent& event);

}  // namespace sealmail::client
