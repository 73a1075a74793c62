// ehlo.cc — EHLO and HELO (RFC 5321 §4.1.1.1): greet, reset the transaction, advertise the
// extensions. The name is kept for the Received: header, so only a plausible domain or address
// literal is accepted (printable ASCII without the specials that would break that header).
#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {
namespace {

bool valid_helo_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  if (name.front() == '[') {
    if (name.back() != ']' || name.size() < 3) return false;
    for (unsigned char c : name.substr(1, name.size() - 2))
      if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') return false;
    return true;
  }
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void Session::cmd_ehlo(std::string_view args, bool extended) {
  std::string_view name = trim(args);
  if (name.empty())
    return error(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
  if (!valid_helo_name(name)) return error(501, "5.5.4", "Invalid domain name");
  reset_transaction();
  greeted_ = true;
  extended_ = extended;
  envelope_.helo = std::string(name);
  if (!extended) return reply(250, "", limits_.hostname);
  // RFC 2034 §3: EHLO lines carry no enhanced status code.
  std::vector<std::string> lines = {
      limits_.hostname, "PIPELINING", "SIZE " + std::to_string(limits_.max_message_bytes),
      "8BITMIME",       "SMTPUTF8",   "ENHANCEDSTATUSCODES",
      "CHUNKING",       "DSN",
  };
  if (info_.starttls_available && !info_.tls) lines.push_back("STARTTLS");
  if (info_.tls) lines.push_back("REQUIRETLS");
  for (size_t i = 0; i < lines.size(); ++i)
    out_ += "250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i] + "\r\n";
}

}  // namespace sealmail::smtp::internal
