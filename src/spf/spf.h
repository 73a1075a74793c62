// spf.h — Sender Policy Framework: may this client IP send mail for this domain? Evaluated by
// our own code over dns::Resolver (no libspf2), so the MX role and its tests share one path.
//
// SECURITY: every DNS answer, every record and the SMTP client's MAIL FROM and HELO are
// untrusted. Evaluation is bounded: at most 10 terms that query DNS (include, a, mx, ptr,
// exists, redirect) for the whole check, at most 2 void lookups (NXDOMAIN or no records),
// at most 10 MX hosts per mx term (more is permerror) and 10 PTR names per ptr term (the rest
// ignored), recursion bounded by the term limit, and a backstop of kMaxQueries questions in
// all. Macro expansion is capped (internal/macro.h); "p" expands to "unknown". Reasons are
// one printable-ASCII line (other bytes become '?'), at most 200 bytes. DNSSEC state is not
// consulted: SPF trusts plain DNS by design.
// Standards: RFC 7208 (SPF); result names as in RFC 8601 §2.7.2. Not done: the "exp"
// explanation is parsed and syntax-checked but never fetched (§6.2 makes it optional).
// Thread-safety: functions; safe to call concurrently if the Resolver is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "dns/resolver.h"

namespace sealmail::spf {

enum class Outcome { kNone, kNeutral, kPass, kFail, kSoftFail, kTempError, kPermError };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror".
std::string_view to_string(Outcome outcome);

struct Verdict {
  Outcome outcome = Outcome::kNone;
  std::string domain;  // the domain whose record decided (after include/redirect)
  std::string reason;  // one line, for logs and the Authentication-Results comment
};

// Above any evaluation the RFC's limits allow (11 TXT + 10 × (1 + 10) address queries).
constexpr size_t kMaxQueries = 150;

// RFC 7208 §2.4: checks MAIL FROM's domain, or "postmaster@<helo>" when MAIL FROM is empty
// (<>). `mail_from` is the reverse-path without brackets.
Verdict check(dns::Resolver& dns, std::string_view client_ip, std::string_view mail_from,
              std::string_view helo);

// RFC 7208 §4: check_host(<ip>, <domain>, <sender>), with `helo` for the "h" macro. A sender
// without '@' is taken as a domain with local part "postmaster". A malformed domain (empty
// label, label over 63 bytes, over 253 bytes, a single label, bytes outside printable ASCII)
// is "none"; an unparsable client_ip is "permerror".
Verdict check_host(dns::Resolver& dns, std::string_view client_ip, std::string_view domain,
                   std::string_view sender, std::string_view helo);

}  // namespace sealmail::spf
