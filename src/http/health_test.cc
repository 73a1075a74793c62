#include "http/health.h"

#include <gtest/gtest.h>

namespace sealmail::http {
namespace {

TEST(Health, ReportsOkAndVersion) {
  Router router;
  register_health(router);
  Request request;
  request.method = "GET";
  request.path = "/api/v1/health";
  Response response = router.dispatch(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body, (nlohmann::json{{"status", "ok"}, {"version", SEALMAIL_VERSION}}));
  EXPECT_FALSE(std::string(SEALMAIL_VERSION).empty());

  request.method = "POST";
  EXPECT_EQ(router.dispatch(request).status, 405);
}

}  // namespace
}  // namespace sealmail::http
