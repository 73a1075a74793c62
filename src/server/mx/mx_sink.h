// mx_sink.h — what the MX does with what the SMTP engine (src/smtp) accepts: decides whether a
// recipient is ours, verifies the sender (SPF, DKIM, DMARC through a SenderCheck), encrypts the
// message and its summary to each recipient's address key, and stores every copy in one
// durable group commit before answering 250 (design.md §4 "Inbound").
//
// Recipients: an address, an alias of one, or the catch-all of a hosted domain; "Postmaster"
// alone means postmaster@[server] domain. Replies: unknown local part → 550 5.1.1; a domain we
// do not host, an address literal, or a local part carrying relay syntax ('@', '%', '!') →
// 550 5.7.1 (never an open relay); a disabled account → 550 5.2.1; a mailbox at or over its
// plan's storage → 452 4.2.2; a store failure → 451 4.3.0.
// Delivery: Authentication-Results fields naming our hostname are removed and ours is added
// (sender_check.h). DMARC p=reject → 550 5.7.1 (or Spam, by [mx] dmarc_reject); quarantine → Spam. A
// message whose MIME structure src/mime refuses (nesting, parts, header size) → 550 5.6.0.
// One message is stored for all its recipients or for none: a copy that would pass its
// account's quota → 452 4.2.2 for the whole message (the sender retries; nothing half-stored).
// Several recipients in one account get one copy.
//
// SECURITY: the plaintext exists only in memory, between the engine's buffer and seal(); logs
// carry envelope addresses, sizes, ids and verdicts, never a header or body. Mail that arrives
// already PGP/MIME-encrypted is sealed the same way, which keeps the sender's ciphertext
// byte for byte inside and hides the outer headers (subject) that it leaves readable.
// Thread-safety: one MxSink serves every SMTP session; its methods may run concurrently.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "server/mx/group_commit.h"
#include "smtp/engine.h"
#include "store/store.h"

namespace sealmail::server::mx {

struct SenderVerdict {
  enum class Action { kDeliver, kQuarantine, kReject };
  // The complete Authentication-Results header field with its CRLF, prepended to the message;
  // empty for none.
  std::string header;
  Action action = Action::kDeliver;
  std::string reason;  // one line for the reply and the log
};

// SPF/DKIM/DMARC for one received message (sender_check.h), given the domains of its From
// addresses. Called concurrently.
using SenderCheck = std::function<SenderVerdict(const smtp::Envelope& envelope,
                                                std::string_view message,
                                                const std::vector<std::string>& from_domains)>;

class MxSink final : public smtp::MailSink {
 public:
  MxSink(store::Store& store, const Config& config, GroupCommit& commit, SenderCheck check);

  smtp::Verdict check_recipient(const smtp::Envelope& envelope,
                                std::string_view recipient) override;
  smtp::Verdict deliver(const smtp::Envelope& envelope, std::string_view message) override;

 private:
  // Constant after construction.
  store::Store& store_;
  const Config& config_;
  GroupCommit& commit_;
  const SenderCheck check_;
};

}  // namespace sealmail::server::mx
