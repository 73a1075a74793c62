// token.h — bearer secrets handed to clients (session and refresh tokens, invite codes,
// recovery codes) and the one-way form the store keeps of them.
//
// The store holds token_hash(token) only, so a copy of the database does not log anyone in.
// Tokens carry 256 random bits, so a plain SHA-256 suffices (no salt, no slow hash): a lookup
// by hash is a database index. Recovery codes carry 50 bits and are typed by people; callers
// hash normalize_recovery_code(input) and must rate-limit attempts.
//
// SECURITY: tokens and codes arrive from anyone. token_hash reads any bytes; comparisons of
// secrets go through constant_time_equals.
//
// Standards: RFC 4648 §5 (base64url), FIPS 180-4 (SHA-256), Crockford's base32 alphabet.
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sealmail::auth {

inline constexpr size_t kTokenBytes = 32;

// kTokenBytes random bytes as base64url without padding: 43 characters of [A-Za-z0-9_-].
std::string new_token();

// SHA-256 of the token's bytes, lowercase hex (64 characters): what the store keeps.
std::string token_hash(std::string_view token);

// 10 characters from "0123456789abcdefghjkmnpqrstvwxyz" (Crockford's alphabet: no i, l, o, u),
// grouped "xxxxx-xxxxx": 50 random bits.
std::string new_recovery_code();

// What a typed recovery code is hashed as: ASCII lower-case, spaces, tabs and dashes removed,
// and the look-alikes Crockford decodes mapped ('o' → '0', 'i' and 'l' → '1'), so "ABCDE FGH1J"
// and "abcde-fghij" are the same code. Other characters are kept (and so will not match).
std::string normalize_recovery_code(std::string_view code);

// Byte-wise equality whose time depends only on the lengths.
bool constant_time_equals(std::string_view a, std::string_view b);

// HMAC-SHA-256 (RFC 2104) of `message` under `key`: 32 raw bytes. For values the server derives
// from its own secrets (fake SRP salts for unknown addresses).
std::string hmac_sha256(std::string_view key, std::string_view message);

}  // namespace sealmail::auth
