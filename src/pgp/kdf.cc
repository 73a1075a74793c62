#include "pgp/kdf.h"

#include <botan/argon2.h>
#include <botan/base64.h>
#include <botan/secmem.h>

#include <charconv>
#include <exception>
#include <new>
#include <string>

#include "pgp/kdf_impl.h"
#include "base/random.h"

namespace sealmail::pgp {
namespace {

constexpr uint8_t kArgon2idFamily = 2;  // Botan's y parameter: 0 = d, 1 = i, 2 = id

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Runs Argon2id; parameters must already be validated.
Result<Sensitive> run_argon2id(const Argon2idInput& in) {
  Botan::secure_vector<uint8_t> out(in.out_len);
  try {
    Botan::argon2(out.data(), out.size(), in.password.data(), in.password.size(), bytes_of(in.salt),
                  in.salt.size(), bytes_of(in.secret), in.secret.size(),
                  bytes_of(in.associated_data), in.associated_data.size(), kArgon2idFamily,
                  in.params.parallelism, in.params.memory_kib, in.params.iterations);
  } catch (const std::bad_alloc&) {
    return make_error(Errc::kUnavailable, "not enough memory for the password KDF");
  } catch (const std::exception& e) {
    return make_error(Errc::kInternal, std::string("Argon2id failed: ") + e.what());
  }
  return Sensitive(std::string(out.begin(), out.end()));
}

Status check_key_size(size_t out_len) {
  if (out_len < kMinKeySize || out_len > kMaxKeySize)
    return make_error(Errc::kInvalidArgument, "KDF output length must be 16 to 64 bytes");
  return ok_status();
}

Status check_salt(std::string_view salt) {
  if (salt.size() < kMinSaltSize || salt.size() > kMaxSaltSize)
    return make_error(Errc::kInvalidArgument, "KDF salt must be 16 to 64 bytes");
  return ok_status();
}

}  // namespace

Status check_kdf_params(const KdfParams& params) {
  if (params.memory_kib < kKdfMinMemoryKib)
    return make_error(Errc::kInvalidArgument, "KDF memory below the minimum of 19456 KiB");
  if (params.memory_kib > kKdfMaxMemoryKib)
    return make_error(Errc::kInvalidArgument, "KDF memory above the maximum of 2 GiB");
  if (params.iterations < 1 || params.iterations > kKdfMaxIterations)
    return make_error(Errc::kInvalidArgument, "KDF iterations must be 1 to 64");
  if (params.parallelism < 1 || params.parallelism > kKdfMaxParallelism)
    return make_error(Errc::kInvalidArgument, "KDF parallelism must be 1 to 16");
  return ok_status();
}

std::string to_string(const KdfParams& params) {
  return "m=" + std::to_string(params.memory_kib) + ",t=" + std::to_string(params.iterations) +
         ",p=" + std::to_string(params.parallelism);
}

Result<KdfParams> parse_kdf_params(std::string_view text) {
  auto bad = [] { return make_error(Errc::kInvalidArgument, "malformed KDF parameters"); };
  KdfParams params;
  std::string_view rest = text;
  const std::pair<std::string_view, uint32_t*> fields[] = {
      {"m=", &params.memory_kib}, {"t=", &params.iterations}, {"p=", &params.parallelism}};
  for (size_t i = 0; i < std::size(fields); ++i) {
    auto [prefix, target] = fields[i];
    if (i > 0) {
      if (rest.empty() || rest.front() != ',') return bad();
      rest.remove_prefix(1);
    }
    if (!rest.starts_with(prefix)) return bad();
    rest.remove_prefix(prefix.size());
    // Digits only: from_chars would accept a leading '-' for unsigned on some libraries.
    if (rest.empty() || rest.front() < '0' || rest.front() > '9') return bad();
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), *target);
    if (ec != std::errc()) return bad();
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
  }
  if (!rest.empty()) return bad();
  SEALMAIL_RETURN_IF_ERROR(check_kdf_params(params));
  return params;
}

std::string new_salt() { return random_bytes(kSaltSize); }

Result<Sensitive> derive_key(std::string_view password, std::string_view salt,
                             const KdfParams& params, size_t out_len) {
  SEALMAIL_RETURN_IF_ERROR(check_kdf_params(params));
  SEALMAIL_RETURN_IF_ERROR(check_salt(salt));
  SEALMAIL_RETURN_IF_ERROR(check_key_size(out_len));
  return run_argon2id({.password = password, .salt = salt, .params = params, .out_len = out_len});
}

Result<Sensitive> derive_key_passphrase(std::string_view password, std::string_view key_salt,
                                        const KdfParams& params) {
  auto key = SEALMAIL_TRY(
      internal::derive_labelled(internal::kKeyPassphraseLabel, password, key_salt, params, 32));
  return internal::to_passphrase(key);
}

Result<Sensitive> derive_auth_secret(std::string_view password, std::string_view auth_salt,
                                     const KdfParams& params) {
  return internal::derive_labelled(internal::kAuthSecretLabel, password, auth_salt, params, 32);
}

Result<Sensitive> argon2id(const Argon2idInput& input) {
  const KdfParams& p = input.params;
  if (input.salt.size() < 8)
    return make_error(Errc::kInvalidArgument, "Argon2 salt must be at least 8 bytes");
  if (input.out_len < 4 || input.out_len > 1024)
    return make_error(Errc::kInvalidArgument, "Argon2 output must be 4 to 1024 bytes");
  if (p.parallelism < 1 || p.parallelism > kKdfMaxParallelism || p.iterations < 1 ||
      p.iterations > kKdfMaxIterations || p.memory_kib < 8 * p.parallelism ||
      p.memory_kib > kKdfMaxMemoryKib)
    return make_error(Errc::kInvalidArgument, "Argon2 parameters out of range");
  return run_argon2id(input);
}

namespace internal {

Result<Sensitive> derive_labelled(std::string_view label, std::string_view secret_input,
                                  std::string_view salt, const KdfParams& params, size_t out_len) {
  SEALMAIL_RETURN_IF_ERROR(check_kdf_params(params));
  SEALMAIL_RETURN_IF_ERROR(check_salt(salt));
  SEALMAIL_RETURN_IF_ERROR(check_key_size(out_len));
  std::string full_salt(label);
  full_salt.push_back('\0');
  full_salt.append(salt);
  return run_argon2id(
      {.password = secret_input, .salt = full_salt, .params = params, .out_len = out_len});
}

Sensitive to_passphrase(const Sensitive& key) {
  return Sensitive(Botan::base64_encode(bytes_of(key.reveal()), key.size()));
}

}  // namespace internal
}  // namespace sealmail::pgp
