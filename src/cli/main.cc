// The `sealmail` command: one binary for the server, its administration and the client.
#include <CLI/CLI.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <iostream>

#include "base/allocator.h"
#include "cli/commands.h"

namespace sealmail::cli {

int fail(const std::string& message) {
  std::cerr << "sealmail: " << message << "\n";
  return 1;
}

std::string utc_minute(int64_t unix_ms) {
  return fmt::format("{:%Y-%m-%d %H:%M}", fmt::gmtime(static_cast<std::time_t>(unix_ms / 1000)));
}

}  // namespace sealmail::cli

int main(int argc, char** argv) {
  sealmail::keep_freed_memory();  // see base/allocator.h: librnp's buffers are reused
  CLI::App app{"sealmail — end-to-end encrypted mail server and client", "sealmail"};
  app.set_version_flag("--version", std::string("sealmail ") + SEALMAIL_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  sealmail::cli::add_init_command(app, exit_code);
  sealmail::cli::add_server_command(app, exit_code);
  sealmail::cli::add_admin_commands(app, exit_code);
  sealmail::cli::add_client_commands(app, exit_code);
  sealmail::cli::add_mail_commands(app, exit_code);
  sealmail::cli::add_contact_commands(app, exit_code);
  sealmail::cli::add_event_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
