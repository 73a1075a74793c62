// check.h — fatal assertions for broken invariants.
//
// SEALMAIL_CHECK is for bugs only: conditions the program itself guarantees. Never use it on
// anything the outside world controls (network bytes, files, config, peers) — that is a
// Result<T> error. A failed check prints file:line and the condition, then aborts, in every
// build type.
//
// Thread-safety: safe from any thread.
#pragma once

namespace sealmail::base {
[[noreturn]] void check_failed(const char* file, int line, const char* condition);
}  // namespace sealmail::base

#define SEALMAIL_CHECK(condition)                                     \
  do {                                                                \
    if (!(condition)) [[unlikely]]                                    \
      ::sealmail::base::check_failed(__FILE__, __LINE__, #condition); \
  } while (false)

#define SEALMAIL_UNREACHABLE() ::sealmail::base::check_failed(__FILE__, __LINE__, "unreachable")
