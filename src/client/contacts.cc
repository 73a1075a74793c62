#include "client/contacts.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "client/home.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

// Addresses become file names: only what an address may hold and a file name safely can.
Result<std::string> checked(std::string_view address) {
  std::string folded = ascii_lowercase(address);
  const size_t at = folded.find('@');
  const bool ok = !folded.empty() && folded.size() <= 254 && at != std::string::npos && at > 0 &&
                  at + 1 < folded.size() && folded.find('@', at + 1) == std::string::npos &&
                  folded.front() != '.' &&
                  std::all_of(folded.begin(), folded.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                           std::string_view("@.-_+").find(c) != std::string_view::npos;
                  });
  if (!ok) return make_error(Errc::kInvalidArgument, "not an address: " + std::string(address));
  return folded;
}

Status check_key(const pgp::PublicKey& key, std::string_view address) {
  const auto& ids = key.info().user_ids;
  if (std::none_of(ids.begin(), ids.end(),
                   [&](const std::string& id) { return pgp::address_of_user_id(id) == address; })) {
    return make_error(Errc::kInvalidArgument, "the key has no user ID for " + std::string(address));
  }
  if (!key.info().can_encrypt || !key.info().valid) {
    return make_error(Errc::kInvalidArgument,
                      "the key for " + std::string(address) + " cannot encrypt (expired or revoked?)");
  }
  return ok_status();
}

Result<Contact> parse_contact(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("address") || !doc["address"].is_string()) {
    return make_error(Errc::kCorruption, "a contact file is not a contact");
  }
  Contact contact;
  contact.address = SEALMAIL_TRY(checked(doc["address"].get<std::string>()));
  contact.encrypt = SEALMAIL_TRY(parse_preference(doc.value("encrypt", "auto")));
  if (doc.contains("key") && doc["key"].is_string()) {
    contact.key = SEALMAIL_TRY(pgp::PublicKey::parse(doc["key"].get<std::string>()));
  }
  return contact;
}

}  // namespace

std::string_view to_string(EncryptPreference preference) {
  switch (preference) {
    case EncryptPreference::kAlways: return "always";
    case EncryptPreference::kNever: return "never";
    case EncryptPreference::kAuto: break;
  }
  return "auto";
}

Result<EncryptPreference> parse_preference(std::string_view text) {
  if (text == "auto") return EncryptPreference::kAuto;
  if (text == "always") return EncryptPreference::kAlways;
  if (text == "never") return EncryptPreference::kNever;
  return make_error(Errc::kInvalidArgument, "encryption preference is auto, always or never");
}

std::filesystem::path Contacts::file_of(std::string_view address) const {
  return dir_ / (std::string(address) + ".json");
}

Status Contacts::save(const Contact& contact) {
  std::string address = SEALMAIL_TRY(checked(contact.address));
  Json doc{{"address", address}, {"encrypt", std::string(to_string(contact.encrypt))}};
  if (contact.key) {
    SEALMAIL_RETURN_IF_ERROR(check_key(*contact.key, address));
    doc["key"] = SEALMAIL_TRY(contact.key->armored());
  }
  SEALMAIL_RETURN_IF_ERROR(ensure_private_dir(dir_));
  return write_private_file(file_of(address), doc.dump(2) + "\n");
}

Result<Contact> Contacts::find(std::string_view address) const {
  std::string folded = SEALMAIL_TRY(checked(address));
  auto text = read_file(file_of(folded));
  if (!text.ok()) {
    if (text.error().code == Errc::kNotFound) return make_error(Errc::kNotFound, "no contact " + folded);
    return std::move(text).error();
  }
  return parse_contact(*text);
}

Result<std::vector<Contact>> Contacts::list() const {
  std::vector<Contact> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = read_file(entry.path());
    if (!text.ok()) continue;
    if (auto contact = parse_contact(*text); contact.ok()) out.push_back(std::move(contact).value());
  }
  if (ec) return make_error(Errc::kIo, "cannot read " + dir_.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const Contact& a, const Contact& b) { return a.address < b.address; });
  return out;
}

Status Contacts::remove(std::string_view address) {
  std::string folded = SEALMAIL_TRY(checked(address));
  std::error_code ec;
  if (!std::filesystem::exists(file_of(folded), ec)) return make_error(Errc::kNotFound, "no contact " + folded);
  return remove_file(file_of(folded));
}

}  // namespace sealmail::client
