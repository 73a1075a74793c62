#include "store/store.h"

#include <ostream>
#include <utility>

#include "store/sqlite/sqlite_store.h"

namespace sealmail::store {

std::ostream& operator<<(std::ostream& os, AccountId id) { return os << "account " << id.value; }

Result<std::unique_ptr<Store>> open_store(const std::string& url,
                                          const std::filesystem::path& data_dir) {
  // Error messages never repeat the URL: a PostgreSQL URL may carry a password.
  std::string_view rest = url;
  std::filesystem::path file;
  if (url.empty() || url == "sqlite") {
    file = data_dir / "sealmail.db";
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return make_error(Errc::kUnsupported, "the PostgreSQL backend is not part of this build yet");
  } else if (rest.starts_with("sqlite:")) {
    rest.remove_prefix(7);
    // "sqlite://…" reads like a URL with a host; refuse it rather than guess what was meant.
    if (rest.empty() || rest.starts_with("//")) {
      return make_error(Errc::kInvalidArgument,
                        "store url: use sqlite:/absolute/path.db or sqlite:relative.db");
    }
    std::filesystem::path path(rest);
    file = path.is_absolute() ? path : data_dir / path;
  } else {
    return make_error(Errc::kInvalidArgument,
                      "store url: expected \"sqlite\", sqlite:PATH or postgresql://…");
  }
  auto store = SEALMAIL_TRY(sqlite::SqliteStore::open(file));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace sealmail::store
