// packets.h — OpenPGP packet framing: finds packet boundaries in a binary message so that
// key packets (PKESK/SKESK) can be stored apart from the encrypted data packet.
// Internal to src/pgp.
//
// SECURITY: reads untrusted bytes (stored or received messages). Every length is checked
// against the bytes that remain; partial body lengths are only accepted for data packets and
// the first one must be ≥ 512 octets; nothing is read past the end; no recursion.
// Standards: RFC 4880 §4.2 (old and new packet headers, partial lengths), RFC 9580 §4.2.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealmail::pgp::internal {

enum PacketTag : int {
  kTagPkesk = 1,
  kTagSignature = 2,
  kTagSkesk = 3,
  kTagOnePassSignature = 4,
  kTagCompressed = 8,
  kTagSed = 9,  // symmetrically encrypted data without integrity protection
  kTagMarker = 10,
  kTagLiteral = 11,
  kTagSeipd = 18,
  kTagAead = 20,  // draft-ietf-openpgp-rfc4880bis AEAD packet (RNP, old GnuPG drafts)
};

struct PacketSpan {
  int tag = 0;
  size_t offset = 0;       // of the first header byte within the input
  size_t size = 0;         // header(s) and body, including all partial chunks
  size_t body_offset = 0;  // of the first body byte (the first chunk for partial bodies)
};

// Splits `bytes` into consecutive packets covering it exactly. Errors (kInvalidArgument) on
// a truncated header or body, a reserved tag 0, a partial length on a non-data packet, or an
// old-format indeterminate length anywhere but in the last packet.
Result<std::vector<PacketSpan>> split_packets(std::string_view bytes);

}  // namespace sealmail::pgp::internal
