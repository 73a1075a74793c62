// engine_test_util.h — for src/http engine tests only: a router with test handlers, feeding
// helpers, and a log capture.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "http/engine.h"
#include "http/health.h"
#include "http/test_util.h"

namespace sealmail::http::testing {

// Request lines at info would bury test failures; LogCapture turns them back on where needed.
inline const bool kQuietLogs = [] {
  spdlog::set_level(spdlog::level::warn);
  return true;
}();

inline std::shared_ptr<const Router> test_router() {
  auto router = std::make_shared<Router>();
  register_health(*router);
  auto echo = [](const Request& r) {
    nlohmann::json query = nlohmann::json::array();
    for (const auto& [k, v] : r.query) query.push_back({k, v});
    return Response::json(200, {{"method", r.method},
                                {"target", r.target},
                                {"path", r.path},
                                {"query", query},
                                {"body", r.body},
                                {"version", r.version},
                                {"x_test", r.header("x-test").value_or("")},
                                {"peer", r.peer_address},
                                {"tls", r.tls},
                                {"request_id", r.request_id}});
  };
  router->add("GET", "/echo", echo);
  router->add("POST", "/echo", echo);
  router->add("PUT", "/echo", echo);
  // Bodies up to 20 bytes, for requests that carry "Authorization: yes".
  router->add("POST", "/upload", echo,
              LargeBody{.max_body_bytes = 20, .admit = [](const Request& r) {
                          EXPECT_TRUE(r.body.empty());
                          if (r.header("Authorization") == "yes") return std::optional<Response>();
                          return std::optional(Response::error(401, "unauthorized", "who?"));
                        }});
  router->add("GET", "/items/{id}", [](const Request& r) {
    return Response::json(200, {{"id", r.param("id")}});
  });
  router->add("GET", "/throw", [](const Request&) -> Response {
    throw std::runtime_error("canary-exception-text");
  });
  router->add("GET", "/throw-int", [](const Request&) -> Response { throw 42; });
  router->add("GET", "/split", [](const Request&) {
    Response response = Response::text(302, "");
    response.headers.emplace_back("Location", "/x\r\nSet-Cookie: evil=1");
    return response;
  });
  router->add("GET", "/cache", [](const Request&) {
    Response response = Response::text(200, "cached");
    response.headers.emplace_back("Cache-Control", "max-age=60");
    return response;
  });
  router->add("GET", "/empty", [](const Request&) { return Response::text(204, ""); });
  router->add("GET", "/status99", [](const Request&) { return Response::text(99, ""); });
  return router;
}

inline std::unique_ptr<HttpEngine> make_engine(HttpLimits limits = {}, bool tls = false) {
  auto engine = std::make_unique<HttpEngine>(test_router(), limits);
  net::SessionInfo session;
  session.peer_address = "192.0.2.1";
  session.peer_port = 40000;
  session.tls = tls;
  auto greeting = engine->on_connect(session);
  EXPECT_EQ(greeting.write, "");
  EXPECT_EQ(greeting.next, net::Output::Next::kRead);
  return engine;
}

struct Fed {
  std::string wire;
  net::Output::Next next = net::Output::Next::kRead;
  size_t bytes_fed = 0;  // how much input the engine saw before it asked to close
};

// Feeds `input` in pieces of `chunk` bytes (0 = all at once), stopping at the first kClose as
// the transport would.
inline Fed feed(net::Engine& engine, std::string_view input, size_t chunk = 0) {
  Fed fed;
  while (!input.empty()) {
    size_t n = chunk == 0 ? input.size() : std::min(chunk, input.size());
    net::Output out = engine.on_data(input.substr(0, n));
    input.remove_prefix(n);
    fed.bytes_fed += n;
    fed.wire += out.write;
    fed.next = out.next;
    if (out.next == net::Output::Next::kClose) break;
  }
  return fed;
}

// Installs a logger that writes into a string for the life of the object.
class LogCapture {
 public:
  LogCapture()
      : previous_(spdlog::default_logger()),
        logger_(std::make_shared<spdlog::logger>(
            "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_))) {
    logger_->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger_);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sealmail::http::testing
