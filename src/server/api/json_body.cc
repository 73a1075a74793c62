#include "server/api/json_body.h"

#include <fmt/format.h>

#include "base/base64.h"
#include "base/hex.h"

namespace sealmail::server::api {
namespace {

http::Response field_error(std::string_view field, std::string_view problem) {
  return bad_request(fmt::format("{}: {}", field, problem));
}

const Json* find(const Json& object, std::string_view field) {
  auto it = object.find(field);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

Step<Json> json_object(const http::Request& request) {
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return bad_request("the request body must be a JSON object");
  }
  return body;
}

Step<std::optional<std::string>> optional_text_field(const Json& object, std::string_view field,
                                                     size_t max_bytes) {
  const Json* value = find(object, field);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return field_error(field, "must be a string");
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    return field_error(field, fmt::format("longer than {} bytes", max_bytes));
  }
  return std::optional<std::string>(text);
}

Step<std::string> text_field(const Json& object, std::string_view field, size_t max_bytes) {
  auto text = SEALMAIL_API_TRY(optional_text_field(object, field, max_bytes));
  if (!text) return field_error(field, "is required");
  return std::move(*text);
}

Step<std::string> bytes_field(const Json& object, std::string_view field, size_t max_bytes) {
  std::string text = SEALMAIL_API_TRY(text_field(object, field, (max_bytes + 2) / 3 * 4));
  auto bytes = base64_decode(text);
  if (!bytes) return field_error(field, "is not base64");
  if (bytes->size() > max_bytes) {
    return field_error(field, fmt::format("longer than {} bytes", max_bytes));
  }
  return std::move(*bytes);
}

Step<Json> object_field(const Json& object, std::string_view field) {
  const Json* value = find(object, field);
  if (value == nullptr) return field_error(field, "is required");
  if (!value->is_object()) return field_error(field, "must be an object");
  return *value;
}

Step<std::string> document_field(const Json& object, std::string_view field, size_t max_bytes) {
  Json value = SEALMAIL_API_TRY(object_field(object, field));
  std::string text = value.dump();
  if (text.size() > max_bytes) {
    return field_error(field, fmt::format("longer than {} bytes", max_bytes));
  }
  return text;
}

Step<bool> bool_field(const Json& object, std::string_view field, bool fallback) {
  const Json* value = find(object, field);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) return field_error(field, "must be true or false");
  return value->get<bool>();
}

Step<int64_t> integer_field(const Json& object, std::string_view field, int64_t min, int64_t max) {
  const Json* value = find(object, field);
  if (value == nullptr) return field_error(field, "is required");
  if (!value->is_number_integer()) return field_error(field, "must be an integer");
  if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return field_error(field, fmt::format("must be {} to {}", min, max));
  }
  const int64_t number = value->get<int64_t>();
  if (number < min || number > max)
    return field_error(field, fmt::format("must be {} to {}", min, max));
  return number;
}

bool is_hex_id(std::string_view text) { return is_lower_hex(text, 16); }

Step<std::vector<std::string>> id_list_field(const Json& object, std::string_view field,
                                             size_t max_count) {
  const Json* value = find(object, field);
  if (value == nullptr) return field_error(field, "is required");
  if (!value->is_array()) return field_error(field, "must be an array");
  if (value->size() > max_count)
    return field_error(field, fmt::format("more than {} ids", max_count));
  std::vector<std::string> ids;
  ids.reserve(value->size());
  for (const Json& item : *value) {
    if (!item.is_string() || !is_hex_id(item.get_ref<const std::string&>())) {
      return field_error(field, "each id is 16 lower-case hex digits");
    }
    ids.push_back(item.get<std::string>());
  }
  return ids;
}

}  // namespace sealmail::server::api
