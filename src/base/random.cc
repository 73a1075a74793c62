#include "base/random.h"

#include "base/hex.h"

#include <sys/random.h>

#include <cerrno>

#include "base/check.h"

namespace sealmail {

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t filled = 0;
  while (filled < n) {
    // Without GRND_NONBLOCK this waits for the boot-time seeding, then never fails except on
    // signals; reads larger than 256 bytes may be short, hence the loop.
    ssize_t got = getrandom(out.data() + filled, n - filled, 0);
    if (got < 0) {
      SEALMAIL_CHECK(errno == EINTR);
      continue;
    }
    filled += static_cast<size_t>(got);
  }
  return out;
}

std::string random_token_hex(size_t bytes) { return hex_encode(random_bytes(bytes)); }

}  // namespace sealmail
