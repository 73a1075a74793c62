#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace sealmail::base {

void check_failed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "sealmail: %s:%d: check failed: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace sealmail::base
