#include "client/session_store.h"

#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "client/home.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trimmed(std::string_view text) {
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  return std::string(text);
}

}  // namespace

Result<SessionStore> SessionStore::open_default() {
  return SessionStore(SEALMAIL_TRY(client_home()));
}

Result<std::filesystem::path> SessionStore::account_path(std::string_view address) const {
  std::string lower = ascii_lowercase(address);
  bool usable = !lower.empty() && lower.size() <= 320 && lower.front() != '.' &&
                lower.find('@') != std::string::npos;
  for (char c : lower) usable = usable && c > 0x20 && c < 0x7f && c != '/' && c != '\\';
  if (!usable) return make_error(Errc::kInvalidArgument, "not an address: " + trimmed(lower));
  return home_ / "accounts" / (lower + ".json");
}

Result<std::filesystem::path> SessionStore::server_path(std::string_view address) const {
  auto account = SEALMAIL_TRY(account_path(address));
  return home_ / "servers" / account.stem();
}

Result<std::string> SessionStore::last_server(std::string_view address) const {
  auto text = SEALMAIL_TRY(read_file(SEALMAIL_TRY(server_path(address))));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return make_error(Errc::kNotFound, "no server recorded");
  return text;
}

Status SessionStore::save(const StoredSession& session, bool make_default) {
  auto path = SEALMAIL_TRY(account_path(session.address));
  SEALMAIL_RETURN_IF_ERROR(ensure_private_dir(path.parent_path()));
  Json doc{{"server", session.server},
           {"address", ascii_lowercase(session.address)},
           {"session_id", session.tokens.session_id},
           {"access_token", session.tokens.access_token},
           {"refresh_token", session.tokens.refresh_token},
           {"scope", session.tokens.scope}};
  SEALMAIL_RETURN_IF_ERROR(write_private_file(path, doc.dump(2) + "\n"));
  auto server = SEALMAIL_TRY(server_path(session.address));
  SEALMAIL_RETURN_IF_ERROR(ensure_private_dir(server.parent_path()));
  SEALMAIL_RETURN_IF_ERROR(write_private_file(server, session.server + "\n"));
  if (make_default) SEALMAIL_RETURN_IF_ERROR(set_default(session.address));
  return ok_status();
}

Result<StoredSession> SessionStore::load(std::string_view address) const {
  auto path = SEALMAIL_TRY(account_path(address));
  auto text = read_file(path);
  if (!text.ok()) {
    if (text.error().code == Errc::kNotFound) {
      return make_error(Errc::kNotFound, "not logged in as " + ascii_lowercase(address) +
                                             "; run `sealmail login " + ascii_lowercase(address) +
                                             "`");
    }
    return std::move(text).error();
  }
  Json doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto damaged = [&] {
    return make_error(Errc::kCorruption, path.string() + " is damaged; log in again");
  };
  if (!doc.is_object()) return damaged();
  StoredSession out;
  for (auto [name, member] : {std::pair{"server", &out.server}, std::pair{"address", &out.address},
                              std::pair{"session_id", &out.tokens.session_id},
                              std::pair{"access_token", &out.tokens.access_token},
                              std::pair{"refresh_token", &out.tokens.refresh_token},
                              std::pair{"scope", &out.tokens.scope}}) {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_string()) return damaged();
    *member = it->get<std::string>();
  }
  return out;
}

Result<std::string> SessionStore::default_address() const {
  auto text = read_file(home_ / "default");
  if (!text.ok() && text.error().code != Errc::kNotFound) return std::move(text).error();
  std::string address = text.ok() ? trimmed(*text) : std::string();
  if (address.empty()) {
    return make_error(Errc::kNotFound, "not logged in; run `sealmail login ADDRESS`");
  }
  return address;
}

Status SessionStore::set_default(std::string_view address) {
  SEALMAIL_RETURN_IF_ERROR(ensure_private_dir(home_));
  return write_private_file(home_ / "default", ascii_lowercase(address) + "\n");
}

Status SessionStore::remove(std::string_view address) {
  auto path = SEALMAIL_TRY(account_path(address));
  SEALMAIL_RETURN_IF_ERROR(remove_file(path));
  auto current = default_address();
  if (current.ok() && *current == ascii_lowercase(address)) {
    SEALMAIL_RETURN_IF_ERROR(remove_file(home_ / "default"));
  }
  return ok_status();
}

}  // namespace sealmail::client
