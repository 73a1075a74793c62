// context.h — what every API handler shares: the store, the configuration, the clock and the
// server's SRP settings. Built once at start-up (server.cc) and read-only afterwards.
//
// SECURITY: unknown_user_secret derives the fake salts and verifiers that unknown addresses
// get, so that "no such user" and "wrong password" look the same (design.md §3). It is random,
// kept in the store (so every node answers alike) and never leaves the server.
// Thread-safety: handlers on several threads share one ApiContext; everything in it is either
// constant or thread-safe (Store, EventNotifier).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "auth/srp.h"
#include "base/config.h"
#include "server/outbound/queue_key.h"
#include "store/store.h"

namespace sealmail::server {
class EventNotifier;
}  // namespace sealmail::server

namespace sealmail::server::api {

struct ApiContext {
  store::Store& store;
  const Config& config;
  std::function<int64_t()> now_ms;  // Unix time in milliseconds: unix_time_ms, or a test clock
  // The group and hash of verifiers made for unknown addresses (real users' come from their
  // signup and may differ).
  auth::SrpParams srp;
  std::string unknown_user_secret;  // 32 random bytes
  // Wakes long polls of GET /api/v1/events; writers of events notify it. Without one, the
  // events endpoint answers at once (no wait).
  EventNotifier* events = nullptr;
  // Seals messages for other servers before they join the outbound queue. Without one, such
  // messages are refused (503).
  std::shared_ptr<const QueueKey> queue_key;
  // Where uploads (POST /api/v1/uploads) are spooled on their way to the store: DATA_DIR/spool.
  // Empty: no uploads.
  std::filesystem::path spool_dir;
};

}  // namespace sealmail::server::api
