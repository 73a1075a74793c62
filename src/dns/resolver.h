// resolver.h — the DNS questions sealmail asks (TXT, A, AAAA, MX, PTR), each answered with
// the records, whether the name exists, and the DNSSEC verdict of the answer. SPF, DKIM and
// DMARC evaluation ask through this interface; the libunbound implementation
// (unbound_resolver.h) is the only code that talks to the network, and tests may put an
// in-memory zone (testing/memory_resolver.h) behind the same interface.
//
// SECURITY: every answer comes from the network and is untrusted: names and TXT strings may hold
// any bytes. A bogus answer (DNSSEC validation failed) still carries the records the attacker
// sent — callers that need authenticity must look at `security`, never at the records alone.
// Standards: RFC 1035, RFC 3596 (AAAA), RFC 4033–4035 (DNSSEC), RFC 7505 (null MX: an MX
// record with preference 0 and host "" is returned as such).
// Thread-safety: implementations are safe to call from any number of threads at once; calls
// block until answered or timed out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::dns {

enum class Outcome {
  kFound,       // the name exists; `records` may still be empty (NODATA)
  kNxDomain,    // the name does not exist
  kTempFail,    // SERVFAIL, timeout, network error: ask again later
  kPermFail,    // the question itself was bad (malformed name, REFUSED)
};

enum class Security {
  kInsecure,  // no DNSSEC chain (unsigned zone, or no trust anchor configured)
  kSecure,    // validated up to a trust anchor
  kBogus,     // validation failed: treat the records as an attacker's
};

struct MxRecord {
  uint16_t preference = 0;
  std::string host;  // lower-case, no trailing dot; "" for the null MX (RFC 7505)
};

template <typename Record>
struct Answer {
  Outcome outcome = Outcome::kTempFail;
  Security security = Security::kInsecure;
  std::vector<Record> records;

  bool found() const { return outcome == Outcome::kFound; }
};

class Resolver {
 public:
  virtual ~Resolver() = default;

  // Names are given without a trailing dot; they may be any case.
  // TXT: each record's character-strings concatenated (RFC 7208 §3.3), one string per record.
  virtual Answer<std::string> txt(std::string_view name) = 0;
  // A / AAAA: addresses in textual form ("192.0.2.1", "2001:db8::1").
  virtual Answer<std::string> a(std::string_view name) = 0;
  virtual Answer<std::string> aaaa(std::string_view name) = 0;
  virtual Answer<MxRecord> mx(std::string_view name) = 0;
  // PTR for an IPv4 or IPv6 address in textual form: the host names, lower-case, no dot.
  virtual Answer<std::string> ptr(std::string_view address) = 0;
};

}  // namespace sealmail::dns
