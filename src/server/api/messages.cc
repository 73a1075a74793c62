// messages.cc — the mailbox over HTTPS: a folder's messages with their encrypted summaries, one
// message's key packets and data packet, summaries in bulk, and sending to addresses of this
// server (changes to folders, labels and flags are in mailbox.cc). Everything
// that passes here is ciphertext the server cannot read: the client encrypts and decrypts
// (docs/formats/messages.md, docs/formats/summary.md).
#include <algorithm>
#include <charconv>
#include <optional>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/log.h"
#include "base/random.h"
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "server/api/json_body.h"
#include "server/event_notifier.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

constexpr size_t kDefaultPage = 50;
constexpr size_t kMaxPage = 1000;
constexpr size_t kMaxCopies = 100;           // recipients of one message on this server
constexpr size_t kMaxKeyPackets = 8 * 1024;  // one recipient's key packets (RSA-4096: ~520 B)
constexpr size_t kMaxSummary = 256 * 1024;

// The largest body POST /api/v1/messages takes: the data packet and two messages for other
// servers (PGP/MIME and cleartext), each in base64, and room for the summary, every recipient's
// key packets (also in base64) and the JSON around them.
size_t max_send_body(const Config& config) {
  return 3 * ((largest_message(config) + 2) / 3 * 4) +
         (kMaxSummary + 2 * kMaxCopies * kMaxKeyPackets) / 3 * 4 + (1 << 20);
}

constexpr size_t kMaxOutboundMessages = 20;  // per send: one per Bcc recipient outside, at most

// The "outbound" items of a send: messages for addresses on other servers, each sealed for
// the queue. A recipient on a domain hosted here is refused: it would have a key here and a
// copy, so it is not an address here (422).
Step<std::vector<store::OutboundRecord>> outbound_from(ApiContext& ctx, const Json& body,
                                                       store::AccountId account,
                                                       const std::string& sender,
                                                       uint64_t max_message) {
  std::vector<store::OutboundRecord> jobs;
  auto items = body.find("outbound");
  if (items == body.end()) return jobs;
  if (!items->is_array() || items->size() > kMaxOutboundMessages) {
    return bad_request("outbound: an array of at most 20 messages");
  }
  if (!items->empty() && ctx.queue_key == nullptr) {
    return http::Response::error(503, "no_outbound_queue", "this server sends no mail out");
  }
  const int64_t now = ctx.now_ms();
  for (const Json& item : *items) {
    if (!item.is_object()) return bad_request("outbound: each one an object");
    store::OutboundRecord job;
    job.id = random_token_hex(8);
    job.account = account;
    job.sender = sender;
    job.created_at_ms = job.next_attempt_ms = now;
    auto recipients = item.find("recipients");
    if (recipients == item.end() || !recipients->is_array() || recipients->empty() ||
        recipients->size() > store::kMaxOutboundRecipients) {
      return bad_request("outbound: recipients, an array of 1 to 100 addresses");
    }
    for (const Json& r : *recipients) {
      if (!r.is_string() || r.get_ref<const std::string&>().size() > store::kMaxAddressBytes) {
        return bad_request("outbound: recipients are addresses");
      }
      std::string address = ascii_lowercase(r.get<std::string>());
      const size_t at = address.rfind('@');
      if (at == 0 || at == std::string::npos || at + 1 == address.size() ||
          address.find_first_of(" <>,;\"\r\n\t") != std::string::npos) {
        return bad_request("outbound: " + address + " is not an address");
      }
      if (ctx.store.find_domain(address.substr(at + 1)).ok()) {
        return http::Response::error(422, "unknown_recipient", "no address " + address + " here");
      }
      job.recipients.push_back(std::move(address));
    }
    std::string message = SEALMAIL_API_TRY(bytes_field(item, "message", max_send_body(ctx.config)));
    if (message.size() > max_message) {
      return http::Response::error(
          413, "message_too_large",
          fmt::format("your plan sends messages of up to {} MiB", max_message >> 20));
    }
    if (message.empty()) return bad_request("outbound: message is empty");
    job.message = ctx.queue_key->seal(job.id, message);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

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
          {"labels", m.labels},
          {"expires_ms", m.expires_at_ms},
          {"summary", base64_encode(m.summary)}};
}

Json counts_json(const store::MessageCounts& counts) {
  return {{"total", counts.total}, {"unread", counts.unread}};
}

// The counts of label `id`, 404 when the account has no such label.
Step<store::MessageCounts> label_counts(ApiContext& ctx, const http::Request& request,
                                        store::AccountId account, std::string_view id) {
  auto labels = SEALMAIL_API_TRY(lift(ctx.store.list_labels(account), request));
  for (const store::LabelRecord& label : labels) {
    if (label.id == id) return label.counts;
  }
  return not_found();
}

// GET /api/v1/messages?folder=inbox&limit=50&offset=0 — newest first. `folder` is a system
// folder, a user folder id or "all" (All Mail); `label=ID` lists a label's messages instead.
// The reply carries the folder's or label's counts.
http::Response list(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  auto label = request.query_value("label");
  auto folder_param = request.query_value("folder");
  if (label && folder_param) return bad_request("ask for a folder or a label, not both");
  auto limit = count_param(request, "limit", kDefaultPage, kMaxPage);
  auto offset = count_param(request, "offset", 0, size_t{1} << 30);
  if (!limit || !offset) {
    return bad_request("limit is 0 to 1000 and offset a non-negative integer");
  }
  std::vector<store::MessageRecord> messages;
  store::MessageCounts counts;
  if (label) {
    if (!is_hex_id(*label)) return bad_request("a label id is 16 lower-case hex digits");
    counts = SEALMAIL_API_TRY(label_counts(ctx, request, session.account, *label));
    messages = SEALMAIL_API_TRY(
        lift(ctx.store.list_messages_by_label(session.account, *label, *limit, *offset), request));
  } else {
    std::string folder(folder_param.value_or("inbox"));
    messages = SEALMAIL_API_TRY(
        lift(ctx.store.list_messages(session.account, folder, *limit, *offset), request));
    counts = SEALMAIL_API_TRY(lift(ctx.store.count_messages(session.account, folder), request));
  }
  Json out = Json::array();
  for (const store::MessageRecord& m : messages) out.push_back(metadata(m));
  return http::Response::json(200, {{"messages", out}, {"counts", counts_json(counts)}});
}

// POST /api/v1/messages/summaries {"ids":[…]} — the listing items of those ids that are the
// caller's messages, in the order asked; others are left out.
http::Response summaries(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  auto ids = SEALMAIL_API_TRY(id_list_field(body, "ids", store::kMaxBulkIds));
  auto messages = SEALMAIL_API_TRY(lift(ctx.store.get_summaries(session.account, ids), request));
  Json out = Json::array();
  for (const store::MessageRecord& m : messages) out.push_back(metadata(m));
  return http::Response::json(200, {{"messages", out}});
}

// A data packet this large or larger is not sent inline in base64 but fetched raw, in pieces
// (GET /api/v1/messages/{id}/data).
constexpr int64_t kInlineData = int64_t{1} << 20;

// GET /api/v1/messages/{id} — the metadata plus key packets, the data packet's size and, when
// it is under kInlineData, the data packet itself.
http::Response get(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  const std::string id(request.param("id"));
  if (!is_hex_id(id)) return not_found();
  auto found = SEALMAIL_API_TRY(lift(ctx.store.get_summaries(session.account, {id}), request));
  if (found.empty()) return not_found();
  const store::MessageRecord& head = found.front();
  const int64_t data_size = head.size - static_cast<int64_t>(head.key_packets.size()) -
                            static_cast<int64_t>(head.summary.size());
  Json out = metadata(head);
  out["key_packets"] = base64_encode(head.key_packets);
  out["data_size"] = data_size;
  if (data_size < kInlineData) {
    auto message = SEALMAIL_API_TRY(lift(ctx.store.get_message(session.account, id), request));
    out["data_packet"] = base64_encode(message.data_packet);
  }
  return http::Response::json(200, out);
}

// GET /api/v1/messages/{id}/data?offset=0&length=N — the raw data packet, or `length` bytes of
// it from `offset` (at most 16 MiB a request), read from the store in place.
http::Response get_data(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  const std::string id(request.param("id"));
  if (!is_hex_id(id)) return not_found();
  constexpr size_t kMaxRead = static_cast<size_t>(store::kMaxBodyRead);
  auto offset = count_param(request, "offset", 0, size_t{1} << 40);
  auto length = count_param(request, "length", kMaxRead, kMaxRead);
  if (!offset || !length || *length == 0) {
    return bad_request("offset is a byte offset and length 1 to 16 MiB");
  }
  auto range = ctx.store.read_body(session.account, id, static_cast<int64_t>(*offset),
                                   static_cast<int64_t>(*length));
  if (!range.ok() && range.error().code == Errc::kInvalidArgument) {
    return http::Response::error(416, "range_not_satisfiable", "offset is past the end");
  }
  auto piece = SEALMAIL_API_TRY(lift(std::move(range), request));
  http::Response response =
      http::Response::text(200, std::move(piece.bytes), "application/octet-stream");
  response.headers.emplace_back("X-Data-Size", std::to_string(piece.total));
  return response;
}

int64_t storage_limit(const Config& config, std::string_view plan_name) {
  return static_cast<int64_t>(plan_or_default(config, plan_name).storage_bytes);
}

// One copy of a sent message for `account`, with its own key packets.
Step<store::MessageRecord> copy_from(const Json& item, const std::string& summary_data_packet) {
  store::MessageRecord copy;
  copy.key_packets = SEALMAIL_API_TRY(bytes_field(item, "key_packets", kMaxKeyPackets));
  std::string summary_keys =
      SEALMAIL_API_TRY(bytes_field(item, "summary_key_packets", kMaxKeyPackets));
  copy.summary = summary_keys + summary_data_packet;
  return copy;
}

// What a send and a draft share: the author — "from", one of the caller's addresses — with
// the account and its plan's message limit, and the message's data packet within that limit.
struct Authored {
  store::AddressRecord address;
  store::AccountRecord account;
  uint64_t max_message = 0;
  std::string data_packet;  // or:
  std::string body_upload;  // an upload holding it
  std::string summary_data_packet;
  std::string replaces_draft;  // "draft" (send) or "replaces" (draft), "" without
};

Step<Authored> authored(ApiContext& ctx, const http::Request& request, store::AccountId caller,
                        const Json& body, std::string_view draft_field) {
  Authored out;
  std::string from = SEALMAIL_API_TRY(text_field(body, "from", store::kMaxAddressBytes));
  auto address = ctx.store.find_address(from);
  if (!address.ok() || address->account != caller) {
    return http::Response::error(403, "not_your_address", "you cannot send from " + from);
  }
  out.address = std::move(*address);
  out.account = SEALMAIL_API_TRY(lift(ctx.store.get_account(caller), request));
  out.max_message = plan_or_default(ctx.config, out.account.plan).max_message_bytes;
  // The data packet inline, or uploaded before (POST /api/v1/uploads, checked against the
  // plan there).
  auto upload = SEALMAIL_API_TRY(optional_text_field(body, "data_packet_upload", 16));
  if (upload) {
    if (!is_hex_id(*upload)) return bad_request("data_packet_upload: an upload id");
    if (body.contains("data_packet")) {
      return bad_request("data_packet or data_packet_upload, not both");
    }
    out.body_upload = std::move(*upload);
  } else {
    out.data_packet = SEALMAIL_API_TRY(bytes_field(body, "data_packet", max_send_body(ctx.config)));
  }
  if (out.data_packet.size() > out.max_message) {
    return http::Response::error(
        413, "message_too_large",
        fmt::format("your plan sends messages of up to {} MiB", out.max_message >> 20));
  }
  out.summary_data_packet = SEALMAIL_API_TRY(bytes_field(body, "summary_data_packet", kMaxSummary));
  auto draft = SEALMAIL_API_TRY(optional_text_field(body, draft_field, 16));
  if (draft) {
    if (!is_hex_id(*draft)) return bad_request(std::string(draft_field) + ": a message id");
    out.replaces_draft = std::move(*draft);
  }
  return out;
}

// A delivery's outcome as an error response, or nothing when it was stored.
std::optional<http::Response> delivery_failure(const Result<std::vector<Status>>& statuses,
                                               const store::Delivery& delivery,
                                               const http::Request& request) {
  if (!statuses.ok()) return failure(statuses.error(), request);
  const Status& status = statuses->front();
  if (status.ok()) return std::nullopt;
  if (status.error().code == Errc::kLimitExceeded) {
    return http::Response::error(507, "mailbox_full", "a recipient's mailbox or your own is full");
  }
  // The store names which (store.h); both leave nothing stored.
  if (status.error().code == Errc::kNotFound && !delivery.body_upload.empty() &&
      status.error().message == "no such upload") {
    return http::Response::error(
        404, "upload_not_found",
        "no upload " + delivery.body_upload + " of yours (used or expired)");
  }
  if (status.error().code == Errc::kNotFound && !delivery.replaces_draft.empty()) {
    return http::Response::error(404, "draft_not_found",
                                 "no draft " + delivery.replaces_draft + " in your Drafts");
  }
  return failure(status.error(), request);
}

// POST /api/v1/drafts — a draft, encrypted by the client to the author alone (Bcc recipients
// and all), kept in Drafts and marked read. With "replaces", the draft it supersedes is
// deleted in the same transaction; sending one ("draft" in POST /api/v1/messages) does the
// same. The body may be as large as a sent message.
http::Response save_draft(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  Authored author = SEALMAIL_API_TRY(authored(ctx, request, session.account, body, "replaces"));
  store::MessageRecord copy = SEALMAIL_API_TRY(copy_from(body, author.summary_data_packet));
  copy.account = session.account;
  copy.id = random_token_hex(8);
  copy.address = author.address.address;
  copy.folder = std::string(store::kDrafts);
  copy.flags = store::kFlagSeen;
  copy.received_at_ms = ctx.now_ms();
  store::Delivery delivery;
  delivery.data_packet = std::move(author.data_packet);
  delivery.body_upload = std::move(author.body_upload);
  delivery.copies.push_back(copy);
  delivery.quota_bytes.push_back(storage_limit(ctx.config, author.account.plan));
  delivery.replaces_draft = std::move(author.replaces_draft);
  auto statuses = ctx.store.deliver({delivery});
  if (auto failed = delivery_failure(statuses, delivery, request)) return std::move(*failed);
  if (ctx.events != nullptr) ctx.events->notify(session.account);
  return http::Response::json(201, {{"id", copy.id}});
}

// POST /api/v1/messages — send. The client has encrypted (and signed) the message once, to
// every recipient's address key here and its own: one data packet, and per recipient the key
// packets that open it. Each recipient here gets a copy in its Inbox; the sender keeps one in
// Sent (its own id, so that a message to oneself keeps both). Messages for other servers
// ("outbound": the client's PGP/MIME or signed cleartext) are sealed and queued. A "draft"
// it was written as leaves Drafts in the same transaction.
// All copies are stored in one transaction or none (409-free: ids are fresh). The body may be
// as large as the largest plan's max_message (in base64); the sender's session is checked
// before it is read (admit_send), the sender's own plan once it is.
http::Response send(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  Authored author = SEALMAIL_API_TRY(authored(ctx, request, session.account, body, "draft"));
  const uint64_t max_message = author.max_message;
  const store::AccountRecord& own = author.account;
  const store::AddressRecord* sender = &author.address;
  std::string data_packet = std::move(author.data_packet);
  const std::string& summary_data = author.summary_data_packet;
  auto copies = body.find("copies");
  if (copies == body.end() || !copies->is_array() || copies->size() > kMaxCopies) {
    return bad_request("copies: an array of at most 100 recipients");
  }
  Json sent_item = SEALMAIL_API_TRY(object_field(body, "sent"));
  std::vector<store::OutboundRecord> outbound =
      SEALMAIL_API_TRY(outbound_from(ctx, body, session.account, sender->address, max_message));
  // Self-destruct (Proton's expiring messages): every copy here, the Sent copy too, is deleted
  // for good at that time. Copies sent to other servers are out of reach.
  int64_t expires_ms = 0;
  if (auto e = body.find("expires_ms"); e != body.end()) {
    if (!e->is_number_integer() || e->get<int64_t>() <= ctx.now_ms()) {
      return bad_request("expires_ms: a time in the future, in Unix milliseconds");
    }
    expires_ms = e->get<int64_t>();
  }

  const std::string id = random_token_hex(8);
  const int64_t now = ctx.now_ms();
  store::Delivery delivery;
  delivery.data_packet = std::move(data_packet);
  // Each copy: its account, id, address and folder; the rest is the same for all.
  auto add = [&](store::MessageRecord copy, const store::AccountRecord& account, std::string id,
                 std::string address, std::string folder) {
    copy.account = account.id;
    copy.id = std::move(id);
    copy.address = std::move(address);
    copy.folder = std::move(folder);
    copy.received_at_ms = now;
    copy.expires_at_ms = expires_ms;
    delivery.copies.push_back(std::move(copy));
    delivery.quota_bytes.push_back(storage_limit(ctx.config, account.plan));
  };
  std::vector<int64_t> accounts;
  for (const Json& item : *copies) {
    if (!item.is_object()) return bad_request("copies: each one an object");
    std::string address = SEALMAIL_API_TRY(text_field(item, "address", store::kMaxAddressBytes));
    auto recipient = ctx.store.find_recipient(address);
    if (!recipient.ok()) {
      if (recipient.error().code == Errc::kNotFound) {
        return http::Response::error(422, "unknown_recipient", "no address " + address + " here");
      }
      return failure(recipient.error(), request);
    }
    auto account = SEALMAIL_API_TRY(lift(ctx.store.get_account(recipient->account), request));
    if (account.disabled) {
      return http::Response::error(422, "unknown_recipient", "no address " + address + " here");
    }
    if (std::find(accounts.begin(), accounts.end(), account.id.value) != accounts.end()) continue;
    accounts.push_back(account.id.value);
    add(SEALMAIL_API_TRY(copy_from(item, summary_data)), account, id, recipient->address, "inbox");
  }
  add(SEALMAIL_API_TRY(copy_from(sent_item, summary_data)), own, random_token_hex(8),
      sender->address, "sent");
  delivery.outbound = std::move(outbound);
  delivery.replaces_draft = std::move(author.replaces_draft);
  delivery.body_upload = std::move(author.body_upload);

  auto statuses = ctx.store.deliver({delivery});
  if (auto failed = delivery_failure(statuses, delivery, request)) return std::move(*failed);
  if (ctx.events != nullptr) {
    for (const store::MessageRecord& copy : delivery.copies) ctx.events->notify(copy.account);
  }
  Json queued = Json::array();
  for (const store::OutboundRecord& job : delivery.outbound) queued.push_back(job.id);
  spdlog::info(
      "api: message {} sent by account {} to {} account(s) here, {} queued for other "
      "servers",
      id, session.account.value, delivery.copies.size() - 1, queued.size());
  return http::Response::json(
      201, {{"id", id}, {"sent_id", delivery.copies.back().id}, {"queued", queued}});
}

}  // namespace

size_t largest_message(const Config& config) {
  uint64_t largest = 0;
  for (const PlanConfig& plan : config.plans) largest = std::max(largest, plan.max_message_bytes);
  return static_cast<size_t>(largest);
}

std::function<std::optional<http::Response>(const http::Request&)> admit_full_session(
    std::shared_ptr<ApiContext> ctx) {
  return [ctx](const http::Request& r) -> std::optional<http::Response> {
    auto session = authenticate(*ctx, r, {"full"});
    if (session.index() == 1) return std::get<1>(std::move(session));
    return std::nullopt;
  };
}

void register_messages(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("GET", "/api/v1/messages", [ctx](const http::Request& r) { return list(*ctx, r); });
  router.add(
      "POST", "/api/v1/messages", [ctx](const http::Request& r) { return send(*ctx, r); },
      http::LargeBody{.max_body_bytes = max_send_body(ctx->config),
                      .admit = admit_full_session(ctx),
                      .sink = {}});
  router.add(
      "POST", "/api/v1/drafts", [ctx](const http::Request& r) { return save_draft(*ctx, r); },
      http::LargeBody{.max_body_bytes = max_send_body(ctx->config),
                      .admit = admit_full_session(ctx),
                      .sink = {}});
  router.add("POST", "/api/v1/messages/summaries",
             [ctx](const http::Request& r) { return summaries(*ctx, r); });
  router.add("GET", "/api/v1/messages/{id}",
             [ctx](const http::Request& r) { return get(*ctx, r); });
  router.add("GET", "/api/v1/messages/{id}/data",
             [ctx](const http::Request& r) { return get_data(*ctx, r); });
}

}  // namespace sealmail::server::api
