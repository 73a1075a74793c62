// evaluate.h — DMARC evaluation (libopendmarc underneath for record parsing and the
// organizational domain): given the RFC5322.From domain(s) and the SPF and DKIM results already
// computed, fetch the domain's DMARC record through dns::Resolver and say whether the message
// passes and what the domain asks us to do with it. libopendmarc never asks DNS itself.
//
// Input: the caller extracts the From domains (one per mailbox, over all From fields) and
// passes its own SPF and DKIM results in this folder's types (dmarc/ does not include spf/ or
// dkim/). RFC 7489 §6.6.1: with several distinct From domains each is evaluated and the most
// severe verdict wins (fail with the strictest policy, then temperror, permerror, none, pass);
// with none at all (no From field, group syntax) the result is "none" — rejecting a message
// without exactly one From field is RFC 5322 checking, the caller's decision. A domain that is
// not an LDH name counts as one "permerror" verdict among the others (so it cannot hide a valid
// domain's policy); callers pass internationalized domains as A-labels. More than 8 distinct
// From domains (a DNS work bound) is "fail" with policy reject without any lookup: §6.6.1 notes
// such messages are typically rejected.
//
// Policy discovery (RFC 7489 §6.6.3): TXT at _dmarc.<From domain>, else at
// _dmarc.<organizational domain>; records not starting with "v=DMARC1" are discarded; several
// DMARC records → no policy ("none"). A record with an invalid p=/sp= (or another tag value
// libopendmarc refuses) counts as "p=none" when it has a rua= tag, otherwise it is "permerror"
// with no policy. A temporary DNS failure (or a bogus DNSSEC answer) is "temperror".
//
// Alignment (RFC 7489 §3.1): relaxed = same organizational domain, strict = same domain
// (case-insensitive). Only a DKIM "pass" or SPF "pass" can align. The result is "pass" when
// either aligns; otherwise "fail", or "temperror" when an SPF or DKIM check whose domain would
// have aligned failed temporarily (so the caller defers instead of applying p=reject to a DNS
// hiccup). policy: p= for the From domain itself, sp= (falling back to p=) when the record came
// from the organizational domain; pct= sampling applied (RFC 7489 §6.6.4: outside the sample
// reject → quarantine, quarantine → none).
//
// SECURITY: every From domain, DKIM d= and SPF domain is untrusted; domains that are not LDH
// names (after lower-casing, a trailing dot dropped) are never looked up. DNS answers are
// untrusted: records are bounded to 2048 bytes before parsing. The organizational domain comes
// from the Public Suffix List file read once at start (opendmarc_policy_library_init) — note that
// libopendmarc reads only the ICANN part's plain rules sensibly: wildcard rules are taken as the
// suffix without "*." and private-section suffixes (github.io) are ignored.
// Standards: RFC 7489 (DMARC), RFC 8601 (result names).
// Thread-safety: evaluate() may run on any number of threads at once (one libopendmarc policy
// context per call; the suffix list is loaded once, on first use, under std::call_once). The
// Resolver must be thread-safe (dns/resolver.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dns/resolver.h"

namespace sealmail::dmarc {

enum class Outcome { kNone, kPass, kFail, kTempError, kPermError };
enum class Disposition { kNone, kQuarantine, kReject };

std::string_view to_string(Outcome outcome);          // RFC 8601: "none", "pass", …
std::string_view to_string(Disposition disposition);  // "none", "quarantine", "reject"

// The SPF result for the RFC5321.MailFrom identity (or HELO when MAIL FROM was "<>").
enum class SpfResult { kNone, kNeutral, kPass, kFail, kSoftFail, kTempError, kPermError };
enum class DkimResult { kPass, kFail, kTempError, kOther };

struct DkimSignature {
  std::string domain;  // d=
  DkimResult result = DkimResult::kOther;
};

struct Input {
  std::vector<std::string> from_domains;  // RFC5322.From domains, as written
  SpfResult spf = SpfResult::kNone;
  std::string spf_domain;  // the domain SPF checked: MAIL FROM's (or HELO's)
  std::vector<DkimSignature> dkim;
  // pct= sampling: a number in [0, 100) drawn by the caller, or -1 to draw one here.
  int pct_sample = -1;
};

struct Verdict {
  Outcome outcome = Outcome::kNone;
  Disposition policy = Disposition::kNone;  // what the domain asks for this message
  std::string from_domain;                  // lower-case; the one that decided the verdict
  bool spf_aligned = false;
  bool dkim_aligned = false;
  std::string reason;  // one line
};

struct Options {
  std::string public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
};

// Loads the Public Suffix List into libopendmarc. Called by evaluate() on first use with the
// default Options; call it at start-up to choose the file and to see the error. Only the first
// call has an effect.
Status initialize(const Options& options = {});

Verdict evaluate(dns::Resolver& resolver, const Input& input);

// The organizational domain of `domain` (RFC 7489 §3.2), lower-case; "" if `domain` is not an LDH
// name. Exposed for the A-R header and tests.
std::string organizational_domain(std::string_view domain);

}  // namespace sealmail::dmarc
