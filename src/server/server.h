// server.h — `sealmail server`: the roles named in the config, run until SIGTERM.
//
// Start-up: logging → store (created and migrated) → TLS pair → every listener of every role,
// each reported on standard output as "sealmail: ROLE listening on ADDRESS:PORT" (integration
// tests and operators read the OS-chosen ports from there). SIGTERM/SIGINT: drain and return
// ok. SIGHUP: reload the TLS pair for new handshakes; a broken pair is logged and the old one
// kept. With a [log] file, standard error is pointed at it once start-up has succeeded, so
// what libraries print there (librnp does) goes to the log, not the console. Every 10 minutes
// Store::prune deletes expired challenges, sessions and invites and stale failure counts.
//
// SECURITY: every listener serves network input through the engines of src/http (and later
// src/smtp); the limits come from [limits] and [api] in the config.
// Thread-safety: run() owns the process's signals and I/O threads; call it once.
#pragma once

#include <memory>

#include "base/config.h"
#include "base/result.h"
#include "store/store.h"

namespace sealmail::server {

// The store named by [store] url, created and migrated, with the config's [server] domain
// hosted (added on first use; `sealmail domain add` adds more). Errors read "store: …".
Result<std::unique_ptr<store::Store>> open_configured_store(const Config& config);

// Returns ok after a clean drain; an error (one line for the operator) if start-up failed.
Status run(const Config& config);

}  // namespace sealmail::server
