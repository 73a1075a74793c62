#include "spf/internal/macro.h"

#include <algorithm>
#include <vector>

#include "base/ascii.h"

namespace sealmail::spf::internal {
namespace {

constexpr size_t kMaxName = 253;
constexpr size_t kMaxDigits = 1000;  // more parts than any name has

bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string url_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    if (unreserved(c)) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

const std::string* value_of(char letter, const MacroValues& values) {
  static const std::string kUnknown = "unknown";
  switch (ascii_lower(letter)) {
    case 's':
      return &values.sender;
    case 'l':
      return &values.local_part;
    case 'o':
      return &values.sender_domain;
    case 'd':
      return &values.domain;
    case 'i':
      return &values.ip;
    case 'p':
      return &kUnknown;
    case 'v':
      return &values.ip_version;
    case 'h':
      return &values.helo;
    default:
      return nullptr;
  }
}

// The transformed value of one %{...} body: letter, digits, optional 'r', delimiters.
std::string transform(std::string_view value, size_t keep, bool reverse,
                      std::string_view delimiters) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delimiters.find(value[i]) != std::string_view::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (reverse) std::reverse(parts.begin(), parts.end());
  size_t first = keep != 0 && keep < parts.size() ? parts.size() - keep : 0;
  std::string out;
  for (size_t i = first; i < parts.size(); ++i) {
    if (i != first) out += '.';
    out += parts[i];
  }
  return out;
}

// Walks `text`; with `values`, appends the expansion to `out`. The one parser for checking
// and expanding, so they cannot disagree. `ends_in_macro` tells whether the last item was a
// macro-expand.
Status walk(std::string_view text, const MacroValues* values, std::string* out,
            bool* ends_in_macro) {
  auto append = [&](std::string_view piece) -> Status {
    if (out == nullptr) return ok_status();
    if (out->size() + piece.size() > kMaxExpansion) {
      return make_error(Errc::kLimitExceeded, "macro expansion too long");
    }
    out->append(piece);
    return ok_status();
  };
  *ends_in_macro = false;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '%') {
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
        return make_error(Errc::kInvalidArgument, "invalid character in macro string");
      }
      SEALMAIL_RETURN_IF_ERROR(append(text.substr(i, 1)));
      *ends_in_macro = false;
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) return make_error(Errc::kInvalidArgument, "lone '%' in macro");
    char next = text[i + 1];
    *ends_in_macro = true;
    if (next == '%' || next == '_' || next == '-') {
      SEALMAIL_RETURN_IF_ERROR(append(next == '%' ? "%" : next == '_' ? " " : "%20"));
      i += 2;
      continue;
    }
    if (next != '{') return make_error(Errc::kInvalidArgument, "invalid '%' escape in macro");
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return make_error(Errc::kInvalidArgument, "unterminated macro");
    }
    std::string_view body = text.substr(i + 2, close - i - 2);
    if (body.empty()) return make_error(Errc::kInvalidArgument, "empty macro");
    const std::string* value = values != nullptr ? value_of(body[0], *values) : nullptr;
    MacroValues none;
    if (value_of(body[0], none) == nullptr) {
      return make_error(Errc::kInvalidArgument, "invalid macro letter");
    }
    size_t pos = 1;
    size_t keep = 0;
    bool has_digits = false;
    while (pos < body.size() && is_digit(body[pos])) {
      has_digits = true;
      keep = std::min(kMaxDigits, keep * 10 + static_cast<size_t>(body[pos] - '0'));
      ++pos;
    }
    if (has_digits && keep == 0) return make_error(Errc::kInvalidArgument, "macro keeps 0 parts");
    bool reverse = false;
    if (pos < body.size() && ascii_lower(body[pos]) == 'r') {
      reverse = true;
      ++pos;
    }
    std::string_view delimiters = body.substr(pos);
    if (!std::all_of(delimiters.begin(), delimiters.end(), is_delimiter)) {
      return make_error(Errc::kInvalidArgument, "invalid macro transformer");
    }
    if (delimiters.empty()) delimiters = ".";
    if (out != nullptr) {
      std::string expanded = transform(*value, keep, reverse, delimiters);
      if (body[0] >= 'A' && body[0] <= 'Z') expanded = url_escape(expanded);
      SEALMAIL_RETURN_IF_ERROR(append(expanded));
    }
    i = close + 1;
  }
  return ok_status();
}

bool is_toplabel(std::string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') return false;
  bool alpha = false, hyphen = false;
  for (char c : label) {
    if (is_alpha(c)) {
      alpha = true;
    } else if (c == '-') {
      hyphen = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  return alpha || hyphen;
}

}  // namespace

Status check_macro_string(std::string_view text) {
  bool ends_in_macro = false;
  return walk(text, nullptr, nullptr, &ends_in_macro);
}

Status check_domain_spec(std::string_view text) {
  bool ends_in_macro = false;
  SEALMAIL_RETURN_IF_ERROR(walk(text, nullptr, nullptr, &ends_in_macro));
  if (ends_in_macro) return ok_status();
  std::string_view name = text;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || !is_toplabel(name.substr(dot + 1))) {
    return make_error(Errc::kInvalidArgument, "domain-spec does not end in a top label");
  }
  return ok_status();
}

Result<std::string> expand(std::string_view text, const MacroValues& values) {
  std::string out;
  bool ends_in_macro = false;
  SEALMAIL_RETURN_IF_ERROR(walk(text, &values, &out, &ends_in_macro));
  return out;
}

std::string truncate_name(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  while (name.size() > kMaxName) {
    size_t dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return name;
}

}  // namespace sealmail::spf::internal
