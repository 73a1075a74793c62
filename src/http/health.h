// health.h — the liveness endpoint: GET /api/v1/health → 200 {"status":"ok","version":"…"}.
// It answers from memory only (no store, no DNS), so it says the process serves HTTP, not that
// its dependencies are up.
//
// SECURITY: reads nothing from the request. Reveals the sealmail version, which is public.
//
// Standards: RFC 9110 (GET/HEAD semantics via the router).
//
// Thread-safety: register at start-up, before the router is shared.
#pragma once

#include "http/router.h"

namespace sealmail::http {

void register_health(Router& router);

}  // namespace sealmail::http
