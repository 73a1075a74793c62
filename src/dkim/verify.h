// verify.h — DKIM signature verification (libopendkim underneath): every DKIM-Signature of a
// received message checked, one result per signature, for the Authentication-Results header
// and for DMARC. Keys are fetched through dns::Resolver only; libopendkim never asks DNS.
//
// SECURITY: the message is untrusted, and so is every key record. Work is bounded: at most
// Limits::max_signatures signatures are verified (the rest are ignored, RFC 6376 §6.1 lets a
// verifier limit them), a message over max_message_bytes is not hashed at all, and each key
// name is looked up at most once per message. Message text never touches disk (libopendkim's
// temp files are off). rsa-sha1 signatures, keys under 1024 bits and signatures whose l= leaves
// part of the body unsigned are never "pass" but "policy" (RFC 8301, RFC 6376 §8.2). Strings in
// a SignatureResult come from the message: printable ASCII only, but still untrusted text.
// Standards: RFC 6376 (DKIM), RFC 8301 (algorithm and key size update), RFC 8463 (Ed25519),
// RFC 8601 §2.7.1 (result names), RFC 6008 (header.b).
// Thread-safety: verify() may run on any number of threads at once; the process-wide
// libopendkim handle is created once on first use. The Resolver must be thread-safe
// (dns/resolver.h) or used by one thread only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"

namespace sealmail::dkim {

enum class Outcome { kNone, kPass, kFail, kNeutral, kPolicy, kTempError, kPermError };

// The RFC 8601 result name: "none", "pass", "fail", "neutral", "policy", "temperror",
// "permerror".
std::string_view to_string(Outcome outcome);

struct SignatureResult {
  Outcome outcome = Outcome::kNone;
  std::string domain;     // d=, lower-case
  std::string selector;   // s=
  std::string algorithm;  // a=, e.g. "rsa-sha256"
  std::string header_b;   // the first characters of b= (≥ 8, more when needed to tell two
                          // signatures of this message apart; RFC 6008)
  std::string reason;     // one line, for logs and the A-R "reason"
};

struct Limits {
  size_t max_signatures = 5;                    // signatures verified; later ones are not reported
  size_t max_message_bytes = 64 * 1024 * 1024;  // larger messages: every signature "policy"
  size_t max_key_record_bytes = 2048;           // a longer key TXT record is a permerror
};

// `message`: the whole RFC 5322 message as received, CRLF line endings (a bare LF is read as
// CRLF, as an MTA normalising line endings would). Our own Received: header may be on top:
// DKIM ignores unsigned header fields. One result per verified signature, in header order;
// empty when the message has no DKIM-Signature (dkim=none).
std::vector<SignatureResult> verify(dns::Resolver& resolver, std::string_view message,
                                    const Limits& limits = {});

}  // namespace sealmail::dkim
