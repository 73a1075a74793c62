#include "base/allocator.h"

#include <malloc.h>

#include <climits>

namespace sealmail {

void keep_freed_memory(size_t mmap_threshold, size_t trim_threshold) {
  // Setting a threshold also turns off glibc's dynamic adjustment of both.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold > INT_MAX ? INT_MAX : mmap_threshold));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold > INT_MAX ? INT_MAX : trim_threshold));
}

}  // namespace sealmail
