// sender_check.h — who sent this? SPF (src/spf) for the envelope sender, DKIM (src/dkim) for
// the signatures, DMARC (src/dmarc) for the From domain with alignment, over one resolver;
// summed up in an RFC 8601 Authentication-Results header and an action for the MX.
//
// Actions: DMARC fail with p=reject → kReject (550 5.7.1), or kQuarantine when [mx]
// dmarc_reject = "quarantine"; p=quarantine → kQuarantine (the Spam folder). Everything else
// — including DMARC temperror, so a DNS hiccup never bounces mail — is delivered.
// Incoming Authentication-Results fields that claim to be ours (our authserv-id, the
// server's hostname) are removed before ours is added (RFC 8601 §5): a sender cannot forge
// our verdict.
//
// SECURITY: the message, envelope and every DNS answer are untrusted; the header builder
// (dmarc/authentication_results.h) strips what could split or inject a header.
// Standards: RFC 7208, RFC 6376, RFC 8463, RFC 7489, RFC 8601.
// Thread-safety: check() may run concurrently (the resolver is thread-safe).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"
#include "server/mx/mx_sink.h"

namespace sealmail::server::mx {

class SenderChecker {
 public:
  SenderChecker(dns::Resolver& resolver, std::string authserv_id, bool quarantine_dmarc_reject)
      : resolver_(resolver),
        authserv_id_(std::move(authserv_id)),
        quarantine_dmarc_reject_(quarantine_dmarc_reject) {}

  // `from_domains`: the domains of the message's From addresses, as written.
  SenderVerdict check(const smtp::Envelope& envelope, std::string_view message,
                      const std::vector<std::string>& from_domains);

 private:
  dns::Resolver& resolver_;
  const std::string authserv_id_;
  const bool quarantine_dmarc_reject_;
};

// `message` without its Authentication-Results fields that name `authserv_id` (the header block
// only, the body untouched); nullopt when it has none, the common case, so nothing is copied.
std::optional<std::string> without_our_results(std::string_view message,
                                               std::string_view authserv_id);

}  // namespace sealmail::server::mx
