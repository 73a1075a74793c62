// json_body.h — reading the JSON bodies of API requests: one object per request, each field
// checked for presence, type and size, with a 400 that names the field when it is wrong.
//
// SECURITY: everything here reads untrusted request bodies. Sizes are bounded per field (on
// top of the engine's body limit); binary fields are base64 (base/base64.h) and bounded after
// decoding. Error messages name the field, never echo its value.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/request.h"
#include "server/api/step.h"

namespace sealmail::server::api {

using Json = nlohmann::json;

// The request body as a JSON object; 400 for anything else.
Step<Json> json_object(const http::Request& request);

// A required string of at most max_bytes; 400 "FIELD: …" if missing, not a string or too long.
Step<std::string> text_field(const Json& object, std::string_view field, size_t max_bytes);
// As text_field, but absent (or null) is nullopt.
Step<std::optional<std::string>> optional_text_field(const Json& object, std::string_view field,
                                                     size_t max_bytes);
// A required base64 string decoding to at most max_bytes.
Step<std::string> bytes_field(const Json& object, std::string_view field, size_t max_bytes);
// A required JSON object, returned serialised (compact) and no longer than max_bytes.
Step<std::string> document_field(const Json& object, std::string_view field, size_t max_bytes);
// A required object.
Step<Json> object_field(const Json& object, std::string_view field);
// An optional boolean (absent → fallback).
Step<bool> bool_field(const Json& object, std::string_view field, bool fallback);
// A required integer in [min, max].
Step<int64_t> integer_field(const Json& object, std::string_view field, int64_t min, int64_t max);
// A required array of at most max_count ids, each 16 lower-case hex digits (message, folder and
// label ids). Order and duplicates are kept.
Step<std::vector<std::string>> id_list_field(const Json& object, std::string_view field,
                                             size_t max_count);
// Whether `text` is 16 lower-case hex digits.
bool is_hex_id(std::string_view text);

}  // namespace sealmail::server::api
