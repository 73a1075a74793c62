#include "auth/srp.h"

#include <botan/hash.h>
#include <botan/mem_ops.h>
#include <botan/numthry.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <string>

#include "auth/internal/srp_math.h"
#include "base/random.h"

namespace sealmail::auth {
namespace {

constexpr size_t kEphemeralBytes = 32;  // a and b: 256 bits, RFC 5054 §2.5.3/§2.5.4's minimum
constexpr std::string_view kBadServerValues = "the server's SRP values are invalid";
constexpr std::string_view kProofRejected = "SRP proof rejected";

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string_view view(const Botan::secure_vector<uint8_t>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

Botan::BigInt decode(std::string_view bytes) {
  return Botan::BigInt(bytes_of(bytes), bytes.size());
}

// A secret ephemeral: the caller's fixed value (tests) or kEphemeralBytes of OS randomness.
Botan::BigInt ephemeral(std::string_view fixed) {
  if (!fixed.empty()) return decode(fixed);
  std::string random = random_bytes(kEphemeralBytes);
  Botan::BigInt n = decode(random);
  Botan::secure_scrub_memory(random.data(), random.size());
  return n;
}

// g^e mod N in constant time for exponents of up to max(bits, e.bits()) bits. Botan's
// power_g_p ignores exponent bits above its bound, so the bound must cover the exponent.
Botan::BigInt power_g(const Botan::DL_Group& group, const Botan::BigInt& e, size_t bits) {
  return group.power_g_p(e, std::max(bits, e.bits()));
}

size_t hash_bits(const SrpParams& params) { return params.hash == SrpHash::kSha1 ? 160 : 256; }

struct Proofs {
  Botan::secure_vector<uint8_t> M1, M2, K;
};

// K, M1, M2 from the premaster secret S (srp.h's formulas).
Proofs proofs_for(const SrpParams& params, std::string_view identity, std::string_view salt,
                  const Botan::BigInt& A, const Botan::BigInt& B, const Botan::BigInt& S) {
  const Botan::DL_Group& group = internal::srp_group(params.group);
  Proofs out;
  auto padded_S = internal::srp_pad(params, S);
  out.K = internal::srp_hash(params, {view(padded_S)});
  auto h_N = internal::srp_hash(params, {view(internal::srp_pad(params, group.get_p()))});
  auto h_g = internal::srp_hash(params, {view(internal::srp_pad(params, group.get_g()))});
  for (size_t i = 0; i < h_N.size(); ++i) h_N[i] ^= h_g[i];
  auto h_I = internal::srp_hash(params, {identity});
  auto padded_A = internal::srp_pad(params, A);
  auto padded_B = internal::srp_pad(params, B);
  out.M1 = internal::srp_hash(
      params, {view(h_N), view(h_I), salt, view(padded_A), view(padded_B), view(out.K)});
  out.M2 = internal::srp_hash(params, {view(padded_A), view(out.M1), view(out.K)});
  return out;
}

// The verifier as stored: exactly modulus_bytes, 0 < v < N.
Result<Botan::BigInt> decode_verifier(const SrpParams& params, std::string_view verifier) {
  if (verifier.size() != modulus_bytes(params))
    return make_error(Errc::kInvalidArgument, "the SRP verifier has the wrong length");
  Botan::BigInt v = decode(verifier);
  if (v.is_zero() || v >= internal::srp_group(params.group).get_p())
    return make_error(Errc::kInvalidArgument, "the SRP verifier is out of range");
  return v;
}

// Runs `body`, turning a Botan exception (an unavailable hash, an allocation failure) into
// kInternal so that nothing throws into the caller's data path.
template <typename F>
auto guarded(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return make_error(Errc::kInternal, std::string("SRP computation failed: ") + e.what());
  }
}

}  // namespace

std::string to_string(const SrpParams& params) {
  std::string out = "rfc5054-";
  switch (params.group) {
    case SrpGroup::kRfc5054_1024:
      out += "1024";
      break;
    case SrpGroup::kRfc5054_3072:
      out += "3072";
      break;
    case SrpGroup::kRfc5054_4096:
      out += "4096";
      break;
  }
  out += params.hash == SrpHash::kSha1 ? "-sha1" : "-sha256";
  return out;
}

Result<SrpParams> parse_srp_params(std::string_view text) {
  for (SrpGroup group :
       {SrpGroup::kRfc5054_1024, SrpGroup::kRfc5054_3072, SrpGroup::kRfc5054_4096}) {
    for (SrpHash hash : {SrpHash::kSha1, SrpHash::kSha256}) {
      SrpParams params{.group = group, .hash = hash};
      if (text == to_string(params)) return params;
    }
  }
  return make_error(Errc::kInvalidArgument, "unknown SRP parameters");
}

Status check_production(const SrpParams& params) {
  if (params.group == SrpGroup::kRfc5054_1024)
    return make_error(Errc::kInvalidArgument, "the 1024-bit SRP group is for tests only");
  if (params.hash != SrpHash::kSha256)
    return make_error(Errc::kInvalidArgument, "SRP with SHA-1 is for tests only");
  return ok_status();
}

size_t modulus_bytes(const SrpParams& params) {
  switch (params.group) {
    case SrpGroup::kRfc5054_1024:
      return 128;
    case SrpGroup::kRfc5054_3072:
      return 384;
    case SrpGroup::kRfc5054_4096:
      return 512;
  }
  SEALMAIL_UNREACHABLE();
}

Result<std::string> srp_verifier(const SrpParams& params, std::string_view identity,
                                 std::string_view secret, std::string_view salt) {
  return guarded([&]() -> Result<std::string> {
    const Botan::DL_Group& group = internal::srp_group(params.group);
    Botan::BigInt x = internal::srp_x(params, identity, secret, salt);
    Botan::BigInt v = power_g(group, x, hash_bits(params));
    x.clear();
    auto padded = internal::srp_pad(params, v);
    return std::string(view(padded));
  });
}

std::string srp_modulus(const SrpParams& params) {
  return std::string(view(internal::srp_pad(params, internal::srp_group(params.group).get_p())));
}

std::string srp_unknown_user_verifier(const SrpParams& params, std::string_view seed) {
  const Botan::DL_Group& group = internal::srp_group(params.group);
  // SHA-256(seed ‖ counter) blocks, 8 bytes more than N so the reduction is close to uniform.
  std::unique_ptr<Botan::HashFunction> sha256 = Botan::HashFunction::create_or_throw("SHA-256");
  std::string expanded;
  for (uint32_t counter = 0; expanded.size() < modulus_bytes(params) + 8; ++counter) {
    sha256->update(bytes_of(seed), seed.size());
    for (int shift = 24; shift >= 0; shift -= 8) sha256->update(uint8_t(counter >> shift));
    auto block = sha256->final();
    expanded.append(view(block));
  }
  Botan::BigInt v = group.mod_p(decode(expanded));
  if (v.is_zero()) v = 1;
  return std::string(view(internal::srp_pad(params, v)));
}

Status check_verifier(const SrpParams& params, std::string_view verifier) {
  return guarded([&]() -> Status {
    SEALMAIL_RETURN_IF_ERROR(decode_verifier(params, verifier));
    return ok_status();
  });
}

Result<SrpServerChallenge> srp_server_challenge(const SrpParams& params, std::string_view verifier,
                                                std::string_view fixed_b) {
  return guarded([&]() -> Result<SrpServerChallenge> {
    const Botan::DL_Group& group = internal::srp_group(params.group);
    Botan::BigInt v = SEALMAIL_TRY(decode_verifier(params, verifier));
    Botan::BigInt b = ephemeral(fixed_b);
    Botan::BigInt gb = power_g(group, b, 8 * kEphemeralBytes);
    Botan::BigInt B = group.mod_p(group.multiply_mod_p(internal::srp_k(params), v) + gb);
    auto b_bytes = Botan::BigInt::encode_1363(b, std::max(kEphemeralBytes, b.bytes()));
    b.clear();
    gb.clear();
    SrpServerChallenge out;
    out.b = Sensitive(std::string(view(b_bytes)));
    out.B = std::string(view(internal::srp_pad(params, B)));
    return out;
  });
}

Result<SrpClientProof> srp_client_proof(const SrpParams& params, std::string_view identity,
                                        std::string_view secret, std::string_view salt,
                                        std::string_view B_bytes, std::string_view fixed_a) {
  return guarded([&]() -> Result<SrpClientProof> {
    const Botan::DL_Group& group = internal::srp_group(params.group);
    if (B_bytes.size() > modulus_bytes(params))
      return make_error(Errc::kPermissionDenied, std::string(kBadServerValues));
    Botan::BigInt B = decode(B_bytes);
    if (B.is_zero() || B >= group.get_p())  // before PAD(B) in u, which needs B < N
      return make_error(Errc::kPermissionDenied, std::string(kBadServerValues));
    Botan::BigInt a = ephemeral(fixed_a);
    Botan::BigInt A = power_g(group, a, 8 * kEphemeralBytes);
    Botan::BigInt x = internal::srp_x(params, identity, secret, salt);
    Botan::BigInt u = internal::srp_u(params, A, B);
    auto premaster = internal::srp_client_premaster(params, B, x, a, u);
    a.clear();
    x.clear();
    if (!premaster.ok()) return std::move(premaster).error();
    Botan::BigInt S = std::move(premaster).value();
    Proofs p = proofs_for(params, identity, salt, A, B, S);
    S.clear();
    SrpClientProof out;
    out.A = std::string(view(internal::srp_pad(params, A)));
    out.M1 = std::string(view(p.M1));
    out.expected_M2 = std::string(view(p.M2));
    out.K = Sensitive(std::string(view(p.K)));
    return out;
  });
}

Result<std::string> srp_server_verify(const SrpParams& params, std::string_view identity,
                                      std::string_view salt, std::string_view verifier,
                                      std::string_view b_bytes, std::string_view B_bytes,
                                      std::string_view A_bytes, std::string_view M1) {
  return guarded([&]() -> Result<std::string> {
    const Botan::DL_Group& group = internal::srp_group(params.group);
    const Botan::BigInt& N = group.get_p();
    Botan::BigInt v = SEALMAIL_TRY(decode_verifier(params, verifier));
    Botan::BigInt B = decode(B_bytes);
    if (B_bytes.size() != modulus_bytes(params) || B.is_zero() || B >= N)
      return make_error(Errc::kInvalidArgument, "the stored SRP value B is malformed");
    if (b_bytes.empty())
      return make_error(Errc::kInvalidArgument, "the stored SRP value b is missing");

    auto rejected = [] { return make_error(Errc::kPermissionDenied, std::string(kProofRejected)); };
    if (A_bytes.size() > modulus_bytes(params)) return rejected();
    Botan::BigInt A = decode(A_bytes);
    // A < N makes A mod N == A, so this is RFC 5054 §2.5.4's "A % N == 0" check, and more.
    if (A.is_zero() || A >= N || (A % N).is_zero()) return rejected();
    Botan::BigInt u = internal::srp_u(params, A, B);
    if (u.is_zero()) return rejected();

    Botan::BigInt b = decode(b_bytes);
    Botan::BigInt S = internal::srp_server_premaster(params, A, v, u, b);
    b.clear();
    Proofs p = proofs_for(params, identity, salt, A, B, S);
    S.clear();
    if (M1.size() != p.M1.size() ||
        !Botan::constant_time_compare(bytes_of(M1), p.M1.data(), p.M1.size()))
      return rejected();
    return std::string(view(p.M2));
  });
}

namespace internal {

const Botan::DL_Group& srp_group(SrpGroup group) {
  switch (group) {
    case SrpGroup::kRfc5054_1024: {
      static const Botan::DL_Group g("modp/srp/1024");
      return g;
    }
    case SrpGroup::kRfc5054_3072: {
      static const Botan::DL_Group g("modp/srp/3072");
      return g;
    }
    case SrpGroup::kRfc5054_4096: {
      static const Botan::DL_Group g("modp/srp/4096");
      return g;
    }
  }
  SEALMAIL_UNREACHABLE();
}

Botan::secure_vector<uint8_t> srp_hash(const SrpParams& params,
                                       std::initializer_list<std::string_view> parts) {
  auto hash =
      Botan::HashFunction::create_or_throw(params.hash == SrpHash::kSha1 ? "SHA-1" : "SHA-256");
  for (std::string_view part : parts) hash->update(bytes_of(part), part.size());
  return hash->final();
}

Botan::secure_vector<uint8_t> srp_pad(const SrpParams& params, const Botan::BigInt& n) {
  SEALMAIL_CHECK(n.bytes() <= modulus_bytes(params));
  return Botan::BigInt::encode_1363(n, modulus_bytes(params));
}

Botan::BigInt srp_k(const SrpParams& params) {
  const Botan::DL_Group& group = srp_group(params.group);
  auto h = srp_hash(params,
                    {view(srp_pad(params, group.get_p())), view(srp_pad(params, group.get_g()))});
  return Botan::BigInt(h.data(), h.size());
}

Botan::BigInt srp_x(const SrpParams& params, std::string_view identity, std::string_view secret,
                    std::string_view salt) {
  auto inner = srp_hash(params, {identity, ":", secret});
  auto h = srp_hash(params, {salt, view(inner)});
  return Botan::BigInt(h.data(), h.size());
}

Botan::BigInt srp_u(const SrpParams& params, const Botan::BigInt& A, const Botan::BigInt& B) {
  auto h = srp_hash(params, {view(srp_pad(params, A)), view(srp_pad(params, B))});
  return Botan::BigInt(h.data(), h.size());
}

Result<Botan::BigInt> srp_client_premaster(const SrpParams& params, const Botan::BigInt& B,
                                           const Botan::BigInt& x, const Botan::BigInt& a,
                                           const Botan::BigInt& u) {
  const Botan::DL_Group& group = srp_group(params.group);
  const Botan::BigInt& N = group.get_p();
  if (B.is_zero() || B >= N || u.is_zero())
    return make_error(Errc::kPermissionDenied, std::string(kBadServerValues));
  Botan::BigInt gx = power_g(group, x, hash_bits(params));
  Botan::BigInt kgx = group.multiply_mod_p(srp_k(params), gx);
  Botan::BigInt base = group.mod_p(B + N - kgx);  // B - k*g^x, kept non-negative
  Botan::BigInt exponent = a + u * x;
  Botan::BigInt S = Botan::power_mod(base, exponent, N);
  gx.clear();
  kgx.clear();
  base.clear();
  exponent.clear();
  return S;
}

Botan::BigInt srp_server_premaster(const SrpParams& params, const Botan::BigInt& A,
                                   const Botan::BigInt& v, const Botan::BigInt& u,
                                   const Botan::BigInt& b) {
  const Botan::DL_Group& group = srp_group(params.group);
  const Botan::BigInt& N = group.get_p();
  Botan::BigInt base = group.multiply_mod_p(A, Botan::power_mod(v, u, N));
  Botan::BigInt S = Botan::power_mod(base, b, N);
  base.clear();
  return S;
}

}  // namespace internal
}  // namespace sealmail::auth
