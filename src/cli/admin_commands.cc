// `sealmail domain …`, `sealmail alias …` and `sealmail user …`: administration on the server
// machine, straight on the store named by the server's config (no API, no login: whoever can read
// the config and the data folder administers the server).
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "auth/token.h"
#include "base/ascii.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/dns_name.h"
#include "base/duration.h"
#include "cli/commands.h"
#include "server/outbound/queue_key.h"
#include "server/server.h"
#include "store/store.h"

namespace sealmail::cli {
namespace {

void add_catch_all_command(CLI::App* domain, int& exit_code,
                           const std::shared_ptr<std::string>& config_path);

using Json = nlohmann::json;

struct Admin {
  Config config;
  std::unique_ptr<store::Store> store;
};

Result<Admin> open_admin(const std::string& config_path) {
  Admin admin;
  admin.config = SEALMAIL_TRY(load_config(config_path));
  admin.store = SEALMAIL_TRY(server::open_configured_store(admin.config));
  return admin;
}

// Runs `body` with the opened store; any error becomes "sealmail: REASON" and exit code 1.
template <typename Body>
void with_admin(const std::shared_ptr<std::string>& config_path, int& exit_code, Body body) {
  run(exit_code, [&]() -> Status {
    Admin admin = SEALMAIL_TRY(open_admin(*config_path));
    return body(admin);
  });
}

Result<store::AccountRecord> account_of(Admin& admin, const std::string& address) {
  auto id = admin.store->find_account(address);
  if (!id.ok() && id.error().code == Errc::kNotFound) {
    return make_error(Errc::kNotFound, "no account has the address " + address);
  }
  return admin.store->get_account(SEALMAIL_TRY(std::move(id)));
}

// A random code, stored hashed under `prefix` + code; printed once.
Status issue_code(Admin& admin, const std::string& prefix, const std::string& address,
                  const std::string& expires, std::string_view what) {
  auto lifetime = SEALMAIL_TRY(parse_duration(expires));
  std::string code = auth::new_token();
  SEALMAIL_RETURN_IF_ERROR(admin.store->create_invite(
      store::Invite{.code_hash = auth::token_hash(prefix + code),
                    .address = address,
                    .expires_at_ms = unix_time_ms() + lifetime.count()}));
  std::cout << code << "\n";
  std::cerr << what << (address.empty() ? "" : " for " + address) << ", valid for " << expires
            << "\n";
  return ok_status();
}

void add_domain_commands(CLI::App& app, int& exit_code,
                         const std::shared_ptr<std::string>& config_path) {
  CLI::App* domain = app.add_subcommand("domain", "Hosted mail domains");
  domain->require_subcommand(1);
  domain->add_option("--config", *config_path, "The server's config file");
  domain->fallthrough();  // --config may also follow the subcommand

  auto name = std::make_shared<std::string>();
  CLI::App* add = domain->add_subcommand("add", "Host a mail domain");
  add->add_option("NAME", *name, "The domain, e.g. example.com")->required();
  add->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      std::string lower = ascii_lowercase(*name);
      if (!is_dns_name(lower))
        return make_error(Errc::kInvalidArgument, "not a DNS name: " + *name);
      Status added = admin.store->add_domain(lower);
      if (!added.ok() && added.error().code == Errc::kAlreadyExists) {
        return make_error(Errc::kAlreadyExists, lower + " is hosted already");
      }
      SEALMAIL_RETURN_IF_ERROR(added);
      std::cout << "hosting " << lower << "\n";
      return ok_status();
    });
  });

  auto json = std::make_shared<bool>(false);
  CLI::App* list = domain->add_subcommand("list", "List hosted domains");
  list->add_flag("--json", *json, "JSON output");
  list->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      auto domains = SEALMAIL_TRY(admin.store->list_domains());
      Json out = Json::array();
      for (const auto& d : domains) {
        if (*json) {
          out.push_back({{"name", d.name}, {"created_ms", d.created_at_ms}});
        } else {
          std::cout << d.name << "\n";
        }
      }
      if (*json) std::cout << out.dump(2) << "\n";
      return ok_status();
    });
  });
  add_catch_all_command(domain, exit_code, config_path);
}

void add_catch_all_command(CLI::App* domain, int& exit_code,
                           const std::shared_ptr<std::string>& config_path) {
  auto name = std::make_shared<std::string>();
  auto address = std::make_shared<std::string>();
  auto off = std::make_shared<bool>(false);
  CLI::App* catch_all = domain->add_subcommand(
      "catch-all", "Deliver mail for unknown addresses of a domain to one address, or stop");
  catch_all->add_option("NAME", *name, "The hosted domain")->required();
  catch_all->add_option("ADDRESS", *address, "The address that gets the mail");
  catch_all->add_flag("--off", *off, "Refuse mail for unknown addresses again (550 5.1.1)");
  catch_all->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      if (*off == !address->empty()) {
        return make_error(Errc::kInvalidArgument, "give either ADDRESS or --off");
      }
      Status set = admin.store->set_catch_all(*name, *address);
      if (!set.ok() && set.error().code == Errc::kNotFound) {
        return make_error(Errc::kNotFound,
                          "no hosted domain " + *name + " or no address " + *address);
      }
      SEALMAIL_RETURN_IF_ERROR(set);
      std::cout << (*off ? "no catch-all for " + ascii_lowercase(*name)
                         : "mail for unknown addresses of " + ascii_lowercase(*name) + " goes to " +
                               ascii_lowercase(*address))
                << "\n";
      return ok_status();
    });
  });
}

void add_alias_commands(CLI::App& app, int& exit_code,
                        const std::shared_ptr<std::string>& config_path) {
  CLI::App* alias = app.add_subcommand("alias", "Other names for addresses");
  alias->require_subcommand(1);
  alias->add_option("--config", *config_path, "The server's config file");
  alias->fallthrough();

  auto name = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  CLI::App* add = alias->add_subcommand("add", "Deliver mail for ALIAS to the address TARGET");
  add->add_option("ALIAS", *name, "The new name, on a hosted domain")->required();
  add->add_option("TARGET", *target, "An existing address")->required();
  add->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      const size_t at = name->rfind('@');
      if (at == std::string::npos || !admin.store->find_domain(name->substr(at + 1)).ok()) {
        return make_error(Errc::kInvalidArgument, *name + " is not on a hosted domain");
      }
      Status added = admin.store->add_alias(*name, *target);
      if (!added.ok() && added.error().code == Errc::kNotFound) {
        return make_error(Errc::kNotFound, "no address " + *target);
      }
      if (!added.ok() && added.error().code == Errc::kAlreadyExists) {
        return make_error(Errc::kAlreadyExists, *name + " is taken");
      }
      SEALMAIL_RETURN_IF_ERROR(added);
      std::cout << "mail for " << *name << " goes to " << ascii_lowercase(*target) << "\n";
      return ok_status();
    });
  });

  CLI::App* remove = alias->add_subcommand("remove", "Remove an alias");
  remove->add_option("ALIAS", *name, "The alias")->required();
  remove->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      Status removed = admin.store->remove_alias(*name);
      if (!removed.ok() && removed.error().code == Errc::kNotFound) {
        return make_error(Errc::kNotFound, "no alias " + *name);
      }
      return removed;
    });
  });

  auto json = std::make_shared<bool>(false);
  CLI::App* list = alias->add_subcommand("list", "List aliases");
  list->add_flag("--json", *json, "JSON output");
  list->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      auto aliases = SEALMAIL_TRY(admin.store->list_aliases());
      Json out = Json::array();
      for (const auto& a : aliases) {
        if (*json) {
          out.push_back({{"alias", a.alias}, {"target", a.target}});
        } else {
          std::cout << a.alias << " -> " << a.target << "\n";
        }
      }
      if (*json) std::cout << out.dump(2) << "\n";
      return ok_status();
    });
  });
}

void add_user_commands(CLI::App& app, int& exit_code,
                       const std::shared_ptr<std::string>& config_path) {
  CLI::App* user = app.add_subcommand("user", "Accounts on this server");
  user->require_subcommand(1);
  user->add_option("--config", *config_path, "The server's config file");
  user->fallthrough();

  auto json = std::make_shared<bool>(false);
  CLI::App* list = user->add_subcommand("list", "List accounts");
  list->add_flag("--json", *json, "JSON output");
  list->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      Json out = Json::array();
      for (const auto& a : SEALMAIL_TRY(admin.store->list_accounts())) {
        auto addresses = SEALMAIL_TRY(admin.store->list_addresses(a.id));
        if (*json) {
          out.push_back({{"address", a.address},
                         {"plan", a.plan},
                         {"disabled", a.disabled},
                         {"addresses", addresses.size()},
                         {"created_ms", a.created_at_ms}});
        } else {
          std::cout << fmt::format("{:<40} {:<10} {:<9} {} address(es), since {}\n", a.address,
                                   a.plan, a.disabled ? "disabled" : "active", addresses.size(),
                                   utc_minute(a.created_at_ms));
        }
      }
      if (*json) std::cout << out.dump(2) << "\n";
      return ok_status();
    });
  });

  for (bool disable : {true, false}) {
    auto address = std::make_shared<std::string>();
    CLI::App* cmd =
        user->add_subcommand(disable ? "disable" : "enable",
                             disable ? "Stop an account from logging in and end its sessions"
                                     : "Let a disabled account log in again");
    cmd->add_option("ADDRESS", *address, "The account's address")->required();
    cmd->callback([=, &exit_code] {
      with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
        auto account = SEALMAIL_TRY(account_of(admin, *address));
        SEALMAIL_RETURN_IF_ERROR(admin.store->set_disabled(account.id, disable));
        std::cout << account.address << (disable ? " disabled" : " enabled") << "\n";
        return ok_status();
      });
    });
  }

  auto quota_address = std::make_shared<std::string>();
  auto plan = std::make_shared<std::string>();
  auto quota_json = std::make_shared<bool>(false);
  CLI::App* quota =
      user->add_subcommand("quota", "Show an account's plan and usage, or change its plan");
  quota->add_option("ADDRESS", *quota_address, "The account's address")->required();
  quota->add_option("--plan", *plan, "Move the account to this plan ([plans.NAME] in the config)");
  quota->add_flag("--json", *quota_json, "JSON output");
  quota->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      auto account = SEALMAIL_TRY(account_of(admin, *quota_address));
      if (!plan->empty()) {
        if (find_plan(admin.config, *plan) == nullptr) {
          return make_error(Errc::kNotFound,
                            "no plan \"" + *plan + "\" in " + admin.config.source.string());
        }
        SEALMAIL_RETURN_IF_ERROR(admin.store->set_plan(account.id, *plan));
        account.plan = *plan;
      }
      const PlanConfig* limits = &plan_or_default(admin.config, account.plan);
      auto addresses = SEALMAIL_TRY(admin.store->list_addresses(account.id));
      const int64_t used = SEALMAIL_TRY(admin.store->storage_used(account.id));
      if (*quota_json) {
        std::cout << Json{{"address", account.address},
                          {"plan", account.plan},
                          {"addresses", {{"used", addresses.size()}, {"limit", limits->addresses}}},
                          {"storage_bytes", {{"used", used}, {"limit", limits->storage_bytes}}},
                          {"messages_per_hour", limits->messages_per_hour},
                          {"messages_per_day", limits->messages_per_day}}
                         .dump(2)
                  << "\n";
      } else {
        std::cout << fmt::format(
            "{}: plan {}\n  addresses          {} of {}\n  storage            {} of {} MiB\n"
            "  messages per hour  {}\n  messages per day   {}\n",
            account.address, account.plan, addresses.size(), limits->addresses,
            (used + (1 << 20) - 1) >> 20, limits->storage_bytes >> 20, limits->messages_per_hour,
            limits->messages_per_day);
      }
      return ok_status();
    });
  });

  auto invite_address = std::make_shared<std::string>();
  auto invite_expires = std::make_shared<std::string>("7d");
  CLI::App* invite = user->add_subcommand(
      "invite", "Print a one-time signup code (needed when [accounts] signup is not \"open\")");
  invite->add_option("--address", *invite_address, "Only for this address");
  invite->add_option("--expires", *invite_expires, "Lifetime, e.g. 7d or 12h")
      ->capture_default_str();
  invite->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      if (admin.config.accounts.signup == "admin-only" && invite_address->empty()) {
        return make_error(Errc::kInvalidArgument,
                          "signup is admin-only: give the code an --address");
      }
      return issue_code(admin, "", *invite_address, *invite_expires, "invite code");
    });
  });

  auto reset_address = std::make_shared<std::string>();
  auto reset_expires = std::make_shared<std::string>("1d");
  CLI::App* reset = user->add_subcommand(
      "reset",
      "Print a one-time code with which the user can reset the account: same address, new "
      "keys, all old data deleted");
  reset->add_option("ADDRESS", *reset_address, "The account's address")->required();
  reset->add_option("--expires", *reset_expires, "Lifetime, e.g. 1d or 2h")->capture_default_str();
  reset->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      auto account = SEALMAIL_TRY(account_of(admin, *reset_address));
      return issue_code(admin, "reset:", account.address, *reset_expires, "reset code");
    });
  });
}

// `sealmail queue list|show|retry|delete`: the outbound queue, as postqueue -p and postcat -q show
// Postfix's. `show` prints a message as it will be sent (opened with the queue key): a
// PGP/MIME message stays ciphertext, a cleartext one is what the server sends anyway.
void add_queue_commands(CLI::App& app, int& exit_code,
                        const std::shared_ptr<std::string>& config_path) {
  CLI::App* queue = app.add_subcommand("queue", "Mail waiting for other servers");
  queue->require_subcommand(1);
  queue->add_option("--config", *config_path, "The server's config file");
  queue->fallthrough();

  auto json = std::make_shared<bool>(false);
  CLI::App* list = queue->add_subcommand("list", "List queued messages, oldest first");
  list->add_flag("--json", *json, "JSON output");
  list->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      Json out = Json::array();
      constexpr size_t kPage = 1000;
      for (size_t offset = 0;; offset += kPage) {
        auto jobs = SEALMAIL_TRY(admin.store->list_outbound(kPage, offset));
        for (const store::OutboundRecord& job : jobs) {
          if (*json) {
            out.push_back({{"id", job.id},
                           {"sender", job.sender},
                           {"recipients", job.recipients},
                           {"size", job.message.size()},
                           {"created_ms", job.created_at_ms},
                           {"next_attempt_ms", job.next_attempt_ms},
                           {"attempts", job.attempts},
                           {"last_error", job.last_error}});
          } else {
            std::cout << fmt::format("{}  {}  {} -> {}  ({} bytes, {} attempts){}\n", job.id,
                                     utc_minute(job.created_at_ms), job.sender,
                                     fmt::join(job.recipients, ", "), job.message.size(),
                                     job.attempts,
                                     job.last_error.empty() ? "" : "  " + job.last_error);
          }
        }
        if (jobs.size() < kPage) break;
      }
      if (*json) std::cout << out.dump(2) << "\n";
      return ok_status();
    });
  });

  auto id = std::make_shared<std::string>();
  CLI::App* show = queue->add_subcommand("show", "Print a queued message as it will be sent");
  show->add_option("ID", *id, "The queue id (from `sealmail queue list`)")->required();
  show->callback([=, &exit_code] {
    with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
      auto job = admin.store->get_outbound(*id);
      if (!job.ok()) {
        if (job.error().code == Errc::kNotFound) {
          return make_error(Errc::kNotFound, "no queued message " + *id);
        }
        return std::move(job).error();
      }
      auto key = SEALMAIL_TRY(server::QueueKey::load(admin.config.data_dir / "queue.key"));
      std::string message = SEALMAIL_TRY(key.open(job->id, job->message));
      std::cout << message << std::flush;
      return ok_status();
    });
  });

  // retry and delete, as postqueue -i and postsuper -d: on each id given.
  auto ids = std::make_shared<std::vector<std::string>>();
  auto each = [=, &exit_code](const char* done, auto action) {
    return [=, &exit_code] {
      with_admin(config_path, exit_code, [&](Admin& admin) -> Status {
        for (const std::string& job : *ids) {
          Status status = action(admin, job);
          if (!status.ok() && status.error().code == Errc::kNotFound) {
            return make_error(Errc::kNotFound, "no queued message " + job);
          }
          SEALMAIL_RETURN_IF_ERROR(status);
          std::cout << job << ": " << done << "\n";
        }
        return ok_status();
      });
    };
  };
  CLI::App* retry = queue->add_subcommand("retry", "Try these messages again now");
  retry->add_option("ID", *ids, "Queue ids (from `sealmail queue list`)")->required();
  retry->callback(each("due now", [](Admin& admin, const std::string& job) {
    return admin.store->retry_outbound(job, unix_time_ms());
  }));
  CLI::App* remove = queue->add_subcommand("delete", "Remove these messages, unsent");
  remove->add_option("ID", *ids, "Queue ids (from `sealmail queue list`)")->required();
  remove->callback(each("deleted", [](Admin& admin, const std::string& job) {
    return admin.store->delete_outbound(job);
  }));
}

}  // namespace

void add_admin_commands(CLI::App& app, int& exit_code) {
  auto config_path = std::make_shared<std::string>(default_config_path());
  add_domain_commands(app, exit_code, config_path);
  add_alias_commands(app, exit_code, config_path);
  add_user_commands(app, exit_code, config_path);
  add_queue_commands(app, exit_code, config_path);
}

}  // namespace sealmail::cli
