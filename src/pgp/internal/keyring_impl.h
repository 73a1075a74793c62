// keyring_impl.h — what a Keyring holds. Internal to src/pgp (message.cc works on its ffi).
//
// SECURITY: holds unlocked secret keys inside `ffi`; see key.h.
// Standards: none.
// Thread-safety: one thread at a time, like its Keyring.
#pragma once

#include <set>
#include <string>

#include "pgp/internal/rnp_ffi.h"
#include "pgp/key.h"

namespace sealmail::pgp {

struct Keyring::Impl {
  internal::Ffi ffi;
  std::set<std::string, std::less<>> public_fingerprints;    // added with add()
  std::set<std::string, std::less<>> unlocked_fingerprints;  // primaries unlocked with unlock()
};

namespace internal {
// Builds KeyInfo for a primary key handle.
Result<KeyInfo> key_info(rnp_key_handle_t primary);
}  // namespace internal

}  // namespace sealmail::pgp
