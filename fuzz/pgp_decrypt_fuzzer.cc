// Fuzzes the decryption path: splitting an untrusted message into key packets and data packet,
// then decrypting with a password and with a secret key under the EFAIL-safe policy. Any
// input must give plaintext only with a verified integrity check, or an error.
// Seed corpus: fuzz/corpus/pgp_decrypt/ (gpg output for the password "fuzz": with MDC,
// without MDC, compressed, signed, armored).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pgp/key.h"
#include "pgp/message.h"

namespace {

constexpr char kPassphrase[] = "fuzz";

sealmail::pgp::Keyring& keyring() {
  static sealmail::pgp::Keyring* ring = [] {
    sealmail::pgp::KeySpec spec;
    spec.name = "Fuzz";
    spec.address = "fuzz@example.test";
    spec.passphrase = kPassphrase;
    spec.s2k_iterations = 1024;
    auto key = sealmail::pgp::generate_key(spec);
    auto made = sealmail::pgp::Keyring::create();
    if (!key.ok() || !made.ok()) std::abort();
    auto* r = new sealmail::pgp::Keyring(std::move(made).value());
    if (!r->unlock(key->secret_key, kPassphrase).ok()) std::abort();
    return r;
  }();
  return *ring;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto message = sealmail::pgp::split_message(bytes);
  if (!message.ok()) return 0;
  (void)sealmail::pgp::decrypt_with_password(keyring(), message->key_packets,
                                             message->data_packet, kPassphrase);
  (void)sealmail::pgp::decrypt(keyring(), message->key_packets, message->data_packet);
  return 0;
}
