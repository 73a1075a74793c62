#include "store/internal/rules.h"

#include <set>

#include "base/ascii.h"
#include "base/dns_name.h"
#include "base/hex.h"
#include "store/store.h"

namespace sealmail::store::internal {

Status check_address(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddressBytes) {
    return make_error(Errc::kInvalidArgument, "address length out of range");
  }
  for (unsigned char c : address) {
    if (c <= 0x20 || c == 0x7f) {
      return make_error(Errc::kInvalidArgument, "address contains spaces or control characters");
    }
  }
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return make_error(Errc::kInvalidArgument, "address is not local-part@domain");
  }
  return ok_status();
}

std::string address_key(std::string_view address) { return ascii_lowercase(address); }

Status check_event(std::string_view kind, std::string_view payload) {
  if (kind.empty() || kind.size() > kMaxEventKindBytes) {
    return make_error(Errc::kInvalidArgument, "event kind length out of range");
  }
  for (unsigned char c : kind) {
    if (c <= 0x20 || c >= 0x7f) {
      return make_error(Errc::kInvalidArgument, "event kind is not printable ASCII");
    }
  }
  if (payload.size() > kMaxEventPayloadBytes) {
    return make_error(Errc::kLimitExceeded, "event payload too large");
  }
  return ok_status();
}

Status check_domain_name(std::string_view name) {
  if (!is_dns_name(name) || name != ascii_lowercase(name)) {
    return make_error(Errc::kInvalidArgument, "domain is not a lower-case DNS name");
  }
  return ok_status();
}

Status check_token(std::string_view value, std::string_view what) {
  if (value.empty()) return make_error(Errc::kInvalidArgument, std::string(what) + " is empty");
  return check_bounded(value, kMaxTokenBytes, what);
}

Status check_bounded(std::string_view value, size_t max, std::string_view what) {
  if (value.size() > max)
    return make_error(Errc::kInvalidArgument, std::string(what) + " too long");
  return ok_status();
}

Status check_document(std::string_view document) {
  if (document.size() > kMaxDocumentBytes) {
    return make_error(Errc::kLimitExceeded, "key document too large");
  }
  return ok_status();
}

Status check_credentials(const Credentials& credentials) {
  SEALMAIL_RETURN_IF_ERROR(check_bounded(credentials.srp, kMaxLabelBytes, "SRP parameters"));
  SEALMAIL_RETURN_IF_ERROR(check_bounded(credentials.srp_salt, kMaxSecretBytes, "SRP salt"));
  SEALMAIL_RETURN_IF_ERROR(
      check_bounded(credentials.srp_verifier, kMaxSecretBytes, "SRP verifier"));
  return check_bounded(credentials.kdf, kMaxSecretBytes, "KDF parameters");
}

Status check_account(const AccountRecord& account) {
  SEALMAIL_RETURN_IF_ERROR(check_address(account.address));
  SEALMAIL_RETURN_IF_ERROR(check_token(account.plan, "plan"));
  SEALMAIL_RETURN_IF_ERROR(check_credentials(account.credentials));
  SEALMAIL_RETURN_IF_ERROR(check_credentials(account.recovery_credentials));
  return check_document(account.account_key);
}

Status check_address_record(const AddressRecord& address) {
  SEALMAIL_RETURN_IF_ERROR(check_address(address.address));
  SEALMAIL_RETURN_IF_ERROR(check_document(address.key_record));
  return check_document(address.key_list);
}

Status check_session(const SessionRecord& session) {
  SEALMAIL_RETURN_IF_ERROR(check_token(session.id, "session id"));
  SEALMAIL_RETURN_IF_ERROR(check_token(session.scope, "scope"));
  SEALMAIL_RETURN_IF_ERROR(check_token(session.access_hash, "access token hash"));
  SEALMAIL_RETURN_IF_ERROR(check_bounded(session.refresh_hash, kMaxTokenBytes, "refresh hash"));
  return check_bounded(session.client, kMaxLabelBytes, "client");
}

Status check_challenge(const SrpChallenge& challenge) {
  SEALMAIL_RETURN_IF_ERROR(check_token(challenge.id, "challenge id"));
  SEALMAIL_RETURN_IF_ERROR(check_bounded(challenge.address_key, kMaxAddressBytes, "address"));
  SEALMAIL_RETURN_IF_ERROR(check_token(challenge.purpose, "purpose"));
  SEALMAIL_RETURN_IF_ERROR(check_bounded(challenge.server_secret, kMaxSecretBytes, "SRP b"));
  return check_bounded(challenge.server_public, kMaxSecretBytes, "SRP B");
}

Status check_recovery_codes(const std::vector<std::string>& code_hashes) {
  if (code_hashes.size() > kMaxRecoveryCodes) {
    return make_error(Errc::kInvalidArgument, "too many recovery codes");
  }
  std::set<std::string_view> seen;
  for (const std::string& hash : code_hashes) {
    SEALMAIL_RETURN_IF_ERROR(check_token(hash, "recovery code hash"));
    if (!seen.insert(hash).second) {
      return make_error(Errc::kInvalidArgument, "recovery code hash repeated");
    }
  }
  return ok_status();
}

Status check_invite(const Invite& invite) {
  SEALMAIL_RETURN_IF_ERROR(check_token(invite.code_hash, "invite code hash"));
  if (invite.address.empty()) return ok_status();
  return check_address(invite.address);
}

// ---- The mailbox model

bool is_hex_id(std::string_view id) { return is_lower_hex(id, 16); }

Status check_folder_id(std::string_view id) {
  if (is_system_folder(id) || is_hex_id(id)) return ok_status();
  return make_error(Errc::kInvalidArgument, "not a folder id");
}

Status check_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return make_error(Errc::kInvalidArgument, "name length out of range");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return make_error(Errc::kInvalidArgument, "name contains control characters");
    }
  }
  return ok_status();
}

Status check_color(std::string_view color) {
  if (color.size() > kMaxColorBytes) return make_error(Errc::kInvalidArgument, "color too long");
  for (unsigned char c : color) {
    if (c < 0x20 || c >= 0x7f) {
      return make_error(Errc::kInvalidArgument, "color is not printable ASCII");
    }
  }
  return ok_status();
}

Status check_message_ids(const std::vector<std::string>& ids) {
  if (ids.size() > kMaxBulkIds) return make_error(Errc::kLimitExceeded, "too many message ids");
  for (const std::string& id : ids) {
    if (!is_hex_id(id)) {
      return make_error(Errc::kInvalidArgument, "a message id is 16 lower-case hex digits");
    }
  }
  return ok_status();
}

Status check_flag_masks(int64_t set_mask, int64_t clear_mask) {
  if ((set_mask & ~kKnownFlags) != 0 || (clear_mask & ~kKnownFlags) != 0) {
    return make_error(Errc::kInvalidArgument, "unknown flag bits");
  }
  if ((set_mask & clear_mask) != 0) {
    return make_error(Errc::kInvalidArgument, "a flag both set and cleared");
  }
  return ok_status();
}

}  // namespace sealmail::store::internal
