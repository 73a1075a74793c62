#include "pgp/recovery.h"

#include <botan/hash.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "base/ascii.h"
#include "base/check.h"
#include "pgp/kdf_impl.h"
#include "base/random.h"
#include "pgp/wordlist.h"

namespace sealmail::pgp {
namespace {

constexpr size_t kBitsPerWord = 11;

bool valid_entropy_size(size_t bytes) { return bytes >= 16 && bytes <= 32 && bytes % 4 == 0; }

// Bit i (0 = most significant bit of byte 0) of data.
unsigned bit_at(std::string_view data, size_t i) {
  return (static_cast<unsigned char>(data[i / 8]) >> (7 - i % 8)) & 1u;
}

// The first byte of SHA-256(entropy); BIP39's checksum is at most 8 bits (ENT = 256).
uint8_t checksum_byte(std::string_view entropy) {
  auto sha256 = Botan::HashFunction::create_or_throw("SHA-256");
  sha256->update(reinterpret_cast<const uint8_t*>(entropy.data()), entropy.size());
  return sha256->final()[0];
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The word's index in the list, or -1.
int word_index(std::string_view word) {
  auto it = std::lower_bound(kBip39EnglishWords.begin(), kBip39EnglishWords.end(), word);
  if (it == kBip39EnglishWords.end() || *it != word) return -1;
  return static_cast<int>(it - kBip39EnglishWords.begin());
}

}  // namespace

std::string RecoveryPhrase::to_string() const {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out.push_back(' ');
    out += word;
  }
  return out;
}

RecoveryPhrase new_recovery_phrase(size_t words) {
  SEALMAIL_CHECK(words == 12 || words == 24);
  auto phrase = recovery_phrase_from_entropy(random_bytes(words == 12 ? 16 : 32));
  SEALMAIL_CHECK(phrase.ok());
  return std::move(phrase).value();
}

Result<RecoveryPhrase> recovery_phrase_from_entropy(std::string_view entropy) {
  if (!valid_entropy_size(entropy.size()))
    return make_error(Errc::kInvalidArgument, "recovery entropy must be 16 to 32 bytes, by 4");
  // entropy || checksum byte; only the first ENT/32 bits of the checksum byte are used.
  std::string bits(entropy);
  bits.push_back(static_cast<char>(checksum_byte(entropy)));
  const size_t total_bits = entropy.size() * 8 + entropy.size() / 4;
  RecoveryPhrase phrase;
  for (size_t start = 0; start < total_bits; start += kBitsPerWord) {
    unsigned index = 0;
    for (size_t i = start; i < start + kBitsPerWord; ++i) index = (index << 1) | bit_at(bits, i);
    phrase.words.emplace_back(kBip39EnglishWords[index]);
  }
  return phrase;
}

Result<Sensitive> recovery_entropy(std::string_view phrase) {
  std::vector<unsigned> indexes;
  std::string word;
  size_t pos = 0;
  while (pos < phrase.size()) {
    while (pos < phrase.size() && is_ascii_space(phrase[pos])) ++pos;
    if (pos == phrase.size()) break;
    word.clear();
    while (pos < phrase.size() && !is_ascii_space(phrase[pos])) {
      word.push_back(ascii_lower(phrase[pos++]));
    }
    int index = word_index(word);
    if (index < 0) {
      return make_error(Errc::kInvalidArgument,
                        "word " + std::to_string(indexes.size() + 1) +
                            " of the recovery phrase is not in the word list");
    }
    indexes.push_back(static_cast<unsigned>(index));
  }
  const size_t n = indexes.size();
  if (n < 12 || n > 24 || n % 3 != 0) {
    return make_error(Errc::kInvalidArgument,
                      "a recovery phrase has 12, 15, 18, 21 or 24 words, not " + std::to_string(n));
  }
  // n words carry 11n bits = ENT + ENT/32, so ENT = 32 * 11n / 33 bits.
  const size_t entropy_bytes = n * 11 / 33 * 4;
  const size_t checksum_bits = entropy_bytes / 4;
  std::string bytes(entropy_bytes + 1, '\0');
  size_t bit = 0;
  for (unsigned index : indexes) {
    for (size_t i = 0; i < kBitsPerWord; ++i, ++bit) {
      if ((index >> (kBitsPerWord - 1 - i)) & 1u)
        bytes[bit / 8] |= static_cast<char>(0x80u >> (bit % 8));
    }
  }
  std::string entropy = bytes.substr(0, entropy_bytes);
  const unsigned mask = (0xffu << (8 - checksum_bits)) & 0xffu;
  const unsigned expected = checksum_byte(entropy) & mask;
  const unsigned got = static_cast<unsigned char>(bytes[entropy_bytes]) & mask;
  if (expected != got) return make_error(Errc::kInvalidArgument, "the recovery phrase has a typo");
  return Sensitive(std::move(entropy));
}

Result<Sensitive> derive_recovery_passphrase(std::string_view phrase,
                                             std::string_view recovery_salt,
                                             const KdfParams& params) {
  Sensitive entropy = SEALMAIL_TRY(recovery_entropy(phrase));
  Sensitive key = SEALMAIL_TRY(internal::derive_labelled(
      internal::kRecoveryPassphraseLabel, entropy.reveal(), recovery_salt, params, 32));
  return internal::to_passphrase(key);
}

}  // namespace sealmail::pgp
