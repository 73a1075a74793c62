// autocrypt.h — the Autocrypt Level 1 header: building ours, parsing peers'.
//
// Parse rules (Autocrypt 1.1 §2.1): attributes are `name=value` separated by ';'; `addr` and
// `keydata` are required; `prefer-encrypt` is "mutual" or anything else (= no preference);
// an unknown attribute not starting with '_' is critical and makes the whole header ignored;
// `addr` must match the From address (ASCII case-insensitively), else the header is ignored;
// if a message has more than one valid Autocrypt header, all are ignored.
//
// SECURITY: reads header values of untrusted incoming mail. keydata is only base64-decoded
// here; it is untrusted key material that src/pgp must import and check.
// Standards: Autocrypt Level 1 (1.1), RFC 5322 (folding).
// Thread-safety: free functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "mime/mime.h"

namespace sealmail::mime {

struct AutocryptHeader {
  std::string addr;
  bool prefer_encrypt_mutual = false;
  std::string keydata;  // binary OpenPGP transferable public key (not armored)
  bool operator==(const AutocryptHeader&) const = default;
};

// The header value (without "Autocrypt: "), keydata folded into lines of 76 base64 characters
// joined by CRLF + space; usable as an Envelope::extra_headers value.
std::string build_autocrypt_value(const AutocryptHeader& header);

// Parses one header value (folding and whitespace allowed). kInvalidArgument, with the rule
// that failed, when the header must be ignored.
Result<AutocryptHeader> parse_autocrypt_value(std::string_view value, std::string_view from_addr);

// The message's Autocrypt header for its single From address, or nullopt when none applies.
std::optional<AutocryptHeader> find_autocrypt(const Message& message);

}  // namespace sealmail::mime
