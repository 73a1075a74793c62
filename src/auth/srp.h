// srp.h — SRP-6a login (design.md §3, docs/formats/login.md): the server stores a verifier,
// never anything that lets it (or a thief of its database) log in or test passwords cheaply
// without the Argon2id work.
//
// The client derives `secret` = Argon2id(password, auth_salt) (pgp::derive_auth_secret) and
// computes the verifier once at sign-up. At login the server sends salt and B, the client
// answers A and its proof M1, and the server answers M2 only if M1 is right, which proves to
// the client that the server knows the verifier. Both sides end with the same key K.
//
// Formulas (RFC 5054 §2.4–2.6, M1/M2 after RFC 2945 §3). H is the hash, | concatenation,
// PAD(x) the big-endian encoding of x left-padded with zeros to modulus_bytes:
//   x  = H(salt | H(identity | ":" | secret))        v = g^x mod N
//   k  = H(N | PAD(g))                                B = (k*v + g^b) mod N
//   A  = g^a mod N                                    u = H(PAD(A) | PAD(B))
//   S  = (B - k*g^x)^(a + u*x) mod N  (client) = (A * v^u)^b mod N  (server)
//   K  = H(PAD(S))
//   M1 = H((H(N) XOR H(PAD(g))) | H(identity) | salt | PAD(A) | PAD(B) | K)
//   M2 = H(PAD(A) | M1 | K)
// Hash outputs used as numbers (x, k, u) are read big-endian. Every number on the wire or in
// storage is big-endian bytes; v, A and B are exactly modulus_bytes long.
//
// SECURITY: B, salt and M2 reach the client from the server; A and M1 reach the server from
// anyone. The server refuses A unless 0 < A < N (so A ≡ 0 mod N, the zero-key attack, is
// refused) and answers M2 only for a correct M1, compared in constant time. The client refuses
// B unless 0 < B < N, and u = 0. Refusals carry one fixed message each, whatever the cause.
// Exponentiations with secret exponents (a, b, x) use Botan's constant-time Montgomery ladder;
// secret numbers live in Botan::BigInt / secure_vector (zeroed when freed) or Sensitive.
// The 1024-bit group and SHA-1 exist for the RFC 5054 test vector only: production callers run
// check_production() on any parameters they did not choose themselves.
//
// Standards: RFC 5054 (groups, k, u, x, premaster secret), RFC 2945 (M1, M2), via Botan 2's
// DL_Group ("modp/srp/N") for the group arithmetic.
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/result.h"

namespace sealmail::auth {

enum class SrpGroup { kRfc5054_1024, kRfc5054_3072, kRfc5054_4096 };  // 1024: test vectors only
enum class SrpHash { kSha1, kSha256 };                                // SHA-1: test vectors only

struct SrpParams {
  SrpGroup group = SrpGroup::kRfc5054_3072;
  SrpHash hash = SrpHash::kSha256;

  friend bool operator==(const SrpParams&, const SrpParams&) = default;
};

// "rfc5054-3072-sha256", "rfc5054-4096-sha256", "rfc5054-1024-sha1", … — the stored form.
std::string to_string(const SrpParams& params);
// The form above, exactly (lower case); kInvalidArgument for anything else.
Result<SrpParams> parse_srp_params(std::string_view text);

// kInvalidArgument unless the group is 3072 or 4096 bits and the hash SHA-256.
Status check_production(const SrpParams& params);

// Bytes of N: 128, 384 or 512.
size_t modulus_bytes(const SrpParams& params);

// N itself, big-endian, modulus_bytes long (for tests that send N, 2N … as A).
std::string srp_modulus(const SrpParams& params);

// The verifier v = g^x mod N, modulus_bytes long. `identity` is hashed byte for byte: the
// caller passes its canonical form (the same at sign-up and at every login). `secret` is the
// raw Argon2id output. Fails only if the hash is unavailable (kInternal).
Result<std::string> srp_verifier(const SrpParams& params, std::string_view identity,
                                 std::string_view secret, std::string_view salt);

// A verifier for an address that has no account: a deterministic function of `seed` (the
// server derives it from a secret and the address), a valid group element like a real
// verifier, made without an exponentiation so the unknown-user path costs what the known one
// does. Nobody knows a password for it.
std::string srp_unknown_user_verifier(const SrpParams& params, std::string_view seed);

// kInvalidArgument unless `verifier` is modulus_bytes long and 0 < v < N: what a server checks
// when a client uploads one (srp_server_challenge refuses the same ones).
Status check_verifier(const SrpParams& params, std::string_view verifier);

// What the server keeps between its two steps (b, B) and sends (B).
struct SrpServerChallenge {
  Sensitive b;    // the secret ephemeral, big-endian
  std::string B;  // modulus_bytes long
};

// Server step 1. b is 256 random bits unless `fixed_b` (big-endian, tests only) is given.
// kInvalidArgument when the verifier is not modulus_bytes long, or not in 0 < v < N.
Result<SrpServerChallenge> srp_server_challenge(const SrpParams& params, std::string_view verifier,
                                                std::string_view fixed_b = {});

struct SrpClientProof {
  std::string A;            // modulus_bytes long, to send
  std::string M1;           // hash length, to send
  std::string expected_M2;  // compare (constant_time_equals) with the server's answer
  Sensitive K;              // the shared session key, hash length
};

// Client step: a is 256 random bits unless `fixed_a` (big-endian, tests only) is given.
// kPermissionDenied "the server's SRP values are invalid" when B is longer than
// modulus_bytes, B ≡ 0 mod N, B >= N, or u = 0.
Result<SrpClientProof> srp_client_proof(const SrpParams& params, std::string_view identity,
                                        std::string_view secret, std::string_view salt,
                                        std::string_view B, std::string_view fixed_a = {});

// Server step 2: M2 for a correct M1. kPermissionDenied "SRP proof rejected" when A is longer
// than modulus_bytes, A ≡ 0 mod N, A >= N, or M1 does not match. kInvalidArgument when the
// server's own stored values (verifier, b, B) are malformed.
Result<std::string> srp_server_verify(const SrpParams& params, std::string_view identity,
                                      std::string_view salt, std::string_view verifier,
                                      std::string_view b, std::string_view B, std::string_view A,
                                      std::string_view M1);

}  // namespace sealmail::auth
