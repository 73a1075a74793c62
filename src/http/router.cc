#include "http/router.h"

#include <algorithm>
#include <set>

#include "base/check.h"

namespace sealmail::http {
namespace {

// "/a/b" → {"a","b"}; "/" → {""}; "/a/" → {"a",""}. The caller ensures a leading '/'.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_capture_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

void Router::add(std::string method, std::string path_pattern, Handler handler) {
  SEALMAIL_CHECK(!method.empty() && std::all_of(method.begin(), method.end(), is_token_char));
  SEALMAIL_CHECK(!path_pattern.empty() && path_pattern.front() == '/');
  SEALMAIL_CHECK(handler != nullptr);
  Route route;
  std::set<std::string, std::less<>> names;
  for (std::string_view text : split_path(path_pattern)) {
    Segment segment;
    if (!text.empty() && text.front() == '{') {
      SEALMAIL_CHECK(text.size() >= 2 && text.back() == '}');
      segment.capture = true;
      segment.text = std::string(text.substr(1, text.size() - 2));
      SEALMAIL_CHECK(is_capture_name(segment.text));
      SEALMAIL_CHECK(names.insert(segment.text).second);
    } else {
      SEALMAIL_CHECK(text.find_first_of("{}?#") == std::string_view::npos);
      segment.text = std::string(text);
    }
    route.segments.push_back(std::move(segment));
  }
  for (const Route& other : routes_) {
    if (other.method != method || other.segments.size() != route.segments.size()) continue;
    bool same_shape = std::equal(other.segments.begin(), other.segments.end(),
                                 route.segments.begin(), [](const Segment& a, const Segment& b) {
                                   return a.capture == b.capture && (a.capture || a.text == b.text);
                                 });
    SEALMAIL_CHECK(!same_shape);
  }
  route.method = std::move(method);
  route.pattern = std::move(path_pattern);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

void Router::add(std::string method, std::string path_pattern, Handler handler,
                 LargeBody large_body) {
  SEALMAIL_CHECK(large_body.max_body_bytes > 0 && large_body.admit != nullptr);
  add(std::move(method), std::move(path_pattern), std::move(handler));
  max_large_body_bytes_ = std::max(max_large_body_bytes_, large_body.max_body_bytes);
  routes_.back().large_body = std::move(large_body);
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  if (path.empty() || path.front() != '/') return result;
  const std::vector<std::string_view> segments = split_path(path);

  // True when `a` is more specific than `b` (both matched the same path).
  auto more_specific = [](const Route& a, const Route& b) {
    for (size_t i = 0; i < a.segments.size(); ++i) {
      if (a.segments[i].capture != b.segments[i].capture) return !a.segments[i].capture;
    }
    return false;
  };

  const Route* best = nullptr;
  const Route* best_get = nullptr;  // for HEAD without a HEAD route
  std::map<std::string, std::string, std::less<>> best_params, best_get_params;
  std::set<std::string, std::less<>> allowed;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool matched = true;
    for (size_t i = 0; i < segments.size() && matched; ++i) {
      const Segment& want = route.segments[i];
      if (!want.capture) {
        matched = want.text == segments[i];
        continue;
      }
      auto value = segments[i].empty() ? std::nullopt : percent_decode(segments[i]);
      matched = value && value->find_first_of(std::string_view("/\0", 2)) == std::string::npos;
      if (matched) params.emplace(want.text, std::move(*value));
    }
    if (!matched) continue;
    allowed.insert(route.method);
    if (route.method == method && (!best || more_specific(route, *best))) {
      best = &route;
      best_params = std::move(params);
    } else if (method == "HEAD" && route.method == "GET" &&
               (!best_get || more_specific(route, *best_get))) {
      best_get = &route;
      best_get_params = std::move(params);
    }
  }
  if (!best && best_get) {
    best = best_get;
    best_params = std::move(best_get_params);
  }
  if (best) {
    result.kind = Match::Kind::kFound;
    result.handler = &best->handler;
    if (best->large_body) result.large_body = &*best->large_body;
    result.pattern = best->pattern;
    result.params = std::move(best_params);
    return result;
  }
  if (allowed.empty()) return result;
  if (allowed.count("GET")) allowed.insert("HEAD");
  result.kind = Match::Kind::kMethodNotAllowed;
  for (const std::string& m : allowed) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += m;
  }
  return result;
}

Response Router::dispatch(Request& request) const {
  Match found = match(request.method, request.path);
  switch (found.kind) {
    case Match::Kind::kFound:
      request.params = std::move(found.params);
      request.route = std::move(found.pattern);
      return (*found.handler)(request);
    case Match::Kind::kMethodNotAllowed: {
      Response response =
          Response::error(405, "method_not_allowed", "method not allowed for this resource");
      response.headers.emplace_back("Allow", std::move(found.allow));
      return response;
    }
    case Match::Kind::kNotFound:
      break;
  }
  return Response::error(404, "not_found", "no such resource");
}

}  // namespace sealmail::http
