// contacts.h — the client's address book, minimal: per outside address a pinned OpenPGP key
// and an encryption preference. Kept on this machine, in the client's state directory
// (`contacts/<address>.json`, 0600; home.h), not on the server. (Encrypted and signed contact
// cards stored on the server come later.)
//
// Preference: `always` — refuse to send unless the message can be encrypted to this contact;
// `never` — send cleartext (signed) even with a key; `auto` (default) — encrypt when a key is
// known.
//
// SECURITY: a pinned key is imported from a file the user chose; it is parsed (one
// certificate, public parts only) and must carry the contact's address in a user ID and be
// able to encrypt. Files read back are ours but still validated.
// Thread-safety: functions only; concurrent writers of one contact: last rename wins.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pgp/key.h"

namespace sealmail::client {

enum class EncryptPreference { kAuto, kAlways, kNever };
std::string_view to_string(EncryptPreference preference);          // "auto", "always", "never"
Result<EncryptPreference> parse_preference(std::string_view text);  // kInvalidArgument

struct Contact {
  std::string address;  // lower-case
  std::optional<pgp::PublicKey> key;
  EncryptPreference encrypt = EncryptPreference::kAuto;
};

class Contacts {
 public:
  // The address book under `home` (client_home()).
  explicit Contacts(std::filesystem::path home) : dir_(std::move(home) / "contacts") {}

  // Adds or replaces. kInvalidArgument for a key that does not fit the address.
  Status save(const Contact& contact);
  Result<Contact> find(std::string_view address) const;  // kNotFound
  Result<std::vector<Contact>> list() const;             // by address
  Status remove(std::string_view address);               // kNotFound

 private:
  std::filesystem::path file_of(std::string_view address) const;
  std::filesystem::path dir_;
};

}  // namespace sealmail::client
