// rcpt.cc — RCPT TO:<forward-path> [NOTIFY= ORCPT=] (RFC 5321 §4.1.1.3, RFC 3461 §4.1-4.2).
// The sink decides each recipient; "<Postmaster>" without a domain is passed as "Postmaster".
#include "smtp/internal/session.h"
#include "smtp/path.h"

namespace sealmail::smtp::internal {
namespace {

bool valid_notify(std::string_view value) {
  if (iequals(value, "NEVER")) return true;
  bool seen[3] = {false, false, false};
  while (true) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    int which = iequals(item, "SUCCESS")   ? 0
                : iequals(item, "FAILURE") ? 1
                : iequals(item, "DELAY")   ? 2
                                           : -1;
    if (which < 0 || seen[which]) return false;
    seen[which] = true;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

// ORCPT = addr-type ";" xtext; addr-type is an atom (RFC 3461 §4.2, RFC 6533 utf-8 too).
bool valid_orcpt(std::string_view value) {
  size_t semi = value.find(';');
  if (semi == 0 || semi == std::string_view::npos || value.size() > 500) return false;
  for (unsigned char c : value.substr(0, semi))
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  std::string_view rest = value.substr(semi + 1);
  return !rest.empty() && is_xtext(rest);
}

}  // namespace

void Session::cmd_rcpt(std::string_view args) {
  if (!in_transaction()) return error(503, "5.5.1", "Need MAIL command");
  if (bdat_used_) return error(503, "5.5.1", "RCPT after BDAT");
  if (!istarts_with(args, "TO:")) return error(501, "5.5.2", "Syntax: RCPT TO:<address>");
  std::string_view rest = trim(args.substr(3));
  size_t close = rest.empty() || rest.front() != '<' ? std::string_view::npos : path_end(rest);
  if (close == std::string_view::npos) return error(501, "5.5.2", "Syntax: RCPT TO:<address>");
  std::string_view path = rest.substr(0, close + 1);
  std::string_view param_text = rest.substr(close + 1);
  if (!param_text.empty() && param_text.front() != ' ')
    return error(501, "5.5.2", "Syntax: RCPT TO:<address>");
  auto params = split_params(param_text);
  if (!params) return error(501, "5.5.4", "Syntax error in parameters");
  if (!params->empty() && !extended_) return error(555, "5.5.4", "Parameters need EHLO");
  RecipientDsn dsn;
  bool seen_notify = false, seen_orcpt = false;
  for (const Param& p : *params) {
    if (iequals(p.key, "NOTIFY") && p.has_value && !seen_notify) {
      seen_notify = true;
      if (!valid_notify(p.value)) return error(501, "5.5.4", "Bad NOTIFY value");
      dsn.notify = std::string(p.value);
    } else if (iequals(p.key, "ORCPT") && p.has_value && !seen_orcpt) {
      seen_orcpt = true;
      if (!valid_orcpt(p.value)) return error(501, "5.5.4", "Bad ORCPT value");
      dsn.orcpt = std::string(p.value);
    } else {
      return error(555, "5.5.4", "Unsupported RCPT parameter");
    }
  }

  std::string recipient;
  if (iequals(path, "<postmaster>")) {
    recipient = "Postmaster";
  } else {
    auto box = parse_path(path, envelope_.smtputf8);
    if (!box.ok()) {
      if (box.error().code == Errc::kUnsupported)
        return error(553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
      return error(501, "5.1.3", "Bad recipient address syntax");
    }
    recipient = box->address();
  }
  if (envelope_.recipients.size() >= limits_.max_recipients)
    return reply(452, "4.5.3", "Too many recipients");
  Verdict verdict = sink_->check_recipient(envelope_, recipient);
  reply_verdict(verdict);
  if (verdict.code >= 200 && verdict.code < 300) {
    envelope_.recipients.push_back(std::move(recipient));
    envelope_.recipient_dsn.push_back(std::move(dsn));
  }
}

}  // namespace sealmail::smtp::internal
