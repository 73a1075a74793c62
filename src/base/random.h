// random.h — random bytes from the operating system's CSPRNG (getrandom(2)).
//
// Used for salts, tokens and recovery-phrase entropy. getrandom blocks only until the kernel's
// pool is first initialised at boot, then never. A failure of the kernel CSPRNG is not something
// a caller can handle or retry meaningfully, so it aborts (SEALMAIL_CHECK) instead of returning
// an error: continuing without randomness would be worse.
//
// Thread-safety: safe from any thread.
#pragma once

#include <cstddef>
#include <string>

namespace sealmail {

// n bytes from the OS CSPRNG.
std::string random_bytes(size_t n);

// `bytes` random bytes as lowercase hex (2 * bytes characters), e.g. for passphrase tokens.
std::string random_token_hex(size_t bytes);

}  // namespace sealmail
