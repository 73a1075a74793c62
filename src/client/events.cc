#include "client/events.h"

#include <algorithm>
#include <string>

#include "base/base64.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

Error malformed(std::string_view what) {
  return make_error(Errc::kInvalidArgument,
                    "the server's event stream answer is malformed: " + std::string(what));
}

Result<StreamEvent> parse_event(const Json& item) {
  if (!item.is_object()) return malformed("an event is not an object");
  StreamEvent event;
  auto cursor = item.find("cursor");
  auto kind = item.find("kind");
  auto created = item.find("created_ms");
  if (cursor == item.end() || !cursor->is_number_integer()) return malformed("cursor");
  if (kind == item.end() || !kind->is_string()) return malformed("kind");
  if (created == item.end() || !created->is_number_integer()) return malformed("created_ms");
  event.cursor = cursor->get<int64_t>();
  event.kind = kind->get<std::string>();
  event.created_ms = created->get<int64_t>();
  if (auto payload = item.find("payload"); payload != item.end()) {
    event.payload = *payload;
  } else if (auto encoded = item.find("payload_base64");
             encoded != item.end() && encoded->is_string()) {
    auto bytes = base64_decode(encoded->get<std::string>());
    if (!bytes) return malformed("payload_base64");
    event.payload_bytes = std::move(*bytes);
    event.binary = true;
  } else {
    return malformed("payload");
  }
  return event;
}

}  // namespace

Result<EventBatch> wait_events(ApiClient& api, int64_t after, std::chrono::seconds wait,
                               size_t limit) {
  if (after < 0 || limit == 0 || limit > 1000 || wait.count() < 0) {
    return make_error(Errc::kInvalidArgument, "cursor ≥ 0, limit 1 to 1000 and wait ≥ 0");
  }
  wait = std::min(wait, kMaxEventWait);
  std::string target = "/api/v1/events?cursor=" + std::to_string(after) +
                       "&limit=" + std::to_string(limit) + "&wait=" + std::to_string(wait.count());
  Json reply = SEALMAIL_TRY(api.call("GET", target));
  if (!reply.is_object()) return malformed("not an object");
  auto events = reply.find("events");
  auto cursor = reply.find("cursor");
  auto more = reply.find("more");
  if (events == reply.end() || !events->is_array()) return malformed("events");
  if (cursor == reply.end() || !cursor->is_number_integer()) return malformed("cursor");
  if (more == reply.end() || !more->is_boolean()) return malformed("more");
  EventBatch batch;
  batch.cursor = cursor->get<int64_t>();
  batch.more = more->get<bool>();
  int64_t previous = after;
  for (const Json& item : *events) {
    StreamEvent event = SEALMAIL_TRY(parse_event(item));
    // Cursors only go forward: anything else would make the caller skip or repeat events.
    if (event.cursor <= previous) return malformed("cursors out of order");
    previous = event.cursor;
    batch.events.push_back(std::move(event));
  }
  if (batch.events.size() > limit) return malformed("more events than asked for");
  if (batch.cursor != previous) return malformed("cursor does not match the events");
  return batch;
}

Json to_json(const StreamEvent& event) {
  Json out{{"cursor", event.cursor}, {"kind", event.kind}, {"created_ms", event.created_ms}};
  if (event.binary) {
    out["payload_base64"] = base64_encode(event.payload_bytes);
  } else {
    out["payload"] = event.payload;
  }
  return out;
}

}  // namespace sealmail::client
