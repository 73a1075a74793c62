// wordlist.h — the BIP39 English word list used by recovery phrases (recovery.h).
//
// 2048 lowercase ASCII words of 3 to 8 letters, sorted (so lookups may binary-search), unique in
// their first four letters. A word's index is the 11-bit value it encodes; the list is part of
// the recovery phrase format and never changes (docs/formats/keys.md).
//
// Thread-safety: constant data.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace sealmail::pgp {

inline constexpr size_t kWordListSize = 2048;

extern const std::array<std::string_view, kWordListSize> kBip39EnglishWords;

}  // namespace sealmail::pgp
