// result.h — Result<T> and Status: the outcome of anything that can fail for reasons the
// outside world controls (bad input, I/O, peers). Bugs are SEALMAIL_CHECK, not errors.
//
// An Error carries a category (Errc) that callers branch on, and a one-line message for
// people. Messages never contain user message content (see log.h).
//
// Thread-safety: value types; no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/check.h"

namespace sealmail {

enum class Errc {
  kInvalidArgument,   // the input is malformed or out of range
  kNotFound,          // the named thing does not exist
  kAlreadyExists,     // the thing to create exists
  kPermissionDenied,  // refused by policy or credentials
  kLimitExceeded,     // a configured limit was reached
  kUnavailable,       // a dependency (disk, database, peer) cannot be reached now; retry later
  kTimeout,           // an operation took longer than allowed
  kCorruption,        // stored data fails its own consistency checks
  kIo,                // the operating system refused a read or write
  kUnsupported,       // valid, but not something this build does
  kInternal,          // a failure in a library we call that fits no category above
};

std::string_view errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;

  // "not_found: no such account" — for logs and CLI output.
  std::string describe() const;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    SEALMAIL_CHECK(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    SEALMAIL_CHECK(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    SEALMAIL_CHECK(ok());
    return std::get<0>(std::move(state_));
  }
  T value_or(T fallback) const& { return ok() ? std::get<0>(state_) : std::move(fallback); }

  const Error& error() const& {
    SEALMAIL_CHECK(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    SEALMAIL_CHECK(!ok());
    return std::get<1>(std::move(state_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }

  const Error& error() const& {
    SEALMAIL_CHECK(!ok());
    return *error_;
  }
  Error&& error() && {
    SEALMAIL_CHECK(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return Status{}; }

}  // namespace sealmail

// Propagate an error from a Status-returning expression.
#define SEALMAIL_RETURN_IF_ERROR(expr)                          \
  do {                                                          \
    if (auto sealmail_status_ = (expr); !sealmail_status_.ok()) \
      return std::move(sealmail_status_).error();               \
  } while (false)

// `auto x = SEALMAIL_TRY(f());` — the value of a Result, or return its error.
// Uses a GNU statement expression (GCC and Clang both accept it). Never use it inside a braced
// initializer (`T{.a = SEALMAIL_TRY(…)}`, `json{{"k", SEALMAIL_TRY(…)}}`): returning from there
// skips the destructors of the parts already built, a leak.
#define SEALMAIL_TRY(expr)                                                  \
  ({                                                                        \
    auto sealmail_result_ = (expr);                                         \
    if (!sealmail_result_.ok()) return std::move(sealmail_result_).error(); \
    std::move(sealmail_result_).value();                                    \
  })
