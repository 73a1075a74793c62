// test_keys.h — keys shared by the src/pgp tests, generated once per test binary (RSA
// generation takes seconds). Fast S2K so unlocking does not dominate test time.
//
// SECURITY: test only. Standards: none. Thread-safety: call from the test thread.
#pragma once

#include <gtest/gtest.h>

#include "pgp/key.h"

namespace sealmail::pgp::testing {

inline constexpr char kPassphrase[] = "correct horse battery staple";

struct TestKeys {
  GeneratedKey alice;  // Curve25519
  GeneratedKey bob;    // Curve25519
  GeneratedKey carol;  // RSA-3072
};

inline GeneratedKey make_key(const char* name, const char* address, KeyAlgorithm alg) {
  KeySpec spec;
  spec.name = name;
  spec.address = address;
  spec.algorithm = alg;
  spec.passphrase = kPassphrase;
  spec.s2k_iterations = 1024;
  auto key = generate_key(spec);
  if (!key.ok()) ADD_FAILURE() << key.error().describe();
  return std::move(key).value();
}

inline const TestKeys& test_keys() {
  static const TestKeys* keys = new TestKeys{
      make_key("Alice", "alice@example.org", KeyAlgorithm::kCurve25519),
      make_key("Bob", "bob@example.org", KeyAlgorithm::kCurve25519),
      make_key("Carol", "carol@example.org", KeyAlgorithm::kRsa3072),
  };
  return *keys;
}

// A keyring with `who` unlocked.
inline Keyring unlocked(const GeneratedKey& who) {
  auto ring = Keyring::create();
  if (!ring.ok()) ADD_FAILURE() << ring.error().describe();
  auto status = ring->unlock(who.secret_key, kPassphrase);
  if (!status.ok()) ADD_FAILURE() << status.error().describe();
  return std::move(ring).value();
}

}  // namespace sealmail::pgp::testing
