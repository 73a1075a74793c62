// testing/signer.h — for tests only: DKIM keys made at test time and a signer (libopendkim's,
// with its bare-LF header folding turned into CRLF), so verify() is tested on real signatures.
//
// Thread-safety: call from one thread.
#pragma once

#include <sys/types.h>
#include <string>
#include <string_view>

namespace sealmail::dkim::testing {

enum class KeyType { kRsa2048, kRsa512, kEd25519 };

struct TestKey {
  KeyType type;
  std::string private_pem;
  std::string txt_record;  // the key record to publish: "v=DKIM1; k=rsa; p=…"
};

TestKey generate_key(KeyType type);

enum class Algorithm { kDefault, kRsaSha1 };

struct SignOptions {
  std::string domain = "example.org";
  std::string selector = "sel";
  bool relaxed_header = true;
  bool relaxed_body = true;
  ssize_t body_length = -1;  // ≥ 0: sign only that many canonical body bytes (l=)
  Algorithm algorithm = Algorithm::kDefault;  // rsa-sha256 or ed25519-sha256 by key type
};

// `message` (CRLF) with a DKIM-Signature field added on top.
std::string sign(std::string_view message, const TestKey& key, const SignOptions& options = {});

}  // namespace sealmail::dkim::testing
