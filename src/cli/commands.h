// commands.h — the `sealmail` subcommands. Each add_* registers one subcommand with its
// options and --help; its callback returns the process exit code through `exit_code`.
//
// Every failure ends in one line on stderr, "sealmail: REASON", and a non-zero exit.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "base/result.h"

namespace sealmail::cli {

void add_init_command(CLI::App& app, int& exit_code);
void add_server_command(CLI::App& app, int& exit_code);
void add_admin_commands(CLI::App& app, int& exit_code);  // domain, alias, user, queue
// account, login, logout, 2fa, password, recovery, keys, sessions
void add_client_commands(CLI::App& app, int& exit_code);
// send, list, read, move, flag, delete, folders, labels
void add_mail_commands(CLI::App& app, int& exit_code);
void add_contact_commands(CLI::App& app, int& exit_code);  // contacts
void add_event_commands(CLI::App& app, int& exit_code);    // events

// $SEALMAIL_CONFIG, else /var/lib/sealmail/sealmail.toml.
std::string default_config_path();

// Prints "sealmail: MESSAGE" to stderr and returns 1.
int fail(const std::string& message);

// Runs a command's body: ok → exit code 0; an error → "sealmail: REASON" and 1.
template <typename Body>
void run(int& exit_code, Body body) {
  Status s = body();
  exit_code = s.ok() ? 0 : fail(s.error().message);
}

// Unix milliseconds as "2026-11-24 22:35" (UTC), for listings.
std::string utc_minute(int64_t unix_ms);

}  // namespace sealmail::cli
