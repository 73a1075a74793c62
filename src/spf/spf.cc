#include "spf/spf.h"

#include <optional>

#include "base/ascii.h"
#include "spf/internal/address.h"
#include "spf/internal/macro.h"
#include "spf/internal/record.h"

namespace sealmail::spf {
namespace {

using internal::Address;
using internal::Directive;
using internal::Mechanism;
using internal::Qualifier;

constexpr int kMaxDnsTerms = 10;     // §4.6.4
constexpr int kMaxVoidLookups = 2;   // §4.6.4
constexpr size_t kMaxMxHosts = 10;   // §4.6.4: more is permerror
constexpr size_t kMaxPtrNames = 10;  // §4.6.4: the rest is ignored
constexpr int kMaxDepth = kMaxDnsTerms + 1;
constexpr size_t kMaxReason = 200;

struct Evaluation {
  dns::Resolver& dns;
  Address ip;
  internal::MacroValues macros;  // `domain` is set per record
  int dns_terms = 0;
  int void_lookups = 0;
  size_t queries = 0;
};

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxReason)) {
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  if (text.size() > kMaxReason) out += "...";
  return out;
}

Verdict verdict(Outcome outcome, std::string_view domain, std::string_view reason) {
  return Verdict{outcome, printable(domain), printable(reason)};
}

// Lengths and labels as DNS needs them (one trailing dot allowed).
bool valid_dns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return label != 0;
}

// §4.3: what check_host() accepts as <domain>; anything else is "none". We also require
// printable ASCII (internationalized names arrive as A-labels, §4.3), so the domain can go
// into logs and headers as is.
bool valid_domain(std::string_view name) {
  if (!valid_dns_name(name)) return false;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.find('.') == std::string_view::npos) return false;
  for (char c : name) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

Outcome outcome_of(Qualifier qualifier) {
  switch (qualifier) {
    case Qualifier::kPass:
      return Outcome::kPass;
    case Qualifier::kFail:
      return Outcome::kFail;
    case Qualifier::kSoftFail:
      return Outcome::kSoftFail;
    case Qualifier::kNeutral:
      return Outcome::kNeutral;
  }
  return Outcome::kNeutral;
}

// What one mechanism did: matched or not, or an error that ends the whole check.
struct Step {
  bool matched = false;
  std::optional<Verdict> error;
};

Step error_step(Outcome outcome, std::string_view domain, std::string_view reason) {
  return Step{false, verdict(outcome, domain, reason)};
}

Verdict evaluate(Evaluation& e, std::string domain, int depth);

class Mechanisms {
 public:
  Mechanisms(Evaluation& e, const internal::MacroValues& values, const std::string& domain,
             int depth)
      : e_(e), values_(values), domain_(domain), depth_(depth) {}

  Step match(const Directive& d) {
    switch (d.mechanism) {
      case Mechanism::kAll:
        return Step{true, {}};
      case Mechanism::kIp4:
      case Mechanism::kIp6:
        return Step{internal::in_network(e_.ip, d.network, e_.ip.v6 ? d.cidr6 : d.cidr4), {}};
      case Mechanism::kInclude:
        return include(d);
      case Mechanism::kA:
        return a(d);
      case Mechanism::kMx:
        return mx(d);
      case Mechanism::kPtr:
        return ptr(d);
      case Mechanism::kExists:
        return exists(d);
    }
    return Step{};
  }

 private:
  // Counts a DNS-querying term; an error once there are more than 10.
  std::optional<Step> spend_term() {
    if (++e_.dns_terms > kMaxDnsTerms) {
      return error_step(Outcome::kPermError, domain_, "more than 10 DNS-querying terms");
    }
    return std::nullopt;
  }

  std::optional<Step> spend_query() {
    if (++e_.queries > kMaxQueries) {
      return error_step(Outcome::kPermError, domain_, "too many DNS queries");
    }
    return std::nullopt;
  }

  std::optional<Step> spend_void() {
    if (++e_.void_lookups > kMaxVoidLookups) {
      return error_step(Outcome::kPermError, domain_, "more than 2 void DNS lookups");
    }
    return std::nullopt;
  }

  // The expanded domain-spec of `d`, or the current domain when it has none.
  std::optional<Step> target_of(const Directive& d, std::string& target) {
    if (d.domain_spec.empty()) {
      target = domain_;
      return std::nullopt;
    }
    auto expanded = internal::expand(d.domain_spec, values_);
    if (!expanded.ok()) {
      return error_step(Outcome::kPermError, domain_,
                        expanded.error().message + " in '" + d.text + "'");
    }
    target = internal::truncate_name(std::move(expanded).value());
    if (!valid_dns_name(target)) {
      return error_step(Outcome::kPermError, domain_,
                        "'" + d.text + "' expands to an invalid domain name");
    }
    return std::nullopt;
  }

  dns::Answer<std::string> addresses_of(const std::string& name) {
    return e_.ip.v6 ? e_.dns.aaaa(name) : e_.dns.a(name);
  }

  bool any_address_matches(const std::vector<std::string>& records, int prefix) {
    for (const auto& record : records) {
      auto address = e_.ip.v6 ? internal::parse_ipv6(record) : internal::parse_ipv4(record);
      if (address && internal::in_network(e_.ip, *address, prefix)) return true;
    }
    return false;
  }

  Step dns_error(const std::string& what) {
    return error_step(Outcome::kTempError, domain_, "DNS error looking up " + what);
  }

  Step include(const Directive& d) {
    if (auto stop = spend_term()) return *stop;
    std::string target;
    if (auto stop = target_of(d, target)) return *stop;
    Verdict inner = evaluate(e_, target, depth_ + 1);
    switch (inner.outcome) {
      case Outcome::kPass:
        return Step{true, {}};
      case Outcome::kFail:
      case Outcome::kSoftFail:
      case Outcome::kNeutral:
        return Step{false, {}};
      case Outcome::kTempError:
      case Outcome::kPermError:
        return Step{false, std::move(inner)};
      case Outcome::kNone:
        break;
    }
    return error_step(Outcome::kPermError, domain_,
                      "'" + d.text + "' names a domain without SPF record");
  }

  Step a(const Directive& d) {
    if (auto stop = spend_term()) return *stop;
    std::string target;
    if (auto stop = target_of(d, target)) return *stop;
    if (auto stop = spend_query()) return *stop;
    auto answer = addresses_of(target);
    if (answer.outcome == dns::Outcome::kTempFail || answer.outcome == dns::Outcome::kPermFail) {
      return dns_error("the addresses of " + target);
    }
    if (answer.outcome == dns::Outcome::kNxDomain || answer.records.empty()) {
      if (auto stop = spend_void()) return *stop;
      return Step{};
    }
    return Step{any_address_matches(answer.records, e_.ip.v6 ? d.cidr6 : d.cidr4), {}};
  }

  Step mx(const Directive& d) {
    if (auto stop = spend_term()) return *stop;
    std::string target;
    if (auto stop = target_of(d, target)) return *stop;
    if (auto stop = spend_query()) return *stop;
    auto answer = e_.dns.mx(target);
    if (answer.outcome == dns::Outcome::kTempFail || answer.outcome == dns::Outcome::kPermFail) {
      return dns_error("the MX of " + target);
    }
    if (answer.outcome == dns::Outcome::kNxDomain || answer.records.empty()) {
      if (auto stop = spend_void()) return *stop;
      return Step{};
    }
    if (answer.records.size() > kMaxMxHosts) {
      return error_step(Outcome::kPermError, domain_, "more than 10 MX hosts for " + target);
    }
    const int prefix = e_.ip.v6 ? d.cidr6 : d.cidr4;
    for (const auto& record : answer.records) {
      if (record.host.empty()) continue;  // null MX (RFC 7505)
      if (auto stop = spend_query()) return *stop;
      auto addresses = addresses_of(record.host);
      if (addresses.outcome == dns::Outcome::kTempFail ||
          addresses.outcome == dns::Outcome::kPermFail) {
        return dns_error("the addresses of " + record.host);
      }
      if (any_address_matches(addresses.records, prefix)) return Step{true, {}};
    }
    return Step{};
  }

  // §5.5: the client's names (PTR) whose addresses lead back to it, compared with the target.
  // DNS errors here make the mechanism not match rather than fail the check.
  Step ptr(const Directive& d) {
    if (auto stop = spend_term()) return *stop;
    std::string target;
    if (auto stop = target_of(d, target)) return *stop;
    if (!target.empty() && target.back() == '.') target.pop_back();
    if (auto stop = spend_query()) return *stop;
    auto names = e_.dns.ptr(internal::to_text(e_.ip));
    if (names.outcome == dns::Outcome::kNxDomain ||
        (names.outcome == dns::Outcome::kFound && names.records.empty())) {
      if (auto stop = spend_void()) return *stop;
      return Step{};
    }
    if (names.outcome != dns::Outcome::kFound) return Step{};
    const std::string suffix = "." + ascii_lowercase(target);
    const int full = e_.ip.v6 ? 128 : 32;
    size_t checked = 0;
    for (const auto& name : names.records) {
      if (checked++ == kMaxPtrNames) break;
      std::string lower = ascii_lowercase(name);
      if (lower != suffix.substr(1) && !lower.ends_with(suffix)) continue;
      if (auto stop = spend_query()) return *stop;
      auto addresses = addresses_of(name);
      if (addresses.outcome != dns::Outcome::kFound) continue;
      if (any_address_matches(addresses.records, full)) return Step{true, {}};
    }
    return Step{};
  }

  Step exists(const Directive& d) {
    if (auto stop = spend_term()) return *stop;
    std::string target;
    if (auto stop = target_of(d, target)) return *stop;
    if (auto stop = spend_query()) return *stop;
    auto answer = e_.dns.a(target);  // always A (§5.7)
    if (answer.outcome == dns::Outcome::kTempFail || answer.outcome == dns::Outcome::kPermFail) {
      return dns_error("the A record of " + target);
    }
    if (answer.outcome == dns::Outcome::kNxDomain || answer.records.empty()) {
      if (auto stop = spend_void()) return *stop;
      return Step{};
    }
    return Step{true, {}};
  }

  Evaluation& e_;
  const internal::MacroValues& values_;
  const std::string& domain_;
  const int depth_;
};

Verdict evaluate(Evaluation& e, std::string domain, int depth) {
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  domain = ascii_lowercase(domain);
  if (!valid_domain(domain)) return verdict(Outcome::kNone, domain, "malformed domain");
  if (depth > kMaxDepth) {
    return verdict(Outcome::kPermError, domain, "include and redirect nested too deeply");
  }
  if (++e.queries > kMaxQueries) {
    return verdict(Outcome::kPermError, domain, "too many DNS queries");
  }
  auto answer = e.dns.txt(domain);
  if (answer.outcome == dns::Outcome::kNxDomain) {
    return verdict(Outcome::kNone, domain, "no SPF record: " + domain + " does not exist");
  }
  if (answer.outcome != dns::Outcome::kFound) {
    return verdict(Outcome::kTempError, domain, "DNS error looking up the SPF record of " + domain);
  }
  const std::string* text = nullptr;
  for (const auto& record : answer.records) {
    if (!internal::is_spf_record(record)) continue;
    if (text != nullptr) {
      return verdict(Outcome::kPermError, domain, "more than one SPF record for " + domain);
    }
    text = &record;
  }
  if (text == nullptr) return verdict(Outcome::kNone, domain, "no SPF record for " + domain);
  auto record = internal::parse_record(*text);
  if (!record.ok()) {
    return verdict(Outcome::kPermError, domain,
                   "SPF record of " + domain + ": " + record.error().message);
  }

  internal::MacroValues values = e.macros;
  values.domain = domain;
  Mechanisms mechanisms(e, values, domain, depth);
  for (const Directive& directive : record->directives) {
    Step step = mechanisms.match(directive);
    if (step.error) return std::move(*step.error);
    if (step.matched) {
      return verdict(outcome_of(directive.qualifier), domain,
                     internal::to_text(e.ip) + " matched '" + directive.text +
                         "' in the SPF record of " + domain);
    }
  }
  if (record->redirect && !record->has_all) {
    if (++e.dns_terms > kMaxDnsTerms) {
      return verdict(Outcome::kPermError, domain, "more than 10 DNS-querying terms");
    }
    auto target = internal::expand(*record->redirect, values);
    if (!target.ok()) {
      return verdict(Outcome::kPermError, domain, target.error().message + " in redirect");
    }
    Verdict redirected = evaluate(e, internal::truncate_name(std::move(target).value()), depth + 1);
    if (redirected.outcome == Outcome::kNone) {
      return verdict(Outcome::kPermError, domain,
                     "redirect to " + redirected.domain + ", which has no SPF record");
    }
    return redirected;
  }
  return verdict(Outcome::kNeutral, domain, "no mechanism matched in the SPF record of " + domain);
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNone:
      return "none";
    case Outcome::kNeutral:
      return "neutral";
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kSoftFail:
      return "softfail";
    case Outcome::kTempError:
      return "temperror";
    case Outcome::kPermError:
      return "permerror";
  }
  return "permerror";
}

Verdict check(dns::Resolver& dns, std::string_view client_ip, std::string_view mail_from,
              std::string_view helo) {
  if (mail_from.empty()) {
    return check_host(dns, client_ip, helo, "postmaster@" + std::string(helo), helo);
  }
  size_t at = mail_from.rfind('@');
  std::string_view domain = at == std::string_view::npos ? mail_from : mail_from.substr(at + 1);
  return check_host(dns, client_ip, domain, mail_from, helo);
}

Verdict check_host(dns::Resolver& dns, std::string_view client_ip, std::string_view domain,
                   std::string_view sender, std::string_view helo) {
  auto ip = internal::parse_address(client_ip);
  if (!ip) return verdict(Outcome::kPermError, domain, "invalid client address");
  Evaluation e{dns, *ip, {}};
  size_t at = sender.rfind('@');
  if (at == std::string_view::npos) {
    e.macros.local_part = "postmaster";
    e.macros.sender_domain = std::string(sender);
  } else {
    e.macros.local_part = std::string(sender.substr(0, at));
    e.macros.sender_domain = std::string(sender.substr(at + 1));
    if (e.macros.local_part.empty()) e.macros.local_part = "postmaster";
  }
  e.macros.sender = e.macros.local_part + "@" + e.macros.sender_domain;
  e.macros.ip = internal::dotted(*ip);
  e.macros.ip_version = ip->v6 ? "ip6" : "in-addr";
  e.macros.helo = std::string(helo);
  return evaluate(e, std::string(domain), 0);
}

}  // namespace sealmail::spf
