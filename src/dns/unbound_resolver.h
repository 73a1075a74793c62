// unbound_resolver.h — the Resolver that asks the network: libunbound as a validating stub
// (forwarding to the configured resolvers, or to those of /etc/resolv.conf), with DNSSEC
// validation against the trust anchors given. The only code in sealmail that includes
// unbound.h (unbound_resolver.cc).
//
// Each question is sent on one shared libunbound context (shared cache) and waited for at
// most `timeout`; a question that takes longer is cancelled and answered kTempFail.
//
// SECURITY: answers are untrusted (resolver.h). Names asked for are checked first (≤ 253
// bytes, labels 1–63 bytes, no empty label; one trailing dot is allowed) and sent with every
// byte outside [A-Za-z0-9_-] escaped, so no name can smuggle a different question; an invalid
// name is kPermFail without a query. Records that do not parse are dropped; host names are
// returned only if printable ASCII (internal/rdata.h). Without a trust anchor nothing is
// validated and every answer is kInsecure. Forwarders may be on 127.0.0.1 (unbound's
// do-not-query-localhost is turned off): whoever configures them is trusted.
// Standards: RFC 1035, RFC 3596, RFC 4033–4035 (validation by libunbound), RFC 7505.
// Thread-safety: create() once; txt/a/aaaa/mx/ptr from any number of threads at once. The
// destructor must not run while a call is in progress.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dns/resolver.h"

struct ub_ctx;
struct ub_result;

namespace sealmail::dns {

struct UnboundOptions {
  // "192.0.2.53" or "127.0.0.1@5353"; empty: the nameservers of /etc/resolv.conf.
  std::vector<std::string> forwarders;
  // DS or DNSKEY records in zone-file format (unbound's trust-anchor-file). Empty: no
  // validation, every answer kInsecure. For the public DNS, pass the root anchor file
  // (/usr/share/dns/root.key on Debian) — it is never picked up implicitly.
  std::filesystem::path trust_anchor_file;
  // Zones unbound answers locally by default (RFC 6761 names such as "test", the reverse
  // zones of private and documentation addresses) that should be resolved normally instead.
  std::vector<std::string> transparent_zones;
  // Per question, from sending to the answer.
  std::chrono::milliseconds timeout{5000};
};

class UnboundResolver final : public Resolver {
 public:
  // kInvalidArgument for a malformed option, kNotFound for a missing trust anchor file,
  // kInternal if libunbound refuses the configuration.
  static Result<std::unique_ptr<UnboundResolver>> create(const UnboundOptions& options);
  ~UnboundResolver() override;
  UnboundResolver(const UnboundResolver&) = delete;
  UnboundResolver& operator=(const UnboundResolver&) = delete;

  Answer<std::string> txt(std::string_view name) override;
  Answer<std::string> a(std::string_view name) override;
  Answer<std::string> aaaa(std::string_view name) override;
  Answer<MxRecord> mx(std::string_view name) override;
  Answer<std::string> ptr(std::string_view address) override;

 private:
  struct Raw;
  struct Pending;
  struct Delivery;

  UnboundResolver(ub_ctx* context, std::chrono::milliseconds timeout);
  Raw resolve(std::string_view name, int type);
  template <typename Record, typename Parse>
  Answer<Record> ask(std::string_view name, int type, Parse parse);
  static void on_result(void* delivery, int error, ub_result* result);

  // Constant after construction.
  ub_ctx* const context_;
  const std::chrono::milliseconds timeout_;

  // Guarded by mutex_: whether a thread is reading answers (ub_process) for everyone, and
  // every Pending's fields. condition_ wakes the waiters when that thread is done.
  std::mutex mutex_;
  std::condition_variable condition_;
  bool processing_ = false;
};

}  // namespace sealmail::dns
