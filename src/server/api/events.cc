// events.cc — the account's event log over HTTPS, with long polling: GET /api/v1/events.
// A client remembers the last cursor it processed and asks for what came after; with wait=S
// and nothing new, the request is held — holding no thread (http::Deferred, net::Waker) —
// until the EventNotifier says the log may have grown, or S seconds pass (docs/api.md).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>

#include "base/base64.h"
#include "base/log.h"
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "server/api/json_body.h"
#include "server/event_notifier.h"

namespace sealmail::server::api {
namespace {

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;
constexpr int64_t kMaxWaitSeconds = 60;
// Payloads nested deeper than this are sent as base64: JSON's serialiser recurses.
constexpr int kMaxPayloadDepth = 32;

// A non-negative integer query parameter no larger than `max`; `fallback` when absent.
std::optional<int64_t> int_param(const http::Request& request, std::string_view name,
                                 int64_t fallback, int64_t max) {
  auto text = request.query_value(name);
  if (!text) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

// Brackets nest at most `max` deep (outside strings). Cheap, and keeps dump() from recursing
// through a hostile payload.
bool shallow(std::string_view text, int max) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

Json event_json(const store::Event& event) {
  Json out{{"cursor", event.cursor}, {"kind", event.kind}, {"created_ms", event.created_at_ms}};
  if (!event.payload.empty() && shallow(event.payload, kMaxPayloadDepth)) {
    Json payload = Json::parse(event.payload, nullptr, /*allow_exceptions=*/false);
    if (!payload.is_discarded()) {
      out["payload"] = std::move(payload);
      return out;
    }
  }
  out["payload_base64"] = base64_encode(event.payload);
  return out;
}

struct Query {
  store::AccountId account;
  store::Cursor after = 0;
  size_t limit = kDefaultLimit;
};

// Events after the cursor: the response, or nullopt when there are none.
Step<std::optional<http::Response>> look(ApiContext& ctx, const Query& q,
                                         const http::Request& request) {
  auto events =
      SEALMAIL_API_TRY(lift(ctx.store.events_after(q.account, q.after, q.limit + 1), request));
  if (events.empty()) return std::optional<http::Response>();
  const bool more = events.size() > q.limit;
  if (more) events.resize(q.limit);
  Json list = Json::array();
  for (const store::Event& event : events) list.push_back(event_json(event));
  return std::optional<http::Response>(http::Response::json(
      200, {{"events", std::move(list)}, {"cursor", events.back().cursor}, {"more", more}}));
}

http::Response nothing_new(const Query& q) {
  return http::Response::json(200,
                              {{"events", Json::array()}, {"cursor", q.after}, {"more", false}});
}

// The held request: looks again each time the notifier wakes its connection.
class EventWait : public http::Deferred {
 public:
  EventWait(std::shared_ptr<ApiContext> ctx, Query query, http::Request request,
            std::unique_ptr<EventNotifier::Subscription> subscription)
      : ctx_(std::move(ctx)),
        query_(query),
        request_(std::move(request)),
        subscription_(std::move(subscription)) {}

  std::optional<http::Response> poll(bool final) override {
    Step<std::optional<http::Response>> found = look(*ctx_, query_, request_);
    if (found.index() == 1) return std::get<1>(std::move(found));
    if (auto& response = std::get<0>(found)) return std::move(*response);
    if (final) return nothing_new(query_);
    return std::nullopt;
  }

 private:
  const std::shared_ptr<ApiContext> ctx_;
  const Query query_;
  const http::Request request_;  // for failure()'s log line; its body is empty (a GET)
  const std::unique_ptr<EventNotifier::Subscription> subscription_;
};

// GET /api/v1/events?cursor=0&limit=100&wait=0
http::Response list(const std::shared_ptr<ApiContext>& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(*ctx, request, {"full"}));
  auto after = int_param(request, "cursor", 0, INT64_MAX);
  auto limit = int_param(request, "limit", kDefaultLimit, kMaxLimit);
  auto wait = int_param(request, "wait", 0, kMaxWaitSeconds);
  if (!after || !limit || *limit == 0 || !wait) {
    return bad_request("cursor is a non-negative integer, limit 1 to 1000 and wait 0 to 60");
  }
  Query q{session.account, *after, static_cast<size_t>(*limit)};

  // Subscribe before looking: an event committed between the two then still wakes us.
  std::unique_ptr<EventNotifier::Subscription> subscription;
  if (*wait > 0 && ctx->events != nullptr && request.waker) {
    subscription = ctx->events->subscribe(q.account, q.after, request.waker);
    if (!subscription) {
      http::Response response = http::Response::error(
          429, "too_many_waiting", "too many requests are waiting for this account's events");
      response.headers.emplace_back("Retry-After", "5");
      return response;
    }
  }
  auto found = SEALMAIL_API_TRY(look(*ctx, q, request));
  if (found) return std::move(*found);
  if (!subscription) return nothing_new(q);
  http::Request kept;
  kept.request_id = request.request_id;
  kept.route = request.route;
  return http::Response::later(
      std::make_shared<EventWait>(ctx, q, std::move(kept), std::move(subscription)),
      std::chrono::seconds(*wait));
}

}  // namespace

void register_events(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("GET", "/api/v1/events", [ctx](const http::Request& r) { return list(ctx, r); });
}

}  // namespace sealmail::server::api
