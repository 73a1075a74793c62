// test_util.h — for src/http tests only: a small, strict HTTP/1.1 response reader so the
// engine tests can check what went on the wire without linking Beast.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.h"

namespace sealmail::http::testing {

struct WireResponse {
  int status = 0;
  std::string reason;
  Fields headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const {
    std::optional<std::string> found;
    for (const auto& [field, value] : headers) {
      if (iequals(field, name)) {
        if (found) ADD_FAILURE() << "header repeated: " << name;
        found = value;
      }
    }
    return found;
  }
  bool has(std::string_view name) const { return header(name).has_value(); }
};

// Whether `text` fits `shape`, where in the shape 'x' is a lowercase hex digit, '9' a digit,
// 'A' an uppercase and 'a' a lowercase ASCII letter, and anything else stands for itself.
// (std::regex trips GCC 12's maybe-uninitialized warning under the sanitizers.)
inline bool fits_shape(std::string_view text, std::string_view shape) {
  if (text.size() != shape.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ok = false;
    switch (shape[i]) {
      case 'x':
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        break;
      case '9':
        ok = c >= '0' && c <= '9';
        break;
      case 'A':
        ok = c >= 'A' && c <= 'Z';
        break;
      case 'a':
        ok = c >= 'a' && c <= 'z';
        break;
      default:
        ok = c == shape[i];
    }
    if (!ok) return false;
  }
  return true;
}

constexpr std::string_view kRequestIdShape = "xxxxxxxxxxxxxxxx";
constexpr std::string_view kHttpDateShape = "Aaa, 99 Aaa 9999 99:99:99 GMT";

// Parses every response in `wire`; `head_responses` marks responses (by index) that answer a
// HEAD request and so carry no body. Fails the test on anything malformed.
inline std::vector<WireResponse> parse_responses(std::string_view wire,
                                                 std::vector<size_t> head_responses = {}) {
  std::vector<WireResponse> out;
  while (!wire.empty()) {
    size_t end = wire.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      ADD_FAILURE() << "incomplete response head: " << wire;
      return out;
    }
    std::string_view head = wire.substr(0, end + 2);
    wire.remove_prefix(end + 4);
    WireResponse response;
    size_t eol = head.find("\r\n");
    std::string_view status_line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    if (status_line.substr(0, 9) != "HTTP/1.1 " || status_line.size() < 13 ||
        status_line[12] != ' ') {
      ADD_FAILURE() << "bad status line: " << status_line;
      return out;
    }
    response.status = std::stoi(std::string(status_line.substr(9, 3)));
    response.reason = std::string(status_line.substr(13));
    while (!head.empty()) {
      eol = head.find("\r\n");
      std::string_view line = head.substr(0, eol);
      head.remove_prefix(eol + 2);
      size_t colon = line.find(": ");
      if (colon == std::string_view::npos) {
        ADD_FAILURE() << "bad field line: " << line;
        return out;
      }
      response.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    bool is_head = false;
    for (size_t i : head_responses) is_head = is_head || i == out.size();
    if (auto length = response.header("Content-Length"); length && !is_head) {
      size_t n = std::stoul(*length);
      if (wire.size() < n) {
        ADD_FAILURE() << "body shorter than Content-Length";
        return out;
      }
      response.body = std::string(wire.substr(0, n));
      wire.remove_prefix(n);
    }
    out.push_back(std::move(response));
  }
  return out;
}

}  // namespace sealmail::http::testing
