// rnp_ffi.h — the librnp adapter's plumbing: rnp_error(), the one place that turns an
// rnp_result_t into our Error; RAII owners for RNP handles; byte-sink and multi-piece source
// callbacks. Internal to src/pgp: only files of this folder include it (and so <rnp/rnp.h>).
//
// SECURITY: none of its own; it carries bytes between callers and RNP.
// Standards: none.
// Thread-safety: an Ffi is used by one thread at a time; the helpers keep no shared state.
#pragma once

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealmail::pgp::internal {

// Maps an RNP result code to our category: bad format/unknown tag/not enough data →
// kInvalidArgument, bad password → kPermissionDenied, key not found/no suitable key →
// kNotFound, decrypt/MAC/signature failures → kPermissionDenied, not supported/implemented →
// kUnsupported, read/write/access → kIo, anything else → kInternal. `context` says what we
// were doing; RNP's own text for the code is appended (it never includes message content).
Error rnp_error(rnp_result_t rc, std::string_view context);

// Evaluates an RNP call once and returns its error from the enclosing function on failure.
#define SEALMAIL_RNP(call, context)                                              \
  do {                                                                           \
    if (rnp_result_t sealmail_rnp_rc_ = (call); sealmail_rnp_rc_ != RNP_SUCCESS) \
      return ::sealmail::pgp::internal::rnp_error(sealmail_rnp_rc_, context);    \
  } while (false)

struct FfiDeleter {
  void operator()(rnp_ffi_st* ffi) const { rnp_ffi_destroy(ffi); }
};
struct KeyDeleter {
  void operator()(rnp_key_handle_st* key) const { rnp_key_handle_destroy(key); }
};
struct InputDeleter {
  void operator()(rnp_input_st* input) const { rnp_input_destroy(input); }
};
struct OutputDeleter {
  void operator()(rnp_output_st* output) const { rnp_output_destroy(output); }
};
struct BufferDeleter {
  void operator()(char* buffer) const { rnp_buffer_destroy(buffer); }
};
using Ffi = std::unique_ptr<rnp_ffi_st, FfiDeleter>;
using Key = std::unique_ptr<rnp_key_handle_st, KeyDeleter>;
using Input = std::unique_ptr<rnp_input_st, InputDeleter>;
using Output = std::unique_ptr<rnp_output_st, OutputDeleter>;
using RnpString = std::unique_ptr<char, BufferDeleter>;

// A new ffi (GPG keyring formats) whose log goes to /dev/null instead of stderr (RNP logs
// key ids and parse errors there by default) and whose password provider always refuses, so
// RNP never asks a terminal for anything.
Result<Ffi> make_ffi();

// Makes the ffi's password provider answer symmetric (SKESK) requests with `*password`
// (which must outlive the use), or refuse everything when `password` is null.
Status provide_password(rnp_ffi_t ffi, const std::string* password);

// Input over caller-owned bytes; no copy, so `bytes` must outlive the Input.
Result<Input> input_from(std::string_view bytes);

// Input that reads `pieces` one after another without concatenating them. The vector and the
// bytes it points to must outlive the Input.
Result<Input> input_from_pieces(const std::vector<std::string_view>* pieces);

// Output appending to `*sink` (which must outlive it). Writes go straight into the string, so
// the output is held once.
Result<Output> output_to(std::string* sink);

// Overwrites the bytes of `s` (and its spare capacity) before clearing it.
void wipe(std::string& s);

// RNP returns strings it allocated; this copies one into a std::string and frees it.
std::string take(char* rnp_string);

// Looks up a key by "fingerprint" or "keyid" (hex); kNotFound when absent.
Result<Key> locate(rnp_ffi_t ffi, const char* type, const std::string& id);

}  // namespace sealmail::pgp::internal
