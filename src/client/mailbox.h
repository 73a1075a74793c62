// mailbox.h — reading mail on the client: the account's keys unlocked with the (mailbox)
// password, a folder's or label's messages with their summaries decrypted, one message
// decrypted; and organising the mailbox — folders, labels, moving, flagging, deleting — which
// needs no key (the server keeps folder and label names and flags in the clear).
// The server hands out only ciphertext (GET /api/v1/messages…, docs/api.md); everything
// readable exists only here, in memory.
//
// SECURITY: summaries and messages come from the server, which we do not trust to be honest:
// they are decrypted under src/pgp's EFAIL-safe policy, summaries are parsed as untrusted JSON,
// and a message is returned as decrypted bytes for src/mime to display.
// Thread-safety: a Mailbox is used by one thread at a time (it holds a pgp::Keyring).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "client/api_client.h"
#include "mime/mime.h"
#include "pgp/hierarchy.h"
#include "pgp/key.h"
#include "pgp/message.h"

namespace sealmail::client {

// What the server knows of a message without its content.
struct MessageState {
  std::string id;
  std::string folder;
  int64_t flags = 0;  // kFlag* below
  std::vector<std::string> labels;
  int64_t expires_ms = 0;  // 0 = never
};
inline constexpr int64_t kFlagSeen = 1;
inline constexpr int64_t kFlagFlagged = 2;
inline constexpr int64_t kFlagAnswered = 4;
inline constexpr int64_t kFlagForwarded = 8;

struct MessageListing {
  std::string id;
  std::string address;  // the address it was delivered to
  std::string folder;
  int64_t size = 0;
  int64_t received_ms = 0;
  int64_t flags = 0;
  std::vector<std::string> labels;
  int64_t expires_ms = 0;
  mime::Summary summary;
};

struct Counts {
  int64_t total = 0;
  int64_t unread = 0;
};

// A system folder (inbox, drafts, sent, archive, spam, trash), All Mail ("all", a view of
// every message not in trash or spam), or a user folder (16 hex digits).
struct FolderInfo {
  std::string id;
  std::string parent;  // "" at the top
  std::string name;    // a system folder's is its id
  bool system = false;
  Counts counts;
};

struct LabelInfo {
  std::string id;
  std::string name;
  std::string color;
  Counts counts;
};

// Folders and labels (GET/POST/PATCH/DELETE /api/v1/folders, /api/v1/labels). Names are
// visible to the server.
Result<std::vector<FolderInfo>> list_folders(ApiClient& api);
Result<std::string> create_folder(ApiClient& api, std::string_view name,
                                  std::string_view parent = {});
Status rename_folder(ApiClient& api, std::string_view id, std::string_view name);
// `parent` "" moves it to the top.
Status move_folder(ApiClient& api, std::string_view id, std::string_view parent);
// Its messages (and its subfolders') move to archive; returns how many.
Result<int64_t> delete_folder(ApiClient& api, std::string_view id);
Result<std::vector<LabelInfo>> list_labels(ApiClient& api);
Result<std::string> create_label(ApiClient& api, std::string_view name,
                                 std::string_view color = {});
Status rename_label(ApiClient& api, std::string_view id, std::string_view name);
Status delete_label(ApiClient& api, std::string_view id);

// Bulk changes; each returns how many messages changed (ids that are not the account's are
// skipped by the server).
Result<int64_t> move_messages(ApiClient& api, const std::vector<std::string>& ids,
                              std::string_view folder);
Result<int64_t> add_label(ApiClient& api, const std::vector<std::string>& ids,
                          std::string_view label);
Result<int64_t> remove_label(ApiClient& api, const std::vector<std::string>& ids,
                             std::string_view label);
// set and clear are kFlag* masks.
Result<int64_t> set_flags(ApiClient& api, const std::vector<std::string>& ids, int64_t set,
                          int64_t clear);
// For good, from any folder.
Result<int64_t> delete_messages(ApiClient& api, const std::vector<std::string>& ids);
// Deletes every message in trash or spam for good.
Result<int64_t> empty_folder(ApiClient& api, std::string_view folder);
// The state of those ids that are the account's messages, in the order asked.
Result<std::vector<MessageState>> message_states(ApiClient& api,
                                                 const std::vector<std::string>& ids);

struct OpenedMessage {
  MessageListing listing;
  Sensitive raw;  // the RFC 5322 message as stored (inbound mail: with the MX's trace headers)
  std::vector<pgp::Signature> signatures;
  // A valid signature over the whole message by a key of the summary's (first) From address
  // — for senders on this server, whose keys the key directory publishes.
  bool signed_by_sender = false;
};

class Mailbox {
 public:
  // Fetches the account document and unlocks the account key and every address key.
  // kPermissionDenied for a wrong password.
  static Result<Mailbox> open(ApiClient& api, std::string_view key_password);

  // `folder`: a system folder, "all" or a user folder id.
  Result<std::vector<MessageListing>> list(std::string_view folder, size_t limit = 50,
                                           size_t offset = 0);
  Result<std::vector<MessageListing>> list_label(std::string_view label, size_t limit = 50,
                                                 size_t offset = 0);
  // Before decrypting, the From address's key is fetched from the server's key directory (when
  // it has one, checked against its signed key list) so that the signature can be verified.
  Result<OpenedMessage> read(std::string_view id);
  // Decrypts an OpenPGP message (armored or binary) found inside a message: what a sender
  // encrypted end to end (PGP/MIME or inline PGP) to one of this account's addresses.
  Result<pgp::Decrypted> decrypt(std::string_view message);

  // The account's addresses with their (public) address keys, primary first; each one's
  // secret key is unlocked in keyring() and signs what is sent from that address.
  const std::vector<pgp::AddressKeyRecord>& addresses() const { return addresses_; }
  pgp::Keyring& keyring() { return keyring_; }
  // The largest message the account's plan sends (its encrypted body), 0 if the server did
  // not say: checked here before anything is uploaded.
  int64_t max_message_bytes() const { return max_message_bytes_; }
  ApiClient& api() { return *api_; }

 private:
  Mailbox(ApiClient& api, pgp::Keyring keyring, std::vector<pgp::AddressKeyRecord> addresses)
      : api_(&api), keyring_(std::move(keyring)), addresses_(std::move(addresses)) {}
  Result<MessageListing> listing_from(const nlohmann::json& item);
  // A large data packet of `size` bytes, fetched raw in pieces (GET …/data).
  Result<std::string> fetch_data(std::string_view id, int64_t size);
  Result<std::vector<MessageListing>> listing(const std::string& query);

  ApiClient* api_;
  pgp::Keyring keyring_;
  std::vector<pgp::AddressKeyRecord> addresses_;
  int64_t max_message_bytes_ = 0;
};

}  // namespace sealmail::client
