// The client commands: `sealmail account create|reset`, `login`, `logout`, `2fa enable|disable`,
// `password change`, `recovery show|use`, `keys list|export`, `sessions list|revoke`. They talk
// to a server's HTTPS API through src/client; state (sessions, pinned certificates) lives in
// $SEALMAIL_HOME (default ~/.config/sealmail). Secrets are read as secret_input.h describes.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "cli/commands.h"
#include "cli/logged_in.h"
#include "cli/secret_input.h"
#include "client/account.h"
#include "client/api_client.h"
#include "client/home.h"
#include "client/https_client.h"
#include "client/session_store.h"

namespace sealmail::cli {
namespace {

using Json = nlohmann::json;

constexpr char kDefaultServer[] = "https://127.0.0.1:8443";

// Options shared by every client command; each command binds the ones it uses.
struct ClientOptions {
  std::string address;
  std::string server;
  std::string password_file;
  std::string new_password_file;
  std::string mailbox_password_file;
  std::string phrase_file;
  std::string code_file;
  std::string reset_code_file;
  std::string invite;
  std::string confirm;
  std::string id;
  bool two_password = false;
  bool rsa = false;
  bool mailbox = false;
  bool json = false;
};

Result<client::ApiClient> connect(const client::SessionStore& sessions, const std::string& url) {
  SEALMAIL_RETURN_IF_ERROR(client::ensure_private_dir(sessions.home()));
  client::HttpsOptions options;
  options.server = url;
  options.known_servers = sessions.known_servers();
  options.on_first_use = [](std::string_view server, std::string_view fingerprint) {
    std::cerr << "sealmail: trusting " << server << "'s certificate " << fingerprint
              << " on first use\n";
  };
  client::HttpsClient http = SEALMAIL_TRY(client::HttpsClient::create(std::move(options)));
  return client::ApiClient(std::move(http), url);
}

// The server for a command naming ADDRESS: --server, else the one this address last used,
// else the default.
std::string server_for(const client::SessionStore& sessions, const ClientOptions& o,
                       const std::string& address) {
  if (!o.server.empty()) return o.server;
  return sessions.last_server(address).value_or(kDefaultServer);
}

Result<Account> logged_in(const ClientOptions& o) { return logged_in_as(o.address); }

client::KeyOptions key_options(const ClientOptions& o) {
  client::KeyOptions keys;
  if (o.rsa) keys.key.algorithm = pgp::KeyAlgorithm::kRsa4096;
  return keys;
}

Result<std::string> nonempty(Result<std::string> value, std::string_view what) {
  if (value.ok() && value->empty()) {
    return make_error(Errc::kInvalidArgument, std::string(what) + " is empty");
  }
  return value;
}

client::SecondFactorPrompt second_factor_prompt(SecretReader& reader, const ClientOptions& o) {
  return [&reader, &o]() -> Result<std::string> {
    return nonempty(reader.secret(o.code_file, "Two-factor code (or a recovery code)"), "the code");
  };
}

void print_phrase(const pgp::RecoveryPhrase& phrase) {
  std::cout << "Recovery phrase (write it down; it is shown only this once and is the only way "
               "back into your mail if you forget your password):\n\n  "
            << phrase.to_string() << "\n\n";
}

// Runs `body`; any error becomes "sealmail: REASON" and exit code 1.
void add_address_option(CLI::App* cmd, ClientOptions& o) {
  cmd->add_option("--address", o.address, "The logged-in account to use (default: the last)");
}

void add_account_command(CLI::App& app, int& exit_code, std::shared_ptr<ClientOptions> o) {
  CLI::App* account = app.add_subcommand("account", "Create or reset an account");
  account->require_subcommand(1);

  CLI::App* create = account->add_subcommand(
      "create",
      "Create an account with new keys and log in. Secrets on stdin (no terminal): the "
      "password, then (with --two-password) the mailbox password");
  create->add_option("ADDRESS", o->address, "The new address")->required();
  create->add_option("--server", o->server, "The server's URL")->default_str(kDefaultServer);
  create->add_option("--invite", o->invite, "An invite code from the server's administrator");
  create->add_flag("--two-password", o->two_password,
                   "A separate mailbox password locks the keys; the password only logs in");
  create->add_flag("--rsa", o->rsa, "RSA-4096 keys instead of Ed25519/Cv25519 (old peers)");
  create->add_option("--password-file", o->password_file, "Read the password from a file");
  create->add_option("--mailbox-password-file", o->mailbox_password_file,
                     "Read the mailbox password from a file");
  create->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      client::SessionStore sessions = SEALMAIL_TRY(client::SessionStore::open_default());
      std::string address = ascii_lowercase(o->address);
      std::string url = o->server.empty() ? kDefaultServer : o->server;
      client::CreateOptions options;
      options.invite = o->invite;
      options.keys = key_options(*o);
      std::string password = SEALMAIL_TRY(
          nonempty(reader.secret(o->password_file, "New password", true), "the password"));
      if (o->two_password) {
        options.two_password_mode = true;
        options.mailbox_password = SEALMAIL_TRY(
            nonempty(reader.secret(o->mailbox_password_file, "New mailbox password", true),
                     "the mailbox password"));
      }
      client::ApiClient api = SEALMAIL_TRY(connect(sessions, url));
      pgp::RecoveryPhrase phrase =
          SEALMAIL_TRY(client::create_account(api, address, password, options));
      std::cout << "created " << address << "\n";
      print_phrase(phrase);
      SEALMAIL_TRY(
          client::login(api, address, password, client::LoginPurpose::kLogin, {}, &sessions));
      std::cout << "logged in as " << address << "\n";
      return ok_status();
    });
  });

  CLI::App* reset = account->add_subcommand(
      "reset",
      "Start over with new keys, using a reset code from the administrator; all mail becomes "
      "unreadable. Secrets on stdin (no terminal): the reset code, the confirmation (unless "
      "--confirm), the new password");
  reset->add_option("ADDRESS", o->address, "The account's address")->required();
  reset->add_option("--server", o->server, "The server's URL")->required();
  reset->add_option("--reset-code-file", o->reset_code_file, "Read the reset code from a file");
  reset->add_option("--confirm", o->confirm, "\"delete all data of ADDRESS\"");
  reset->add_option("--password-file", o->password_file, "Read the new password from a file");
  reset->add_flag("--rsa", o->rsa, "RSA-4096 keys instead of Ed25519/Cv25519");
  reset->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      client::SessionStore sessions = SEALMAIL_TRY(client::SessionStore::open_default());
      std::string address = ascii_lowercase(o->address);
      std::string code =
          SEALMAIL_TRY(nonempty(reader.secret(o->reset_code_file, "Reset code"), "the reset code"));
      std::string expected = "delete all data of " + address;
      std::string confirm = o->confirm;
      if (confirm.empty()) {
        confirm = SEALMAIL_TRY(reader.line("Type \"" + expected + "\" to continue"));
      }
      if (confirm != expected) {
        return make_error(Errc::kInvalidArgument,
                          "not confirmed: type exactly \"" + expected + "\"");
      }
      std::string password = SEALMAIL_TRY(
          nonempty(reader.secret(o->password_file, "New password", true), "the password"));
      client::CreateOptions options;
      options.keys = key_options(*o);
      client::ApiClient api = SEALMAIL_TRY(connect(sessions, o->server));
      pgp::RecoveryPhrase phrase =
          SEALMAIL_TRY(client::reset_account(api, address, code, password, options));
      std::cout << "reset " << address << "; log in with the new password\n";
      print_phrase(phrase);
      return sessions.remove(address);
    });
  });
}

void add_login_commands(CLI::App& app, int& exit_code, std::shared_ptr<ClientOptions> o) {
  CLI::App* login = app.add_subcommand(
      "login", "Log in. Secrets on stdin (no terminal): the password, then the two-factor code");
  login->add_option("ADDRESS", o->address, "The account's address")->required();
  login->add_option("--server", o->server, "The server's URL (default: the last one used)");
  login->add_option("--password-file", o->password_file, "Read the password from a file");
  login->add_option("--code-file", o->code_file, "Read the two-factor code from a file");
  login->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      client::SessionStore sessions = SEALMAIL_TRY(client::SessionStore::open_default());
      std::string address = ascii_lowercase(o->address);
      std::string url = server_for(sessions, *o, address);
      std::string password =
          SEALMAIL_TRY(nonempty(reader.secret(o->password_file, "Password"), "the password"));
      client::ApiClient api = SEALMAIL_TRY(connect(sessions, url));
      auto previous = sessions.load(address);
      SEALMAIL_TRY(client::login(api, address, password, client::LoginPurpose::kLogin,
                                 second_factor_prompt(reader, *o), &sessions));
      std::cout << "logged in as " << address << "\n";
      // The session this login replaces ends on the server too, not just on this machine.
      if (previous.ok() && previous->server == url) {
        client::SessionTokens current = api.tokens();
        api.set_tokens(previous->tokens);
        (void)client::logout(api);
        api.set_tokens(std::move(current));
      }
      return ok_status();
    });
  });

  CLI::App* logout = app.add_subcommand("logout", "Log out and forget the session");
  add_address_option(logout, *o);
  logout->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      Account account = SEALMAIL_TRY(logged_in(*o));
      Status ended = client::logout(*account.api);
      auto error = account.api->last_error();
      // A session the server has ended already is gone either way.
      if (!ended.ok() && !(error && error->status == 401)) return ended;
      SEALMAIL_RETURN_IF_ERROR(account.sessions.remove(account.session.address));
      std::cout << "logged out " << account.session.address << "\n";
      return ok_status();
    });
  });
}

void add_2fa_command(CLI::App& app, int& exit_code, std::shared_ptr<ClientOptions> o) {
  CLI::App* twofa = app.add_subcommand("2fa", "Two-factor login (TOTP)");
  twofa->require_subcommand(1);
  CLI::App* enable = twofa->add_subcommand(
      "enable", "Turn on TOTP: shows the secret, then reads a code from the app (or stdin)");
  add_address_option(enable, *o);
  enable->add_option("--code-file", o->code_file, "Read the code from a file");
  enable->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      Account account = SEALMAIL_TRY(logged_in(*o));
      client::TotpEnrolment enrolment = SEALMAIL_TRY(client::begin_totp(*account.api));
      std::cout << "Add this secret to your authenticator app:\n  " << enrolment.secret
                << "\nor as a URI (QR code):\n  " << enrolment.uri << "\n"
                << std::flush;
      std::string code =
          SEALMAIL_TRY(nonempty(reader.secret(o->code_file, "Code from the app"), "the code"));
      auto codes = SEALMAIL_TRY(client::confirm_totp(*account.api, code));
      std::cout << "Two-factor login is on. Recovery codes (each works once; keep them safe, "
                   "they are shown only now):\n";
      for (const auto& c : codes) std::cout << "  " << c << "\n";
      return ok_status();
    });
  });
  CLI::App* disable = twofa->add_subcommand(
      "disable", "Turn off TOTP with a current code or a recovery code (read like a secret)");
  add_address_option(disable, *o);
  disable->add_option("--code-file", o->code_file, "Read the code from a file");
  disable->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      Account account = SEALMAIL_TRY(logged_in(*o));
      std::string code = SEALMAIL_TRY(nonempty(
          reader.secret(o->code_file, "Two-factor code (or a recovery code)"), "the code"));
      SEALMAIL_RETURN_IF_ERROR(client::disable_totp(*account.api, code));
      std::cout << "two-factor login is off\n";
      return ok_status();
    });
  });
}

void add_password_command(CLI::App& app, int& exit_code, std::shared_ptr<ClientOptions> o) {
  CLI::App* password = app.add_subcommand("password", "Change a password");
  password->require_subcommand(1);
  CLI::App* change = password->add_subcommand(
      "change",
      "Change the password (other sessions end). Secrets on stdin (no terminal): the current "
      "password, then (with --mailbox) the current mailbox password, then the new one");
  add_address_option(change, *o);
  change->add_flag("--mailbox", o->mailbox,
                   "Change the mailbox password (two-password mode) instead of the login one");
  change->add_option("--password-file", o->password_file,
                     "Read the current (login) password from a file");
  change->add_option("--mailbox-password-file", o->mailbox_password_file,
                     "Read the current mailbox password from a file (with --mailbox)");
  change->add_option("--new-password-file", o->new_password_file,
                     "Read the new password from a file");
  change->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      Account account = SEALMAIL_TRY(logged_in(*o));
      client::PasswordChange change;
      change.mailbox = o->mailbox;
      change.current_password = SEALMAIL_TRY(nonempty(
          reader.secret(o->password_file, o->mailbox ? "Login password" : "Current password"),
          "the current password"));
      if (o->mailbox) {
        change.current_mailbox_password = SEALMAIL_TRY(
            nonempty(reader.secret(o->mailbox_password_file, "Current mailbox password"),
                     "the current mailbox password"));
      }
      change.new_password = SEALMAIL_TRY(
          nonempty(reader.secret(o->new_password_file,
                                 o->mailbox ? "New mailbox password" : "New password", true),
                   "the new password"));
      SEALMAIL_RETURN_IF_ERROR(
          client::change_password(*account.api, account.session.address, change));
      std::cout << (o->mailbox ? "mailbox password changed\n"
                               : "password changed; other sessions have ended\n");
      return ok_status();
    });
  });
}

void add_recovery_command(CLI::App& app, int& exit_code, std::shared_ptr<ClientOptions> o) {
  CLI::App* recovery = app.add_subcommand("recovery", "The recovery phrase");
  recovery->require_subcommand(1);
  CLI::App* show = recovery->add_subcommand(
      "show",
      "Make and print a new recovery phrase; the old one stops working. Secret on stdin (no "
      "terminal): the password (the mailbox password in two-password mode)");
  add_address_option(show, *o);
  show->add_option("--password-file", o->password_file,
                   "Read the password (mailbox password in two-password mode) from a file");
  show->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      Account account = SEALMAIL_TRY(logged_in(*o));
      Json state = SEALMAIL_TRY(account.api->call("GET", "/api/v1/account"));
      bool two_passwords = state.value("two_password_mode", false);
      std::string password = SEALMAIL_TRY(
          nonempty(reader.secret(o->password_file, two_passwords ? "Mailbox password" : "Password"),
                   "the password"));
      pgp::RecoveryPhrase phrase = SEALMAIL_TRY(client::new_recovery_phrase(
          *account.api, account.session.address, password, client::KeyOptions{}));
      print_phrase(phrase);
      std::cout << "The previous recovery phrase no longer works.\n";
      return ok_status();
    });
  });

  CLI::App* use = recovery->add_subcommand(
      "use",
      "Set a new password with the recovery phrase, then log in. Secrets on stdin (no "
      "terminal): the phrase, the new password, then the two-factor code(s) if asked");
  use->add_option("ADDRESS", o->address, "The account's address")->required();
  use->add_option("--server", o->server, "The server's URL (default: the last one used)");
  use->add_option("--phrase-file", o->phrase_file, "Read the recovery phrase from a file");
  use->add_option("--new-password-file", o->new_password_file, "Read the new password from a file");
  use->add_option("--code-file", o->code_file, "Read the two-factor code from a file");
  use->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      SecretReader reader;
      client::SessionStore sessions = SEALMAIL_TRY(client::SessionStore::open_default());
      std::string address = ascii_lowercase(o->address);
      std::string url = server_for(sessions, *o, address);
      std::string phrase = SEALMAIL_TRY(
          nonempty(reader.secret(o->phrase_file, "Recovery phrase"), "the recovery phrase"));
      SEALMAIL_TRY(client::canonical_phrase(phrase));  // a typo is reported before any request
      std::string password = SEALMAIL_TRY(
          nonempty(reader.secret(o->new_password_file, "New password", true), "the new password"));
      client::ApiClient api = SEALMAIL_TRY(connect(sessions, url));
      SEALMAIL_RETURN_IF_ERROR(client::recover_with_phrase(
          api, address, phrase, password, second_factor_prompt(reader, *o), client::KeyOptions{}));
      std::cout << "new password set for " << address << "\n";
      SEALMAIL_TRY(client::login(api, address, password, client::LoginPurpose::kLogin,
                                 second_factor_prompt(reader, *o), &sessions));
      std::cout << "logged in as " << address << "\n";
      return ok_status();
    });
  });
}

void add_keys_command(CLI::App& app, int& exit_code, std::shared_ptr<ClientOptions> o) {
  CLI::App* keys = app.add_subcommand("keys", "The account's OpenPGP keys");
  keys->require_subcommand(1);
  CLI::App* list = keys->add_subcommand("list", "List the account's keys");
  add_address_option(list, *o);
  list->add_flag("--json", o->json, "JSON output");
  list->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      Account account = SEALMAIL_TRY(logged_in(*o));
      auto described = SEALMAIL_TRY(client::list_keys(*account.api));
      Json out = Json::array();
      for (const auto& k : described) {
        if (o->json) {
          out.push_back({{"role", k.role},
                         {"address", k.address},
                         {"fingerprint", k.fingerprint},
                         {"algorithm", k.algorithm},
                         {"subkey_algorithms", k.subkey_algorithms},
                         {"created", k.created}});
        } else {
          std::cout << fmt::format("{:<8} {:<40} {} {}\n", k.role, k.fingerprint, k.algorithm,
                                   k.address);
        }
      }
      if (o->json) std::cout << out.dump(2) << "\n";
      return ok_status();
    });
  });
  CLI::App* exported = keys->add_subcommand(
      "export", "Print an address's armored public key (checked against its signed key list)");
  exported->add_option("ADDRESS", o->id, "The address (default: the logged-in account's)");
  add_address_option(exported, *o);
  exported->add_option("--server", o->server, "The server's URL (default: the account's)");
  exported->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      client::SessionStore sessions = SEALMAIL_TRY(client::SessionStore::open_default());
      std::string own = o->address.empty() ? sessions.default_address().value_or("")
                                           : ascii_lowercase(o->address);
      std::string target = o->id.empty() ? own : ascii_lowercase(o->id);
      if (target.empty()) {
        return make_error(Errc::kInvalidArgument, "name an address, or log in first");
      }
      std::string url = !o->server.empty() ? o->server
                        : !own.empty()     ? server_for(sessions, *o, own)
                                           : kDefaultServer;
      client::ApiClient api = SEALMAIL_TRY(connect(sessions, url));
      std::cout << SEALMAIL_TRY(client::export_public_key(api, target));
      return ok_status();
    });
  });
}

void add_sessions_command(CLI::App& app, int& exit_code, std::shared_ptr<ClientOptions> o) {
  CLI::App* sessions = app.add_subcommand("sessions", "The account's login sessions");
  sessions->require_subcommand(1);
  CLI::App* list = sessions->add_subcommand("list", "List live sessions, newest first");
  add_address_option(list, *o);
  list->add_flag("--json", o->json, "JSON output");
  list->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      Account account = SEALMAIL_TRY(logged_in(*o));
      auto live = SEALMAIL_TRY(client::list_sessions(*account.api));
      Json out = Json::array();
      for (const auto& s : live) {
        if (o->json) {
          out.push_back({{"id", s.id},
                         {"scope", s.scope},
                         {"client", s.client},
                         {"created_ms", s.created_ms},
                         {"last_used_ms", s.last_used_ms},
                         {"current", s.current}});
        } else {
          std::cout << fmt::format("{} {:<1} {}  last used {}  {}\n", s.id, s.current ? "*" : "",
                                   utc_minute(s.created_ms), utc_minute(s.last_used_ms), s.client);
        }
      }
      if (o->json) std::cout << out.dump(2) << "\n";
      return ok_status();
    });
  });
  CLI::App* revoke = sessions->add_subcommand("revoke", "End one session");
  revoke->add_option("ID", o->id, "The session's id (from `sealmail sessions list`)")->required();
  add_address_option(revoke, *o);
  revoke->callback([o, &exit_code] {
    run(exit_code, [&]() -> Status {
      Account account = SEALMAIL_TRY(logged_in(*o));
      SEALMAIL_RETURN_IF_ERROR(client::revoke_session(*account.api, o->id));
      std::cout << "session " << o->id << " ended\n";
      return ok_status();
    });
  });
}

}  // namespace

Result<Account> logged_in_as(std::string_view address_option) {
  client::SessionStore sessions = SEALMAIL_TRY(client::SessionStore::open_default());
  std::string address = address_option.empty() ? SEALMAIL_TRY(sessions.default_address())
                                               : ascii_lowercase(address_option);
  client::StoredSession session = SEALMAIL_TRY(sessions.load(address));
  auto api = std::make_unique<client::ApiClient>(SEALMAIL_TRY(connect(sessions, session.server)));
  api->set_tokens(session.tokens);
  Account out{sessions, session, std::move(api)};
  client::SessionStore store = sessions;
  client::StoredSession base = session;
  out.api->set_on_tokens_changed([store, base](const client::SessionTokens& tokens) mutable {
    base.tokens = tokens;
    if (Status s = store.save(base, /*make_default=*/false); !s.ok()) {
      std::cerr << "sealmail: cannot save the refreshed session: " << s.error().message << "\n";
    }
  });
  return out;
}

void add_client_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ClientOptions>();
  add_account_command(app, exit_code, options);
  add_login_commands(app, exit_code, options);
  add_2fa_command(app, exit_code, options);
  add_password_command(app, exit_code, options);
  add_recovery_command(app, exit_code, options);
  add_keys_command(app, exit_code, options);
  add_sessions_command(app, exit_code, options);
}

}  // namespace sealmail::cli
