// clock.h — the wall clock as the store, the API and the client record it: Unix time in
// milliseconds. One definition, so every timestamp in the store reads the same way.
//
// Thread-safety: safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace sealmail {

inline int64_t unix_time_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sealmail
