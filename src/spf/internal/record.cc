#include "spf/internal/record.h"

#include <algorithm>

#include "base/ascii.h"
#include "spf/internal/macro.h"

namespace sealmail::spf::internal {
namespace {

constexpr std::string_view kVersion = "v=spf1";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
bool is_modifier_name(std::string_view name) {
  if (name.empty() || !is_alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.';
  });
}

Error syntax(std::string message) { return make_error(Errc::kInvalidArgument, std::move(message)); }

// A CIDR length without leading zeros, at most `max`; nullopt if `digits` is not one.
std::optional<int> cidr_value(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), is_digit)) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  if (value > max) return std::nullopt;
  return value;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off `rest`.
Status take_dual_cidr(std::string_view& rest, Directive& directive) {
  if (size_t slash2 = rest.rfind("//");
      slash2 != std::string_view::npos && all_digits(rest.substr(slash2 + 2))) {
    auto value = cidr_value(rest.substr(slash2 + 2), 128);
    if (!value) return syntax("invalid IPv6 CIDR length in '" + directive.text + "'");
    directive.cidr6 = *value;
    rest = rest.substr(0, slash2);
  }
  if (size_t slash = rest.rfind('/');
      slash != std::string_view::npos && all_digits(rest.substr(slash + 1))) {
    auto value = cidr_value(rest.substr(slash + 1), 32);
    if (!value) return syntax("invalid IPv4 CIDR length in '" + directive.text + "'");
    directive.cidr4 = *value;
    rest = rest.substr(0, slash);
  }
  return ok_status();
}

// ":" domain-spec, required or optional; `rest` is what follows the mechanism name.
Status take_domain_spec(std::string_view rest, bool required, Directive& directive) {
  if (rest.empty()) {
    if (required) return syntax("'" + directive.text + "' needs a domain");
    return ok_status();
  }
  if (rest[0] != ':' || rest.size() == 1) {
    return syntax("invalid mechanism '" + directive.text + "'");
  }
  directive.domain_spec = std::string(rest.substr(1));
  if (auto status = check_domain_spec(directive.domain_spec); !status.ok()) {
    return syntax(status.error().message + " in '" + directive.text + "'");
  }
  return ok_status();
}

Status take_network(std::string_view rest, bool v6, Directive& directive) {
  if (rest.size() < 2 || rest[0] != ':') return syntax("'" + directive.text + "' needs a network");
  rest.remove_prefix(1);
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    auto value = cidr_value(rest.substr(slash + 1), v6 ? 128 : 32);
    if (!value) return syntax("invalid CIDR length in '" + directive.text + "'");
    (v6 ? directive.cidr6 : directive.cidr4) = *value;
    rest = rest.substr(0, slash);
  }
  auto network = v6 ? parse_ipv6(rest) : parse_ipv4(rest);
  if (!network) return syntax("invalid address in '" + directive.text + "'");
  directive.network = *network;
  return ok_status();
}

Status parse_directive(std::string_view term, Record& record) {
  Directive directive;
  directive.text = std::string(term);
  switch (term[0]) {
    case '+':
      directive.qualifier = Qualifier::kPass;
      term.remove_prefix(1);
      break;
    case '-':
      directive.qualifier = Qualifier::kFail;
      term.remove_prefix(1);
      break;
    case '~':
      directive.qualifier = Qualifier::kSoftFail;
      term.remove_prefix(1);
      break;
    case '?':
      directive.qualifier = Qualifier::kNeutral;
      term.remove_prefix(1);
      break;
    default:
      break;
  }
  size_t end = term.find_first_of(":/");
  std::string_view name = term.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : term.substr(end);

  if (iequals(name, "all")) {
    if (!rest.empty()) return syntax("invalid mechanism '" + directive.text + "'");
    directive.mechanism = Mechanism::kAll;
    record.has_all = true;
  } else if (iequals(name, "include") || iequals(name, "exists")) {
    directive.mechanism = iequals(name, "include") ? Mechanism::kInclude : Mechanism::kExists;
    SEALMAIL_RETURN_IF_ERROR(take_domain_spec(rest, true, directive));
  } else if (iequals(name, "a") || iequals(name, "mx")) {
    directive.mechanism = iequals(name, "a") ? Mechanism::kA : Mechanism::kMx;
    SEALMAIL_RETURN_IF_ERROR(take_dual_cidr(rest, directive));
    SEALMAIL_RETURN_IF_ERROR(take_domain_spec(rest, false, directive));
  } else if (iequals(name, "ptr")) {
    directive.mechanism = Mechanism::kPtr;
    SEALMAIL_RETURN_IF_ERROR(take_domain_spec(rest, false, directive));
  } else if (iequals(name, "ip4") || iequals(name, "ip6")) {
    bool v6 = iequals(name, "ip6");
    directive.mechanism = v6 ? Mechanism::kIp6 : Mechanism::kIp4;
    SEALMAIL_RETURN_IF_ERROR(take_network(rest, v6, directive));
  } else {
    return syntax("unknown mechanism '" + directive.text + "'");
  }
  record.directives.push_back(std::move(directive));
  return ok_status();
}

Status parse_modifier(std::string_view name, std::string_view value, std::string_view term,
                      Record& record) {
  bool redirect = iequals(name, "redirect");
  if (redirect || iequals(name, "exp")) {
    auto& slot = redirect ? record.redirect : record.explanation;
    if (slot) return syntax("more than one '" + ascii_lowercase(name) + "' modifier");
    if (auto status = check_domain_spec(value); !status.ok() || value.empty()) {
      return syntax("invalid domain in '" + std::string(term) + "'");
    }
    slot = std::string(value);
    return ok_status();
  }
  // Unknown modifiers are ignored (§6), but must still be well formed.
  if (auto status = check_macro_string(value); !status.ok()) {
    return syntax(status.error().message + " in '" + std::string(term) + "'");
  }
  return ok_status();
}

}  // namespace

bool is_spf_record(std::string_view text) {
  return text.size() >= kVersion.size() && iequals(text.substr(0, kVersion.size()), kVersion) &&
         (text.size() == kVersion.size() || text[kVersion.size()] == ' ');
}

Result<Record> parse_record(std::string_view text) {
  if (!is_spf_record(text)) return syntax("not an SPF record");
  Record record;
  size_t pos = kVersion.size();
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    size_t end = std::min(text.find(' ', pos), text.size());
    std::string_view term = text.substr(pos, end - pos);
    pos = end;
    size_t equals = term.find('=');
    if (equals != std::string_view::npos && is_modifier_name(term.substr(0, equals))) {
      SEALMAIL_RETURN_IF_ERROR(
          parse_modifier(term.substr(0, equals), term.substr(equals + 1), term, record));
    } else {
      SEALMAIL_RETURN_IF_ERROR(parse_directive(term, record));
    }
  }
  return record;
}

}  // namespace sealmail::spf::internal
