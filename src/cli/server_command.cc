// `sealmail server`: runs the roles named in the config until SIGTERM.
#include <cstdlib>
#include <iostream>

#include "base/config.h"
#include "cli/commands.h"
#include "server/server.h"

namespace sealmail::cli {
std::string default_config_path() {
  const char* env = std::getenv("SEALMAIL_CONFIG");
  return env && *env ? env : "/var/lib/sealmail/sealmail.toml";
}

void add_server_command(CLI::App& app, int& exit_code) {
  auto config_path = std::make_shared<std::string>(default_config_path());
  CLI::App* cmd = app.add_subcommand(
      "server",
      "Run the server roles named in the config (SIGTERM drains and exits, SIGHUP "
      "reloads TLS certificates)");
  cmd->add_option("--config", *config_path,
                  "Config file (default: $SEALMAIL_CONFIG or "
                  "/var/lib/sealmail/sealmail.toml)");
  cmd->callback([config_path, &exit_code] {
    auto config = load_config(*config_path);
    if (!config.ok()) {
      exit_code = fail(config.error().message);
      return;
    }
    Status s = server::run(*config);
    exit_code = s.ok() ? 0 : fail(s.error().message);
  });
}

}  // namespace sealmail::cli
