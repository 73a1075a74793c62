// mail.cc — MAIL FROM:<reverse-path> [SIZE= BODY= SMTPUTF8 RET= ENVID= REQUIRETLS]
// (RFC 5321 §4.1.1.2, RFC 1870, RFC 6152, RFC 6531, RFC 3461 §4.3-4.4, RFC 8689 §4.1).
// "MAIL FROM: <a@b>" (a space after the colon) is tolerated, as most servers do.
#include <charconv>
#include <cstdint>
#include <utility>

#include "smtp/internal/session.h"
#include "smtp/path.h"

namespace sealmail::smtp::internal {

void Session::cmd_mail(std::string_view args) {
  if (!greeted_) return error(503, "5.5.1", "Send HELO/EHLO first");
  if (in_transaction()) return error(503, "5.5.1", "Nested MAIL command");
  if (!istarts_with(args, "FROM:")) return error(501, "5.5.2", "Syntax: MAIL FROM:<address>");
  std::string_view rest = trim(args.substr(5));
  size_t close = rest.empty() || rest.front() != '<' ? std::string_view::npos : path_end(rest);
  if (close == std::string_view::npos) return error(501, "5.5.2", "Syntax: MAIL FROM:<address>");
  std::string_view path = rest.substr(0, close + 1);
  std::string_view param_text = rest.substr(close + 1);
  if (!param_text.empty() && param_text.front() != ' ')
    return error(501, "5.5.2", "Syntax: MAIL FROM:<address>");
  auto params = split_params(param_text);
  if (!params) return error(501, "5.5.4", "Syntax error in parameters");
  if (!params->empty() && !extended_) return error(555, "5.5.4", "Parameters need EHLO");

  Envelope e = envelope_;
  bool seen_size = false, seen_body = false, seen_utf8 = false, seen_ret = false,
       seen_envid = false, seen_requiretls = false;
  std::optional<size_t> size;
  for (const Param& p : *params) {
    auto once = [&](bool& seen) { return !std::exchange(seen, true); };
    if (iequals(p.key, "SIZE") && p.has_value) {
      if (!once(seen_size)) return error(501, "5.5.4", "Duplicate SIZE");
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(p.value.data(), p.value.data() + p.value.size(), n);
      if (p.value.empty() || end != p.value.data() + p.value.size() ||
          (ec != std::errc{} && ec != std::errc::result_out_of_range))
        return error(501, "5.5.4", "Bad SIZE value");
      if (ec == std::errc::result_out_of_range) n = UINT64_MAX;
      size = n > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(n);
    } else if (iequals(p.key, "BODY") && p.has_value) {
      if (!once(seen_body)) return error(501, "5.5.4", "Duplicate BODY");
      if (iequals(p.value, "8BITMIME"))
        e.eight_bit = true;
      else if (!iequals(p.value, "7BIT"))
        return error(555, "5.5.4", "Unsupported BODY type");
    } else if (iequals(p.key, "SMTPUTF8") && !p.has_value) {
      if (!once(seen_utf8)) return error(501, "5.5.4", "Duplicate SMTPUTF8");
      e.smtputf8 = true;
    } else if (iequals(p.key, "RET") && p.has_value) {
      if (!once(seen_ret)) return error(501, "5.5.4", "Duplicate RET");
      if (!iequals(p.value, "FULL") && !iequals(p.value, "HDRS"))
        return error(501, "5.5.4", "Bad RET value");
      e.ret = std::string(p.value);
    } else if (iequals(p.key, "ENVID") && p.has_value) {
      if (!once(seen_envid)) return error(501, "5.5.4", "Duplicate ENVID");
      if (p.value.empty() || p.value.size() > 100 || !is_xtext(p.value))
        return error(501, "5.5.4", "Bad ENVID value");
      e.envid = std::string(p.value);
    } else if (iequals(p.key, "REQUIRETLS") && !p.has_value) {
      if (!once(seen_requiretls)) return error(501, "5.5.4", "Duplicate REQUIRETLS");
      if (!info_.tls) return error(555, "5.7.10", "REQUIRETLS needs a TLS session");
      e.requiretls = true;
    } else {
      return error(555, "5.5.4", "Unsupported MAIL parameter");
    }
  }
  if (size && *size > limits_.max_message_bytes) {
    return reply(552, "5.3.4", "Message size exceeds fixed limit");
  }

  std::string from;
  if (path != "<>") {
    auto box = parse_path(path, e.smtputf8);
    if (!box.ok()) {
      bool utf8 = box.error().code == Errc::kUnsupported;
      if (utf8) return error(553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
      return error(501, "5.1.7", "Bad sender address syntax");
    }
    from = box->address();
  }
  e.mail_from = std::move(from);
  e.peer_address = info_.peer_address;
  e.tls = info_.tls;
  envelope_ = std::move(e);
  declared_size_ = size;
  mail_given_ = true;
  commands_before_mail_ = 0;
  reply(250, "2.1.0", "OK");
}

}  // namespace sealmail::smtp::internal
