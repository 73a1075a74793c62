#include "pgp/recovery.h"
#include "base/hex.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "pgp/wordlist.h"

namespace sealmail::pgp {
namespace {

struct Bip39Vector {
  const char* entropy;
  const char* mnemonic;
};

// The official BIP39 English test vectors (trezor/python-mnemonic vectors.json), entropy and
// mnemonic columns; checked against python3-mnemonic 0.19 (Mnemonic("english").to_mnemonic).
constexpr Bip39Vector kVectors[] = {
    {"00000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "about"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank yellow"},
    {"80808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"},
    {"ffffffffffffffffffffffffffffffff", "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"},
    {"000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon abandon abandon abandon abandon abandon agent"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth "
     "useful legal will"},
    {"808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount "
     "doctor acoustic avoid letter always"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon art"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth "
     "useful legal winner thank year wave sausage worth title"},
    {"8080808080808080808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount "
     "doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
     "vote"},
    {"9e885d952ad362caeb4efe34a8e91bd2",
     "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic"},
    {"6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
     "gravity machine north sort system female filter attitude volume fold club stay feature "
     "office ecology stable narrow fog"},
    {"68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
     "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy "
     "gospel tennis maple dilemma loan word shrug inflict delay length"},
    {"c0ba5a8e914111210f2bd131f3d5e08d",
     "scheme spot photo card baby mountain device kick cradle pact join borrow"},
    {"6d9be1ee6ebd27a258115aad99b7317b9c8d28b6d76431c3",
     "horn tenant knee talent sponsor spell gate clip pulse soap slush warm silver nephew swap "
     "uncle crack brave"},
    {"9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
     "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol "
     "speed nation flash devote level hobby quick inner drive ghost inside"},
    {"23db8160a31d3e97dca3688e31f9cf6f",
     "cat swing flag economy stadium episode income home mixed more inherit thank"},
    {"8197a4a47f0425faeaa69deebc05ca29c0a5b5cc76ceacc0",
     "light rule cinnamon wrap drastic word pride squirrel upgrade then income fatal apart sustain "
     "crack supply proud access"},
    {"066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad",
     "all hour make first leader extend hole alien behind guard gospel lava path output census "
     "museum junior mass reopen famous sing advance salt reform"},
    {"f30f8c1da665478f49b001d94c5fc452",
     "vessel ladder alter error federal sibling chat ability sun glass valve picture"},
    {"c10ec20dc3cd9f652c7fac2f1230f7a3c828389a14392f05",
     "scissors invite lock maple supreme raw rapid void congress muscle digital elegant little "
     "brisk hair mango congress clump"},
    {"f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
     "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing "
     "screen patrol group space point ten exist slush involve unfold"},
};

TEST(WordListTest, IsTheBip39EnglishList) {
  EXPECT_EQ(kBip39EnglishWords.front(), "abandon");
  EXPECT_EQ(kBip39EnglishWords[3], "about");
  EXPECT_EQ(kBip39EnglishWords[1024], "length");
  EXPECT_EQ(kBip39EnglishWords.back(), "zoo");
  EXPECT_TRUE(std::is_sorted(kBip39EnglishWords.begin(), kBip39EnglishWords.end()));
  std::set<std::string_view> prefixes;
  for (std::string_view word : kBip39EnglishWords) {
    EXPECT_GE(word.size(), 3u);
    EXPECT_LE(word.size(), 8u);
    for (char c : word) EXPECT_TRUE(c >= 'a' && c <= 'z') << word;
    prefixes.insert(word.substr(0, 4));
  }
  EXPECT_EQ(prefixes.size(), kWordListSize);  // unique in the first four letters
}

TEST(RecoveryTest, OfficialVectorsEncode) {
  for (const auto& v : kVectors) {
    auto phrase = recovery_phrase_from_entropy(hex_decode(v.entropy).value());
    ASSERT_TRUE(phrase.ok()) << v.entropy;
    EXPECT_EQ(phrase->to_string(), v.mnemonic) << v.entropy;
  }
}

TEST(RecoveryTest, OfficialVectorsDecode) {
  for (const auto& v : kVectors) {
    auto entropy = recovery_entropy(v.mnemonic);
    ASSERT_TRUE(entropy.ok()) << v.mnemonic << ": " << entropy.error().describe();
    EXPECT_EQ(hex_encode(entropy->reveal()), v.entropy);
  }
}

TEST(RecoveryTest, NormalisesSpacesAndCase) {
  auto entropy = recovery_entropy(
      "  Legal WINNER\tthank  year\nwave sausage worth useful legal winner thank yelloW \r\n");
  ASSERT_TRUE(entropy.ok()) << entropy.error().describe();
  EXPECT_EQ(hex_encode(entropy->reveal()), "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f");
}

TEST(RecoveryTest, BadChecksumIsATypo) {
  // "about" (index 3) carries the checksum of all-zero entropy; "abandon" (0) does not.
  auto r = recovery_entropy(
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
      "abandon");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message, "the recovery phrase has a typo");
  // Swapping two different words breaks the checksum too.
  auto swapped = recovery_entropy(
      "winner legal thank year wave sausage worth useful legal winner thank yellow");
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().message, "the recovery phrase has a typo");
  // And so does every single-word change of a 24-word phrase's last word except the right one.
  std::string prefix =
      "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
      "zoo ";
  int valid = 0;
  for (std::string_view last : kBip39EnglishWords)
    valid += recovery_entropy(prefix + std::string(last)).ok() ? 1 : 0;
  EXPECT_EQ(valid, 8);  // 3 free bits in the last word, 8 checksum bits: 2^11 / 2^8 = 8
}

TEST(RecoveryTest, UnknownWordNamesItsPositionNotTheWord) {
  auto r = recovery_entropy(
      "legal winner thank year xyzzy sausage worth useful legal winner thank yellow");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message, "word 5 of the recovery phrase is not in the word list");
  EXPECT_EQ(r.error().message.find("xyzzy"), std::string::npos);
  // Non-ASCII and prefixes of words are not words.
  EXPECT_EQ(recovery_entropy("légal").error().message,
            "word 1 of the recovery phrase is not in the word list");
  EXPECT_EQ(recovery_entropy("legal winn").error().message,
            "word 2 of the recovery phrase is not in the word list");
}

TEST(RecoveryTest, WrongWordCount) {
  for (std::string_view phrase : {"", "   ", "abandon",
                                  "abandon abandon abandon abandon abandon abandon abandon abandon "
                                  "abandon abandon about"}) {
    auto r = recovery_entropy(phrase);
    ASSERT_FALSE(r.ok()) << phrase;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find("12, 15, 18, 21 or 24 words"), std::string::npos);
  }
  std::string twenty_seven;
  for (int i = 0; i < 27; ++i) twenty_seven += "abandon ";
  EXPECT_EQ(recovery_entropy(twenty_seven).error().code, Errc::kInvalidArgument);
}

TEST(RecoveryTest, EntropySizes) {
  for (size_t bad : {0u, 15u, 17u, 33u, 64u})
    EXPECT_EQ(recovery_phrase_from_entropy(std::string(bad, 'x')).error().code,
              Errc::kInvalidArgument)
        << bad;
}

TEST(RecoveryTest, NewPhrasesRoundTrip) {
  for (size_t words : {12u, 24u}) {
    RecoveryPhrase phrase = new_recovery_phrase(words);
    ASSERT_EQ(phrase.words.size(), words);
    auto entropy = recovery_entropy(phrase.to_string());
    ASSERT_TRUE(entropy.ok()) << entropy.error().describe();
    EXPECT_EQ(entropy->size(), words == 12 ? 16u : 32u);
    EXPECT_EQ(recovery_phrase_from_entropy(entropy->reveal())->words, phrase.words);
  }
  EXPECT_NE(new_recovery_phrase().to_string(), new_recovery_phrase().to_string());
  EXPECT_EQ(new_recovery_phrase().words.size(), 12u);
}

TEST(RecoveryTest, NewPhraseWithOtherCountIsABug) {
  // Other threads may be running in the test binary: use the fork-and-exec death test style.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(new_recovery_phrase(13), "words == 12");
}

constexpr KdfParams kFast{.memory_kib = 19456, .iterations = 2, .parallelism = 1};

// Computed with the reference implementation (libargon2.so.1 through Python ctypes):
// base64(argon2id_hash_raw(t=2, m=19456, p=1, 16 zero bytes,
//                          "sealmail/recovery-passphrase/v1" || 0x00 || 16 x 0xaa, 32)).
TEST(RecoveryTest, PassphraseVector) {
  const std::string salt(16, '\xaa');
  auto passphrase = derive_recovery_passphrase(kVectors[0].mnemonic, salt, kFast);
  ASSERT_TRUE(passphrase.ok()) << passphrase.error().describe();
  EXPECT_EQ(passphrase->reveal(), "5GF9jIpRoAwQrmjgFQCw+waj/q4Q29yZ/8SGGQpXGBA=");
  // Case and spacing do not matter; the phrase's entropy is what is hashed.
  auto shouted = derive_recovery_passphrase(
      "ABANDON abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon  "
      "about\n",
      salt, kFast);
  ASSERT_TRUE(shouted.ok());
  EXPECT_EQ(shouted->reveal(), passphrase->reveal());
}

TEST(RecoveryTest, PassphraseErrors) {
  const std::string salt(16, '\xaa');
  EXPECT_EQ(derive_recovery_passphrase("zoo zoo", salt, kFast).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(derive_recovery_passphrase(kVectors[0].mnemonic, "short", kFast).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(derive_recovery_passphrase(kVectors[0].mnemonic, salt, {.memory_kib = 8}).error().code,
            Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sealmail::pgp
