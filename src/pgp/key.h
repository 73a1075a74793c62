// key.h — OpenPGP keys: generation, import/export (armored and binary), what a key can do,
// and the Keyring in which secret keys are unlocked once and reused.
//
// Keys are values: a PublicKey is a certificate's bytes plus what we parsed from them; a
// LockedKey is a transferable secret key whose secret material is always passphrase-protected
// (we never export or store an unprotected secret key). Unlocking happens only inside a
// Keyring; the unlocked material lives in RNP's memory for the Keyring's lifetime and is
// wiped by RNP when the Keyring locks it or is destroyed (RNP clears secret key material in
// its key destructors and on rnp_key_lock; we rely on that and on nothing being swapped).
//
// SECURITY: PublicKey::parse and LockedKey::parse read untrusted bytes (keys from peers, WKD,
// Autocrypt headers, our store). RNP parses them; we accept exactly one primary key per call
// and report self-signature validity, revocation and expiry as parsed — callers decide trust.
// Standards: RFC 4880 / RFC 9580 (key packets, S2K, signatures), RFC 6637 (ECDH), RFC 8032
// (Ed25519), draft-ietf-openpgp-crypto-refresh (Cv25519 legacy encoding as gpg 2.2 uses).
// Thread-safety: PublicKey, LockedKey and KeyInfo are values. A Keyring is used by one thread
// at a time (it owns one RNP context); keep one per worker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealmail::pgp {

enum class KeyAlgorithm {
  kCurve25519,  // Ed25519 primary (sign, certify) + Cv25519 subkey (encrypt) — the default
  kRsa3072,     // RSA primary + RSA subkey, for old peers
  kRsa4096,
};

struct SubkeyInfo {
  std::string fingerprint;  // upper-case hex
  std::string key_id;       // upper-case hex, 16 digits
  std::string algorithm;    // RNP's name: "EDDSA", "ECDH", "RSA", ...
  bool can_encrypt = false;
  bool can_sign = false;
  int64_t created = 0;  // seconds since the epoch
  int64_t expires = 0;  // seconds since the epoch; 0 = never
  bool revoked = false;
};

struct KeyInfo {
  std::string fingerprint;  // of the primary key, upper-case hex
  std::string key_id;
  std::string algorithm;
  std::vector<std::string> user_ids;  // as stored, e.g. "Alice <alice@example.org>"
  bool can_sign = false;              // primary or a valid subkey can sign
  bool can_certify = false;
  bool can_encrypt = false;  // primary or a valid subkey can encrypt
  int64_t created = 0;
  int64_t expires = 0;  // 0 = never
  bool revoked = false;
  bool valid = false;  // RNP's verdict: self-signed, not revoked, not expired
  std::vector<SubkeyInfo> subkeys;
};

class PublicKey {
 public:
  // Parses one certificate (armored or binary) and keeps its public packets only, so a
  // secret key given by mistake is never carried along.
  static Result<PublicKey> parse(std::string_view armored_or_binary);

  const std::string& binary() const { return binary_; }
  Result<std::string> armored() const;
  const KeyInfo& info() const { return info_; }

 private:
  PublicKey(std::string binary, KeyInfo info)
      : binary_(std::move(binary)), info_(std::move(info)) {}
  std::string binary_;
  KeyInfo info_;
};

class LockedKey {
 public:
  // Parses one transferable secret key (armored or binary). Every secret key packet must be
  // passphrase-protected, else kInvalidArgument: use lock_unprotected for foreign keys.
  static Result<LockedKey> parse(std::string_view armored_or_binary);
  // Protects an unprotected secret key (e.g. one exported by `sq key generate`).
  static Result<LockedKey> lock_unprotected(std::string_view armored_or_binary,
                                            std::string_view passphrase, size_t s2k_iterations = 0);

  const std::string& binary() const { return binary_; }
  Result<std::string> armored() const;
  const KeyInfo& info() const { return info_; }
  Result<PublicKey> public_key() const;

  // Re-protects with a new passphrase; kPermissionDenied if `old_passphrase` is wrong.
  Result<LockedKey> with_passphrase(std::string_view old_passphrase,
                                    std::string_view new_passphrase,
                                    size_t s2k_iterations = 0) const;

 private:
  friend struct LockedKeyAccess;
  LockedKey(std::string binary, KeyInfo info)
      : binary_(std::move(binary)), info_(std::move(info)) {}
  std::string binary_;
  KeyInfo info_;
};

struct KeySpec {
  std::string name;     // "Alice"; may be empty
  std::string address;  // "alice@example.org"
  KeyAlgorithm algorithm = KeyAlgorithm::kCurve25519;
  uint32_t expires_in_seconds = 0;  // 0 = never (RNP's own default would be two years)
  std::string passphrase;           // must not be empty
  size_t s2k_iterations = 0;        // 0 = RNP calibrates (~tens of ms per unlock)
};

struct GeneratedKey {
  PublicKey public_key;
  LockedKey secret_key;
};

Result<GeneratedKey> generate_key(const KeySpec& spec);

// An RNP context holding public keys (recipients, verification keys) and unlocked secret keys
// (decryption, signing). Move-only. Destroying it wipes the unlocked material.
class Keyring {
 public:
  static Result<Keyring> create();
  Keyring(Keyring&&) noexcept;
  Keyring& operator=(Keyring&&) noexcept;
  ~Keyring();

  // Adds (or refreshes) a certificate. Cheap when the same fingerprint was already added.
  Status add(const PublicKey& key);
  // Imports `key` and unlocks its primary key and all subkeys with `passphrase`
  // (kPermissionDenied if wrong). Costs one S2K derivation; do it once and reuse the Keyring.
  Status unlock(const LockedKey& key, std::string_view passphrase);
  // Locks every unlocked key again (RNP wipes the decrypted material).
  void lock_all();

  bool contains(std::string_view fingerprint) const;
  bool can_sign_with(std::string_view fingerprint) const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit Keyring(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "Alice <alice@example.org>" → "alice@example.org" (lower-cased); a bare address is returned
// lower-cased; "" when there is no address.
std::string address_of_user_id(std::string_view user_id);

}  // namespace sealmail::pgp
