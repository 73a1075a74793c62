#include "client/records_json.h"

#include <utility>

#include "base/ascii.h"
#include "base/base64.h"
#include "pgp/kdf.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

Error malformed(std::string_view record, std::string_view member, std::string_view problem) {
  return make_error(Errc::kInvalidArgument, std::string(record) + " record: " +
                                                std::string(member) + " " + std::string(problem));
}

Result<std::string> text_member(const Json& doc, std::string_view record, const char* member) {
  auto it = doc.find(member);
  if (it == doc.end() || !it->is_string()) return malformed(record, member, "is missing");
  return it->get<std::string>();
}

Result<std::string> bytes_member(const Json& doc, std::string_view record, const char* member) {
  std::string text = SEALMAIL_TRY(text_member(doc, record, member));
  auto bytes = base64_decode(text);
  if (!bytes) return malformed(record, member, "is not base64");
  return std::move(*bytes);
}

Result<pgp::KdfParams> kdf_member(const Json& doc, std::string_view record, const char* member) {
  std::string text = SEALMAIL_TRY(text_member(doc, record, member));
  auto params = pgp::parse_kdf_params(text);
  if (!params.ok()) return malformed(record, member, "is not Argon2id parameters within policy");
  return *params;
}

Result<pgp::PublicKey> public_member(const Json& doc, std::string_view record, const char* member) {
  std::string text = SEALMAIL_TRY(text_member(doc, record, member));
  auto key = pgp::PublicKey::parse(text);
  if (!key.ok()) return malformed(record, member, "is not an OpenPGP public key");
  return std::move(key).value();
}

Result<pgp::LockedKey> locked_member(const Json& doc, std::string_view record, const char* member) {
  std::string text = SEALMAIL_TRY(text_member(doc, record, member));
  auto key = pgp::LockedKey::parse(text);
  if (!key.ok()) return malformed(record, member, "is not a protected OpenPGP secret key");
  return std::move(key).value();
}

Status check_version(const Json& doc, std::string_view record) {
  if (!doc.is_object())
    return make_error(Errc::kInvalidArgument, std::string(record) + " record: not a JSON object");
  auto it = doc.find("version");
  if (it == doc.end() || !it->is_number_integer() || it->get<int64_t>() != kRecordVersion) {
    return malformed(record, "version", "is not 1");
  }
  return ok_status();
}

Result<Json> parse_text(std::string_view text, std::string_view record) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return make_error(Errc::kInvalidArgument, std::string(record) + " record: not JSON");
  }
  return doc;
}

}  // namespace

// SEALMAIL_TRY stays out of braced initializers below: a return from inside one would leave
// the members built so far undestroyed (GCC), which LeakSanitizer reports.

Result<Json> account_key_json(const pgp::AccountKeyRecord& record) {
  std::string public_key = SEALMAIL_TRY(record.public_key.armored());
  std::string locked_key = SEALMAIL_TRY(record.locked.armored());
  std::string recovery_copy = SEALMAIL_TRY(record.recovery_copy.armored());
  return Json{{"version", kRecordVersion},
              {"public_key", public_key},
              {"locked_key", locked_key},
              {"key_salt", base64_encode(record.key_salt)},
              {"kdf", pgp::to_string(record.params)},
              {"recovery_copy", recovery_copy},
              {"recovery_salt", base64_encode(record.recovery_salt)},
              {"recovery_kdf", pgp::to_string(record.recovery_params)}};
}

Result<pgp::AccountKeyRecord> parse_account_key(const Json& doc) {
  constexpr std::string_view kRecord = "account key";
  SEALMAIL_RETURN_IF_ERROR(check_version(doc, kRecord));
  pgp::PublicKey public_key = SEALMAIL_TRY(public_member(doc, kRecord, "public_key"));
  pgp::LockedKey locked = SEALMAIL_TRY(locked_member(doc, kRecord, "locked_key"));
  std::string key_salt = SEALMAIL_TRY(bytes_member(doc, kRecord, "key_salt"));
  pgp::KdfParams params = SEALMAIL_TRY(kdf_member(doc, kRecord, "kdf"));
  pgp::LockedKey recovery_copy = SEALMAIL_TRY(locked_member(doc, kRecord, "recovery_copy"));
  std::string recovery_salt = SEALMAIL_TRY(bytes_member(doc, kRecord, "recovery_salt"));
  pgp::KdfParams recovery_params = SEALMAIL_TRY(kdf_member(doc, kRecord, "recovery_kdf"));
  return pgp::AccountKeyRecord{.public_key = std::move(public_key),
                               .locked = std::move(locked),
                               .key_salt = std::move(key_salt),
                               .params = params,
                               .recovery_copy = std::move(recovery_copy),
                               .recovery_salt = std::move(recovery_salt),
                               .recovery_params = recovery_params};
}

Result<pgp::AccountKeyRecord> parse_account_key_text(std::string_view text) {
  return parse_account_key(SEALMAIL_TRY(parse_text(text, "account key")));
}

Result<Json> address_key_json(const pgp::AddressKeyRecord& record) {
  std::string public_key = SEALMAIL_TRY(record.public_key.armored());
  std::string locked_key = SEALMAIL_TRY(record.locked.armored());
  return Json{{"version", kRecordVersion},
              {"address", record.address},
              {"public_key", public_key},
              {"locked_key", locked_key},
              {"token_message", base64_encode(record.token_message)}};
}

Result<pgp::AddressKeyRecord> parse_address_key(const Json& doc) {
  constexpr std::string_view kRecord = "address key";
  SEALMAIL_RETURN_IF_ERROR(check_version(doc, kRecord));
  std::string address = SEALMAIL_TRY(text_member(doc, kRecord, "address"));
  pgp::PublicKey public_key = SEALMAIL_TRY(public_member(doc, kRecord, "public_key"));
  pgp::LockedKey locked = SEALMAIL_TRY(locked_member(doc, kRecord, "locked_key"));
  std::string token_message = SEALMAIL_TRY(bytes_member(doc, kRecord, "token_message"));
  return pgp::AddressKeyRecord{.address = ascii_lowercase(address),
                               .public_key = std::move(public_key),
                               .locked = std::move(locked),
                               .token_message = std::move(token_message)};
}

Result<pgp::AddressKeyRecord> parse_address_key_text(std::string_view text) {
  return parse_address_key(SEALMAIL_TRY(parse_text(text, "address key")));
}

}  // namespace sealmail::client
