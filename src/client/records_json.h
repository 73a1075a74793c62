// records_json.h — the key records of the hierarchy (pgp/hierarchy.h) as the JSON documents the
// server stores opaquely as `account_key` and `address_key` (docs/api.md; format:
// docs/formats/keys.md "The stored records as JSON").
//
// SECURITY: parse_* read documents that come back from the server, which is not trusted with
// the keys: malformed JSON, missing or mistyped members, bad base64, keys that do not parse,
// unknown versions and out-of-policy KDF parameters are kInvalidArgument, never a crash. A
// parsed record is still only as good as the unlock checks of pgp/hierarchy.h.
// Standards: RFC 8259 (JSON), RFC 4648 §4 (base64), RFC 4880 §6 (ASCII armor).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "pgp/hierarchy.h"

namespace sealmail::client {

inline constexpr int kRecordVersion = 1;

// {"version":1,"public_key":"<armored>","locked_key":"<armored>","key_salt":"<b64>",
//  "kdf":"m=…,t=…,p=…","recovery_copy":"<armored>","recovery_salt":"<b64>","recovery_kdf":"…"}
Result<nlohmann::json> account_key_json(const pgp::AccountKeyRecord& record);
Result<pgp::AccountKeyRecord> parse_account_key(const nlohmann::json& document);
Result<pgp::AccountKeyRecord> parse_account_key_text(std::string_view text);

// {"version":1,"address":"…","public_key":"<armored>","locked_key":"<armored>",
//  "token_message":"<b64>"}
Result<nlohmann::json> address_key_json(const pgp::AddressKeyRecord& record);
Result<pgp::AddressKeyRecord> parse_address_key(const nlohmann::json& document);
Result<pgp::AddressKeyRecord> parse_address_key_text(std::string_view text);

}  // namespace sealmail::client
