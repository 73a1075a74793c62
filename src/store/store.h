// store.h — the Store interface: domains, accounts with their credentials, keys, sessions and
// second factor, messages and the mailbox model (folders, labels, flags, expiry), and the
// per-account event log, behind one API that
// both storage backends implement (SQLite today, PostgreSQL next; design.md §5).
//
// The interface is written for the most demanding backend, not the simplest: every row a user
// owns is keyed by account_id (so a distributed PostgreSQL can shard by it), nothing is cached
// in the process that another process could change (several server nodes share one database),
// and no call exposes backend types, SQL or file layout.
//
// Event log semantics. Each account has its own cursor sequence 1, 2, 3, … An event's cursor is
// assigned inside the transaction that writes it, from a counter on the account's row, so
// cursors follow commit order and have no gaps that are filled later: a reader that has seen
// cursor N will never later find a new event with a cursor ≤ N. Clients and the bridge sync by
// remembering the last cursor they processed and asking for events_after(it).
//
// SECURITY: addresses, event kinds and payloads come from callers that may be relaying network
// input. They are length-checked here and always bound as query parameters, never spliced into
// SQL. Payloads are opaque bytes that the server cannot read: encrypted blobs and IDs, never
// plaintext mail (design.md §2 — no plaintext body, subject or attachment in the store).
// The database itself is trusted to be ours but may be damaged: corruption is reported as
// kCorruption, never a crash.
//
// Standards: RFC 5321 §4.5.3.1 (address length). Whole addresses are compared with ASCII case
// folded: RFC 5321 lets a server treat local parts as case-sensitive, but users expect Alice and
// alice to be one person, and one rule must hold on every backend.
//
// Thread-safety: a Store is safe to call from several threads at once; each backend documents
// how (sqlite/sqlite_store.h). Several Store objects — in one process or many — may open the
// same database; correctness never depends on being the only one.
//
// Errors common to every call: kUnavailable (the database is locked or unreachable beyond the
// backend's timeout; retry later), kIo (disk full, I/O error), kCorruption (damaged database).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/records.h"

namespace sealmail::store {

// Position in one account's event log. 0 means "before the first event".
using Cursor = int64_t;

struct Event {
  AccountId account;
  Cursor cursor = 0;
  std::string kind;           // what happened, e.g. "message.created"; see kMaxEventKindBytes
  std::string payload;        // opaque bytes, never plaintext mail
  int64_t created_at_ms = 0;  // Unix time in milliseconds, from the writer's clock
};

// Limits enforced identically by every backend, so behaviour does not depend on the database.
inline constexpr size_t kMaxAddressBytes = 320;  // RFC 5321: 64 local-part + @ + 255 domain
inline constexpr int64_t kLastUsedResolutionMs = 60'000;  // of SessionRecord::last_used_ms
inline constexpr size_t kMaxEventKindBytes = 64;
inline constexpr size_t kMaxEventPayloadBytes = size_t{1} << 20;  // events carry metadata only
// Key documents: AccountRecord::account_key, AddressRecord::key_record and key_list.
inline constexpr size_t kMaxDocumentBytes = size_t{256} << 10;
// SRP salts, verifiers and KDF parameters, SRP b and B, TOTP secrets, server secrets.
inline constexpr size_t kMaxSecretBytes = 4096;
// Session and challenge ids, token and code hashes, scopes, purposes, plans, secret names.
inline constexpr size_t kMaxTokenBytes = 128;
// SessionRecord::client and failure-counter keys ("account:" + an address fits).
inline constexpr size_t kMaxLabelBytes = 512;
// Recovery codes per account.
inline constexpr size_t kMaxRecoveryCodes = 64;
// One stored message copy (key packets + data packet + summary).
inline constexpr size_t kMaxMessageBytes = size_t{256} << 20;
// Folder and label names; label colours.
inline constexpr size_t kMaxNameBytes = 255;
inline constexpr size_t kMaxColorBytes = 32;
// User folders and labels per account; nesting depth of user folders (a top-level one is 1).
inline constexpr size_t kMaxFolders = 1000;
inline constexpr size_t kMaxLabels = 1000;
inline constexpr size_t kMaxFolderDepth = 8;
// Message ids per bulk call (move_messages, get_summaries, …). Calls that touch a whole folder
// or sweep expiry are not bounded by it; their events are split into payloads of at most
// kMaxIdsPerEvent ids, far below kMaxEventPayloadBytes.
inline constexpr size_t kMaxBulkIds = 10'000;
inline constexpr size_t kMaxIdsPerEvent = 10'000;
// Envelope recipients of one queued outbound message (RFC 5321 §4.5.3.1.8: at least 100).
inline constexpr size_t kMaxOutboundRecipients = 100;
// Expired messages one prune() deletes at most.
inline constexpr size_t kPruneMessages = 10'000;
// The most one read_body call returns.
inline constexpr int64_t kMaxBodyRead = int64_t{16} << 20;
// Uploads (add_upload) an account may hold unused at once, and how long one is kept unused.
inline constexpr size_t kMaxPendingUploads = 16;
inline constexpr int64_t kUploadLifetimeMs = int64_t{24} * 3600 * 1000;
//
// Every call below the event log checks its input the same way: an address follows
// create_account's rules; an id, token or code hash, scope, purpose, plan, failure key, secret
// name, TOTP secret or server secret that is empty, or any string above its limit, is
// kInvalidArgument; a key document above kMaxDocumentBytes is kLimitExceeded. find_domain and
// take_invite are the exceptions: they answer kNotFound whatever is wrong.

class Store {
 public:
  virtual ~Store() = default;

  // The schema version of the open database. open_store has migrated it to the newest version
  // this build knows, so this equals the backend's latest version.
  virtual int schema_version() const = 0;

  // Accounts. The address is stored as given; uniqueness and lookup fold ASCII case, so
  // "Alice@Example.org" and "alice@example.org" are the same account. Non-ASCII bytes are
  // compared exactly (SMTPUTF8 local parts have no portable case rule).
  // create_account: kInvalidArgument (empty, too long, control characters or no '@'),
  // kAlreadyExists. find_account: kNotFound.
  virtual Result<AccountId> create_account(std::string_view address) = 0;
  virtual Result<AccountId> find_account(std::string_view address) = 0;

  // Appends one event to `account`'s log in its own durable transaction and returns its cursor:
  // when this returns ok, the event survives a process crash or power cut.
  // kNotFound (no such account), kInvalidArgument (kind empty, too long or not printable
  // ASCII), kLimitExceeded (payload larger than kMaxEventPayloadBytes).
  virtual Result<Cursor> append_event(AccountId account, std::string_view kind,
                                      std::string_view payload) = 0;

  // Up to `limit` events with cursor > `after`, in cursor order, from one consistent snapshot.
  // Fewer than `limit` means the reader has caught up (for now). kNotFound (no such account),
  // kInvalidArgument (after < 0).
  virtual Result<std::vector<Event>> events_after(AccountId account, Cursor after,
                                                  size_t limit) = 0;

  // The cursor of the account's newest event, 0 if it has none. kNotFound (no such account).
  virtual Result<Cursor> last_cursor(AccountId account) = 0;

  // ---- Domains ------------------------------------------------------------------------------
  // `name` must be a lower-case DNS name (base/dns_name.h): kInvalidArgument; kAlreadyExists.
  virtual Status add_domain(std::string_view name) = 0;
  // In name order.
  virtual Result<std::vector<Domain>> list_domains() = 0;
  // kNotFound when `name` (compared ASCII case folded) is not hosted.
  virtual Result<Domain> find_domain(std::string_view name) = 0;

  // ---- Users: an account with credentials and keys, and its addresses -----------------------
  // Creates the account and its primary address in one transaction; `account.id` and the
  // created_at fields are ignored and set here, `primary.address` must equal
  // `account.address`. kAlreadyExists (the address is taken, by any account, as primary or
  // not), kInvalidArgument (as create_account, or the two addresses differ).
  // find_account (above) finds an account by any of its addresses.
  virtual Result<AccountId> create_user(const AccountRecord& account,
                                        const AddressRecord& primary) = 0;
  // kNotFound.
  virtual Result<AccountRecord> get_account(AccountId account) = 0;
  // Every account in id order (admin listing).
  virtual Result<std::vector<AccountRecord>> list_accounts() = 0;
  // Replaces the credentials, the account key document and the password mode in one
  // transaction, and revokes every session of the account except `keep_session` ("" keeps
  // none). kNotFound.
  virtual Status update_credentials(AccountId account, const Credentials& credentials,
                                    std::string_view account_key, bool two_password_mode,
                                    std::string_view keep_session) = 0;
  // A new recovery phrase: replaces the recovery credentials and the account key document
  // (which holds the new recovery copy) in one transaction. kNotFound.
  virtual Status set_recovery(AccountId account, const Credentials& recovery,
                              std::string_view account_key) = 0;
  // Disabling also revokes every session. kNotFound.
  virtual Status set_disabled(AccountId account, bool disabled) = 0;
  // kNotFound.
  virtual Status set_plan(AccountId account, std::string_view plan) = 0;
  // Account reset: in one transaction, deletes the account's events, sessions, TOTP state,
  // recovery codes and every address but the primary one, then stores the new credentials
  // (login and recovery), key documents and password mode. The account keeps its id and primary
  // address. kNotFound. The new password mode is single-password (two_password_mode false): a reset
  // sets one new password. `primary.address` must name the primary address (ASCII case folded; else
  // kInvalidArgument); its key_record and key_list replace the stored ones, the rest of
  // `primary` is ignored. The event cursor counter is kept, so a cursor is never reused.
  virtual Status reset_account(AccountId account, const Credentials& credentials,
                               const Credentials& recovery, std::string_view account_key,
                               const AddressRecord& primary) = 0;

  // Addresses of an account, primary first then in creation order. kNotFound (no account).
  virtual Result<std::vector<AddressRecord>> list_addresses(AccountId account) = 0;
  // Adds an address to an account. kAlreadyExists, kInvalidArgument, kNotFound (no account).
  virtual Status add_address(const AddressRecord& address) = 0;
  // The address record by address (ASCII case folded). kNotFound.
  virtual Result<AddressRecord> find_address(std::string_view address) = 0;

  // Where mail for `address` goes (ASCII case folded): the address itself, else the alias of
  // that name, else the catch-all of its hosted domain — one snapshot. kNotFound when none.
  virtual Result<AddressRecord> find_recipient(std::string_view address) = 0;

  // ---- Aliases and catch-all ----------------------------------------------------------------
  // add_alias: `target` must be an existing address; the alias must not be an address or an
  // alias already (kAlreadyExists); kNotFound (no target), kInvalidArgument.
  virtual Status add_alias(std::string_view alias, std::string_view target) = 0;
  virtual Status remove_alias(std::string_view alias) = 0;  // kNotFound
  virtual Result<std::vector<Alias>> list_aliases() = 0;    // by alias
  // `address` empty turns the catch-all off; otherwise it must be an existing address.
  // kNotFound (no such domain or address).
  virtual Status set_catch_all(std::string_view domain, std::string_view address) = 0;

  // ---- Messages -----------------------------------------------------------------------------
  // Stores each delivery — all its copies or none — in ONE durable transaction, with a
  // "message.created" event per copy (payload: {"id":…,"folder":…, …}, see "Mailbox"), and
  // returns a status per delivery: ok, kLimitExceeded (a copy would take its account over
  // quota_bytes), kNotFound (an account, a user folder or a label is gone), kAlreadyExists (an
  // id collides), kInvalidArgument (bad id, folder id, flags outside kKnownFlags, negative
  // expires_at_ms, empty parts). The delivery's data packet is stored once, shared by its
  // copies; each copy's size counts it in full against its account. A copy's folder, flags,
  // expires_at_ms and labels are stored. The delivery's outbound messages join the outbound
  // queue in the same transaction (kInvalidArgument: bad id, no or too many recipients, an
  // empty message). With replaces_draft, that draft of the last copy's account is deleted in
  // the same transaction ("message.deleted" before the new copies' events); kNotFound when it
  // is not in that account's Drafts. With body_upload instead of data_packet, the copies share
  // that upload's body (add_upload; it must be the last copy's account's: else kNotFound) and
  // the upload is used up. An error of the call itself (kIo, kUnavailable) means nothing
  // was stored. When this returns, every ok delivery survives a crash or power cut: callers batch
  // many deliveries into one call so that they share one fsync (group commit).
  virtual Result<std::vector<Status>> deliver(const std::vector<Delivery>& deliveries) = 0;
  // Stores a message body ahead of the delivery that will use it (Delivery::body_upload): a
  // data packet of `size` bytes (1..kMaxMessageBytes) read from `data` in pieces, so that a
  // large upload is never held in memory. Durable when this returns. kInvalidArgument (bad id
  // or size), kAlreadyExists (id collides), kLimitExceeded (the account holds
  // kMaxPendingUploads unused already), kNotFound (no such account), kIo (`data` ended early).
  // Unused uploads are deleted by prune() after kUploadLifetimeMs.
  virtual Status add_upload(AccountId account, std::string_view id, std::istream& data,
                            int64_t size, int64_t now_ms) = 0;
  // The outbound queue, oldest first (`limit` at most, skipping `offset`), and one job by id
  // (kNotFound). Claiming, retrying and removing jobs belong to the delivery workers.
  virtual Result<std::vector<OutboundRecord>> list_outbound(size_t limit, size_t offset) = 0;
  virtual Result<OutboundRecord> get_outbound(std::string_view id) = 0;
  // Delivery workers. claim_outbound takes up to `limit` jobs that are due (next_attempt_ms <=
  // now) and not leased (or whose lease ran out), oldest due first, and leases them to `worker`
  // until now + lease_ms: no other worker gets them meanwhile, however many share the store.
  // A worker that dies lets its leases run out; the jobs are claimed again then.
  virtual Result<std::vector<OutboundRecord>> claim_outbound(std::string_view worker,
                                                             int64_t now_ms, int64_t lease_ms,
                                                             size_t limit) = 0;
  // The end of an attempt by the lease holder. finish_outbound removes the job (every
  // recipient delivered or bounced); defer_outbound keeps it for `remaining` recipients (a
  // non-empty subset of its own) until next_attempt_ms, counts the attempt and records
  // `error`, releasing the lease. kNotFound when the job is gone or `worker` no longer holds
  // its lease (it ran out and another worker took it): that worker's outcome wins.
  virtual Status finish_outbound(std::string_view id, std::string_view worker) = 0;
  virtual Status defer_outbound(std::string_view id, std::string_view worker,
                                const std::vector<std::string>& remaining, int64_t next_attempt_ms,
                                std::string_view error) = 0;
  // The administrator (`sealmail queue retry|delete`): a job due now, or gone. retry keeps a
  // lease that is held (that attempt is under way); kNotFound for no such job.
  virtual Status retry_outbound(std::string_view id, int64_t now_ms) = 0;
  virtual Status delete_outbound(std::string_view id) = 0;
  // The messages of `folder` (a system or user folder id, or kAllMail), newest first (ties by
  // id, descending), `limit` at most, skipping `offset`; data_packet left empty, labels
  // filled. kNotFound (no such account or user folder), kInvalidArgument (not a folder id).
  virtual Result<std::vector<MessageRecord>> list_messages(AccountId account,
                                                           std::string_view folder, size_t limit,
                                                           size_t offset) = 0;
  // The whole copy, with its labels. kNotFound.
  virtual Result<MessageRecord> get_message(AccountId account, std::string_view id) = 0;
  // Part of a message's data packet: up to `length` (1..kMaxBodyRead) bytes from `offset`, read
  // in place, so a large body is served a piece at a time and never loaded whole; with the
  // packet's total size. kNotFound (no such message of the account), kInvalidArgument (offset
  // negative, at or past the end; length outside 1..kMaxBodyRead).
  virtual Result<BodyRange> read_body(AccountId account, std::string_view id, int64_t offset,
                                      int64_t length) = 0;
  // Bytes of the account's stored messages. kNotFound.
  virtual Result<int64_t> storage_used(AccountId account) = 0;

  // ---- Mailbox: folders, labels, flags, bulk changes, expiry --------------------------------
  // Model (records.h). A message is in exactly one folder: one of the six system folders
  // (kSystemFolders, which every account has without creating them) or a user folder. User
  // folders nest (parent id, "" for top level) up to kMaxFolderDepth; a name is unique among
  // its siblings (bytes compared exactly). A message carries 0..n labels of its account.
  // kAllMail ("all") is a view, not a folder: every message not in trash or spam. Flags are
  // the kFlag* bits; "unread" means kFlagSeen is clear.
  //
  // Events. Every change appends events to the account's log in the same transaction
  // (payloads are JSON holding ids and metadata, never content; docs/formats/store-sqlite.md):
  //   message.created  {"id","folder","flags","labels":[…],"expires_at_ms"}     (deliver)
  //   message.updated  {"ids":[…], and the one change: "folder":F | "flags":N (the new value,
  //                    one event per distinct value) | "labels_added":[L] |
  //                    "labels_removed":[L] | "expires_at_ms":T}
  //   message.deleted  {"ids":[…]}
  //   folder.created / folder.updated {"id","parent","name"}, folder.deleted {"id"}
  //   label.created / label.updated {"id","name","color"}, label.deleted {"id"}
  // Only messages whose state actually changed are named; a call that changes nothing
  // appends nothing. A change to more than kMaxIdsPerEvent messages is split into several
  // events of the same kind. Deleting a label appends label.deleted only (its messages lose it
  // implicitly); renaming or moving a folder appends folder.updated only.
  //
  // Authorization: every call names the account. A folder, label or message id of another
  // account is kNotFound in the calls that take one id; the bulk calls (a vector of message
  // ids) silently skip ids that are not the account's messages and return how many messages
  // they changed. A message id that is not 16 lower-case hex digits is kInvalidArgument;
  // more than kMaxBulkIds ids is kLimitExceeded. Every call answers kNotFound when the account
  // does not exist. Each call is one transaction.

  // The six system folders in kSystemFolders order, then the user folders depth-first, siblings
  // by name; each with the counts of the messages directly in it.
  virtual Result<std::vector<FolderRecord>> list_folders(AccountId account) = 0;
  // Creates a user folder under `parent` ("" = top level; a system folder cannot be a parent)
  // and returns its id. kInvalidArgument (name empty, above kMaxNameBytes or with control
  // characters; parent not a user folder id), kNotFound (no such parent), kAlreadyExists (a
  // sibling has that name), kLimitExceeded (kMaxFolders or kMaxFolderDepth).
  virtual Result<std::string> create_folder(AccountId account, std::string_view parent,
                                            std::string_view name) = 0;
  // kInvalidArgument, kNotFound, kAlreadyExists as create_folder. The same name is a no-op.
  virtual Status rename_folder(AccountId account, std::string_view id, std::string_view name) = 0;
  // Moves a user folder with its subfolders under `parent` ("" = top level). kInvalidArgument
  // (parent is the folder or one of its descendants), kNotFound, kAlreadyExists (a sibling
  // there has its name), kLimitExceeded (the subtree would be deeper than kMaxFolderDepth).
  virtual Status move_folder(AccountId account, std::string_view id, std::string_view parent) = 0;
  // Deletes a user folder and all its subfolders. As Proton does, their messages are not
  // deleted: they move to kArchive, so they stay in All Mail. Returns how many moved.
  // kInvalidArgument (a system folder), kNotFound.
  virtual Result<int64_t> delete_folder(AccountId account, std::string_view id) = 0;

  // By name.
  virtual Result<std::vector<LabelRecord>> list_labels(AccountId account) = 0;
  // kInvalidArgument (name as a folder's; color above kMaxColorBytes or not printable ASCII),
  // kAlreadyExists (another label has that name), kLimitExceeded (kMaxLabels).
  virtual Result<std::string> create_label(AccountId account, std::string_view name,
                                           std::string_view color) = 0;
  // Replaces name and colour. kInvalidArgument, kNotFound, kAlreadyExists as create_label.
  virtual Status update_label(AccountId account, std::string_view id, std::string_view name,
                              std::string_view color) = 0;
  // Removes the label from every message and deletes it. kNotFound.
  virtual Status delete_label(AccountId account, std::string_view id) = 0;

  // The messages carrying `label`, in any folder, newest first, as list_messages. kNotFound
  // (no such label).
  virtual Result<std::vector<MessageRecord>> list_messages_by_label(AccountId account,
                                                                    std::string_view label,
                                                                    size_t limit,
                                                                    size_t offset) = 0;
  // Counts of a folder (system or user) or of kAllMail. kInvalidArgument (not a folder id),
  // kNotFound (no such user folder).
  virtual Result<MessageCounts> count_messages(AccountId account, std::string_view folder) = 0;
  // The metadata, key packets, encrypted summary and labels of each id that names a message
  // of the account, in the order asked (duplicates once), without data packets. Others are
  // skipped. kInvalidArgument, kLimitExceeded (more than kMaxBulkIds ids).
  virtual Result<std::vector<MessageRecord>> get_summaries(AccountId account,
                                                           const std::vector<std::string>& ids) = 0;

  // Bulk changes: each is one transaction and returns how many messages it changed.
  // Moves the messages to `folder` (a system folder or a user folder). kInvalidArgument (not a
  // folder id, or kAllMail), kNotFound (no such user folder).
  virtual Result<int64_t> move_messages(AccountId account, const std::vector<std::string>& ids,
                                        std::string_view folder) = 0;
  // "Copy to label". kNotFound (no such label).
  virtual Result<int64_t> add_label(AccountId account, const std::vector<std::string>& ids,
                                    std::string_view label) = 0;
  // kNotFound (no such label).
  virtual Result<int64_t> remove_label(AccountId account, const std::vector<std::string>& ids,
                                       std::string_view label) = 0;
  // flags = (flags | set_mask) & ~clear_mask. kInvalidArgument (a mask with bits outside
  // kKnownFlags, or a bit in both masks).
  virtual Result<int64_t> set_flags(AccountId account, const std::vector<std::string>& ids,
                                    int64_t set_mask, int64_t clear_mask) = 0;
  // Sets when the messages expire (0 = never). kInvalidArgument (negative).
  virtual Result<int64_t> set_expiry(AccountId account, const std::vector<std::string>& ids,
                                     int64_t expires_at_ms) = 0;
  // Deletes the messages for good: rows, labels and their bytes of storage_used.
  virtual Result<int64_t> delete_messages(AccountId account,
                                          const std::vector<std::string>& ids) = 0;
  // Deletes every message in trash or spam for good (however many). kInvalidArgument for any
  // other folder: emptying never destroys mail that was not thrown away first.
  virtual Result<int64_t> empty_folder(AccountId account, std::string_view folder) = 0;
  // Deletes for good up to `limit` messages, of any accounts, whose expires_at_ms is set and
  // ≤ now_ms, earliest first, lowering storage_used and appending message.deleted events.
  // Returns how many; fewer than `limit` means none is left. prune() also calls it.
  virtual Result<int64_t> delete_expired(int64_t now_ms, size_t limit) = 0;

  // ---- Login sessions -----------------------------------------------------------------------
  // kAlreadyExists (id or a token hash collides), kNotFound (no account). An empty
  // refresh_hash means the session has no refresh token (rotate_session never finds it).
  virtual Status create_session(const SessionRecord& session) = 0;
  // The session whose access token hashes to `access_hash`, whatever its expiry (the caller
  // compares expiry with its clock). Also sets last_used_ms = now_ms when the stored value is
  // kLastUsedResolutionMs or more older, so a busy client costs no write per request.
  // kNotFound.
  virtual Result<SessionRecord> find_session_by_access(std::string_view access_hash,
                                                       int64_t now_ms) = 0;
  // Exchanges a refresh token: atomically, only if a session has refresh_hash ==
  // `refresh_hash` and refresh_expires_ms > now_ms, replaces both token hashes and expiries
  // with those in `next` (id, account, scope and created_at are kept) and returns the updated
  // session. A refresh token therefore works once, even against two servers racing. kNotFound.
  virtual Result<SessionRecord> rotate_session(std::string_view refresh_hash,
                                               const SessionRecord& next, int64_t now_ms) = 0;
  // Replaces the scope, token hashes and expiries of session `id` of `account` (a new token
  // after the second factor: no fixation). kNotFound.
  virtual Status upgrade_session(AccountId account, std::string_view id,
                                 const SessionRecord& next) = 0;
  // Newest first. kNotFound (no account).
  virtual Result<std::vector<SessionRecord>> list_sessions(AccountId account) = 0;
  // kNotFound also when the session belongs to another account.
  virtual Status revoke_session(AccountId account, std::string_view id) = 0;

  // ---- SRP challenges -----------------------------------------------------------------------
  // kAlreadyExists (the id collides).
  virtual Status put_challenge(const SrpChallenge& challenge) = 0;
  // Deletes and returns the challenge: each one is answered at most once, across processes.
  // kNotFound (unknown, already taken, or expired at now_ms). Also deletes expired challenges.
  virtual Result<SrpChallenge> take_challenge(std::string_view id, int64_t now_ms) = 0;

  // ---- Second factor ------------------------------------------------------------------------
  // Every call here answers kNotFound when there is no such account.
  virtual Result<TotpState> get_totp(AccountId account) = 0;
  virtual Status set_totp_pending(AccountId account, std::string_view secret) = 0;
  // Moves the pending secret to the enabled one, records `step` as used, and replaces the
  // recovery codes with `recovery_code_hashes`. kNotFound, kInvalidArgument (nothing pending,
  // more than kMaxRecoveryCodes hashes, or one repeated). last_step never goes down: it becomes
  // the larger of its value and `step`.
  virtual Status enable_totp(AccountId account, int64_t step,
                             const std::vector<std::string>& recovery_code_hashes) = 0;
  // Clears secret, pending secret and recovery codes. kNotFound.
  virtual Status disable_totp(AccountId account) = 0;
  // Atomically raises last_step to `step` if it is below `step`: true when this call did so,
  // false when the step (or a later one) was used already — by this or another process.
  virtual Result<bool> use_totp_step(AccountId account, int64_t step) = 0;
  // Atomically deletes the recovery code with this hash: true when this call deleted it.
  virtual Result<bool> use_recovery_code(AccountId account, std::string_view code_hash) = 0;
  // How many recovery codes are left.
  virtual Result<int64_t> recovery_codes_left(AccountId account) = 0;

  // ---- Abuse limits -------------------------------------------------------------------------
  // Counts one failed login under `key` ("ip:…" or "account:…"), shared by every process on
  // the store. A count whose last failure is older than `window_ms` restarts at 1. Returns
  // the count after this failure. kInvalidArgument (window_ms < 0).
  virtual Result<FailureCount> record_failure(std::string_view key, int64_t now_ms,
                                              int64_t window_ms) = 0;
  // The current count (zero when none or older than window_ms).
  virtual Result<FailureCount> failures(std::string_view key, int64_t now_ms,
                                        int64_t window_ms) = 0;
  virtual Status clear_failures(std::string_view key) = 0;

  // ---- Invites ------------------------------------------------------------------------------
  // kAlreadyExists (the hash collides), kInvalidArgument (a bound address that is malformed).
  virtual Status create_invite(const Invite& invite) = 0;
  // Atomically consumes the invite with this hash if it is unexpired at now_ms and either
  // unbound or bound to `address` (ASCII case folded); kNotFound otherwise (same for all
  // reasons).
  virtual Status take_invite(std::string_view code_hash, std::string_view address,
                             int64_t now_ms) = 0;

  // ---- Housekeeping ------------------------------------------------------------------------
  // Deletes, in one transaction, what can no longer be used: challenges and invites expired at
  // now_ms, sessions whose access and refresh tokens have both expired, failure counts whose
  // last failure is older than `failure_window_ms` (they would count as zero anyway), and up to
  // kPruneMessages expired messages (as delete_expired; a larger backlog takes several calls),
  // and uploads unused for kUploadLifetimeMs.
  // Servers call it periodically; several may at once. kInvalidArgument for a negative window.
  virtual Result<Pruned> prune(int64_t now_ms, int64_t failure_window_ms) = 0;

  // ---- Server secrets -----------------------------------------------------------------------
  // The secret stored under `name`; if there is none yet, stores `candidate` and returns it.
  // Two processes racing get the same value.
  virtual Result<std::string> server_secret(std::string_view name, std::string_view candidate) = 0;
};

// Opens (creating if needed) and migrates the store named by `url`:
//   "" or "sqlite"            → SQLite at data_dir/sealmail.db
//   "sqlite:/abs/path.db"     → SQLite at that absolute path
//   "sqlite:relative.db"      → SQLite at data_dir/relative.db
//   "postgresql://…", "postgres://…" → kUnsupported (not in this build yet)
// Anything else is kInvalidArgument. A database written by a newer sealmail (schema version
// above this build's) is refused with kUnsupported naming both versions. The data directory
// must exist.
Result<std::unique_ptr<Store>> open_store(const std::string& url,
                                          const std::filesystem::path& data_dir);

}  // namespace sealmail::store
