#include "server/api/documents.h"

#include <algorithm>

#include "auth/srp.h"
#include "base/ascii.h"
#include "pgp/kdf.h"
#include "pgp/key.h"
#include "pgp/key_list.h"

namespace sealmail::server::api {
namespace {

Step<pgp::PublicKey> public_key_of(const Json& record, std::string_view field) {
  std::string armored = SEALMAIL_API_TRY(text_field(record, "public_key", kMaxDocumentBytes));
  auto key = pgp::PublicKey::parse(armored);
  if (!key.ok()) return bad_request(std::string(field) + ".public_key: not an OpenPGP key");
  return std::move(key).value();
}

}  // namespace

Step<store::Credentials> credentials_field(const Json& body, std::string_view field) {
  Json auth = SEALMAIL_API_TRY(object_field(body, field));
  std::string where(field);
  store::Credentials out;
  out.srp = SEALMAIL_API_TRY(text_field(auth, "srp", 64));
  auto params = auth::parse_srp_params(out.srp);
  if (!params.ok() || !auth::check_production(*params).ok()) {
    return bad_request(where + ".srp: use rfc5054-3072-sha256 or rfc5054-4096-sha256");
  }
  out.srp_salt = SEALMAIL_API_TRY(bytes_field(auth, "salt", pgp::kMaxSaltSize));
  if (out.srp_salt.size() < pgp::kMinSaltSize) {
    return bad_request(where + ".salt: shorter than 16 bytes");
  }
  out.srp_verifier = SEALMAIL_API_TRY(bytes_field(auth, "verifier", 512));
  if (!auth::check_verifier(*params, out.srp_verifier).ok()) {
    return bad_request(where + ".verifier: not a valid verifier for " + out.srp);
  }
  out.kdf = SEALMAIL_API_TRY(text_field(auth, "kdf", 64));
  if (!pgp::parse_kdf_params(out.kdf).ok()) {
    return bad_request(where + ".kdf: not Argon2id parameters within policy");
  }
  return out;
}

Step<std::string> account_key_field(const Json& body) {
  std::string text = SEALMAIL_API_TRY(document_field(body, "account_key", kMaxDocumentBytes));
  SEALMAIL_API_TRY(public_key_of(body["account_key"], "account_key"));
  return text;
}

Step<AddressDocuments> address_documents_field(const Json& body, std::string_view address) {
  AddressDocuments out;
  out.key_record = SEALMAIL_API_TRY(document_field(body, "address_key", kMaxDocumentBytes));
  out.key_list = SEALMAIL_API_TRY(document_field(body, "key_list", kMaxDocumentBytes));
  pgp::PublicKey key = SEALMAIL_API_TRY(public_key_of(body["address_key"], "address_key"));
  const pgp::KeyInfo& info = key.info();
  bool names_address =
      std::any_of(info.user_ids.begin(), info.user_ids.end(), [&](const std::string& uid) {
        return pgp::address_of_user_id(uid) == ascii_lowercase(address);
      });
  if (!names_address || !info.valid || !info.can_encrypt) {
    return bad_request(
        "address_key.public_key: not a valid encryption key with a user ID for the address");
  }
  if (!pgp::verify_key_list(out.key_list, key, address).ok()) {
    return bad_request("key_list: not signed by the address key for this address");
  }
  out.fingerprint = info.fingerprint;
  return out;
}

}  // namespace sealmail::server::api
