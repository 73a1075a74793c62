// key_list.h — the signed key list of an address: which keys the address's owner says are
// theirs, signed by the address key itself. The server stores and serves it beside the public
// keys (docs/api.md "Keys"), so a client that remembers an address's key notices when a server
// hands out a different one: the server cannot sign a new list with the old key.
// Format: docs/formats/keys.md "Signed key list".
//
// SECURITY: verify_key_list reads untrusted documents (from the server, or from a client at
// signup). It accepts a list only if the JSON is well formed, the signature is valid and made
// by `signer`'s primary key, the list names `signer` and the address matches (ASCII case
// folded).
// Standards: RFC 9580 §5.2 (detached signature, binary document type 0x00), RFC 8259 (JSON).
// Thread-safety: functions; the Keyring is used by one thread at a time (key.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pgp/key.h"

namespace sealmail::pgp {

struct KeyList {
  std::string address;                    // lower-case
  std::vector<std::string> fingerprints;  // upper-case hex, the primary (newest) first
  int64_t created_ms = 0;                 // when the owner signed it
};

// {"data":"<the list as JSON text>","signature":"<armored detached signature over data>"},
// signed with `signer_fingerprint`'s key, which must be unlocked in `keyring`.
Result<std::string> sign_key_list(Keyring& keyring, const KeyList& list,
                                  std::string_view signer_fingerprint);

// The list in `document`, if `signer` signed it and it names `signer` for `address`.
// kInvalidArgument for a malformed document, kPermissionDenied for a bad or foreign signature
// or a list that does not fit (one fixed message each).
Result<KeyList> verify_key_list(std::string_view document, const PublicKey& signer,
                                std::string_view address);

}  // namespace sealmail::pgp
