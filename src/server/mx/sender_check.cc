#include "server/mx/sender_check.h"

#include <utility>

#include "base/ascii.h"
#include "dkim/verify.h"
#include "dmarc/authentication_results.h"
#include "dmarc/evaluate.h"
#include "spf/spf.h"

namespace sealmail::server::mx {
namespace {

dmarc::SpfResult for_dmarc(spf::Outcome outcome) {
  switch (outcome) {
    case spf::Outcome::kNone: return dmarc::SpfResult::kNone;
    case spf::Outcome::kNeutral: return dmarc::SpfResult::kNeutral;
    case spf::Outcome::kPass: return dmarc::SpfResult::kPass;
    case spf::Outcome::kFail: return dmarc::SpfResult::kFail;
    case spf::Outcome::kSoftFail: return dmarc::SpfResult::kSoftFail;
    case spf::Outcome::kTempError: return dmarc::SpfResult::kTempError;
    case spf::Outcome::kPermError: return dmarc::SpfResult::kPermError;
  }
  return dmarc::SpfResult::kNone;
}

dmarc::DkimResult for_dmarc(dkim::Outcome outcome) {
  switch (outcome) {
    case dkim::Outcome::kPass: return dmarc::DkimResult::kPass;
    case dkim::Outcome::kFail: return dmarc::DkimResult::kFail;
    case dkim::Outcome::kTempError: return dmarc::DkimResult::kTempError;
    default: return dmarc::DkimResult::kOther;
  }
}

// The SPF identity: MAIL FROM's domain, or the HELO name for the null reverse-path.
std::string spf_domain(const smtp::Envelope& envelope) {
  if (envelope.mail_from.empty()) return ascii_lowercase(envelope.helo);
  return ascii_lowercase(envelope.mail_from.substr(envelope.mail_from.rfind('@') + 1));
}

bool field_named(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  return ascii_lowercase(line.substr(0, name.size())) == ascii_lowercase(name);
}

}  // namespace

std::optional<std::string> without_our_results(std::string_view message,
                                               std::string_view authserv_id) {
  size_t end = message.find("\r\n\r\n");
  end = end == std::string_view::npos ? message.size() : end + 2;
  std::string out;
  bool changed = false;
  size_t pos = 0;
  while (pos < end) {
    // One field: its first line and the continuation lines that start with space or tab.
    size_t next = pos;
    do {
      size_t eol = message.find("\r\n", next);
      next = eol == std::string_view::npos || eol + 2 > end ? end : eol + 2;
    } while (next < end && (message[next] == ' ' || message[next] == '\t'));
    std::string_view field = message.substr(pos, next - pos);
    constexpr std::string_view kName = "Authentication-Results";
    if (field_named(field, kName) &&
        dmarc::has_our_authserv_id(field.substr(kName.size() + 1), authserv_id)) {
      changed = true;
    } else {
      out.append(field);
    }
    pos = next;
  }
  if (!changed) return std::nullopt;
  out.append(message.substr(end));
  return out;
}

SenderVerdict SenderChecker::check(const smtp::Envelope& envelope, std::string_view message,
                                   const std::vector<std::string>& from_domains) {
  std::vector<dmarc::MethodResult> results;

  spf::Verdict spf = spf::check(resolver_, envelope.peer_address, envelope.mail_from,
                                envelope.helo);
  dmarc::MethodResult spf_result{.method = "spf",
                                 .result = std::string(spf::to_string(spf.outcome)),
                                 .reason = spf.reason,
                                 .properties = {}};
  if (envelope.mail_from.empty()) {
    spf_result.properties.emplace_back("smtp.helo", envelope.helo);
  } else {
    spf_result.properties.emplace_back("smtp.mailfrom", envelope.mail_from);
  }
  results.push_back(std::move(spf_result));

  std::vector<dkim::SignatureResult> signatures = dkim::verify(resolver_, message);
  if (signatures.empty()) results.push_back({.method = "dkim", .result = "none", .reason = {}, .properties = {}});
  for (const dkim::SignatureResult& s : signatures) {
    results.push_back({.method = "dkim",
                       .result = std::string(dkim::to_string(s.outcome)),
                       .reason = s.reason,
                       .properties = {{"header.d", s.domain},
                                      {"header.s", s.selector},
                                      {"header.a", s.algorithm},
                                      {"header.b", s.header_b}}});
  }

  dmarc::Input input;
  input.from_domains = from_domains;
  input.spf = for_dmarc(spf.outcome);
  input.spf_domain = spf_domain(envelope);
  for (const dkim::SignatureResult& s : signatures) {
    input.dkim.push_back({.domain = s.domain, .result = for_dmarc(s.outcome)});
  }
  dmarc::Verdict dmarc = dmarc::evaluate(resolver_, input);
  dmarc::MethodResult dmarc_result{.method = "dmarc",
                                   .result = std::string(dmarc::to_string(dmarc.outcome)),
                                   .reason = dmarc.reason,
                                   .properties = {}};
  if (!dmarc.from_domain.empty()) dmarc_result.properties.emplace_back("header.from", dmarc.from_domain);
  if (dmarc.outcome == dmarc::Outcome::kFail) {
    dmarc_result.properties.emplace_back("policy.dmarc", std::string(dmarc::to_string(dmarc.policy)));
  }
  results.push_back(std::move(dmarc_result));

  SenderVerdict verdict;
  verdict.header = dmarc::authentication_results(authserv_id_, results);
  if (dmarc.outcome == dmarc::Outcome::kFail) {
    if (dmarc.policy == dmarc::Disposition::kReject) {
      verdict.action = quarantine_dmarc_reject_ ? SenderVerdict::Action::kQuarantine
                                                : SenderVerdict::Action::kReject;
      verdict.reason = "DMARC policy of " + dmarc.from_domain + " says reject";
    } else if (dmarc.policy == dmarc::Disposition::kQuarantine) {
      verdict.action = SenderVerdict::Action::kQuarantine;
      verdict.reason = "DMARC policy of " + dmarc.from_domain + " says quarantine";
    }
  }
  return verdict;
}

}  // namespace sealmail::server::mx
