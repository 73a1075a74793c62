// keys.cc — the public key directory for internal addresses: the address's public key and its
// key list signed by that key (pgp/key_list.h), so a client can tell when keys are swapped.
#include "server/api/handlers.h"
#include "server/api/json_body.h"
#include "server/api/step.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

// GET /api/v1/keys/{address} — public: other users and other sealmail servers ask it.
http::Response get(ApiContext& ctx, const http::Request& request) {
  auto address = ctx.store.find_address(request.param("address"));
  if (!address.ok()) return failure(address.error(), request);
  Json record = Json::parse(address->key_record, nullptr, false);
  if (!record.is_object() || !record.contains("public_key")) return not_found();
  http::Response response = http::Response::json(
      200, {{"address", address->address},
            {"keys", Json::array({{{"public_key", record["public_key"]}, {"primary", true}}})},
            {"key_list", Json::parse(address->key_list, nullptr, false)}});
  response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

}  // namespace

void register_keys(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  router.add("GET", "/api/v1/keys/{address}",
             [ctx](const http::Request& r) { return get(*ctx, r); });
}

}  // namespace sealmail::server::api
