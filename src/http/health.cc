#include "http/health.h"

namespace sealmail::http {

void register_health(Router& router) {
  router.add("GET", "/api/v1/health", [](const Request&) {
    return Response::json(200, {{"status", "ok"}, {"version", SEALMAIL_VERSION}});
  });
}

}  // namespace sealmail::http
