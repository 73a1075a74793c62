// openssl_error.h — the one place where OpenSSL's thread-local error queue becomes an Error.
//
// Thread-safety: OpenSSL keeps one error queue per thread; call these on the thread that made
// the failing OpenSSL call, before anything else touches the queue.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::net::internal {

// Drains the calling thread's OpenSSL error queue into "what: <openssl reasons>".
Error openssl_error(Errc code, std::string_view what);

// Drains the queue into a human-readable string ("" if it is empty), for logs.
std::string drain_openssl_errors();

}  // namespace sealmail::net::internal
