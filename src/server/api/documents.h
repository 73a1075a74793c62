// documents.h — checking what a client uploads at signup, password change, recovery and reset:
// SRP credentials, the account key record and address key records with their signed key list
// (docs/formats/keys.md). The server cannot check locked keys (it cannot unlock them) but
// refuses anything that would break other users: a public key that is not a valid OpenPGP
// certificate for the address, or a key list the address key did not sign.
//
// SECURITY: reads untrusted request bodies; sizes are bounded before parsing.
// Thread-safety: functions only.
#pragma once

#include <string>
#include <string_view>

#include "http/request.h"
#include "server/api/json_body.h"
#include "server/api/step.h"
#include "store/records.h"

namespace sealmail::server::api {

inline constexpr size_t kMaxDocumentBytes = 64 * 1024;

// {"srp","salt","verifier","kdf"} in body[field]: SRP parameters fit for production
// (auth::check_production), a 16–64 byte salt, a verifier of the group's size that is a valid
// group element, and Argon2id parameters within policy.
Step<store::Credentials> credentials_field(const Json& body, std::string_view field);

// body["account_key"]: an object with a "public_key" that parses as an OpenPGP certificate.
Step<std::string> account_key_field(const Json& body);

struct AddressDocuments {
  std::string key_record;  // body["address_key"], compact JSON
  std::string key_list;    // body["key_list"], compact JSON
  std::string fingerprint;
};
// body["address_key"] with a "public_key" for `address` (a user ID with that address, able to
// encrypt, not revoked or expired), and body["key_list"] signed by it (pgp/key_list.h).
Step<AddressDocuments> address_documents_field(const Json& body, std::string_view address);

}  // namespace sealmail::server::api
