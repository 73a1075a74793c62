// ascii.h — ASCII-only case folding, for protocol tokens and addresses where the standards
// fold A–Z and nothing else (RFC 5321 domains, HTTP tokens, BIP39 words). Locale-independent;
// bytes ≥ 0x80 pass through unchanged.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace sealmail {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string ascii_lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace sealmail
