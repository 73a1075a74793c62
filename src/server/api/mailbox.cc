// mailbox.cc — organising the mailbox over HTTPS: folders and labels (list with counts, create,
// rename or move, delete), and bulk changes to messages (move, label, unlabel, flags, delete,
// expiry, emptying trash or spam). The store's mailbox model does the work (store.h
// "Mailbox"); this file checks bodies and maps its answers.
//
// Authorization: every call acts on the caller's account only. A folder or label id of
// another account is 404, as an unknown one; bulk calls skip message ids that are not the
// caller's and report how many messages they changed ({"changed": n}).
//
// SECURITY: folder and label names are not encrypted (the server must be able to list them);
// clients are told so in docs/api.md. Every id and name comes from the network and is checked
// here or by the store before use.
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "server/api/json_body.h"
#include "server/event_notifier.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

constexpr std::pair<std::string_view, int64_t> kFlagNames[] = {
    {"seen", store::kFlagSeen},
    {"flagged", store::kFlagFlagged},
    {"answered", store::kFlagAnswered},
    {"forwarded", store::kFlagForwarded}};

Json counts_json(const store::MessageCounts& counts) {
  return {{"total", counts.total}, {"unread", counts.unread}};
}

// lift(), with the store's kLimitExceeded (too many folders or labels, folders nested too
// deep) as a refusal rather than an internal error.
template <typename T>
Step<T> lift_limited(Result<T> result, const http::Request& request) {
  if (!result.ok() && result.error().code == Errc::kLimitExceeded) {
    return http::Response::error(422, "limit_exceeded",
                                 "too many folders or labels, or folders nested too deep");
  }
  return lift(std::move(result), request);
}
Step<std::monostate> lift_limited(Status status, const http::Request& request) {
  if (!status.ok() && status.error().code == Errc::kLimitExceeded) {
    return http::Response::error(422, "limit_exceeded",
                                 "too many folders or labels, or folders nested too deep");
  }
  return lift(std::move(status), request);
}

// Wakes the account's event long polls after a change that wrote events.
void notify(ApiContext& ctx, store::AccountId account) {
  if (ctx.events != nullptr) ctx.events->notify(account);
}

http::Response changed(ApiContext& ctx, store::AccountId account, int64_t count) {
  if (count > 0) notify(ctx, account);
  return http::Response::json(200, {{"changed", count}});
}

// A folder or label id from the path: 16 lower-case hex digits (system folders are not
// changed here), else 404 like any id that is not the caller's.
Step<std::string> path_id(const http::Request& request) {
  std::string id(request.param("id"));
  if (!is_hex_id(id)) return not_found();
  return id;
}

Json folder_json(const store::FolderRecord& f) {
  return {{"id", f.id},
          {"parent", f.parent},
          {"name", f.system ? f.id : f.name},
          {"system", f.system},
          {"counts", counts_json(f.counts)}};
}

// GET /api/v1/folders — the system folders, All Mail ("all") and the user folders.
http::Response list_folders(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  auto folders = SEALMAIL_API_TRY(lift(ctx.store.list_folders(session.account), request));
  auto all =
      SEALMAIL_API_TRY(lift(ctx.store.count_messages(session.account, store::kAllMail), request));
  Json out = Json::array();
  for (const store::FolderRecord& f : folders) {
    if (f.system) out.push_back(folder_json(f));
  }
  out.push_back({{"id", store::kAllMail},
                 {"parent", ""},
                 {"name", store::kAllMail},
                 {"system", true},
                 {"counts", counts_json(all)}});
  for (const store::FolderRecord& f : folders) {
    if (!f.system) out.push_back(folder_json(f));
  }
  return http::Response::json(200, {{"folders", out}});
}

// POST /api/v1/folders {"name", "parent"?} → 201 {"id"}.
http::Response create_folder(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string name = SEALMAIL_API_TRY(text_field(body, "name", store::kMaxNameBytes));
  auto parent = SEALMAIL_API_TRY(optional_text_field(body, "parent", 16));
  auto id = SEALMAIL_API_TRY(
      lift_limited(ctx.store.create_folder(session.account, parent.value_or(""), name), request));
  notify(ctx, session.account);
  return http::Response::json(201, {{"id", id}});
}

// PATCH /api/v1/folders/{id} {"name"?, "parent"?} — rename and/or move ("" = top level). The
// two are separate steps: a move refused after a rename leaves the new name.
http::Response update_folder(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  std::string id = SEALMAIL_API_TRY(path_id(request));
  Json body = SEALMAIL_API_TRY(json_object(request));
  auto name = SEALMAIL_API_TRY(optional_text_field(body, "name", store::kMaxNameBytes));
  auto parent = SEALMAIL_API_TRY(optional_text_field(body, "parent", 16));
  if (!name && !parent) return bad_request("give a name, a parent or both");
  if (name) {
    SEALMAIL_API_TRY(lift(ctx.store.rename_folder(session.account, id, *name), request));
  }
  if (parent) {
    SEALMAIL_API_TRY(lift_limited(ctx.store.move_folder(session.account, id, *parent), request));
  }
  notify(ctx, session.account);
  return no_content();
}

// DELETE /api/v1/folders/{id} — with its subfolders; their messages move to archive.
http::Response delete_folder(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  std::string id = SEALMAIL_API_TRY(path_id(request));
  auto moved = SEALMAIL_API_TRY(lift(ctx.store.delete_folder(session.account, id), request));
  notify(ctx, session.account);
  return http::Response::json(200, {{"moved_to_archive", moved}});
}

// POST /api/v1/folders/{id}/empty — trash or spam only; deletes their messages for good.
http::Response empty_folder(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  std::string folder(request.param("id"));
  if (folder != store::kTrash && folder != store::kSpam) {
    return bad_request("only trash and spam can be emptied");
  }
  auto count = SEALMAIL_API_TRY(lift(ctx.store.empty_folder(session.account, folder), request));
  return changed(ctx, session.account, count);
}

Json label_json(const store::LabelRecord& l) {
  return {{"id", l.id}, {"name", l.name}, {"color", l.color}, {"counts", counts_json(l.counts)}};
}

// GET /api/v1/labels — by name, with counts.
http::Response list_labels(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  auto labels = SEALMAIL_API_TRY(lift(ctx.store.list_labels(session.account), request));
  Json out = Json::array();
  for (const store::LabelRecord& l : labels) out.push_back(label_json(l));
  return http::Response::json(200, {{"labels", out}});
}

// POST /api/v1/labels {"name", "color"?} → 201 {"id"}.
http::Response create_label(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  std::string name = SEALMAIL_API_TRY(text_field(body, "name", store::kMaxNameBytes));
  auto color = SEALMAIL_API_TRY(optional_text_field(body, "color", store::kMaxColorBytes));
  auto id = SEALMAIL_API_TRY(
      lift_limited(ctx.store.create_label(session.account, name, color.value_or("")), request));
  notify(ctx, session.account);
  return http::Response::json(201, {{"id", id}});
}

// PATCH /api/v1/labels/{id} {"name"?, "color"?} — what is absent is kept.
http::Response update_label(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  std::string id = SEALMAIL_API_TRY(path_id(request));
  Json body = SEALMAIL_API_TRY(json_object(request));
  auto name = SEALMAIL_API_TRY(optional_text_field(body, "name", store::kMaxNameBytes));
  auto color = SEALMAIL_API_TRY(optional_text_field(body, "color", store::kMaxColorBytes));
  if (!name && !color) return bad_request("give a name, a color or both");
  auto labels = SEALMAIL_API_TRY(lift(ctx.store.list_labels(session.account), request));
  const store::LabelRecord* current = nullptr;
  for (const store::LabelRecord& l : labels) {
    if (l.id == id) current = &l;
  }
  if (current == nullptr) return not_found();
  SEALMAIL_API_TRY(lift(ctx.store.update_label(session.account, id, name.value_or(current->name),
                                               color.value_or(current->color)),
                        request));
  notify(ctx, session.account);
  return no_content();
}

// DELETE /api/v1/labels/{id} — its messages keep everything else.
http::Response delete_label(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  std::string id = SEALMAIL_API_TRY(path_id(request));
  SEALMAIL_API_TRY(lift(ctx.store.delete_label(session.account, id), request));
  notify(ctx, session.account);
  return no_content();
}

// The caller and the "ids" of a bulk call's body.
struct Bulk {
  store::SessionRecord session;
  Json body;
  std::vector<std::string> ids;
};
Step<Bulk> bulk(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  Json body = SEALMAIL_API_TRY(json_object(request));
  auto ids = SEALMAIL_API_TRY(id_list_field(body, "ids", store::kMaxBulkIds));
  return Bulk{std::move(session), std::move(body), std::move(ids)};
}

// POST /api/v1/messages/move {"ids", "folder"} — a system folder or a user folder id.
http::Response move(ApiContext& ctx, const http::Request& request) {
  Bulk b = SEALMAIL_API_TRY(bulk(ctx, request));
  std::string folder = SEALMAIL_API_TRY(text_field(b.body, "folder", 16));
  auto count =
      SEALMAIL_API_TRY(lift(ctx.store.move_messages(b.session.account, b.ids, folder), request));
  return changed(ctx, b.session.account, count);
}

// POST /api/v1/messages/label and /unlabel {"ids", "label"}.
http::Response label(ApiContext& ctx, const http::Request& request, bool add) {
  Bulk b = SEALMAIL_API_TRY(bulk(ctx, request));
  std::string label = SEALMAIL_API_TRY(text_field(b.body, "label", 16));
  if (!is_hex_id(label)) return not_found();
  auto count = SEALMAIL_API_TRY(lift(add ? ctx.store.add_label(b.session.account, b.ids, label)
                                         : ctx.store.remove_label(b.session.account, b.ids, label),
                                     request));
  return changed(ctx, b.session.account, count);
}

// The mask of a list of flag names ("seen", …); absent is 0.
Step<int64_t> flag_mask(const Json& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return int64_t{0};
  if (!it->is_array() || it->size() > std::size(kFlagNames)) {
    return bad_request(std::string(field) + ": an array of flag names");
  }
  int64_t mask = 0;
  for (const Json& name : *it) {
    int64_t bit = 0;
    for (const auto& [flag, value] : kFlagNames) {
      if (name.is_string() && name.get_ref<const std::string&>() == flag) bit = value;
    }
    if (bit == 0) {
      return bad_request(std::string(field) + ": flags are seen, flagged, answered, forwarded");
    }
    mask |= bit;
  }
  return mask;
}

// POST /api/v1/messages/flags {"ids", "set": [names], "clear": [names]}.
http::Response flags(ApiContext& ctx, const http::Request& request) {
  Bulk b = SEALMAIL_API_TRY(bulk(ctx, request));
  int64_t set = SEALMAIL_API_TRY(flag_mask(b.body, "set"));
  int64_t clear = SEALMAIL_API_TRY(flag_mask(b.body, "clear"));
  if ((set & clear) != 0) return bad_request("a flag cannot be both set and cleared");
  auto count =
      SEALMAIL_API_TRY(lift(ctx.store.set_flags(b.session.account, b.ids, set, clear), request));
  return changed(ctx, b.session.account, count);
}

// POST /api/v1/messages/delete {"ids"} — for good, whatever folder they are in.
http::Response remove(ApiContext& ctx, const http::Request& request) {
  Bulk b = SEALMAIL_API_TRY(bulk(ctx, request));
  auto count = SEALMAIL_API_TRY(lift(ctx.store.delete_messages(b.session.account, b.ids), request));
  return changed(ctx, b.session.account, count);
}

// POST /api/v1/messages/expire {"ids", "expires_ms"} — Unix ms, 0 = never.
http::Response expire(ApiContext& ctx, const http::Request& request) {
  Bulk b = SEALMAIL_API_TRY(bulk(ctx, request));
  int64_t when =
      SEALMAIL_API_TRY(integer_field(b.body, "expires_ms", 0, std::numeric_limits<int64_t>::max()));
  auto count =
      SEALMAIL_API_TRY(lift(ctx.store.set_expiry(b.session.account, b.ids, when), request));
  return changed(ctx, b.session.account, count);
}

}  // namespace

void register_mailbox(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("GET", "/api/v1/folders",
             [ctx](const http::Request& r) { return list_folders(*ctx, r); });
  router.add("POST", "/api/v1/folders",
             [ctx](const http::Request& r) { return create_folder(*ctx, r); });
  router.add("PATCH", "/api/v1/folders/{id}",
             [ctx](const http::Request& r) { return update_folder(*ctx, r); });
  router.add("DELETE", "/api/v1/folders/{id}",
             [ctx](const http::Request& r) { return delete_folder(*ctx, r); });
  router.add("POST", "/api/v1/folders/{id}/empty",
             [ctx](const http::Request& r) { return empty_folder(*ctx, r); });
  router.add("GET", "/api/v1/labels",
             [ctx](const http::Request& r) { return list_labels(*ctx, r); });
  router.add("POST", "/api/v1/labels",
             [ctx](const http::Request& r) { return create_label(*ctx, r); });
  router.add("PATCH", "/api/v1/labels/{id}",
             [ctx](const http::Request& r) { return update_label(*ctx, r); });
  router.add("DELETE", "/api/v1/labels/{id}",
             [ctx](const http::Request& r) { return delete_label(*ctx, r); });
  router.add("POST", "/api/v1/messages/move",
             [ctx](const http::Request& r) { return move(*ctx, r); });
  router.add("POST", "/api/v1/messages/label",
             [ctx](const http::Request& r) { return label(*ctx, r, true); });
  router.add("POST", "/api/v1/messages/unlabel",
             [ctx](const http::Request& r) { return label(*ctx, r, false); });
  router.add("POST", "/api/v1/messages/flags",
             [ctx](const http::Request& r) { return flags(*ctx, r); });
  router.add("POST", "/api/v1/messages/delete",
             [ctx](const http::Request& r) { return remove(*ctx, r); });
  router.add("POST", "/api/v1/messages/expire",
             [ctx](const http::Request& r) { return expire(*ctx, r); });
}

}  // namespace sealmail::server::api
