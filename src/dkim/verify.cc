// verify.cc — DKIM verification over libopendkim: we split the message into header fields and
// body, feed them to a per-message DKIM handle, answer its key lookups through dns::Resolver and
// turn its per-signature state into RFC 8601 results.
//
// Key lookups never fail inside libopendkim: a failed lookup answers "not found" so that the
// remaining signatures are still verified, and the real cause (temporary, NXDOMAIN, bogus, …)
// is kept in the MessageContext and reported for every signature with that key name.
//
// libopendkim's per-signature state → result:
//   passed, body hash matches        → pass (then policy for rsa-sha1 or a partial l= body)
//   header or body hash mismatch     → fail
//   key not found / unusable / bad   → permerror (temperror when the lookup failed for now)
//   key smaller than 1024 bits       → policy
//   signature expired                → fail
//   signature syntax, future t=      → neutral (RFC 8601 §2.7.1: "could not be processed")
//   anything else                    → permerror
#include "dkim/verify.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/ascii.h"
#include "base/check.h"
#include "dkim/internal/opendkim.h"

namespace sealmail::dkim {
namespace {

constexpr size_t kMaxFieldLength = 255;     // of a string we copy out of a signature
constexpr size_t kMinHeaderB = 8;           // RFC 6008 §4
constexpr unsigned int kMinKeyBits = 1024;  // RFC 8301 §3.2

struct KeyProblem {
  Outcome outcome;
  std::string reason;
};

// One message's state, reached from libopendkim's callbacks through the DKIM handle's user
// context. Used by one thread for the duration of verify().
struct MessageContext {
  dns::Resolver* resolver;
  const Limits* limits;
  std::map<std::string, KeyProblem> problems;  // key name → why its lookup gave no key
  std::map<std::string, std::string> records;  // key name → the TXT record handed over
};

// Printable ASCII only, bounded: what we copy out of a signature may go into logs and headers.
std::string printable(const unsigned char* text) {
  std::string out;
  if (text == nullptr) return out;
  for (const unsigned char* p = text; *p != '\0' && out.size() < kMaxFieldLength; ++p) {
    if (*p > 0x20 && *p < 0x7f) out.push_back(static_cast<char>(*p));
  }
  return out;
}

// The name `<selector>._domainkey.<domain>`, or "" when either part is not a plausible DNS name
// (labels of letters, digits, '-' and '_', 1–63 bytes, 253 in all).
std::string key_name(std::string_view selector, std::string_view domain) {
  if (selector.empty() || domain.empty()) return "";
  std::string name = ascii_lowercase(selector);
  name += "._domainkey.";
  name += ascii_lowercase(domain);
  if (name.size() > 253) return "";
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return "";
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return "";
  }
  return label == 0 ? "" : name;
}

std::string sig_key_name(DKIM_SIGINFO* sig) {
  const unsigned char* selector = dkim_sig_getselector(sig);
  const unsigned char* domain = dkim_sig_getdomain(sig);
  if (selector == nullptr || domain == nullptr) return "";
  return key_name(reinterpret_cast<const char*>(selector), reinterpret_cast<const char*>(domain));
}

DKIM_CBSTAT not_found(MessageContext& ctx, const std::string& name, Outcome outcome,
                      std::string reason) {
  ctx.problems[name] = KeyProblem{outcome, std::move(reason)};
  return DKIM_CBSTAT_NOTFOUND;
}

// libopendkim's key lookup hook: the key TXT record through our resolver, never libopendkim's.
DKIM_CBSTAT lookup_key(DKIM* dkim, DKIM_SIGINFO* sig, u_char* buf, size_t buflen) {
  auto* ctx = static_cast<MessageContext*>(dkim_get_user_context(dkim));
  if (ctx == nullptr || buf == nullptr || buflen == 0) return DKIM_CBSTAT_ERROR;
  std::string name = sig_key_name(sig);
  if (name.empty()) return not_found(*ctx, name, Outcome::kPermError, "invalid key name");
  if (ctx->problems.count(name) != 0) return DKIM_CBSTAT_NOTFOUND;

  auto known = ctx->records.find(name);
  if (known == ctx->records.end()) {
    dns::Answer<std::string> answer = ctx->resolver->txt(name);
    switch (answer.outcome) {
      case dns::Outcome::kTempFail:
        return not_found(*ctx, name, Outcome::kTempError, "key lookup failed temporarily");
      case dns::Outcome::kNxDomain:
        return not_found(*ctx, name, Outcome::kPermError, "no key for signature");
      case dns::Outcome::kPermFail:
        return not_found(*ctx, name, Outcome::kPermError, "key lookup refused");
      case dns::Outcome::kFound:
        break;
    }
    if (answer.security == dns::Security::kBogus)
      return not_found(*ctx, name, Outcome::kTempError, "key failed DNSSEC validation");
    if (answer.records.empty())
      return not_found(*ctx, name, Outcome::kPermError, "no key for signature");
    if (answer.records.size() > 1)
      return not_found(*ctx, name, Outcome::kPermError, "multiple key records");
    const std::string& record = answer.records.front();
    if (record.size() > ctx->limits->max_key_record_bytes)
      return not_found(*ctx, name, Outcome::kPermError, "key record too long");
    if (record.find('\0') != std::string::npos)
      return not_found(*ctx, name, Outcome::kPermError, "key record holds a NUL byte");
    known = ctx->records.emplace(name, record).first;
  }
  const std::string& record = known->second;
  if (record.size() + 1 > buflen)
    return not_found(*ctx, name, Outcome::kPermError, "key record too long");
  std::copy(record.begin(), record.end(), buf);
  buf[record.size()] = '\0';
  return DKIM_CBSTAT_CONTINUE;
}

// libopendkim's prescreen hook: only the first max_signatures signatures are verified.
DKIM_CBSTAT prescreen(DKIM* dkim, DKIM_SIGINFO** sigs, int nsigs) {
  auto* ctx = static_cast<MessageContext*>(dkim_get_user_context(dkim));
  if (ctx == nullptr) return DKIM_CBSTAT_ERROR;
  for (int i = 0; i < nsigs; ++i) {
    if (static_cast<size_t>(i) >= ctx->limits->max_signatures) dkim_sig_ignore(sigs[i]);
  }
  return DKIM_CBSTAT_CONTINUE;
}

// The process-wide library handle: created once, never closed (DKIM handles may be in use on
// other threads until exit).
DKIM_LIB* library() {
  static DKIM_LIB* const lib = [] {
    DKIM_LIB* l = dkim_init(nullptr, nullptr);
    SEALMAIL_CHECK(l != nullptr);
    // No TMPFILES (message text stays in memory), no CACHE (no on-disk key cache); FIXCRLF reads
    // a bare LF as CRLF, as an MTA normalising line endings would.
    uint32_t flags = DKIM_LIBFLAGS_FIXCRLF;
    SEALMAIL_CHECK(dkim_options(l, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) ==
                   DKIM_STAT_OK);
    unsigned int min_bits = kMinKeyBits;
    SEALMAIL_CHECK(dkim_options(l, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &min_bits,
                                sizeof min_bits) == DKIM_STAT_OK);
    SEALMAIL_CHECK(dkim_set_key_lookup(l, lookup_key) == DKIM_STAT_OK);
    SEALMAIL_CHECK(dkim_set_prescreen(l, prescreen) == DKIM_STAT_OK);
    return l;
  }();
  return lib;
}

struct DkimFree {
  void operator()(DKIM* dkim) const { dkim_free(dkim); }
};

// The message split at the first empty line: header fields (folded lines joined with CRLF, no
// trailing line end) and the body. A line that is neither a field nor a continuation is skipped:
// no signer can have signed it as a field.
struct SplitMessage {
  std::vector<std::string> fields;
  std::string_view body;
  size_t signature_fields = 0;
};

bool starts_with_field_name(std::string_view field, std::string_view name) {
  if (field.size() <= name.size()) return false;
  if (ascii_lowercase(field.substr(0, name.size())) != ascii_lowercase(name)) return false;
  size_t i = name.size();
  while (i < field.size() && (field[i] == ' ' || field[i] == '\t')) ++i;
  return i < field.size() && field[i] == ':';
}

SplitMessage split_message(std::string_view message) {
  SplitMessage out;
  size_t pos = 0;
  bool in_field = false;
  while (pos < message.size()) {
    size_t lf = message.find('\n', pos);
    size_t next = lf == std::string_view::npos ? message.size() : lf + 1;
    std::string_view line = message.substr(pos, next - pos);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    pos = next;
    if (line.empty()) {
      out.body = message.substr(pos);
      return out;
    }
    if ((line.front() == ' ' || line.front() == '\t') && in_field) {
      out.fields.back() += "\r\n";
      out.fields.back() += line;
      continue;
    }
    size_t colon = line.find(':');
    in_field = colon != std::string_view::npos && colon > 0;
    if (in_field) out.fields.emplace_back(line);
  }
  return out;
}

std::string_view error_text(int sig_error) {
  const char* text = dkim_sig_geterrorstr(sig_error);
  return text == nullptr ? std::string_view("unknown error") : std::string_view(text);
}

Outcome outcome_of_error(int sig_error) {
  switch (sig_error) {
    case DKIM_SIGERROR_BADSIG:
    case DKIM_SIGERROR_EXPIRED:
      return Outcome::kFail;
    case DKIM_SIGERROR_KEYFAIL:
      return Outcome::kTempError;
    case DKIM_SIGERROR_KEYTOOSMALL:
      return Outcome::kPolicy;
    case DKIM_SIGERROR_VERSION:
    case DKIM_SIGERROR_FUTURE:
    case DKIM_SIGERROR_TIMESTAMPS:
    case DKIM_SIGERROR_INVALID_HC:
    case DKIM_SIGERROR_INVALID_BC:
    case DKIM_SIGERROR_MISSING_A:
    case DKIM_SIGERROR_INVALID_A:
    case DKIM_SIGERROR_MISSING_H:
    case DKIM_SIGERROR_INVALID_L:
    case DKIM_SIGERROR_INVALID_Q:
    case DKIM_SIGERROR_INVALID_QO:
    case DKIM_SIGERROR_MISSING_D:
    case DKIM_SIGERROR_EMPTY_D:
    case DKIM_SIGERROR_MISSING_S:
    case DKIM_SIGERROR_EMPTY_S:
    case DKIM_SIGERROR_MISSING_B:
    case DKIM_SIGERROR_EMPTY_B:
    case DKIM_SIGERROR_CORRUPT_B:
    case DKIM_SIGERROR_MISSING_BH:
    case DKIM_SIGERROR_EMPTY_BH:
    case DKIM_SIGERROR_CORRUPT_BH:
    case DKIM_SIGERROR_EMPTY_H:
    case DKIM_SIGERROR_MISSING_V:
    case DKIM_SIGERROR_EMPTY_V:
      return Outcome::kNeutral;
    default:
      return Outcome::kPermError;
  }
}

struct Classified {
  Outcome outcome;
  std::string reason;
};

Classified classify(DKIM* dkim, DKIM_SIGINFO* sig, const MessageContext& ctx,
                    std::string_view algorithm) {
  unsigned int flags = dkim_sig_getflags(sig);
  int bh = dkim_sig_getbh(sig);
  int error = dkim_sig_geterror(sig);

  if ((flags & DKIM_SIGFLAG_PASSED) != 0 && bh == DKIM_SIGBH_MATCH) {
    if (algorithm == "rsa-sha1") return {Outcome::kPolicy, "rsa-sha1 is not accepted (RFC 8301)"};
    // libopendkim counts the canonical body only up to l=, so the received body length is what
    // l= is compared with: whitespace a canonicalization would drop counts as unsigned too.
    ssize_t body_length = 0, canonical_length = 0, signed_length = 0;
    if (dkim_sig_getcanonlen(dkim, sig, &body_length, &canonical_length, &signed_length) ==
            DKIM_STAT_OK &&
        signed_length >= 0 && body_length > signed_length) {
      return {Outcome::kPolicy, "l= leaves part of the body unsigned"};
    }
    return {Outcome::kPass, "signature verified"};
  }
  if (bh == DKIM_SIGBH_MISMATCH && (error == DKIM_SIGERROR_OK || error == DKIM_SIGERROR_UNKNOWN ||
                                    error == DKIM_SIGERROR_BADSIG)) {
    return {Outcome::kFail, "body hash mismatch"};
  }
  if (error == DKIM_SIGERROR_NOKEY) {
    auto problem = ctx.problems.find(sig_key_name(sig));
    if (problem != ctx.problems.end()) return {problem->second.outcome, problem->second.reason};
    return {Outcome::kPermError, "no key for signature"};
  }
  if (error == DKIM_SIGERROR_OK || error == DKIM_SIGERROR_UNKNOWN) {
    if ((flags & DKIM_SIGFLAG_PROCESSED) != 0) return {Outcome::kFail, "signature mismatch"};
    return {Outcome::kNeutral, "signature not processed"};
  }
  Outcome outcome = outcome_of_error(error);
  if (algorithm == "rsa-sha1" && outcome == Outcome::kPass) outcome = Outcome::kPolicy;
  return {outcome, std::string(error_text(error))};
}

// RFC 6008: each header.b long enough to tell this message's signatures apart.
void shorten_header_b(std::vector<SignatureResult>& results, const std::vector<std::string>& b) {
  for (size_t i = 0; i < results.size(); ++i) {
    size_t length = std::min(kMinHeaderB, b[i].size());
    for (size_t j = 0; j < results.size(); ++j) {
      if (j == i || b[j] == b[i]) continue;
      while (length < b[i].size() && b[j].compare(0, length, b[i], 0, length) == 0) ++length;
    }
    results[i].header_b = b[i].substr(0, length);
  }
}

std::string base64_only(const unsigned char* text) {
  std::string out;
  if (text == nullptr) return out;
  for (const unsigned char* p = text; *p != '\0'; ++p) {
    char c = static_cast<char>(*p);
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (ok) out.push_back(c);
  }
  return out;
}

std::vector<SignatureResult> collect(DKIM* dkim, const MessageContext& ctx, bool too_large,
                                     std::string_view failure) {
  DKIM_SIGINFO** sigs = nullptr;
  int count = 0;
  if (dkim_getsiglist(dkim, &sigs, &count) != DKIM_STAT_OK || sigs == nullptr) count = 0;

  std::vector<SignatureResult> results;
  std::vector<std::string> b_values;
  for (int i = 0; i < count; ++i) {
    DKIM_SIGINFO* sig = sigs[i];
    if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_IGNORE) != 0) continue;
    SignatureResult result;
    result.domain = ascii_lowercase(printable(dkim_sig_getdomain(sig)));
    result.selector = printable(dkim_sig_getselector(sig));
    result.algorithm = ascii_lowercase(printable(dkim_sig_getalgorithm(sig)));
    if (too_large) {
      result.outcome = Outcome::kPolicy;
      result.reason = "message too large to verify";
    } else if (!failure.empty()) {
      result.outcome = Outcome::kPermError;
      result.reason = std::string(failure);
    } else {
      Classified c = classify(dkim, sig, ctx, result.algorithm);
      result.outcome = c.outcome;
      result.reason = std::move(c.reason);
    }
    b_values.push_back(base64_only(
        dkim_sig_gettagvalue(sig, false, reinterpret_cast<u_char*>(const_cast<char*>("b")))));
    results.push_back(std::move(result));
  }
  shorten_header_b(results, b_values);
  return results;
}

std::string one_line(const char* text, std::string_view fallback) {
  if (text == nullptr || *text == '\0') return std::string(fallback);
  return printable(reinterpret_cast<const unsigned char*>(text));
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
    case Outcome::kNeutral:
      return "neutral";
    case Outcome::kPolicy:
      return "policy";
    case Outcome::kTempError:
      return "temperror";
    case Outcome::kPermError:
      return "permerror";
  }
  return "permerror";
}

std::vector<SignatureResult> verify(dns::Resolver& resolver, std::string_view message,
                                    const Limits& limits) {
  SplitMessage split = split_message(message);
  bool signed_message = std::any_of(split.fields.begin(), split.fields.end(), [](auto& f) {
    return starts_with_field_name(f, DKIM_SIGNHEADER);
  });
  if (!signed_message || limits.max_signatures == 0) return {};

  MessageContext ctx{&resolver, &limits, {}, {}};
  DKIM_STAT status = DKIM_STAT_OK;
  std::unique_ptr<DKIM, DkimFree> dkim(
      dkim_verify(library(), reinterpret_cast<const u_char*>("sealmail"), nullptr, &status));
  if (!dkim) {
    return {SignatureResult{Outcome::kTempError, "", "", "", "", "verifier unavailable"}};
  }
  SEALMAIL_CHECK(dkim_set_user_context(dkim.get(), &ctx) == DKIM_STAT_OK);

  for (std::string& field : split.fields) {
    // A field libopendkim refuses (e.g. over its size limit) cannot have been signed usefully;
    // the signatures that cover it will fail on their own.
    (void)dkim_header(dkim.get(), reinterpret_cast<u_char*>(field.data()), field.size());
  }
  status = dkim_eoh(dkim.get());
  if (status == DKIM_STAT_NOSIG) return {};
  bool too_large = message.size() > limits.max_message_bytes;
  if (status != DKIM_STAT_OK) {
    std::string why = one_line(dkim_geterror(dkim.get()), "message cannot be verified");
    auto results = collect(dkim.get(), ctx, false, why);
    if (results.empty()) results.push_back({Outcome::kPermError, "", "", "", "", why});
    return results;
  }
  if (too_large) return collect(dkim.get(), ctx, true, "");

  std::string chunk;
  constexpr size_t kChunk = 64 * 1024;
  for (size_t pos = 0; pos < split.body.size(); pos += kChunk) {
    chunk.assign(split.body.substr(pos, kChunk));
    status = dkim_body(dkim.get(), reinterpret_cast<u_char*>(chunk.data()), chunk.size());
    if (status != DKIM_STAT_OK) break;
  }
  bool testkey = false;
  (void)dkim_eom(dkim.get(), &testkey);  // the overall verdict; we report each signature
  return collect(dkim.get(), ctx, false, "");
}

}  // namespace sealmail::dkim
