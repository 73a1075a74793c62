// dns_name.h — what counts as a DNS host name where sealmail takes one from people (config,
// CLI): LDH labels (RFC 1123 §2.1), each 1–63 bytes without a leading or trailing hyphen,
// at most 253 bytes in all, no trailing dot. Names also go into TOML and OpenSSL config strings,
// so nothing outside this alphabet may pass.
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

namespace sealmail {

bool is_dns_name(std::string_view name);

}  // namespace sealmail
