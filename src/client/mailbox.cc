#include "client/mailbox.h"

#include <utility>

#include <fmt/format.h>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/hex.h"
#include "client/account.h"
#include "client/records_json.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

Result<std::string> string_member(const Json& doc, std::string_view name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return make_error(Errc::kInvalidArgument,
                      "the server's answer has no string \"" + std::string(name) + "\"");
  }
  return it->get<std::string>();
}

int64_t int_member(const Json& doc, std::string_view name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

Result<std::string> base64_member(const Json& doc, std::string_view name) {
  std::string text = SEALMAIL_TRY(string_member(doc, name));
  auto bytes = base64_decode(text);
  if (!bytes) {
    return make_error(Errc::kInvalidArgument, "\"" + std::string(name) + "\" is not base64");
  }
  return std::move(*bytes);
}

// key packets ‖ data packet, as stored, split for pgp::decrypt.
Result<pgp::Decrypted> open_parts(pgp::Keyring& keyring, std::string_view key_packets,
                                  std::string_view data_packet) {
  pgp::EncryptedMessage parts =
      SEALMAIL_TRY(pgp::split_message(std::string(key_packets) + std::string(data_packet)));
  return pgp::decrypt(keyring, parts.key_packets, parts.data_packet);
}

Result<std::vector<std::string>> string_list_member(const Json& doc, std::string_view name) {
  std::vector<std::string> out;
  auto it = doc.find(name);
  if (it == doc.end()) return out;
  if (!it->is_array()) {
    return make_error(Errc::kInvalidArgument,
                      "the server's answer has no list \"" + std::string(name) + "\"");
  }
  for (const Json& item : *it) {
    if (!item.is_string()) {
      return make_error(Errc::kInvalidArgument,
                        "the server's answer has a bad \"" + std::string(name) + "\"");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

// Ids go into paths and queries unescaped: system folder names and 16-hex-digit ids only.
Status check_id(std::string_view id, std::string_view what) {
  bool ok = !id.empty() && id.size() <= 16;
  for (char c : id) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
  if (!ok) {
    return make_error(Errc::kInvalidArgument,
                      what == "label" ? std::string("a label id is 16 hex digits")
                                      : "a folder is inbox, drafts, sent, archive, spam, trash, "
                                        "all or a folder id (16 hex digits)");
  }
  return ok_status();
}

Counts counts_from(const Json& item) {
  auto it = item.find("counts");
  if (it == item.end() || !it->is_object()) return {};
  return Counts{int_member(*it, "total"), int_member(*it, "unread")};
}

Result<int64_t> changed(Result<Json> reply) {
  if (!reply.ok()) return reply.error();
  return int_member(*reply, "changed");
}

Json ids_json(const std::vector<std::string>& ids) {
  Json out = Json::array();
  for (const std::string& id : ids) out.push_back(id);
  return out;
}

}  // namespace

Result<std::vector<FolderInfo>> list_folders(ApiClient& api) {
  Json reply = SEALMAIL_TRY(api.call("GET", "/api/v1/folders"));
  auto folders = reply.find("folders");
  if (folders == reply.end() || !folders->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no folders");
  }
  std::vector<FolderInfo> out;
  for (const Json& item : *folders) {
    FolderInfo f;
    f.id = SEALMAIL_TRY(string_member(item, "id"));
    f.parent = SEALMAIL_TRY(string_member(item, "parent"));
    f.name = SEALMAIL_TRY(string_member(item, "name"));
    auto system = item.find("system");
    f.system = system != item.end() && system->is_boolean() && system->get<bool>();
    f.counts = counts_from(item);
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::string> create_folder(ApiClient& api, std::string_view name, std::string_view parent) {
  Json body{{"name", std::string(name)}};
  if (!parent.empty()) {
    SEALMAIL_RETURN_IF_ERROR(check_id(parent, "folder"));
    body["parent"] = std::string(parent);
  }
  Json reply = SEALMAIL_TRY(api.call("POST", "/api/v1/folders", body));
  return string_member(reply, "id");
}

Status rename_folder(ApiClient& api, std::string_view id, std::string_view name) {
  SEALMAIL_RETURN_IF_ERROR(check_id(id, "folder"));
  SEALMAIL_TRY(
      api.call("PATCH", "/api/v1/folders/" + std::string(id), Json{{"name", std::string(name)}}));
  return ok_status();
}

Status move_folder(ApiClient& api, std::string_view id, std::string_view parent) {
  SEALMAIL_RETURN_IF_ERROR(check_id(id, "folder"));
  SEALMAIL_TRY(api.call("PATCH", "/api/v1/folders/" + std::string(id),
                        Json{{"parent", std::string(parent)}}));
  return ok_status();
}

Result<int64_t> delete_folder(ApiClient& api, std::string_view id) {
  SEALMAIL_RETURN_IF_ERROR(check_id(id, "folder"));
  Json reply = SEALMAIL_TRY(api.call("DELETE", "/api/v1/folders/" + std::string(id)));
  return int_member(reply, "moved_to_archive");
}

Result<std::vector<LabelInfo>> list_labels(ApiClient& api) {
  Json reply = SEALMAIL_TRY(api.call("GET", "/api/v1/labels"));
  auto labels = reply.find("labels");
  if (labels == reply.end() || !labels->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no labels");
  }
  std::vector<LabelInfo> out;
  for (const Json& item : *labels) {
    LabelInfo l;
    l.id = SEALMAIL_TRY(string_member(item, "id"));
    l.name = SEALMAIL_TRY(string_member(item, "name"));
    l.color = SEALMAIL_TRY(string_member(item, "color"));
    l.counts = counts_from(item);
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::string> create_label(ApiClient& api, std::string_view name, std::string_view color) {
  Json body{{"name", std::string(name)}};
  if (!color.empty()) body["color"] = std::string(color);
  Json reply = SEALMAIL_TRY(api.call("POST", "/api/v1/labels", body));
  return string_member(reply, "id");
}

Status rename_label(ApiClient& api, std::string_view id, std::string_view name) {
  SEALMAIL_RETURN_IF_ERROR(check_id(id, "label"));
  SEALMAIL_TRY(
      api.call("PATCH", "/api/v1/labels/" + std::string(id), Json{{"name", std::string(name)}}));
  return ok_status();
}

Status delete_label(ApiClient& api, std::string_view id) {
  SEALMAIL_RETURN_IF_ERROR(check_id(id, "label"));
  SEALMAIL_TRY(api.call("DELETE", "/api/v1/labels/" + std::string(id)));
  return ok_status();
}

Result<int64_t> move_messages(ApiClient& api, const std::vector<std::string>& ids,
                              std::string_view folder) {
  return changed(api.call("POST", "/api/v1/messages/move",
                          Json{{"ids", ids_json(ids)}, {"folder", std::string(folder)}}));
}

Result<int64_t> add_label(ApiClient& api, const std::vector<std::string>& ids,
                          std::string_view label) {
  return changed(api.call("POST", "/api/v1/messages/label",
                          Json{{"ids", ids_json(ids)}, {"label", std::string(label)}}));
}

Result<int64_t> remove_label(ApiClient& api, const std::vector<std::string>& ids,
                             std::string_view label) {
  return changed(api.call("POST", "/api/v1/messages/unlabel",
                          Json{{"ids", ids_json(ids)}, {"label", std::string(label)}}));
}

Result<int64_t> set_flags(ApiClient& api, const std::vector<std::string>& ids, int64_t set,
                          int64_t clear) {
  static constexpr std::pair<int64_t, std::string_view> kNames[] = {{kFlagSeen, "seen"},
                                                                    {kFlagFlagged, "flagged"},
                                                                    {kFlagAnswered, "answered"},
                                                                    {kFlagForwarded, "forwarded"}};
  Json set_names = Json::array();
  Json clear_names = Json::array();
  for (const auto& [bit, name] : kNames) {
    if ((set & bit) != 0) set_names.push_back(name);
    if ((clear & bit) != 0) clear_names.push_back(name);
  }
  return changed(
      api.call("POST", "/api/v1/messages/flags",
               Json{{"ids", ids_json(ids)}, {"set", set_names}, {"clear", clear_names}}));
}

Result<int64_t> delete_messages(ApiClient& api, const std::vector<std::string>& ids) {
  return changed(api.call("POST", "/api/v1/messages/delete", Json{{"ids", ids_json(ids)}}));
}

Result<int64_t> empty_folder(ApiClient& api, std::string_view folder) {
  SEALMAIL_RETURN_IF_ERROR(check_id(folder, "folder"));
  return changed(api.call("POST", "/api/v1/folders/" + std::string(folder) + "/empty"));
}

Result<std::vector<MessageState>> message_states(ApiClient& api,
                                                 const std::vector<std::string>& ids) {
  Json reply =
      SEALMAIL_TRY(api.call("POST", "/api/v1/messages/summaries", Json{{"ids", ids_json(ids)}}));
  auto messages = reply.find("messages");
  if (messages == reply.end() || !messages->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no messages");
  }
  std::vector<MessageState> out;
  for (const Json& item : *messages) {
    MessageState state;
    state.id = SEALMAIL_TRY(string_member(item, "id"));
    state.folder = SEALMAIL_TRY(string_member(item, "folder"));
    state.flags = int_member(item, "flags");
    state.labels = SEALMAIL_TRY(string_list_member(item, "labels"));
    state.expires_ms = int_member(item, "expires_ms");
    out.push_back(std::move(state));
  }
  return out;
}

Result<Mailbox> Mailbox::open(ApiClient& api, std::string_view key_password) {
  Json doc = SEALMAIL_TRY(api.call("GET", "/api/v1/account"));
  auto account_doc = doc.find("account_key");
  if (account_doc == doc.end()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no account_key");
  }
  pgp::AccountKeyRecord account = SEALMAIL_TRY(parse_account_key(*account_doc));
  pgp::Keyring keyring = SEALMAIL_TRY(pgp::unlock_account(account, key_password));
  auto addresses = doc.find("addresses");
  if (addresses == doc.end() || !addresses->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no addresses");
  }
  std::vector<pgp::AddressKeyRecord> records;
  for (const Json& address : *addresses) {
    auto record = address.find("address_key");
    if (record == address.end()) continue;
    pgp::AddressKeyRecord key = SEALMAIL_TRY(parse_address_key(*record));
    SEALMAIL_RETURN_IF_ERROR(pgp::unlock_address(keyring, account, key));
    records.push_back(std::move(key));
  }
  Mailbox mailbox(api, std::move(keyring), std::move(records));
  if (auto quota = doc.find("quota"); quota != doc.end() && quota->is_object()) {
    mailbox.max_message_bytes_ = std::max<int64_t>(0, int_member(*quota, "max_message_bytes"));
  }
  return mailbox;
}

Result<MessageListing> Mailbox::listing_from(const Json& item) {
  MessageListing listing;
  listing.id = SEALMAIL_TRY(string_member(item, "id"));
  listing.address = SEALMAIL_TRY(string_member(item, "address"));
  listing.folder = SEALMAIL_TRY(string_member(item, "folder"));
  listing.size = int_member(item, "size");
  listing.received_ms = int_member(item, "received_ms");
  listing.flags = int_member(item, "flags");
  listing.labels = SEALMAIL_TRY(string_list_member(item, "labels"));
  listing.expires_ms = int_member(item, "expires_ms");
  std::string summary = SEALMAIL_TRY(base64_member(item, "summary"));
  pgp::EncryptedMessage parts = SEALMAIL_TRY(pgp::split_message(summary));
  pgp::Decrypted opened =
      SEALMAIL_TRY(pgp::decrypt(keyring_, parts.key_packets, parts.data_packet));
  Json json = Json::parse(opened.plaintext.reveal(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return make_error(Errc::kInvalidArgument, "a summary is not JSON");
  listing.summary = SEALMAIL_TRY(mime::summary_from_json(json));
  return listing;
}

Result<std::vector<MessageListing>> Mailbox::list(std::string_view folder, size_t limit,
                                                  size_t offset) {
  SEALMAIL_RETURN_IF_ERROR(check_id(folder, "folder"));
  return listing("folder=" + std::string(folder) + "&limit=" + std::to_string(limit) +
                 "&offset=" + std::to_string(offset));
}

Result<std::vector<MessageListing>> Mailbox::list_label(std::string_view label, size_t limit,
                                                        size_t offset) {
  SEALMAIL_RETURN_IF_ERROR(check_id(label, "label"));
  return listing("label=" + std::string(label) + "&limit=" + std::to_string(limit) +
                 "&offset=" + std::to_string(offset));
}

Result<std::vector<MessageListing>> Mailbox::listing(const std::string& query) {
  Json reply = SEALMAIL_TRY(api_->call("GET", "/api/v1/messages?" + query));
  auto messages = reply.find("messages");
  if (messages == reply.end() || !messages->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no messages");
  }
  std::vector<MessageListing> out;
  for (const Json& item : *messages) out.push_back(SEALMAIL_TRY(listing_from(item)));
  return out;
}

Result<std::string> Mailbox::fetch_data(std::string_view id, int64_t size) {
  // The server reads at most 16 MiB a request; pieces of 8 MiB keep each reply modest.
  constexpr int64_t kPiece = int64_t{8} << 20;
  if (size <= 0) return make_error(Errc::kInvalidArgument, "the server gave no data size");
  std::string data;
  data.reserve(static_cast<size_t>(size));
  while (static_cast<int64_t>(data.size()) < size) {
    const std::string piece = SEALMAIL_TRY(api_->fetch(
        fmt::format("/api/v1/messages/{}/data?offset={}&length={}", id, data.size(), kPiece)));
    if (piece.empty() || static_cast<int64_t>(data.size() + piece.size()) > size) {
      return make_error(Errc::kInvalidArgument, "the server's data does not match its size");
    }
    data += piece;
  }
  return data;
}

Result<OpenedMessage> Mailbox::read(std::string_view id) {
  if (!is_lower_hex(id, 16)) {
    return make_error(Errc::kInvalidArgument, "a message id is 16 hex digits");
  }
  Json reply = SEALMAIL_TRY(api_->call("GET", "/api/v1/messages/" + std::string(id)));
  MessageListing listing = SEALMAIL_TRY(listing_from(reply));
  std::string key_packets = SEALMAIL_TRY(base64_member(reply, "key_packets"));
  std::string data_packet;
  if (reply.contains("data_packet")) {
    data_packet = SEALMAIL_TRY(base64_member(reply, "data_packet"));
  } else {
    data_packet = SEALMAIL_TRY(fetch_data(id, int_member(reply, "data_size")));
  }
  std::string from;
  if (!listing.summary.from.empty()) from = ascii_lowercase(listing.summary.from.front().addr);
  if (!from.empty()) {
    // Outside senders have no key here (404): their signatures stay unverified.
    if (auto armored = export_public_key(*api_, from); armored.ok()) {
      if (auto key = pgp::PublicKey::parse(*armored); key.ok()) (void)keyring_.add(*key);
    }
  }
  pgp::Decrypted opened = SEALMAIL_TRY(open_parts(keyring_, key_packets, data_packet));
  const bool signed_by_sender = !from.empty() && opened.verified_from(from);
  return OpenedMessage{std::move(listing), std::move(opened.plaintext),
                       std::move(opened.signatures), signed_by_sender};
}

Result<pgp::Decrypted> Mailbox::decrypt(std::string_view message) {
  pgp::EncryptedMessage parts = SEALMAIL_TRY(pgp::split_message(message));
  return pgp::decrypt(keyring_, parts.key_packets, parts.data_packet);
}

}  // namespace sealmail::client
