// path.h — RFC 5321 §4.1.2 Path / Mailbox parsing for MAIL FROM and RCPT TO.
//
// parse_path takes the text between "FROM:" / "TO:" and the first parameter, i.e. the whole
// "<...>" including the angle brackets, and returns the mailbox with any source route dropped
// (RFC 5321 §4.1.1.3 / Appendix C: a route is accepted syntactically and ignored).
//
// SECURITY: the input is untrusted network text. CR, LF, NUL and every other control byte are
// refused. Non-ASCII bytes are refused unless SMTPUTF8 was given on MAIL (RFC 6531), and then
// must be well-formed UTF-8. The result is syntax only: whether a mailbox is local is the
// MailSink's decision, and the sink MUST treat `u%ext@our`, `ext!u@our`, `"u@ext"@our` (a
// local part that itself contains '@', '%' or '!') as non-local — never as a relay hop.
// `@our:u@ext` parses to u@ext (route stripped) and `u@ext@our` is a syntax error.
// Error messages never echo the input.
//
// Standards: RFC 5321 §4.1.2, §4.5.3.1 (64-octet local part, 255-octet domain, 256-octet
// path), RFC 6531 §3.3 (UTF-8 in local parts and domains).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::smtp {

struct Mailbox {
  std::string local;   // as written: a dot-string, or a quoted string with its quotes
  std::string domain;  // a domain or an address literal "[...]", as written

  std::string address() const { return local + "@" + domain; }
  bool operator==(const Mailbox&) const = default;
};

// kInvalidArgument for a syntax error (including "<>", which callers handle before calling);
// kUnsupported for non-ASCII bytes when `smtputf8` is false (reply 553 5.6.7).
Result<Mailbox> parse_path(std::string_view path, bool smtputf8);

// In `text` that starts with '<', the index of the '>' that closes the path — outside a quoted
// local part, which may hold '>' — or npos when there is none.
size_t path_end(std::string_view text);

// RFC 3461 §4 xtext: "+" followed by two upper-case hex digits, or a printable ASCII byte other
// than '+' and '='. Used for ENVID and ORCPT.
bool is_xtext(std::string_view text);

}  // namespace sealmail::smtp
