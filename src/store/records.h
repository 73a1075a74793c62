// records.h — the rows of accounts, addresses, domains, login sessions and their security state,
// messages, folders and labels, as the Store interface passes them (store.h). Plain values; no
// backend types.
//
// What the store holds for a user is what design.md §2 allows the server to hold: SRP salts and
// verifiers, locked keys and public keys (as opaque documents the client wrote,
// docs/formats/keys.md), hashes of tokens and codes, never a password, an unlocked key or a
// token in the clear. The TOTP secret is the exception the protocol forces (RFC 6238: the
// verifier must know it).
//
// SECURITY: every string may carry bytes relayed from the network; the store length-checks
// what it must and binds everything as query parameters.
// Thread-safety: value types.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::store {

// A distinct type so that an account id and a cursor, both integers, cannot be swapped.
struct AccountId {
  int64_t value = 0;
  friend auto operator<=>(const AccountId&, const AccountId&) = default;
};
std::ostream& operator<<(std::ostream& os, AccountId id);

// What SRP login needs (docs/api.md "Login"). Opaque to the store.
struct Credentials {
  std::string srp;           // the group and hash, e.g. "rfc5054-3072-sha256"
  std::string srp_salt;      // bytes
  std::string srp_verifier;  // bytes, big-endian v
  std::string kdf;           // the Argon2id parameters the client used, "m=65536,t=3,p=1"
};

struct AccountRecord {
  AccountId id;
  std::string address;  // the primary address, as given at creation
  std::string plan = "default";
  bool disabled = false;
  bool two_password_mode = false;    // the account key is locked by a separate mailbox password
  Credentials credentials;           // of the login password
  Credentials recovery_credentials;  // of the recovery phrase (recovery login)
  std::string account_key;           // opaque JSON document (docs/formats/keys.md, account record)
  int64_t created_at_ms = 0;
};

struct AddressRecord {
  AccountId account;
  std::string address;     // as given; unique across the store, ASCII case folded
  std::string key_record;  // opaque JSON document (docs/formats/keys.md, address record)
  std::string key_list;    // opaque JSON document: the key list signed by the address key
  int64_t created_at_ms = 0;
};

struct Domain {
  std::string name;  // lower-case DNS name
  int64_t created_at_ms = 0;
  std::string catch_all;  // folded address receiving mail for unknown local parts; "" = none
};

// One login session. Tokens are stored as SHA-256 hashes; the clear tokens exist only in the
// response that issued them and in the client.
struct SessionRecord {
  std::string id;  // public identifier, 16 hex digits (sessions list/revoke)
  AccountId account;
  std::string scope;  // "full", "2fa" (password proven, second factor pending), "recovery"
  std::string access_hash;
  std::string refresh_hash;
  int64_t created_at_ms = 0;
  int64_t access_expires_ms = 0;
  int64_t refresh_expires_ms = 0;
  int64_t last_used_ms = 0;
  std::string client;  // what the client said it is and where from, for `sessions list`
};

// The server half of one SRP exchange between "auth info" and "login". Single use.
struct SrpChallenge {
  std::string id;             // 32 hex digits, given to the client
  std::string address_key;    // the folded address the client named (known or not)
  std::string purpose;        // "login", "recovery", "password"
  std::string server_secret;  // b, bytes
  std::string server_public;  // B, bytes
  int64_t expires_at_ms = 0;
};

struct TotpState {
  std::string secret;          // enabled secret, bytes; empty when TOTP is off
  std::string pending_secret;  // issued by "enable", awaiting its first code; else empty
  int64_t last_step = 0;       // the newest time step accepted; older steps are refused
};

struct FailureCount {
  int64_t count = 0;            // failures since the window opened
  int64_t last_failure_ms = 0;  // 0 when there was none
};

struct Invite {
  std::string code_hash;  // SHA-256 of the code
  std::string address;    // empty: any address on a hosted domain
  int64_t expires_at_ms = 0;
};

// Another name for an existing address.
struct Alias {
  std::string alias;   // as given
  std::string target;  // the target address, folded
  int64_t created_at_ms = 0;
};

// ---- The mailbox model (store.h "Mailbox")
//
// Every message is in exactly one folder: a system folder, which every account has without
// creating it, or a user folder (16 lower-case hex digits, made by Store::create_folder).
inline constexpr std::string_view kInbox = "inbox";
inline constexpr std::string_view kDrafts = "drafts";
inline constexpr std::string_view kSent = "sent";
inline constexpr std::string_view kArchive = "archive";
inline constexpr std::string_view kSpam = "spam";
inline constexpr std::string_view kTrash = "trash";
inline constexpr std::string_view kSystemFolders[] = {kInbox,   kDrafts, kSent,
                                                      kArchive, kSpam,   kTrash};
// Not a folder but a view that listings and counts accept: every message not in trash or spam.
inline constexpr std::string_view kAllMail = "all";

inline bool is_system_folder(std::string_view id) {
  for (std::string_view system : kSystemFolders) {
    if (id == system) return true;
  }
  return false;
}

// MessageRecord::flags bits. A message is unread while kFlagSeen is clear; kFlagFlagged is
// "starred".
inline constexpr int64_t kFlagSeen = 1;
inline constexpr int64_t kFlagFlagged = 2;
inline constexpr int64_t kFlagAnswered = 4;
inline constexpr int64_t kFlagForwarded = 8;
inline constexpr int64_t kKnownFlags = kFlagSeen | kFlagFlagged | kFlagAnswered | kFlagForwarded;

struct MessageCounts {
  int64_t total = 0;
  int64_t unread = 0;  // without kFlagSeen
};

// A system folder (system true: id is its name, parent and name empty, created_at_ms 0) or a
// user folder.
struct FolderRecord {
  std::string id;
  std::string parent;  // "" for a top-level folder, else the parent folder's id
  std::string name;    // 1..kMaxNameBytes bytes, no control characters, unique among siblings
  bool system = false;
  int64_t created_at_ms = 0;
  MessageCounts counts;  // of the messages directly in this folder (not its subfolders)
};

struct LabelRecord {
  std::string id;     // 16 lower-case hex digits, random
  std::string name;   // 1..kMaxNameBytes bytes, no control characters, unique in the account
  std::string color;  // 0..kMaxColorBytes printable ASCII bytes, e.g. "#8080ff"
  int64_t created_at_ms = 0;
  MessageCounts counts;  // of the messages carrying the label, in any folder
};

// One copy of a message in one account. The three byte strings are OpenPGP and opaque to the
// server (docs/formats/messages.md, docs/formats/summary.md): never plaintext mail.
struct MessageRecord {
  AccountId account;
  std::string id;       // 16 lower-case hex digits, random; unique within the account
  std::string address;  // the address it was delivered to, folded
  std::string folder;   // a system folder id (kInbox, …) or a user folder's id
  int64_t flags = 0;    // kFlag* bits
  int64_t size = 0;     // bytes counted against the quota (the three parts below)
  int64_t received_at_ms = 0;
  std::string key_packets;          // binary PKESK/SKESK packets, concatenated
  std::string data_packet;          // one binary SEIPD packet: get_message only (deliver takes the
                                    // Delivery's, listings leave it empty)
  std::string summary;              // binary OpenPGP message whose plaintext is the summary JSON
  int64_t expires_at_ms = 0;        // deleted for good from this time on; 0 = never
  std::vector<std::string> labels;  // label ids, sorted; deliver applies them too
};

// A message to store for each of its recipients' accounts, all or none. The body is stored once
// for all copies; each copy brings its own key packets, summary and metadata (its data_packet
// is ignored).
// A message for addresses on other servers, waiting in the outbound queue
// (docs/formats/outbound-queue.md). `message` is what the server sealed at rest, never the
// plaintext: the store neither reads nor checks it.
struct OutboundRecord {
  std::string id;                       // 16 lower-case hex digits
  AccountId account{0};                 // the sender's
  std::string sender;                   // envelope sender (MAIL FROM)
  std::vector<std::string> recipients;  // envelope recipients (RCPT TO), 1..kMaxOutboundRecipients
  std::string message;                  // sealed
  int64_t created_at_ms = 0;
  int64_t next_attempt_ms = 0;  // not tried before
  int64_t attempts = 0;
  std::string last_error;      // the last attempt's outcome, "" before the first
  std::string lease_owner;     // the worker holding it (claim_outbound), "" when none
  int64_t lease_until_ms = 0;  // its lease ends then
};

struct Delivery {
  std::vector<MessageRecord> copies;
  // Per copy: the account's storage limit in bytes (0 = unlimited), checked against the
  // account's use inside the transaction.
  std::vector<int64_t> quota_bytes;
  std::string data_packet;  // one binary SEIPD packet, the message every copy opens
  // Or instead: an upload of the LAST copy's account holding that packet (Store::add_upload).
  std::string body_upload;
  // Copies of the same message for other servers, queued in the same transaction.
  std::vector<OutboundRecord> outbound;
  // A message in the Drafts folder of the LAST copy's account (the author's) that this
  // delivery supersedes — a draft saved anew, or sent: deleted in the same transaction.
  std::string replaces_draft;
};

// A piece of a data packet (Store::read_body).
struct BodyRange {
  std::string bytes;
  int64_t total = 0;  // the whole packet's size
};

// What Store::prune deleted.
struct Pruned {
  int64_t challenges = 0;
  int64_t sessions = 0;
  int64_t failures = 0;
  int64_t invites = 0;
  int64_t messages = 0;  // expired messages (Store::delete_expired)
  int64_t uploads = 0;   // uploads never used
};

}  // namespace sealmail::store
