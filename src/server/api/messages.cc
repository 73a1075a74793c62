// messages.cc — reading the mailbox: a folder's messages with their encrypted summaries, and one
// message's key packets and data packet. Everything returned is ciphertext the server cannot
// read; the client decrypts (docs/formats/messages.md, docs/formats/summary.md).
#include <algorithm>
#include <charconv>
#include <optional>

#include "base/base64.h"
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

constexpr size_t kDefaultPage = 50;
constexpr size_t kMaxPage = 1000;
constexpr std::string_view kFolders[] = {"inbox", "spam"};

// A non-negative integer query parameter no larger than `max`; `fallback` when absent.
std::optional<size_t> count_param(const http::Request& request, std::string_view name,
                                  size_t fallback, size_t max) {
  auto text = request.query_value(name);
  if (!text) return fallback;
  size_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value > max) return std::nullopt;
  return value;
}

Json metadata(const store::MessageRecord& m) {
  return {{"id", m.id},
          {"address", m.address},
          {"folder", m.folder},
          {"flags", m.flags},
          {"size", m.size},
          {"received_ms", m.received_at_ms},
          {"summary", base64_encode(m.summary)}};
}

// GET /api/v1/messages?folder=inbox&limit=50&offset=0 — newest first.
http::Response list(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  std::string folder(request.query_value("folder").value_or("inbox"));
  if (std::find(std::begin(kFolders), std::end(kFolders), folder) == std::end(kFolders)) {
    return bad_request("unknown folder");
  }
  auto limit = count_param(request, "limit", kDefaultPage, kMaxPage);
  auto offset = count_param(request, "offset", 0, size_t{1} << 30);
  if (!limit || !offset) {
    return bad_request("limit is 0 to 1000 and offset a non-negative integer");
  }
  auto messages = SEALMAIL_API_TRY(
      lift(ctx.store.list_messages(session.account, folder, *limit, *offset), request));
  Json out = Json::array();
  for (const store::MessageRecord& m : messages) out.push_back(metadata(m));
  return http::Response::json(200, {{"messages", out}});
}

// GET /api/v1/messages/{id} — the metadata plus key packets and data packet.
http::Response get(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  auto message = SEALMAIL_API_TRY(
      lift(ctx.store.get_message(session.account, request.param("id")), request));
  Json out = metadata(message);
  out["key_packets"] = base64_encode(message.key_packets);
  out["data_packet"] = base64_encode(message.data_packet);
  return http::Response::json(200, out);
}

}  // namespace

void register_messages(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("GET", "/api/v1/messages", [ctx](const http::Request& r) { return list(*ctx, r); });
  router.add("GET", "/api/v1/messages/{id}",
             [ctx](const http::Request& r) { return get(*ctx, r); });
}

}  // namespace sealmail::server::api
