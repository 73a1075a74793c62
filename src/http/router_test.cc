#include "http/router.h"

#include <gtest/gtest.h>

namespace sealmail::http {
namespace {

using Kind = Router::Match::Kind;
using Params = std::map<std::string, std::string, std::less<>>;

Handler named(std::string name) {
  return [name](const Request&) { return Response::text(200, name); };
}

Router make_router() {
  Router router;
  router.add("GET", "/", named("root"));
  router.add("GET", "/api/v1/health", named("health"));
  router.add("GET", "/api/v1/users/{id}", named("get-user"));
  router.add("DELETE", "/api/v1/users/{id}", named("delete-user"));
  router.add("GET", "/api/v1/users/me", named("me"));
  router.add("GET", "/api/v1/users/{id}/keys/{fpr}", named("key"));
  router.add("PUT", "/api/v1/users/{id}/keys/{fpr}", named("put-key"));
  router.add("POST", "/api/v1/messages", named("send"));
  router.add("HEAD", "/api/v1/messages", named("head-messages"));
  router.add("GET", "/{a}/x", named("a-x"));
  router.add("GET", "/y/{b}", named("y-b"));
  return router;
}

TEST(Router, MatchTable) {
  const Router router = make_router();
  struct Case {
    std::string_view method, path;
    Kind kind;
    std::string_view pattern;  // kFound
    Params params;             // kFound
    std::string_view allow;    // kMethodNotAllowed
  };
  const Case cases[] = {
      {"GET", "/", Kind::kFound, "/", {}, ""},
      {"GET", "/api/v1/health", Kind::kFound, "/api/v1/health", {}, ""},
      {"HEAD", "/api/v1/health", Kind::kFound, "/api/v1/health", {}, ""},
      {"POST", "/api/v1/health", Kind::kMethodNotAllowed, "", {}, "GET, HEAD"},
      {"get", "/api/v1/health", Kind::kMethodNotAllowed, "", {}, "GET, HEAD"},
      {"GET", "/api/v1/health/", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/Health", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1//health", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/x/../health", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/health%2f", Kind::kNotFound, "", {}, ""},
      {"GET", "api/v1/health", Kind::kNotFound, "", {}, ""},
      {"GET", "", Kind::kNotFound, "", {}, ""},
      {"GET", "*", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/users/42", Kind::kFound, "/api/v1/users/{id}", {{"id", "42"}}, ""},
      {"DELETE", "/api/v1/users/42", Kind::kFound, "/api/v1/users/{id}", {{"id", "42"}}, ""},
      {"GET",
       "/api/v1/users/a%40b.example",
       Kind::kFound,
       "/api/v1/users/{id}",
       {{"id", "a@b.example"}},
       ""},
      {"GET", "/api/v1/users/a+b", Kind::kFound, "/api/v1/users/{id}", {{"id", "a+b"}}, ""},
      {"GET", "/api/v1/users/a%2Fb", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/users/a%00", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/users/%zz", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/users/", Kind::kNotFound, "", {}, ""},
      {"GET", "/api/v1/users/me", Kind::kFound, "/api/v1/users/me", {}, ""},
      {"DELETE", "/api/v1/users/me", Kind::kFound, "/api/v1/users/{id}", {{"id", "me"}}, ""},
      {"PATCH", "/api/v1/users/me", Kind::kMethodNotAllowed, "", {}, "DELETE, GET, HEAD"},
      {"GET",
       "/api/v1/users/7/keys/AB",
       Kind::kFound,
       "/api/v1/users/{id}/keys/{fpr}",
       {{"id", "7"}, {"fpr", "AB"}},
       ""},
      {"POST", "/api/v1/users/7/keys/AB", Kind::kMethodNotAllowed, "", {}, "GET, HEAD, PUT"},
      {"POST", "/api/v1/messages", Kind::kFound, "/api/v1/messages", {}, ""},
      {"HEAD", "/api/v1/messages", Kind::kFound, "/api/v1/messages", {}, ""},
      {"GET", "/api/v1/messages", Kind::kMethodNotAllowed, "", {}, "HEAD, POST"},
      // Literal beats capture at the first differing segment, left to right.
      {"GET", "/y/x", Kind::kFound, "/y/{b}", {{"b", "x"}}, ""},
      {"GET", "/z/x", Kind::kFound, "/{a}/x", {{"a", "z"}}, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + std::string(c.path));
    Router::Match m = router.match(c.method, c.path);
    EXPECT_EQ(m.kind, c.kind);
    if (c.kind == Kind::kFound) {
      ASSERT_NE(m.handler, nullptr);
      EXPECT_EQ(m.pattern, c.pattern);
      EXPECT_EQ(m.params, c.params);
    } else {
      EXPECT_EQ(m.handler, nullptr);
    }
    EXPECT_EQ(m.allow, c.allow);
  }
}

TEST(Router, DispatchRunsTheWinningHandlerWithParams) {
  Router router;
  router.add("GET", "/items/{id}", [](const Request& request) {
    return Response::text(200, "item " + std::string(request.param("id")));
  });
  Request request;
  request.method = "GET";
  request.path = "/items/a%20b";
  Response response = router.dispatch(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "item a b");
  EXPECT_EQ(request.param("id"), "a b");
}

TEST(Router, DispatchNotFoundAndMethodNotAllowedAreJson) {
  const Router router = make_router();
  Request request;
  request.method = "GET";
  request.path = "/nope";
  Response response = router.dispatch(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_TRUE(body["error"]["message"].is_string());

  request.method = "PUT";
  request.path = "/api/v1/health";
  response = router.dispatch(request);
  EXPECT_EQ(response.status, 405);
  body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["error"]["code"], "method_not_allowed");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
}

TEST(Router, HandlerExceptionsPropagate) {
  Router router;
  router.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("x"); });
  Request request;
  request.method = "GET";
  request.path = "/boom";
  EXPECT_THROW(router.dispatch(request), std::runtime_error);
}

TEST(RouterDeathTest, InvalidPatternsAreBugs) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto ok = [](const Request&) { return Response{}; };
  EXPECT_DEATH(Router().add("GET", "no-slash", ok), "");
  EXPECT_DEATH(Router().add("GET", "/a/{b", ok), "");
  EXPECT_DEATH(Router().add("GET", "/a/x{b}", ok), "");
  EXPECT_DEATH(Router().add("GET", "/a/{}", ok), "");
  EXPECT_DEATH(Router().add("GET", "/{a}/{a}", ok), "");
  EXPECT_DEATH(Router().add("GET", "/a?x=1", ok), "");
  EXPECT_DEATH(Router().add("G T", "/a", ok), "");
  EXPECT_DEATH(Router().add("GET", "/a", nullptr), "");
  EXPECT_DEATH(
      {
        Router router;
        router.add("GET", "/u/{id}", ok);
        router.add("GET", "/u/{other}", ok);
      },
      "");
}

TEST(Router, SameShapeDifferentMethodIsFine) {
  Router router;
  auto ok = [](const Request&) { return Response{}; };
  router.add("GET", "/u/{id}", ok);
  router.add("PUT", "/u/{id}", ok);
  router.add("GET", "/u/me", ok);
  EXPECT_EQ(router.match("PUT", "/u/1").kind, Router::Match::Kind::kFound);
}

}  // namespace
}  // namespace sealmail::http
