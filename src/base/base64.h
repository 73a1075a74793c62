// base64.h — standard base64 (RFC 4648 §4, with padding): Autocrypt keydata, binary values in
// the JSON API (salts, SRP numbers), certificate fingerprints.
//
// SECURITY: base64_decode reads untrusted text. It skips ASCII whitespace (keydata is folded)
// and refuses anything else that is not the alphabet, a length that is not a multiple of 4,
// more than two '=' or data after them.
// Standards: RFC 4648 §4. Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sealmail
