#include "store/store_test_backends.h"

#include <string>

#include "store/sqlite/db.h"

namespace sealmail::store::testing {

namespace {

Status sqlite_claim_schema_version(const StoreLocation& where, int version) {
  auto db = SEALMAIL_TRY(sqlite::Connection::open(where.data_dir / "sealmail.db", {}));
  std::string sql =
      "WITH RECURSIVE v(n) AS (SELECT max(version) + 1 FROM schema_migrations "
      "UNION ALL SELECT n + 1 FROM v WHERE n < " +
      std::to_string(version) +
      ") "
      "INSERT INTO schema_migrations (version, name, applied_at_ms) "
      "SELECT n, 'from_the_future', 0 FROM v";
  return db.exec(sql);
}

}  // namespace

std::vector<Backend> all_backends() {
  return {
      Backend{.name = "sqlite",
              .fresh =
                  [](const std::filesystem::path& scratch) {
                    return StoreLocation{.url = "", .data_dir = scratch};
                  },
              .claim_schema_version = sqlite_claim_schema_version},
  };
}

}  // namespace sealmail::store::testing
