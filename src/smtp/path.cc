// path.cc — see path.h. A small hand-written recursive-descent parser over the RFC 5321 ABNF.
#include "smtp/path.h"

#include <cstdint>

namespace sealmail::smtp {
namespace {

constexpr size_t kMaxLocalBytes = 64;
constexpr size_t kMaxDomainBytes = 255;
constexpr size_t kMaxPathBytes = 256;

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_atext(unsigned char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

Error syntax() { return make_error(Errc::kInvalidArgument, "address syntax error"); }

class Parser {
 public:
  Parser(std::string_view text, bool smtputf8) : s_(text), utf8_(smtputf8) {}

  bool at_end() const { return pos_ >= s_.size(); }
  unsigned char peek() const { return at_end() ? 0 : static_cast<unsigned char>(s_[pos_]); }
  bool eat(char c) {
    if (at_end() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  size_t pos() const { return pos_; }

  // One UTF-8 encoded non-ASCII code point (RFC 3629, no overlongs or surrogates); false
  // leaves the position unchanged. Sets non_ascii_ so the caller can tell 553 from 501.
  bool utf8_non_ascii() {
    unsigned char c = peek();
    if (c < 0x80) return false;
    non_ascii_ = true;
    if (!utf8_) return false;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else
      return false;
    if (pos_ + n >= s_.size()) return false;
    for (size_t i = 1; i <= n; ++i) {
      unsigned char d = static_cast<unsigned char>(s_[pos_ + i]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    pos_ += n + 1;
    return true;
  }

  // Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] or, with SMTPUTF8,
  // a U-label (any UTF-8 non-ASCII allowed among the LDH characters).
  bool domain() {
    size_t start = pos_;
    for (;;) {
      size_t label = pos_;
      for (;;) {
        unsigned char c = peek();
        if (is_alpha(c) || is_digit(c) || c == '-')
          ++pos_;
        else if (!utf8_non_ascii())
          break;
      }
      if (pos_ == label || s_[label] == '-' || s_[pos_ - 1] == '-') return false;
      if (!eat('.')) break;
    }
    return pos_ - start <= kMaxDomainBytes;
  }

  // address-literal = "[" 1*dcontent "]" (checked loosely: printable ASCII except [ ] \).
  bool address_literal() {
    size_t start = pos_;
    if (!eat('[')) return false;
    size_t content = pos_;
    while (!at_end()) {
      unsigned char c = peek();
      if (c < 33 || c > 126 || c == '[' || c == '\\') return false;
      if (c == ']') break;
      ++pos_;
    }
    if (pos_ == content || !eat(']')) return false;
    return pos_ - start <= kMaxDomainBytes;
  }

  bool local_part() {
    size_t start = pos_;
    if (eat('"')) {
      for (;;) {
        if (at_end()) return false;
        unsigned char c = peek();
        if (c == '"') {
          ++pos_;
          break;
        }
        if (c == '\\') {
          ++pos_;
          unsigned char q = peek();
          if (q < 32 || q > 126) return false;
          ++pos_;
        } else if (c >= 32 && c <= 126) {
          ++pos_;
        } else if (!utf8_non_ascii()) {
          return false;
        }
      }
    } else {
      for (;;) {
        size_t atom = pos_;
        for (;;) {
          if (is_atext(peek()))
            ++pos_;
          else if (!utf8_non_ascii())
            break;
        }
        if (pos_ == atom) return false;
        if (!eat('.')) break;
      }
    }
    return pos_ - start <= kMaxLocalBytes;
  }

  bool non_ascii() const { return non_ascii_; }
  std::string_view slice(size_t from) const { return s_.substr(from, pos_ - from); }

 private:
  std::string_view s_;
  bool utf8_;
  size_t pos_ = 0;
  bool non_ascii_ = false;
};

}  // namespace

Result<Mailbox> parse_path(std::string_view path, bool smtputf8) {
  if (path.size() > kMaxPathBytes + 2) return syntax();
  for (unsigned char c : path) {
    if (c < 32 || c == 127) return syntax();  // CR, LF, NUL, TAB, DEL, ...
    if (c >= 0x80 && !smtputf8)
      return make_error(Errc::kUnsupported, "non-ASCII address without SMTPUTF8");
  }
  Parser p(path, smtputf8);
  if (!p.eat('<')) return syntax();
  // A-d-l ":" — a source route, parsed and dropped.
  if (p.peek() == '@') {
    do {
      if (!p.eat('@') || !(p.domain() || p.address_literal())) return syntax();
    } while (p.eat(','));
    if (!p.eat(':')) return syntax();
  }
  size_t local_start = p.pos();
  if (!p.local_part()) return syntax();
  Mailbox box;
  box.local = std::string(p.slice(local_start));
  if (!p.eat('@')) return syntax();
  size_t domain_start = p.pos();
  if (!(p.peek() == '[' ? p.address_literal() : p.domain())) return syntax();
  box.domain = std::string(p.slice(domain_start));
  if (!p.eat('>') || !p.at_end()) return syntax();
  if (box.local.size() + 1 + box.domain.size() > kMaxPathBytes) return syntax();
  return box;
}

bool is_xtext(std::string_view text) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '+') {
      if (i + 2 >= text.size()) return false;
      if (!hex(text[i + 1]) || !hex(text[i + 2])) return false;
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return false;
    }
  }
  return true;
}

size_t path_end(std::string_view text) {
  bool quoted = false;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '\\' && quoted) {
      ++i;
      continue;
    }
    if (text[i] == '"') quoted = !quoted;
    if (text[i] == '>' && !quoted) return i;
  }
  return std::string_view::npos;
}

}  // namespace sealmail::smtp
