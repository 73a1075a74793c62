#include "dns/unbound_resolver.h"

#include <poll.h>
#include <unbound.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <system_error>

#include "dns/internal/rdata.h"
#include "dns/ptr_name.h"

namespace sealmail::dns {
namespace {

constexpr int kTypeA = 1;
constexpr int kTypeMx = 15;
constexpr int kTypePtr = 12;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;
constexpr int kClassIn = 1;

constexpr int kRcodeNoError = 0;
constexpr int kRcodeFormErr = 1;
constexpr int kRcodeNxDomain = 3;
constexpr int kRcodeNotImp = 4;
constexpr int kRcodeRefused = 5;

// The one guard between libunbound's error codes and ours.
Status unbound_status(int code, std::string_view what) {
  if (code == 0) return ok_status();
  return make_error(Errc::kInternal, std::string(what) + ": " + ub_strerror(code));
}

// Zone names and forwarders go into unbound's configuration syntax: refuse anything that
// could end a quoted string or start another option.
bool plain_option_value(std::string_view value) {
  if (value.empty() || value.size() > 255) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':' || c == '@';
  });
}

struct ContextDeleter {
  void operator()(ub_ctx* context) const { ub_ctx_delete(context); }
};

}  // namespace

struct UnboundResolver::Raw {
  Outcome outcome = Outcome::kTempFail;
  Security security = Security::kInsecure;
  std::vector<std::string> rdata;
};

// One question in flight. Shared by the asking thread and the Delivery handed to libunbound,
// so whichever lets go last frees it.
struct UnboundResolver::Pending {
  bool done = false;
  int error = 0;
  ub_result* result = nullptr;
  ~Pending() {
    if (result != nullptr) ub_resolve_free(result);
  }
};

struct UnboundResolver::Delivery {
  UnboundResolver* resolver;
  std::shared_ptr<Pending> pending;
};

Result<std::unique_ptr<UnboundResolver>> UnboundResolver::create(const UnboundOptions& options) {
  if (options.timeout.count() <= 0) {
    return make_error(Errc::kInvalidArgument, "dns: the timeout must be positive");
  }
  for (const auto& forwarder : options.forwarders) {
    if (!plain_option_value(forwarder)) {
      return make_error(Errc::kInvalidArgument, "dns: malformed forwarder address");
    }
  }
  for (const auto& zone : options.transparent_zones) {
    if (!plain_option_value(zone) || zone.find_first_of(":@") != std::string::npos) {
      return make_error(Errc::kInvalidArgument, "dns: malformed zone name");
    }
  }
  if (!options.trust_anchor_file.empty()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(options.trust_anchor_file, error)) {
      return make_error(Errc::kNotFound,
                        "dns: no trust anchor file at " + options.trust_anchor_file.string());
    }
  }

  std::unique_ptr<ub_ctx, ContextDeleter> context(ub_ctx_create());
  if (!context) return make_error(Errc::kInternal, "dns: ub_ctx_create failed");
  ub_ctx* ctx = context.get();
  // A worker thread, not a forked process: we are a threaded server.
  SEALMAIL_RETURN_IF_ERROR(unbound_status(ub_ctx_async(ctx, 1), "dns: ub_ctx_async"));
  SEALMAIL_RETURN_IF_ERROR(unbound_status(ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"),
                                          "dns: do-not-query-localhost"));
  if (options.forwarders.empty()) {
    SEALMAIL_RETURN_IF_ERROR(
        unbound_status(ub_ctx_resolvconf(ctx, nullptr), "dns: reading /etc/resolv.conf"));
  }
  for (const auto& forwarder : options.forwarders) {
    SEALMAIL_RETURN_IF_ERROR(
        unbound_status(ub_ctx_set_fwd(ctx, forwarder.c_str()), "dns: forwarder " + forwarder));
  }
  for (const auto& zone : options.transparent_zones) {
    // "local-zone: <name> nodefault" is silently ignored through ub_ctx_set_option (1.17);
    // a transparent local zone replaces the default one.
    std::string value = zone + (zone.ends_with('.') ? " transparent" : ". transparent");
    SEALMAIL_RETURN_IF_ERROR(
        unbound_status(ub_ctx_set_option(ctx, "local-zone:", value.c_str()), "dns: local-zone"));
  }
  if (!options.trust_anchor_file.empty()) {
    SEALMAIL_RETURN_IF_ERROR(unbound_status(
        ub_ctx_add_ta_file(ctx, options.trust_anchor_file.c_str()), "dns: trust anchor file"));
  }
  return std::unique_ptr<UnboundResolver>(new UnboundResolver(context.release(), options.timeout));
}

UnboundResolver::UnboundResolver(ub_ctx* context, std::chrono::milliseconds timeout)
    : context_(context), timeout_(timeout) {}

UnboundResolver::~UnboundResolver() { ub_ctx_delete(context_); }

void UnboundResolver::on_result(void* arg, int error, ub_result* result) {
  std::unique_ptr<Delivery> delivery(static_cast<Delivery*>(arg));
  std::lock_guard lock(delivery->resolver->mutex_);
  delivery->pending->error = error;
  delivery->pending->result = result;
  delivery->pending->done = true;
}

UnboundResolver::Raw UnboundResolver::resolve(std::string_view name, int type) {
  Raw raw;
  auto query = internal::query_name(name);
  if (!query) {
    raw.outcome = Outcome::kPermFail;
    return raw;
  }
  auto pending = std::make_shared<Pending>();
  auto* delivery = new Delivery{this, pending};
  int id = 0;
  if (ub_resolve_async(context_, query->c_str(), type, kClassIn, delivery, &on_result, &id) != 0) {
    delete delivery;
    return raw;  // kTempFail
  }

  // Answers arrive on one pipe for all threads: one waiter at a time reads it (ub_process runs
  // the callbacks, which may be other threads' answers) while the others sleep on condition_.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::unique_lock lock(mutex_);
  while (!pending->done) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    if (processing_) {
      condition_.wait_until(lock, deadline);
      continue;
    }
    processing_ = true;
    lock.unlock();
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    pollfd fd{ub_fd(context_), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(std::min<int64_t>(left, INT_MAX))) > 0) {
      ub_process(context_);
    }
    lock.lock();
    processing_ = false;
    condition_.notify_all();
  }
  if (!pending->done) {
    lock.unlock();
    // Cancelled: the callback will never run, so the Delivery is ours to free. Otherwise the
    // answer is being delivered right now (or libunbound failed to cancel) and the callback
    // frees it; `pending` outlives us through the Delivery's reference.
    if (ub_cancel(context_, id) == UB_NOERROR) delete delivery;
    return raw;  // kTempFail
  }
  int error = pending->error;
  ub_result* result = pending->result;
  lock.unlock();

  if (error != 0 || result == nullptr) return raw;  // kTempFail
  if (result->secure) {
    raw.security = Security::kSecure;
  } else if (result->bogus) {
    raw.security = Security::kBogus;
  }
  switch (result->rcode) {
    case kRcodeNoError:
      raw.outcome = Outcome::kFound;
      break;
    case kRcodeNxDomain:
      raw.outcome = Outcome::kNxDomain;
      break;
    case kRcodeFormErr:
    case kRcodeNotImp:
    case kRcodeRefused:
      raw.outcome = Outcome::kPermFail;
      break;
    default:  // SERVFAIL and anything unknown
      raw.outcome = Outcome::kTempFail;
      break;
  }
  // A bogus answer keeps what was received: resolver.h promises the records with the verdict.
  if (result->havedata && raw.outcome != Outcome::kNxDomain) {
    raw.outcome = Outcome::kFound;
    for (int i = 0; result->data[i] != nullptr; ++i) {
      raw.rdata.emplace_back(result->data[i], static_cast<size_t>(result->len[i]));
    }
  }
  return raw;
}

template <typename Record, typename Parse>
Answer<Record> UnboundResolver::ask(std::string_view name, int type, Parse parse) {
  Raw raw = resolve(name, type);
  Answer<Record> answer;
  answer.outcome = raw.outcome;
  answer.security = raw.security;
  for (const auto& rdata : raw.rdata) {
    auto bytes = internal::Bytes(reinterpret_cast<const uint8_t*>(rdata.data()), rdata.size());
    if (std::optional<Record> record = parse(bytes)) answer.records.push_back(std::move(*record));
  }
  return answer;
}

Answer<std::string> UnboundResolver::txt(std::string_view name) {
  return ask<std::string>(name, kTypeTxt, internal::txt_from_rdata);
}

Answer<std::string> UnboundResolver::a(std::string_view name) {
  return ask<std::string>(name, kTypeA, internal::ipv4_from_rdata);
}

Answer<std::string> UnboundResolver::aaaa(std::string_view name) {
  return ask<std::string>(name, kTypeAaaa, internal::ipv6_from_rdata);
}

Answer<MxRecord> UnboundResolver::mx(std::string_view name) {
  return ask<MxRecord>(name, kTypeMx, internal::mx_from_rdata);
}

Answer<std::string> UnboundResolver::ptr(std::string_view address) {
  auto name = ptr_name(address);
  if (!name) {
    Answer<std::string> answer;
    answer.outcome = Outcome::kPermFail;
    return answer;
  }
  return ask<std::string>(*name, kTypePtr, internal::ptr_from_rdata);
}

}  // namespace sealmail::dns
