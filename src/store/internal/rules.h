// rules.h — input checks and normalization shared by every Store backend, so that what is a
// valid address or event, and which addresses are "the same", never depends on the database.
//
// SECURITY: the inputs are untrusted (they may come from the network through the API); these
// functions only inspect bytes and never reflect them into error messages.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/records.h"

namespace sealmail::store::internal {

// kInvalidArgument unless `address` is 1..kMaxAddressBytes bytes, has no control characters or
// spaces, and has a non-empty part on each side of its last '@'.
Status check_address(std::string_view address);

// The form that uniqueness and lookup compare: ASCII letters lowered, other bytes as they are.
std::string address_key(std::string_view address);

// kInvalidArgument for a kind that is empty, longer than kMaxEventKindBytes or not printable
// ASCII; kLimitExceeded for a payload above kMaxEventPayloadBytes.
Status check_event(std::string_view kind, std::string_view payload);

// The checks of store.h's "every call below the event log" paragraph. `what` names the field in
// the error message.
// A lower-case DNS name (base/dns_name.h).
Status check_domain_name(std::string_view name);
// 1..kMaxTokenBytes bytes.
Status check_token(std::string_view value, std::string_view what);
// 0..max bytes.
Status check_bounded(std::string_view value, size_t max, std::string_view what);
// kLimitExceeded above kMaxDocumentBytes.
Status check_document(std::string_view document);
Status check_credentials(const Credentials& credentials);
Status check_account(const AccountRecord& account);
Status check_address_record(const AddressRecord& address);
Status check_session(const SessionRecord& session);
Status check_challenge(const SrpChallenge& challenge);
Status check_recovery_codes(const std::vector<std::string>& code_hashes);
Status check_invite(const Invite& invite);

// The mailbox model (store.h "Mailbox").
// 16 lower-case hex digits: message, user folder and label ids.
bool is_hex_id(std::string_view id);
// kInvalidArgument unless `id` is a system folder id or a user folder id (not kAllMail).
Status check_folder_id(std::string_view id);
// Folder and label names: 1..kMaxNameBytes bytes without control characters (C0 and DEL).
Status check_name(std::string_view name);
// Label colours: 0..kMaxColorBytes printable ASCII bytes.
Status check_color(std::string_view color);
// A bulk call's message ids: each is_hex_id (kInvalidArgument), at most kMaxBulkIds
// (kLimitExceeded).
Status check_message_ids(const std::vector<std::string>& ids);
// set_flags' masks: inside kKnownFlags and disjoint.
Status check_flag_masks(int64_t set_mask, int64_t clear_mask);

}  // namespace sealmail::store::internal
