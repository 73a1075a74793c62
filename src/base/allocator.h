// allocator.h — how the sealmail process asks glibc's malloc to treat freed memory.
//
// librnp allocates and frees buffers of hundreds of kilobytes for every message it encrypts or
// decrypts. With glibc's defaults such buffers are returned to the kernel when freed (mmap
// above the threshold, or trimming the heap top) and faulted in again — zeroed page by page —
// for the next message: about a sixth of a 10 KB round trip went to page faults and memset
// (`perf`, docs/performance.md). keep_freed_memory() raises the mmap and trim thresholds so
// that freed buffers are reused instead.
//
// Cost: the process keeps up to `trim_threshold` of freed heap instead of returning it, and
// allocations below `mmap_threshold` come from the heap (a 50 MB message's buffers are still
// mmapped). Secrets are unaffected: they are wiped before they are freed (log.h Sensitive,
// RNP's secure buffers).
// Thread-safety: call once, at the start of main(), before threads exist.
#pragma once

#include <cstddef>

namespace sealmail {

void keep_freed_memory(size_t mmap_threshold = size_t{32} << 20,
                       size_t trim_threshold = size_t{128} << 20);

}  // namespace sealmail
