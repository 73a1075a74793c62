// Fuzzes key import: public certificates and locked secret keys from untrusted bytes (keys
// from peers, WKD, Autocrypt headers, uploads). Any input must give a value or an error.
// Seed corpus: fuzz/corpus/pgp_import/ (exported Curve25519 and RSA keys, armored and binary).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pgp/key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto key = sealmail::pgp::PublicKey::parse(bytes); key.ok()) {
    (void)key->armored();
  }
  (void)sealmail::pgp::LockedKey::parse(bytes);
  return 0;
}
