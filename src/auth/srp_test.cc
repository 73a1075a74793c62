#include "auth/srp.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/internal/srp_math.h"
#include "base/hex.h"

namespace sealmail::auth {
namespace {

constexpr SrpParams kVectorParams{.group = SrpGroup::kRfc5054_1024, .hash = SrpHash::kSha1};

std::string unhex(std::string_view hex) {
  auto bytes = hex_decode(hex);
  SEALMAIL_CHECK(bytes.has_value());
  return *bytes;
}

std::string hex_of(const Botan::BigInt& n) {
  auto bytes = Botan::BigInt::encode(n);
  return hex_encode(std::string(bytes.begin(), bytes.end()), HexCase::kUpper);
}

Botan::BigInt big(std::string_view hex) {
  std::string bytes = unhex(hex);
  return Botan::BigInt(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

std::string N_bytes(const SrpParams& params) {
  auto n = internal::srp_pad(params, internal::srp_group(params.group).get_p());
  return std::string(n.begin(), n.end());
}

// RFC 5054 Appendix B.
namespace rfc5054 {
constexpr std::string_view kIdentity = "alice";
constexpr std::string_view kPassword = "password123";
constexpr std::string_view kSalt = "BEB25379D1A8581EB5A727673A2441EE";
constexpr std::string_view kN =
    "EEAF0AB9ADB38DD69C33F80AFA8FC5E86072618775FF3C0B9EA2314C9C256576D674DF7496EA81D3383B4813"
    "D692C6E0E0D5D8E250B98BE48E495C1D6089DAD15DC7D7B46154D6B6CE8EF4AD69B15D4982559B297BCF1885"
    "C529F566660E57EC68EDBC3C05726CC02FD4CBF4976EAA9AFD5138FE8376435B9FC61D2FC0EB06E3";
constexpr std::string_view kK = "7556AA045AEF2CDD07ABAF0F665C3E818913186F";
constexpr std::string_view kX = "94B7555AABE9127CC58CCF4993DB6CF84D16C124";
constexpr std::string_view kV =
    "7E273DE8696FFC4F4E337D05B4B375BEB0DDE1569E8FA00A9886D8129BADA1F1822223CA1A605B530E379BA4"
    "729FDC59F105B4787E5186F5C671085A1447B52A48CF1970B4FB6F8400BBF4CEBFBB168152E08AB5EA53D15C"
    "1AFF87B2B9DA6E04E058AD51CC72BFC9033B564E26480D78E955A5E29E7AB245DB2BE315E2099AFB";
constexpr std::string_view kA_secret =
    "60975527035CF2AD1989806F0407210BC81EDC04E2762A56AFD529DDDA2D4393";
constexpr std::string_view kB_secret =
    "E487CB59D31AC550471E81F00F6928E01DDA08E974A004F49E61F5D105284D20";
constexpr std::string_view kA =
    "61D5E490F6F1B79547B0704C436F523DD0E560F0C64115BB72557EC44352E8903211C04692272D8B2D1A5358"
    "A2CF1B6E0BFCF99F921530EC8E39356179EAE45E42BA92AEACED825171E1E8B9AF6D9C03E1327F44BE087EF0"
    "6530E69F66615261EEF54073CA11CF5858F0EDFDFE15EFEAB349EF5D76988A3672FAC47B0769447B";
constexpr std::string_view kB =
    "BD0C61512C692C0CB6D041FA01BB152D4916A1E77AF46AE105393011BAF38964DC46A0670DD125B95A981652"
    "236F99D9B681CBF87837EC996C6DA04453728610D0C6DDB58B318885D7D82C7F8DEB75CE7BD4FBAA37089E6F"
    "9C6059F388838E7A00030B331EB76840910440B1B27AAEAEEB4012B7D7665238A8E3FB004B117B58";
constexpr std::string_view kU = "CE38B9593487DA98554ED47D70A7AE5F462EF019";
constexpr std::string_view kS =
    "B0DC82BABCF30674AE450C0287745E7990A3381F63B387AAF271A10D233861E359B48220F7C4693C9AE12B0A"
    "6F67809F0876E2D013800D6C41BB59B6D5979B5C00A172B4A2A5903A0BDCAF8A709585EB2AFAFA8F3499B200"
    "210DCC1F10EB33943CD67FC88A2F39A4BE5BEC4EC0A3212DC346D7E474B29EDE8A469FFECA686E5A";
}  // namespace rfc5054

TEST(SrpTest, Rfc5054AppendixBGroupAndNumbers) {
  using namespace rfc5054;
  EXPECT_EQ(hex_of(internal::srp_group(SrpGroup::kRfc5054_1024).get_p()), kN);
  EXPECT_EQ(internal::srp_group(SrpGroup::kRfc5054_1024).get_g(), Botan::BigInt(2));
  EXPECT_EQ(hex_of(internal::srp_k(kVectorParams)), kK);
  const std::string salt = unhex(kSalt);
  EXPECT_EQ(hex_of(internal::srp_x(kVectorParams, kIdentity, kPassword, salt)), kX);
  EXPECT_EQ(hex_of(internal::srp_u(kVectorParams, big(kA), big(kB))), kU);
  auto S = internal::srp_client_premaster(kVectorParams, big(kB), big(kX), big(kA_secret), big(kU));
  ASSERT_TRUE(S.ok()) << S.error().describe();
  EXPECT_EQ(hex_of(*S), kS);
  EXPECT_EQ(hex_of(internal::srp_server_premaster(kVectorParams, big(kA), big(kV), big(kU),
                                                  big(kB_secret))),
            kS);
}

TEST(SrpTest, Rfc5054AppendixBThroughThePublicApi) {
  using namespace rfc5054;
  const std::string salt = unhex(kSalt);
  auto v = srp_verifier(kVectorParams, kIdentity, kPassword, salt);
  ASSERT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(hex_encode(*v, HexCase::kUpper), kV);

  auto challenge = srp_server_challenge(kVectorParams, *v, unhex(kB_secret));
  ASSERT_TRUE(challenge.ok()) << challenge.error().describe();
  EXPECT_EQ(hex_encode(challenge->B, HexCase::kUpper), kB);
  EXPECT_EQ(hex_encode(challenge->b.reveal(), HexCase::kUpper), kB_secret);

  auto proof =
      srp_client_proof(kVectorParams, kIdentity, kPassword, salt, challenge->B, unhex(kA_secret));
  ASSERT_TRUE(proof.ok()) << proof.error().describe();
  EXPECT_EQ(hex_encode(proof->A, HexCase::kUpper), kA);
  // The RFC gives no K, M1 or M2; K = H(PAD(S)) follows from its S.
  const std::string S = unhex(kS);
  auto K = internal::srp_hash(kVectorParams, {S});
  EXPECT_EQ(proof->K.reveal(), std::string(K.begin(), K.end()));
  EXPECT_EQ(proof->M1.size(), 20u);

  auto M2 = srp_server_verify(kVectorParams, kIdentity, salt, *v, challenge->b.reveal(),
                              challenge->B, proof->A, proof->M1);
  ASSERT_TRUE(M2.ok()) << M2.error().describe();
  EXPECT_EQ(*M2, proof->expected_M2);
}

// M1 and M2 recomputed here from the formulas in srp.h and docs/formats/login.md, on the
// RFC 5054 numbers, so that a change of encoding shows up as a failure.
TEST(SrpTest, ProofsFollowTheDocumentedFormulas) {
  using namespace rfc5054;
  const std::string salt = unhex(kSalt);
  auto proof =
      srp_client_proof(kVectorParams, kIdentity, kPassword, salt, unhex(kB), unhex(kA_secret));
  ASSERT_TRUE(proof.ok()) << proof.error().describe();
  auto as_string = [](const Botan::secure_vector<uint8_t>& v) {
    return std::string(v.begin(), v.end());
  };
  std::string g_padded(127, '\0');
  g_padded.push_back('\x02');
  std::string h_N = as_string(internal::srp_hash(kVectorParams, {unhex(kN)}));
  std::string h_g = as_string(internal::srp_hash(kVectorParams, {g_padded}));
  for (size_t i = 0; i < h_N.size(); ++i) h_N[i] = static_cast<char>(h_N[i] ^ h_g[i]);
  std::string K = as_string(internal::srp_hash(kVectorParams, {unhex(kS)}));
  std::string M1 = as_string(internal::srp_hash(
      kVectorParams, {h_N, as_string(internal::srp_hash(kVectorParams, {kIdentity})), salt,
                      unhex(kA), unhex(kB), K}));
  std::string M2 = as_string(internal::srp_hash(kVectorParams, {unhex(kA), M1, K}));
  EXPECT_EQ(hex_encode(proof->M1), hex_encode(M1));
  EXPECT_EQ(hex_encode(proof->expected_M2), hex_encode(M2));
}

class SrpRoundTrip : public ::testing::TestWithParam<SrpGroup> {};

TEST_P(SrpRoundTrip, ClientAndServerAgree) {
  const SrpParams params{.group = GetParam(), .hash = SrpHash::kSha256};
  ASSERT_TRUE(check_production(params).ok());
  const std::string secret(32, '\x5a'), salt(16, '\x11'), identity = "bob@example.org";
  auto v = srp_verifier(params, identity, secret, salt);
  ASSERT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(v->size(), modulus_bytes(params));

  auto challenge = srp_server_challenge(params, *v);
  ASSERT_TRUE(challenge.ok()) << challenge.error().describe();
  EXPECT_EQ(challenge->B.size(), modulus_bytes(params));
  EXPECT_EQ(challenge->b.size(), 32u);

  auto proof = srp_client_proof(params, identity, secret, salt, challenge->B);
  ASSERT_TRUE(proof.ok()) << proof.error().describe();
  EXPECT_EQ(proof->A.size(), modulus_bytes(params));
  EXPECT_EQ(proof->M1.size(), 32u);
  EXPECT_EQ(proof->K.size(), 32u);

  auto M2 = srp_server_verify(params, identity, salt, *v, challenge->b.reveal(), challenge->B,
                              proof->A, proof->M1);
  ASSERT_TRUE(M2.ok()) << M2.error().describe();
  EXPECT_EQ(*M2, proof->expected_M2);

  // A second login uses fresh ephemerals.
  auto again = srp_server_challenge(params, *v);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->B, challenge->B);
  auto proof2 = srp_client_proof(params, identity, secret, salt, again->B);
  ASSERT_TRUE(proof2.ok());
  EXPECT_NE(proof2->A, proof->A);
  EXPECT_NE(proof2->K.reveal(), proof->K.reveal());
}

INSTANTIATE_TEST_SUITE_P(ProductionGroups, SrpRoundTrip,
                         ::testing::Values(SrpGroup::kRfc5054_3072, SrpGroup::kRfc5054_4096));

// Shared state for the refusal tests: a 3072-bit account and one challenge.
class SrpRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifier_ = srp_verifier(params_, identity_, secret_, salt_).value();
    challenge_ = srp_server_challenge(params_, verifier_).value();
  }

  Result<std::string> verify(std::string_view A, std::string_view M1) {
    return srp_server_verify(params_, identity_, salt_, verifier_, challenge_.b.reveal(),
                             challenge_.B, A, M1);
  }

  static void expect_rejected(const Result<std::string>& r) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kPermissionDenied);
    EXPECT_EQ(r.error().message, "SRP proof rejected");
  }

  static void expect_bad_server(const Result<SrpClientProof>& r) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kPermissionDenied);
    EXPECT_EQ(r.error().message, "the server's SRP values are invalid");
  }

  const SrpParams params_{};
  const std::string identity_ = "carol", secret_ = std::string(32, '\x07'),
                    salt_ = std::string(16, '\x42');
  std::string verifier_;
  SrpServerChallenge challenge_;
};

TEST_F(SrpRefusalTest, WrongSecretGetsNoM2) {
  auto proof = srp_client_proof(params_, identity_, std::string(32, '\x08'), salt_, challenge_.B);
  ASSERT_TRUE(proof.ok());
  expect_rejected(verify(proof->A, proof->M1));
}

TEST_F(SrpRefusalTest, WrongIdentityOrSaltGetsNoM2) {
  auto other_id = srp_client_proof(params_, "mallory", secret_, salt_, challenge_.B);
  ASSERT_TRUE(other_id.ok());
  expect_rejected(verify(other_id->A, other_id->M1));
  auto other_salt =
      srp_client_proof(params_, identity_, secret_, std::string(16, 'x'), challenge_.B);
  ASSERT_TRUE(other_salt.ok());
  expect_rejected(verify(other_salt->A, other_salt->M1));
}

TEST_F(SrpRefusalTest, TamperedM1IsRefused) {
  auto proof = srp_client_proof(params_, identity_, secret_, salt_, challenge_.B);
  ASSERT_TRUE(proof.ok());
  ASSERT_TRUE(verify(proof->A, proof->M1).ok());
  for (size_t i : {size_t{0}, size_t{17}, proof->M1.size() - 1}) {
    std::string bad = proof->M1;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    expect_rejected(verify(proof->A, bad));
  }
  expect_rejected(verify(proof->A, proof->M1.substr(0, 31)));
  expect_rejected(verify(proof->A, proof->M1 + "x"));
  expect_rejected(verify(proof->A, ""));
}

TEST_F(SrpRefusalTest, ZeroKeyValuesOfAAreRefused) {
  const size_t L = modulus_bytes(params_);
  const Botan::BigInt& N = internal::srp_group(params_.group).get_p();
  auto proof = srp_client_proof(params_, identity_, secret_, salt_, challenge_.B);
  ASSERT_TRUE(proof.ok());
  for (const std::string& A :
       {std::string(), std::string(L, '\0'), std::string(1, '\0'), N_bytes(params_)}) {
    expect_rejected(verify(A, proof->M1));
  }
  auto two_N = Botan::BigInt::encode(N * 2);  // L + 1 bytes: longer than allowed
  EXPECT_EQ(two_N.size(), L + 1);
  expect_rejected(verify(std::string(two_N.begin(), two_N.end()), proof->M1));
  // Any A >= N, and any A longer than L bytes, even a valid one with a leading zero byte.
  auto N_plus_1 = Botan::BigInt::encode_1363(N + 1, L);
  expect_rejected(verify(std::string(N_plus_1.begin(), N_plus_1.end()), proof->M1));
  expect_rejected(verify(std::string(1, '\0') + proof->A, proof->M1));
  // The honest A still works afterwards.
  EXPECT_TRUE(verify(proof->A, proof->M1).ok());
}

TEST_F(SrpRefusalTest, ZeroKeyAttackIsRefusedEvenWithItsCorrectM1) {
  // The attack: send A = N (≡ 0 mod N), so that the server's S is 0 whatever the verifier, and
  // the M1 that S = 0 gives. Without the A check the server would accept it.
  const size_t L = modulus_bytes(params_);
  const Botan::DL_Group& group = internal::srp_group(params_.group);
  const Botan::BigInt& N = group.get_p();
  const Botan::BigInt B(reinterpret_cast<const uint8_t*>(challenge_.B.data()), L);
  const Botan::BigInt b(reinterpret_cast<const uint8_t*>(challenge_.b.reveal().data()),
                        challenge_.b.size());
  const Botan::BigInt v(reinterpret_cast<const uint8_t*>(verifier_.data()), L);
  const Botan::BigInt u = internal::srp_u(params_, N, B);
  ASSERT_TRUE(internal::srp_server_premaster(params_, N, v, u, b).is_zero());

  auto str = [](const Botan::secure_vector<uint8_t>& x) { return std::string(x.begin(), x.end()); };
  std::string h_N = str(internal::srp_hash(params_, {str(internal::srp_pad(params_, N))}));
  std::string h_g =
      str(internal::srp_hash(params_, {str(internal::srp_pad(params_, group.get_g()))}));
  for (size_t i = 0; i < h_N.size(); ++i) h_N[i] = static_cast<char>(h_N[i] ^ h_g[i]);
  std::string K = str(internal::srp_hash(params_, {std::string(L, '\0')}));
  std::string M1 =
      str(internal::srp_hash(params_, {h_N, str(internal::srp_hash(params_, {identity_})), salt_,
                                       N_bytes(params_), challenge_.B, K}));
  expect_rejected(verify(N_bytes(params_), M1));
}

TEST_F(SrpRefusalTest, ClientRefusesBadB) {
  const size_t L = modulus_bytes(params_);
  const Botan::BigInt& N = internal::srp_group(params_.group).get_p();
  for (const std::string& B : {std::string(), std::string(L, '\0'), N_bytes(params_)}) {
    expect_bad_server(srp_client_proof(params_, identity_, secret_, salt_, B));
  }
  auto N_plus_1 = Botan::BigInt::encode_1363(N + 1, L);
  expect_bad_server(srp_client_proof(params_, identity_, secret_, salt_,
                                     std::string(N_plus_1.begin(), N_plus_1.end())));
  expect_bad_server(
      srp_client_proof(params_, identity_, secret_, salt_, std::string(1, '\0') + challenge_.B));
}

TEST(SrpTest, ClientRefusesZeroU) {
  using namespace rfc5054;
  auto S = internal::srp_client_premaster(kVectorParams, big(kB), big(kX), big(kA_secret),
                                          Botan::BigInt(0));
  ASSERT_FALSE(S.ok());
  EXPECT_EQ(S.error().code, Errc::kPermissionDenied);
  EXPECT_EQ(S.error().message, "the server's SRP values are invalid");
  EXPECT_TRUE(internal::srp_client_premaster(kVectorParams, big(kB), big(kX), big(kA_secret),
                                             Botan::BigInt(1))
                  .ok());
}

TEST(SrpTest, ServerRefusesMalformedVerifier) {
  const SrpParams params;
  const size_t L = modulus_bytes(params);
  for (const std::string& v :
       {std::string(), std::string(L, '\0'), std::string(L - 1, '\x01'), std::string(L + 1, '\x01'),
        N_bytes(params), std::string(L, '\xff')}) {
    auto r = srp_server_challenge(params, v);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
}

TEST(SrpTest, ParamsTextRoundTrip) {
  for (SrpGroup group :
       {SrpGroup::kRfc5054_1024, SrpGroup::kRfc5054_3072, SrpGroup::kRfc5054_4096}) {
    for (SrpHash hash : {SrpHash::kSha1, SrpHash::kSha256}) {
      SrpParams params{.group = group, .hash = hash};
      auto parsed = parse_srp_params(to_string(params));
      ASSERT_TRUE(parsed.ok()) << to_string(params);
      EXPECT_EQ(*parsed, params);
    }
  }
  EXPECT_EQ(to_string(SrpParams{}), "rfc5054-3072-sha256");
  EXPECT_EQ(to_string({.group = SrpGroup::kRfc5054_4096, .hash = SrpHash::kSha256}),
            "rfc5054-4096-sha256");
  EXPECT_EQ(to_string(kVectorParams), "rfc5054-1024-sha1");
  for (std::string_view bad : {"", "rfc5054-2048-sha256", "RFC5054-3072-SHA256",
                               "rfc5054-3072-sha256 ", "rfc5054-3072", "rfc5054-3072-sha512"}) {
    auto r = parse_srp_params(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
}

TEST(SrpTest, ProductionAcceptsOnlyLargeGroupsWithSha256) {
  EXPECT_TRUE(check_production({.group = SrpGroup::kRfc5054_3072, .hash = SrpHash::kSha256}).ok());
  EXPECT_TRUE(check_production({.group = SrpGroup::kRfc5054_4096, .hash = SrpHash::kSha256}).ok());
  EXPECT_FALSE(check_production({.group = SrpGroup::kRfc5054_1024, .hash = SrpHash::kSha256}).ok());
  EXPECT_FALSE(check_production({.group = SrpGroup::kRfc5054_3072, .hash = SrpHash::kSha1}).ok());
  EXPECT_FALSE(check_production(kVectorParams).ok());
  EXPECT_EQ(modulus_bytes(kVectorParams), 128u);
  EXPECT_EQ(modulus_bytes(SrpParams{}), 384u);
  EXPECT_EQ(modulus_bytes({.group = SrpGroup::kRfc5054_4096}), 512u);
}

TEST(SrpTest, UnknownUserVerifierIsStableValidAndUnusable) {
  SrpParams params;
  std::string v = srp_unknown_user_verifier(params, "seed for nobody@example.org");
  EXPECT_EQ(v.size(), modulus_bytes(params));
  EXPECT_EQ(v, srp_unknown_user_verifier(params, "seed for nobody@example.org"));
  EXPECT_NE(v, srp_unknown_user_verifier(params, "seed for somebody@example.org"));
  auto challenge = srp_server_challenge(params, v);
  ASSERT_TRUE(challenge.ok()) << challenge.error().describe();
  auto proof = srp_client_proof(params, "nobody@example.org", "any secret", "salt", challenge->B);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(srp_server_verify(params, "nobody@example.org", "salt", v, challenge->b.reveal(),
                              challenge->B, proof->A, proof->M1)
                .error()
                .code,
            Errc::kPermissionDenied);
}

TEST(SrpTest, CheckVerifierAcceptsGroupElementsOnly) {
  SrpParams params;
  auto v = srp_verifier(params, "alice@example.org", "secret", "salt-salt-salt-s");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(check_verifier(params, *v).ok());
  std::string n = srp_modulus(params);
  EXPECT_EQ(check_verifier(params, std::string(n.size(), '\0')).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(check_verifier(params, n).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(check_verifier(params, v->substr(1)).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sealmail::auth
