// `sealmail init`: a config file, a data folder and (when none is given) a self-signed TLS
// certificate — everything `sealmail server` needs to start.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "base/config.h"
#include "cli/commands.h"
#include "net/tls.h"

namespace sealmail::cli {
namespace {

struct InitOptions {
  std::filesystem::path dir = "/var/lib/sealmail";
  std::string domain = "example.test";
  std::string hostname;  // default: mail.<domain>
};

Status write_new_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return make_error(Errc::kIo, "cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(Errc::kIo, "cannot write " + path.string() + ": " + ec.message());
  return ok_status();
}

int run_init(const InitOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::absolute(options.dir);
  fs::path config_path = dir / "sealmail.toml";
  if (fs::exists(config_path)) {
    return fail(config_path.string() + " exists already; not overwriting it");
  }
  if (!is_dns_name(options.domain)) return fail("--domain must be a DNS name like example.com");
  std::string hostname = options.hostname.empty() ? "mail." + options.domain : options.hostname;
  if (!is_dns_name(hostname)) return fail("--hostname must be a DNS name like mail.example.com");
  std::string text = render_default_config(hostname, options.domain);
  auto config = parse_config(text, config_path);
  SEALMAIL_CHECK(config.ok());  // rendered from validated names

  for (const fs::path& d : {dir, config->data_dir, config->tls_cert.parent_path()}) {
    fs::create_directories(d, ec);
    if (ec) return fail("cannot create " + d.string() + ": " + ec.message());
  }
  fs::permissions(config->data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return fail("cannot restrict " + config->data_dir.string() + ": " + ec.message());

  if (!fs::exists(config->tls_cert) && !fs::exists(config->tls_key)) {
    Status s = net::generate_self_signed_certificate(hostname, config->tls_cert, config->tls_key);
    if (!s.ok()) return fail(s.error().message);
    std::cout << "wrote a self-signed TLS certificate for " << hostname << " to "
              << config->tls_cert.string() << "\n";
  }
  if (Status s = write_new_file(config_path, text); !s.ok()) return fail(s.error().message);
  std::cout << "wrote " << config_path.string() << "\n"
            << "start the server with: sealmail server --config " << config_path.string() << "\n";
  return 0;
}

}  // namespace

void add_init_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InitOptions>();
  CLI::App* cmd = app.add_subcommand(
      "init", "Write a config file, a data folder and a self-signed TLS certificate");
  cmd->add_option("--dir", options->dir, "Folder for sealmail.toml, data/ and tls/")
      ->capture_default_str();
  cmd->add_option("--domain", options->domain, "The first hosted mail domain")
      ->capture_default_str();
  cmd->add_option("--hostname", options->hostname, "This server's name (default: mail.DOMAIN)");
  cmd->callback([options, &exit_code] { exit_code = run_init(*options); });
}

}  // namespace sealmail::cli
