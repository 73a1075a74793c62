// authentication_results.h — the Authentication-Results header field (RFC 8601) the MX adds on
// top of each received message: one "method=result" clause per SPF, DKIM and DMARC result,
// built independently of the libraries that computed them.
//
// RFC 8601 §5: before adding ours, the MX removes every incoming Authentication-Results field
// that carries our authserv-id (has_our_authserv_id), so a sender cannot forge our verdicts;
// fields with other authserv-ids are kept as they came (they are not ours to trust or delete).
//
// SECURITY: reasons, property values and the authserv-id may hold text from the message or the
// network (a DKIM d=, a MAIL FROM). Every byte that is a control character, CR, LF, DEL or not
// ASCII is replaced with '?', values are cut at 256 bytes, and anything that is not an RFC 2045
// token (or, for property values, a plain local-part@domain) is a quoted-string with '"' and
// '\' escaped: no value can end the header, add a clause or a field. Method, result and property
// names are our own constants and must be RFC 8601 keywords (checked, a bug otherwise).
// Standards: RFC 8601, RFC 2045 §5.1 (token), RFC 5322 (quoted-string, folding), RFC 6008
// (header.b), RFC 7601 is obsoleted by 8601.
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealmail::dmarc {

struct MethodResult {
  std::string method;  // "spf", "dkim", "dmarc"
  std::string result;  // "pass", "fail", …
  std::string reason;  // optional, free text (untrusted allowed)
  // {"smtp.mailfrom", "a@example.org"}, {"header.d", "example.org"}, {"header.b", "AbCdEfGh"}
  std::vector<std::pair<std::string, std::string>> properties;
};

// The complete field, "Authentication-Results: mx.example.net;\r\n\tspf=pass
// smtp.mailfrom=a@example.org;\r\n\tdkim=pass header.d=example.org\r\n", folded with CRLF + tab
// (one clause per line, longer clauses folded near 78 columns) and ending with CRLF. With no
// results: "Authentication-Results: mx.example.net; none\r\n".
std::string authentication_results(std::string_view authserv_id,
                                   std::span<const MethodResult> results);

// Whether an Authentication-Results field value (what follows the colon, possibly folded)
// names `authserv_id` (ASCII case-insensitive), skipping leading whitespace and comments.
bool has_our_authserv_id(std::string_view header_value, std::string_view authserv_id);

}  // namespace sealmail::dmarc
