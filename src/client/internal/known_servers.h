// known_servers.h — internal to src/client: the trust-on-first-use pin file of HttpsClient
// (format and policy in client/https_client.h) and the fingerprint it stores.
//
// SECURITY: the pin file is local state the user may edit; a line that does not parse refuses
// every check (kCorruption with the line number) rather than being skipped, so a damaged file
// never turns into a silent re-pin. Certificates come from the network: only their public key
// is hashed.
//
// Standards: RFC 5280 §4.1.2.7 (SubjectPublicKeyInfo), RFC 4648 §4 (base64), FIPS 180-4.
//
// Thread-safety: pure functions apart from the file; see https_client.h for concurrent pinning.
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::client::internal {

// "SHA256:" + base64 (padded) of SHA-256 over the certificate's SubjectPublicKeyInfo DER.
Result<std::string> spki_fingerprint(X509* certificate);

enum class PinOutcome {
  kMatched,  // a line for this authority carries this fingerprint
  kPinned,   // there was no line for this authority; one has been appended
};

// Checks `fingerprint` for `authority` ("host:port") against `file`, appending a line when the
// authority is new (creating the file 0600 and its directory 0700). A mismatch is
// kPermissionDenied with the one-line message of https_client.h.
Result<PinOutcome> check_or_pin(const std::filesystem::path& file, std::string_view authority,
                                std::string_view fingerprint);

}  // namespace sealmail::client::internal
