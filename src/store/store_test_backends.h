// store_test_backends.h — the backends the behavioural Store suite runs against (temp
// directories come from base/testing/temp_dir.h). Adding the PostgreSQL backend to every suite means adding one entry to
// all_backends(). Test-only.
//
// Thread-safety: none needed (used from the test's main thread).
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/testing/temp_dir.h"

namespace sealmail::store::testing {

using ::sealmail::testing::TempDir;

// What open_store needs to reach one database.
struct StoreLocation {
  std::string url;
  std::filesystem::path data_dir;
};

struct Backend {
  std::string name;
  // A location for a new, empty database; `scratch` is a TempDir the test owns.
  std::function<StoreLocation(const std::filesystem::path& scratch)> fresh;
  // Makes the database at `where` record schema versions up to `version`, as a newer sealmail
  // would have left it.
  std::function<Status(const StoreLocation& where, int version)> claim_schema_version;
};

std::vector<Backend> all_backends();

// For readable test names and failure messages.
inline std::ostream& operator<<(std::ostream& os, const Backend& backend) {
  return os << backend.name;
}

}  // namespace sealmail::store::testing
