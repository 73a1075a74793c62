// session_store.h — the client's login state under client_home() ($SEALMAIL_HOME):
//   accounts/<lower-case address>.json  {"server","address","session_id","access_token",
//                                        "refresh_token","scope"}, mode 0600
//   default                             the address a command uses without --address: the
//                                       last one that logged in or was created
//   servers/<lower-case address>        the server that address last logged in to; kept
//                                       after logout, so the next login finds it
//   known_servers                       TLS pins (https_client.h)
// The directories are 0700 (home.h).
//
// SECURITY: the account files hold bearer tokens: they are written 0600 from their first byte,
// atomically. Their content is read back as untrusted (a damaged file is kCorruption, never a
// crash). Addresses become file names only after a check that they contain no '/', NUL or
// leading '.', so an address cannot name a file outside accounts/.
// Thread-safety: no shared state; concurrent writers of one file: the last one wins (home.h).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "client/api_client.h"

namespace sealmail::client {

struct StoredSession {
  std::string server;   // "https://host:port"
  std::string address;  // lower-case
  SessionTokens tokens;
};

class SessionStore {
 public:
  // The store at client_home(); does not create anything until a write.
  static Result<SessionStore> open_default();
  explicit SessionStore(std::filesystem::path home) : home_(std::move(home)) {}

  const std::filesystem::path& home() const { return home_; }
  std::filesystem::path known_servers() const { return home_ / "known_servers"; }

  // Writes the session's file and, if `make_default`, names its address in `default`.
  Status save(const StoredSession& session, bool make_default = true);
  // kNotFound "not logged in as ADDRESS" when there is no file.
  Result<StoredSession> load(std::string_view address) const;
  // The address in `default`; kNotFound "not logged in; run `sealmail login ADDRESS`" when there
  // is none.
  Result<std::string> default_address() const;
  // Marks `address` as the default.
  Status set_default(std::string_view address);
  // Removes the session's file (ok if absent) and `default` if it names the address.
  Status remove(std::string_view address);
  // The server the address last logged in to, also after logout. kNotFound if none.
  Result<std::string> last_server(std::string_view address) const;

 private:
  Result<std::filesystem::path> account_path(std::string_view address) const;
  Result<std::filesystem::path> server_path(std::string_view address) const;

  std::filesystem::path home_;  // constant after construction
};

}  // namespace sealmail::client
