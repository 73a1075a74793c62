// hex.h — hexadecimal text for bytes (key ids, tokens, test vectors).
//
// SECURITY: hex_decode reads untrusted text; anything but an even number of hex digits is
// refused. Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail {

enum class HexCase { kLower, kUpper };

// 0–15 for a hex digit of either case, -1 for anything else.
int hex_digit_value(char c);

std::string hex_encode(std::string_view bytes, HexCase letters = HexCase::kLower);

// Either case; nullopt for odd length or a non-hex character.
std::optional<std::string> hex_decode(std::string_view text);

// Whether `text` is exactly `digits` lower-case hex digits — the form of the ids and tokens
// sealmail makes (hex_encode of random bytes).
bool is_lower_hex(std::string_view text, size_t digits);

}  // namespace sealmail
