// srp_math.h — the SRP-6a formulas of srp.h on Botan numbers, exposed for the RFC 5054 test
// vector (k, x, u, S are not visible through the public API). Not for use outside src/auth.
#pragma once

#include <botan/bigint.h>
#include <botan/dl_group.h>
#include <botan/secmem.h>

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "auth/srp.h"
#include "base/result.h"

namespace sealmail::auth::internal {

// The group's N and g (Botan's "modp/srp/1024|3072|4096"), built once per process.
const Botan::DL_Group& srp_group(SrpGroup group);

// H(parts[0] | parts[1] | …) with the parameters' hash.
Botan::secure_vector<uint8_t> srp_hash(const SrpParams& params,
                                       std::initializer_list<std::string_view> parts);

// PAD(n): big-endian, left-padded with zeros to modulus_bytes. n must be < N.
Botan::secure_vector<uint8_t> srp_pad(const SrpParams& params, const Botan::BigInt& n);

// k = H(N | PAD(g)).
Botan::BigInt srp_k(const SrpParams& params);
// x = H(salt | H(identity | ":" | secret)).
Botan::BigInt srp_x(const SrpParams& params, std::string_view identity, std::string_view secret,
                    std::string_view salt);
// u = H(PAD(A) | PAD(B)).
Botan::BigInt srp_u(const SrpParams& params, const Botan::BigInt& A, const Botan::BigInt& B);

// The client's premaster secret S = (B - k*g^x)^(a + u*x) mod N, after the client's checks:
// kPermissionDenied "the server's SRP values are invalid" unless 0 < B < N and u != 0.
Result<Botan::BigInt> srp_client_premaster(const SrpParams& params, const Botan::BigInt& B,
                                           const Botan::BigInt& x, const Botan::BigInt& a,
                                           const Botan::BigInt& u);
// The server's premaster secret S = (A * v^u)^b mod N; A, v must already be checked.
Botan::BigInt srp_server_premaster(const SrpParams& params, const Botan::BigInt& A,
                                   const Botan::BigInt& v, const Botan::BigInt& u,
                                   const Botan::BigInt& b);

}  // namespace sealmail::auth::internal
