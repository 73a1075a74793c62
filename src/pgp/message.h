// message.h — encryption, decryption, signing and verification of OpenPGP messages, with the
// encrypted form split into key packets (one PKESK per recipient key, or SKESK per password)
// and one data packet (SEIPD), so that re-keying or sharing a stored message touches only its
// key packets. Format: docs/formats/messages.md.
//
// SECURITY: decrypt*, verify* and split_message read untrusted messages. Decryption releases
// plaintext only under the EFAIL-safe policy of decrypt_policy.h (integrity-protected data
// only, nothing before the integrity check, signatures "valid" only when they verify over the
// whole released plaintext with a valid key). Plaintext is returned as Sensitive and
// intermediate buffers are wiped on failure.
// Memory: inputs are read in place (no copy) and outputs are written straight into the
// returned string, so an operation holds about input + output (≈ 2× the message) at its peak.
// Standards: RFC 4880 / RFC 9580 (PKESK v3, SKESK v4, SEIPD v1 + MDC, one-pass signatures,
// cleartext signatures, detached signatures), RFC 6637 (ECDH), RFC 3156 is src/mime's.
// Thread-safety: functions are reentrant; the Keyring passed in is used by one thread at a
// time (see key.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "pgp/key.h"

namespace sealmail::pgp {

struct KeyPacket {
  enum class Kind { kPublicKey, kPassword };
  Kind kind = Kind::kPublicKey;
  std::string bytes;        // the whole binary packet (header included)
  std::string key_id;       // PKESK: the recipient (sub)key id, upper-case hex; "" otherwise
  std::string fingerprint;  // PKESK made by encrypt(): the recipient's primary fingerprint
};

struct EncryptedMessage {
  std::vector<KeyPacket> key_packets;
  std::string data_packet;  // one SEIPD packet (tag 18), binary

  // key packets ‖ data packet: a standard binary OpenPGP message.
  std::string concatenated() const;
  // The same, ASCII-armored ("-----BEGIN PGP MESSAGE-----"), as PGP/MIME carries it.
  Result<std::string> armored() const;
};

// Encrypts to every recipient (their encryption subkeys) with AES-256 in SEIPD v1 + MDC (no
// AEAD, for gpg 2.2), uncompressed; signs with the unlocked key `signer_fingerprint` of
// `keyring` when not empty. Recipients are added to `keyring` as needed.
Result<EncryptedMessage> encrypt(Keyring& keyring, std::string_view plaintext,
                                 std::span<const PublicKey> recipients,
                                 std::string_view signer_fingerprint = {});

// Password-only encryption: one SKESK (iterated+salted S2K, SHA-256; `s2k_iterations` 0 lets
// RNP calibrate) and the data packet.
Result<EncryptedMessage> encrypt_with_password(Keyring& keyring, std::string_view plaintext,
                                               std::string_view password,
                                               std::string_view signer_fingerprint = {},
                                               size_t s2k_iterations = 0);

// Splits a whole encrypted message (binary or armored) into key packets and its data packet.
// kInvalidArgument unless it is key packets (PKESK/SKESK) followed by exactly one encrypted
// data packet (SEIPD, AEAD or SED — the last is split but never decrypted).
Result<EncryptedMessage> split_message(std::string_view message);

struct Signature {
  bool valid = false;              // decrypt_policy.h rule 3
  std::string key_id;              // issuer key id from the signature, upper-case hex
  std::string signer_fingerprint;  // primary key of the signer, "" if unknown key
  std::vector<std::string> signer_user_ids;
  int64_t created = 0;

  // valid, and one of the signer's user IDs has exactly this address (case-insensitive).
  bool signer_matches(std::string_view address) const;
};

struct Decrypted {
  Sensitive plaintext;
  std::vector<Signature> signatures;

  // Whether the message may be shown as "signed by `from_address`".
  bool verified_from(std::string_view from_address) const;
};

// Decrypts with the unlocked secret keys of `keyring`, verifying signatures with its public
// keys. kPermissionDenied for anything the policy refuses (no usable key packet, wrong
// recombination, tampering, no MDC); no plaintext is returned then.
Result<Decrypted> decrypt(Keyring& keyring, std::span<const KeyPacket> key_packets,
                          std::string_view data_packet);
Result<Decrypted> decrypt_with_password(Keyring& keyring, std::span<const KeyPacket> key_packets,
                                        std::string_view data_packet, std::string_view password);

enum class Armor { kBinary, kArmored };

// Signature over `data` alone (type 0x00, binary document).
Result<std::string> sign_detached(Keyring& keyring, std::string_view data,
                                  std::string_view signer_fingerprint, Armor armor);
// One-pass signed message (uncompressed literal data).
Result<std::string> sign_inline(Keyring& keyring, std::string_view data,
                                std::string_view signer_fingerprint, Armor armor);
// "-----BEGIN PGP SIGNED MESSAGE-----" text.
Result<std::string> sign_cleartext(Keyring& keyring, std::string_view text,
                                   std::string_view signer_fingerprint);

Result<std::vector<Signature>> verify_detached(Keyring& keyring, std::string_view data,
                                               std::string_view signature);

struct Verified {
  std::string content;  // the signed data exactly as covered by the signatures
  std::vector<Signature> signatures;
};
// Inline-signed (binary or armored) or cleartext-signed input. Returns the content even when
// no signature is valid (it is not secret); look at Signature::valid.
Result<Verified> verify_inline(Keyring& keyring, std::string_view signed_message);

// Adds `new_recipient` to a stored message: recovers the session key from one of
// `key_packets` that `opener` can open and wraps it in a new PKESK for the new recipient's
// encryption subkey. The data packet is not needed and not touched. Cv25519 (ECDH, RFC 6637)
// and RSA keys on either side (kUnsupported for others). Takes the locked key and its
// passphrase, not a Keyring: librnp 0.16 neither reveals a session key nor exports unlocked
// material, so the subkey is exported unprotected into wiped memory for this one call.
// See docs/formats/messages.md "Re-keying".
Result<KeyPacket> add_recipient(const LockedKey& opener, std::string_view passphrase,
                                std::span<const KeyPacket> key_packets,
                                const PublicKey& new_recipient);

}  // namespace sealmail::pgp
