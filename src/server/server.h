// server.h — `sealmail server`: the roles named in the config, run until SIGTERM.
//
// Start-up: logging → store (created and migrated) → TLS pair → every listener of every role,
// each reported on standard output as "sealmail: ROLE listening on ADDRESS:PORT" (integration
// tests and operators read the OS-chosen ports from there). SIGTERM/SIGINT: drain and return
// ok. SIGHUP: reload the TLS pair for new handshakes; a broken pair is logged and the old one
// kept.
//
// SECURITY: every listener serves network input through the engines of src/http (and later
// src/smtp); the limits come from [limits] and [api] in the config.
// Thread-safety: run() owns the process's signals and I/O threads; call it once.
#pragma once

#include "base/config.h"
#include "base/result.h"

namespace sealmail::server {

// Returns ok after a clean drain; an error (one line for the operator) if start-up failed.
Status run(const Config& config);

}  // namespace sealmail::server
