// authentication_results.cc — RFC 8601 formatting and the authserv-id check.
#include "dmarc/authentication_results.h"

#include <string>

#include "base/ascii.h"
#include "base/check.h"

namespace sealmail::dmarc {
namespace {

constexpr size_t kMaxValueBytes = 256;
constexpr size_t kFoldColumn = 78;

// RFC 8601 keyword: Ldh-str (RFC 5321 §4.1.2).
bool is_keyword(std::string_view s) {
  if (s.empty() || s.back() == '-') return false;
  for (char c : s) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_tspecial(char c) {
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}

// RFC 2045 token.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f || is_tspecial(c)) return false;
  }
  return true;
}

bool is_atext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s, bool ldh_only) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char previous = '\0';
  for (char c : s) {
    if (c == '.' && previous == '.') return false;
    bool ok = c == '.' || (ldh_only ? ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                       (c >= '0' && c <= '9') || c == '-' || c == '_')
                                    : is_atext(c));
    if (!ok) return false;
    previous = c;
  }
  return true;
}

// pvalue's unquoted form: [ [ local-part ] "@" ] domain-name.
bool is_plain_address(std::string_view s) {
  size_t at = s.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view local = s.substr(0, at);
  return (local.empty() || is_dot_atom(local, false)) && is_dot_atom(s.substr(at + 1), true);
}

std::string sanitize(std::string_view value) {
  std::string out;
  for (unsigned char c : value.substr(0, kMaxValueBytes)) {
    if (c == '\t')
      out.push_back(' ');
    else if (c < 0x20 || c >= 0x7f)
      out.push_back('?');
    else
      out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string quoted(std::string_view safe) {
  std::string out = "\"";
  for (char c : safe) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string value(std::string_view untrusted, bool address_allowed) {
  std::string safe = sanitize(untrusted);
  if (is_token(safe) || (address_allowed && is_plain_address(safe))) return safe;
  return quoted(safe);
}

std::string property_name(std::string_view name) {
  size_t dot = name.find('.');
  SEALMAIL_CHECK(dot != std::string_view::npos && is_keyword(name.substr(0, dot)) &&
                 is_keyword(name.substr(dot + 1)));
  return std::string(name);
}

// Appends clause parts separated by a space, folding before a part that would pass the column.
class Folder {
 public:
  explicit Folder(std::string& out) : out_(out) {}
  void start_line(std::string_view first) {
    out_ += "\r\n\t";
    out_ += first;
    column_ = 8 + first.size();
  }
  void add(std::string_view part) {
    if (column_ + 1 + part.size() > kFoldColumn) {
      out_ += "\r\n\t";
      column_ = 8;
    } else {
      out_ += ' ';
      column_ += 1;
    }
    out_ += part;
    column_ += part.size();
  }

 private:
  std::string& out_;
  size_t column_ = 0;
};

// CFWS skipping for has_our_authserv_id: whitespace, line ends, nested comments.
size_t skip_cfws(std::string_view s, size_t i) {
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (depth > 0) {
      if (c == '\\')
        ++i;
      else if (c == '(')
        ++depth;
      else if (c == ')')
        --depth;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      ++depth;
      ++i;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

std::string authentication_results(std::string_view authserv_id,
                                   std::span<const MethodResult> results) {
  std::string out = "Authentication-Results: " + value(authserv_id, false) + ";";
  if (results.empty()) return out + " none\r\n";
  Folder folder(out);
  for (size_t i = 0; i < results.size(); ++i) {
    const MethodResult& r = results[i];
    SEALMAIL_CHECK(is_keyword(r.method) && is_keyword(r.result));
    folder.start_line(r.method + "=" + r.result);
    if (!r.reason.empty()) folder.add("reason=" + quoted(sanitize(r.reason)));
    for (const auto& [name, v] : r.properties) {
      folder.add(property_name(name) + "=" + value(v, true));
    }
    if (i + 1 < results.size()) out += ';';
  }
  return out + "\r\n";
}

bool has_our_authserv_id(std::string_view header_value, std::string_view authserv_id) {
  size_t i = skip_cfws(header_value, 0);
  std::string id;
  if (i < header_value.size() && header_value[i] == '"') {
    for (++i; i < header_value.size() && header_value[i] != '"'; ++i) {
      if (header_value[i] == '\\' && i + 1 < header_value.size()) ++i;
      id.push_back(header_value[i]);
    }
  } else {
    for (; i < header_value.size(); ++i) {
      char c = header_value[i];
      if (c == ';' || c == '(' || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
      id.push_back(c);
    }
  }
  return !id.empty() && ascii_lowercase(id) == ascii_lowercase(authserv_id);
}

}  // namespace sealmail::dmarc
