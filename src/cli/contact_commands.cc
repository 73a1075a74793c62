// contact_commands.cc — `sealmail contacts add|list|remove`: the address book on this machine
// (client/contacts.h), with pinned keys for outside addresses.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "client/contacts.h"
#include "client/home.h"

namespace sealmail::cli {
namespace {

struct ContactOptions {
  std::string address;
  std::string key_file;
  std::string encrypt = "auto";
  bool json = false;
};

Result<client::Contacts> contacts() {
  return client::Contacts(SEALMAIL_TRY(client::client_home()));
}

Status add(const ContactOptions& o) {
  client::Contacts book = SEALMAIL_TRY(contacts());
  client::Contact contact;
  contact.address = o.address;
  contact.encrypt = SEALMAIL_TRY(client::parse_preference(o.encrypt));
  if (!o.key_file.empty()) {
    std::string text = SEALMAIL_TRY(client::read_file(o.key_file));
    auto key = pgp::PublicKey::parse(text);
    if (!key.ok()) return make_error(Errc::kInvalidArgument, o.key_file + ": not an OpenPGP key");
    contact.key = std::move(key).value();
  } else if (auto existing = book.find(o.address); existing.ok()) {
    contact.key = existing->key;  // changing the preference keeps the pinned key
  }
  SEALMAIL_RETURN_IF_ERROR(book.save(contact));
  std::cout << o.address << ": encryption " << client::to_string(contact.encrypt);
  if (contact.key) std::cout << ", key " << contact.key->info().fingerprint << " pinned";
  std::cout << "\n";
  return ok_status();
}

Status list(const ContactOptions& o) {
  client::Contacts book = SEALMAIL_TRY(contacts());
  auto all = SEALMAIL_TRY(book.list());
  nlohmann::json out = nlohmann::json::array();
  for (const client::Contact& c : all) {
    std::string fingerprint = c.key ? c.key->info().fingerprint : "";
    if (o.json) {
      out.push_back({{"address", c.address},
                     {"encrypt", std::string(client::to_string(c.encrypt))},
                     {"fingerprint", fingerprint}});
    } else {
      std::cout << c.address << "  " << client::to_string(c.encrypt) << "  "
                << (fingerprint.empty() ? "(no key)" : fingerprint) << "\n";
    }
  }
  if (o.json) std::cout << out.dump(2) << "\n";
  return ok_status();
}

}  // namespace

void add_contact_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ContactOptions>();
  CLI::App* cmd = app.add_subcommand("contacts", "Your address book on this machine: pinned keys");
  cmd->require_subcommand(1);

  CLI::App* add_cmd = cmd->add_subcommand("add", "Add a contact or change one");
  add_cmd->add_option("ADDRESS", o->address, "The contact's address")->required();
  add_cmd->add_option("--key", o->key_file, "Pin this OpenPGP public key (armored or binary)");
  add_cmd->add_option("--encrypt", o->encrypt, "auto (encrypt when a key is known), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  add_cmd->callback([&exit_code, o] { run(exit_code, [o] { return add(*o); }); });

  CLI::App* list_cmd = cmd->add_subcommand("list", "List contacts");
  list_cmd->add_flag("--json", o->json, "JSON output");
  list_cmd->callback([&exit_code, o] { run(exit_code, [o] { return list(*o); }); });

  CLI::App* remove_cmd = cmd->add_subcommand("remove", "Forget a contact and its key");
  remove_cmd->add_option("ADDRESS", o->address, "The contact's address")->required();
  remove_cmd->callback([&exit_code, o] {
    run(exit_code, [o]() -> Status {
      client::Contacts book = SEALMAIL_TRY(contacts());
      return book.remove(o->address);
    });
  });
}

}  // namespace sealmail::cli
