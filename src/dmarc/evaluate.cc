// evaluate.cc — DMARC policy discovery through dns::Resolver, record parsing by libopendmarc,
// alignment and policy selection here.
//
// Why alignment and policy are not libopendmarc's opendmarc_get_policy_to_enforce: in 1.4 its
// relaxed check treats any parent of the From domain as aligned by string prefix (d=com aligns
// with example.com), it ignores pct=, and it picks sp= whenever an organizational domain was
// stored. We use libopendmarc for what it does well — the record's tags and the suffix list.
#include "dmarc/evaluate.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "base/ascii.h"
#include "base/dns_name.h"
#include "base/random.h"
#include "dmarc/internal/opendmarc.h"

namespace sealmail::dmarc {
namespace {

constexpr size_t kMaxRecordBytes = 2048;
constexpr size_t kMaxFromDomains = 8;  // distinct From domains evaluated (two lookups each)

std::once_flag g_init_once;
Status* g_init_status = nullptr;  // set once under g_init_once, then read-only

Status load_suffix_list(const Options& options) {
  OPENDMARC_LIB_T lib;
  std::memset(&lib, 0, sizeof lib);
  if (options.public_suffix_list.size() >= sizeof lib.tld_source_file)
    return make_error(Errc::kInvalidArgument, "public suffix list path too long");
  lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
  std::memcpy(lib.tld_source_file, options.public_suffix_list.c_str(),
              options.public_suffix_list.size() + 1);
  if (opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY)
    return make_error(Errc::kUnavailable,
                      "cannot read the public suffix list " + options.public_suffix_list);
  return ok_status();
}

const Status& init_status(const Options& options) {
  std::call_once(g_init_once, [&] { g_init_status = new Status(load_suffix_list(options)); });
  return *g_init_status;
}

// Lower-case, one trailing dot dropped, "" unless an LDH name.
std::string normalize(std::string_view domain) {
  if (size_t at = domain.rfind('@'); at != std::string_view::npos) domain.remove_prefix(at + 1);
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  std::string lower = ascii_lowercase(domain);
  return is_dns_name(lower) ? lower : std::string();
}

std::string org_of_normalized(const std::string& domain) {
  if (domain.empty()) return "";
  std::string copy = domain;
  u_char buf[DMARC_MAXHOSTNAMELEN + 1] = {};
  if (opendmarc_get_tld(reinterpret_cast<u_char*>(copy.data()), buf, sizeof buf) == 0 &&
      buf[0] != '\0') {
    return ascii_lowercase(reinterpret_cast<const char*>(buf));
  }
  // Not in the list: the implicit "*" rule makes the last label the public suffix.
  size_t last = domain.rfind('.');
  if (last == std::string::npos) return domain;
  size_t second = domain.rfind('.', last - 1);
  return second == std::string::npos ? domain : domain.substr(second + 1);
}

bool aligned(const std::string& identifier, const std::string& from, bool strict) {
  if (identifier.empty() || from.empty()) return false;
  if (identifier == from) return true;
  return !strict && org_of_normalized(identifier) == org_of_normalized(from);
}

// The tags of a record, names lower-cased, values trimmed; the first occurrence wins.
std::map<std::string, std::string> tags_of(std::string_view record) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  std::map<std::string, std::string> tags;
  while (!record.empty()) {
    size_t semi = record.find(';');
    std::string_view part = record.substr(0, semi);
    record.remove_prefix(semi == std::string_view::npos ? record.size() : semi + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    tags.emplace(ascii_lowercase(trim(part.substr(0, eq))), std::string(trim(part.substr(eq + 1))));
  }
  return tags;
}

// RFC 7489 §6.4: "v" *WSP "=" *WSP "DMARC1" followed by the end or *WSP ";".
bool is_dmarc_record(std::string_view record) {
  auto skip_wsp = [&](size_t i) {
    while (i < record.size() && (record[i] == ' ' || record[i] == '\t')) ++i;
    return i;
  };
  if (record.empty() || record[0] != 'v') return false;
  size_t i = skip_wsp(1);
  if (i >= record.size() || record[i] != '=') return false;
  i = skip_wsp(i + 1);
  if (record.substr(i, 6) != "DMARC1") return false;
  i = skip_wsp(i + 6);
  return i == record.size() || record[i] == ';';
}

enum class Lookup { kFound, kAbsent, kMultiple, kTempError };

struct Fetched {
  Lookup lookup;
  std::string record;
};

Fetched fetch_record(dns::Resolver& resolver, const std::string& domain) {
  dns::Answer<std::string> answer = resolver.txt("_dmarc." + domain);
  if (answer.outcome == dns::Outcome::kTempFail) return {Lookup::kTempError, ""};
  if (answer.outcome != dns::Outcome::kFound) return {Lookup::kAbsent, ""};
  if (answer.security == dns::Security::kBogus) return {Lookup::kTempError, ""};
  std::vector<std::string> records;
  for (const std::string& r : answer.records) {
    if (is_dmarc_record(r)) records.push_back(r);
  }
  if (records.empty()) return {Lookup::kAbsent, ""};
  if (records.size() > 1) return {Lookup::kMultiple, ""};
  return {Lookup::kFound, std::move(records.front())};
}

struct PolicyFree {
  void operator()(DMARC_POLICY_T* p) const { opendmarc_policy_connect_shutdown(p); }
};

struct Policy {
  int p = DMARC_RECORD_P_NONE;
  int sp = DMARC_RECORD_P_UNSPECIFIED;
  int pct = 100;
  bool strict_dkim = false;
  bool strict_spf = false;
};

// The record's tags through libopendmarc; nullopt with `error` set when it refuses them.
std::optional<Policy> parse_record(const std::string& record, const std::string& domain,
                                   std::string& error) {
  std::unique_ptr<DMARC_POLICY_T, PolicyFree> ctx(
      opendmarc_policy_connect_init(reinterpret_cast<u_char*>(const_cast<char*>("0.0.0.0")), 0));
  if (!ctx) {
    error = "DMARC parser unavailable";
    return std::nullopt;
  }
  std::string text = record.substr(0, kMaxRecordBytes);
  std::string where = domain;
  OPENDMARC_STATUS_T status =
      opendmarc_policy_store_dmarc(ctx.get(), reinterpret_cast<u_char*>(text.data()),
                                   reinterpret_cast<u_char*>(where.data()), nullptr);
  if (status != DMARC_PARSE_OKAY) {
    const char* why = opendmarc_policy_status_to_str(status);
    error = why != nullptr ? why : "invalid DMARC record";
    return std::nullopt;
  }
  Policy policy;
  int adkim = 0, aspf = 0;
  opendmarc_policy_fetch_p(ctx.get(), &policy.p);
  opendmarc_policy_fetch_sp(ctx.get(), &policy.sp);
  opendmarc_policy_fetch_pct(ctx.get(), &policy.pct);
  opendmarc_policy_fetch_adkim(ctx.get(), &adkim);
  opendmarc_policy_fetch_aspf(ctx.get(), &aspf);
  policy.strict_dkim = adkim == DMARC_RECORD_A_STRICT;
  policy.strict_spf = aspf == DMARC_RECORD_A_STRICT;
  // libopendmarc reads "pct=abc" as 0; an invalid value is ignored like an unknown tag instead.
  auto tags = tags_of(record);
  if (auto it = tags.find("pct"); it != tags.end()) {
    bool digits = !it->second.empty() && it->second.size() <= 3 &&
                  std::all_of(it->second.begin(), it->second.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) policy.pct = 100;
  }
  policy.pct = std::clamp(policy.pct, 0, 100);
  return policy;
}

Disposition disposition_of(int p) {
  switch (p) {
    case DMARC_RECORD_P_REJECT:
      return Disposition::kReject;
    case DMARC_RECORD_P_QUARANTINE:
      return Disposition::kQuarantine;
    default:
      return Disposition::kNone;
  }
}

int draw_sample() {
  std::string bytes = random_bytes(4);
  uint32_t n = 0;
  for (unsigned char c : bytes) n = (n << 8) | c;
  return static_cast<int>(n % 100);
}

Verdict evaluate_one(dns::Resolver& resolver, const Input& input, const std::string& from) {
  Verdict v;
  v.from_domain = from;

  // Policy discovery (RFC 7489 §6.6.3).
  std::string org = org_of_normalized(from);
  Fetched fetched = fetch_record(resolver, from);
  bool at_org = false;
  if (fetched.lookup == Lookup::kAbsent && org != from) {
    fetched = fetch_record(resolver, org);
    at_org = true;
  }
  switch (fetched.lookup) {
    case Lookup::kTempError:
      v.outcome = Outcome::kTempError;
      v.reason = "DMARC record lookup failed temporarily";
      return v;
    case Lookup::kAbsent:
      v.reason = "no DMARC record";
      return v;
    case Lookup::kMultiple:
      v.reason = "several DMARC records";
      return v;
    case Lookup::kFound:
      break;
  }
  std::string record_domain = at_org ? org : from;
  std::string error;
  std::optional<Policy> policy = parse_record(fetched.record, record_domain, error);
  std::string note;
  if (!policy) {
    // §6.6.3 step 6: with a usable rua= act as if "p=none" was published, else no DMARC.
    if (tags_of(fetched.record).count("rua") == 0) {
      v.outcome = Outcome::kPermError;
      v.reason = "invalid DMARC record: " + error;
      return v;
    }
    policy = Policy{};
    note = " (invalid record read as p=none)";
  }

  // Alignment (§3.1) of the identifiers that passed.
  std::string spf_domain = normalize(input.spf_domain);
  bool spf_could_align = aligned(spf_domain, from, policy->strict_spf);
  v.spf_aligned = input.spf == SpfResult::kPass && spf_could_align;
  bool temporary = input.spf == SpfResult::kTempError && spf_could_align;
  std::string dkim_domain;
  for (const DkimSignature& sig : input.dkim) {
    std::string d = normalize(sig.domain);
    if (!aligned(d, from, policy->strict_dkim)) continue;
    if (sig.result == DkimResult::kPass) {
      v.dkim_aligned = true;
      dkim_domain = d;
      break;
    }
    if (sig.result == DkimResult::kTempError) temporary = true;
  }
  if (v.spf_aligned || v.dkim_aligned) {
    v.outcome = Outcome::kPass;
    v.reason = v.dkim_aligned ? "DKIM aligned (" + dkim_domain + ")" : "SPF aligned";
    v.reason += note;
    return v;
  }

  // Policy selection (§6.6.3, §6.6.4).
  int requested = policy->p;
  if (at_org && policy->sp != DMARC_RECORD_P_UNSPECIFIED) requested = policy->sp;
  Disposition disposition = disposition_of(requested);
  int sample = input.pct_sample >= 0 && input.pct_sample < 100 ? input.pct_sample : draw_sample();
  bool sampled = sample < policy->pct;
  if (!sampled && disposition == Disposition::kReject)
    disposition = Disposition::kQuarantine;
  else if (!sampled && disposition == Disposition::kQuarantine)
    disposition = Disposition::kNone;
  v.policy = disposition;
  v.outcome = temporary ? Outcome::kTempError : Outcome::kFail;
  v.reason = temporary ? "an aligned check failed temporarily" : "neither SPF nor DKIM aligned";
  v.reason += std::string("; ") + (at_org && requested == policy->sp ? "sp=" : "p=");
  v.reason += to_string(disposition_of(requested));
  if (!sampled) v.reason += " (outside pct=" + std::to_string(policy->pct) + ")";
  v.reason += note;
  return v;
}

// How much a verdict weighs when several From domains are evaluated (RFC 7489 §6.6.1).
int severity(const Verdict& v) {
  switch (v.outcome) {
    case Outcome::kFail:
      return 40 + static_cast<int>(v.policy);
    case Outcome::kTempError:
      return 30;
    case Outcome::kPermError:
      return 20;
    case Outcome::kNone:
      return 10;
    case Outcome::kPass:
      return 0;
  }
  return 0;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNone:
      return "none";
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kTempError:
      return "temperror";
    case Outcome::kPermError:
      return "permerror";
  }
  return "permerror";
}

std::string_view to_string(Disposition disposition) {
  switch (disposition) {
    case Disposition::kNone:
      return "none";
    case Disposition::kQuarantine:
      return "quarantine";
    case Disposition::kReject:
      return "reject";
  }
  return "none";
}

Status initialize(const Options& options) { return init_status(options); }

std::string organizational_domain(std::string_view domain) {
  if (!init_status(Options{}).ok()) return "";
  return org_of_normalized(normalize(domain));
}

Verdict evaluate(dns::Resolver& resolver, const Input& input) {
  if (const Status& status = init_status(Options{}); !status.ok()) {
    Verdict v;
    v.outcome = Outcome::kTempError;
    v.reason = "DMARC unavailable: " + status.error().message;
    return v;
  }
  std::vector<std::string> domains;
  std::set<std::string> seen;
  bool invalid = false;
  for (const std::string& raw : input.from_domains) {
    std::string d = normalize(raw);
    if (d.empty())
      invalid = true;
    else if (seen.insert(d).second)
      domains.push_back(d);
  }
  if (domains.size() > kMaxFromDomains) {
    Verdict v;
    v.outcome = Outcome::kFail;
    v.policy = Disposition::kReject;
    v.reason = "too many From domains";
    return v;
  }
  // An invalid domain is one more verdict to weigh, never a way around a valid one's policy.
  Verdict worst;
  if (invalid) {
    worst.outcome = Outcome::kPermError;
    worst.reason = "a From domain is not a valid domain name";
  } else if (domains.empty()) {
    worst.reason = "no RFC5322.From domain";
    return worst;
  }
  bool first = !invalid;
  for (const std::string& d : domains) {
    Verdict v = evaluate_one(resolver, input, d);
    if (first || severity(v) > severity(worst)) worst = std::move(v);
    first = false;
  }
  return worst;
}

}  // namespace sealmail::dmarc
