#include "client/session_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "client/home.h"
#include "client/test_util.h"

namespace sealmail::client {
namespace {

using testing::TempDir;

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

StoredSession session_for(std::string address, std::string token) {
  return StoredSession{"https://127.0.0.1:8443", std::move(address),
                       SessionTokens{"0011223344556677", token, "refresh-" + token, "full"}};
}

TEST(SessionStoreTest, SavesPrivatelyAndLoadsBack) {
  TempDir dir;
  SessionStore store(dir.path() / "home");
  ASSERT_TRUE(store.save(session_for("Alice@Example.TEST", "tok-a")).ok());
  auto file = dir.path() / "home" / "accounts" / "alice@example.test.json";
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(dir.path() / "home" / "accounts"), 0700u);
  EXPECT_EQ(mode_of(dir.path() / "home"), 0700u);
  EXPECT_EQ(mode_of(dir.path() / "home" / "default"), 0600u);

  auto loaded = store.load("ALICE@example.test");
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded->address, "alice@example.test");
  EXPECT_EQ(loaded->server, "https://127.0.0.1:8443");
  EXPECT_EQ(loaded->tokens.access_token, "tok-a");
  EXPECT_EQ(loaded->tokens.refresh_token, "refresh-tok-a");
  EXPECT_EQ(loaded->tokens.scope, "full");
  EXPECT_EQ(store.known_servers(), dir.path() / "home" / "known_servers");
}

TEST(SessionStoreTest, DefaultIsTheLastLoginAndRemovalClearsIt) {
  TempDir dir;
  SessionStore store(dir.path());
  auto none = store.default_address();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::kNotFound);

  ASSERT_TRUE(store.save(session_for("a@example.test", "1")).ok());
  ASSERT_TRUE(store.save(session_for("b@example.test", "2")).ok());
  EXPECT_EQ(store.default_address().value(), "b@example.test");
  ASSERT_TRUE(store.save(session_for("a@example.test", "3"), /*make_default=*/false).ok());
  EXPECT_EQ(store.default_address().value(), "b@example.test");
  EXPECT_EQ(store.load("a@example.test")->tokens.access_token, "3");

  ASSERT_TRUE(store.remove("a@example.test").ok());  // not the default: default stays
  EXPECT_EQ(store.default_address().value(), "b@example.test");
  EXPECT_EQ(store.load("a@example.test").error().code, Errc::kNotFound);
  ASSERT_TRUE(store.remove("b@example.test").ok());
  EXPECT_FALSE(store.default_address().ok());
  EXPECT_TRUE(store.remove("b@example.test").ok());  // twice is fine
  // The server outlives the logout, so the next login goes back to it.
  EXPECT_EQ(store.last_server("B@example.test").value_or(""), "https://127.0.0.1:8443");
  EXPECT_EQ(store.last_server("c@example.test").error().code, Errc::kNotFound);
}

TEST(SessionStoreTest, RefusesPathsAndDamagedFiles) {
  TempDir dir;
  SessionStore store(dir.path());
  for (const char* bad : {"../x@y", "a/b@c", "", ".hidden@x", "no-at-sign"}) {
    EXPECT_FALSE(store.save(session_for(bad, "t")).ok()) << bad;
    EXPECT_FALSE(store.load(bad).ok()) << bad;
  }
  ASSERT_TRUE(ensure_private_dir(dir.path() / "accounts").ok());
  ASSERT_TRUE(
      write_private_file(dir.path() / "accounts" / "c@example.test.json", "{\"server\":1}").ok());
  auto damaged = store.load("c@example.test");
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, Errc::kCorruption);
}

}  // namespace
}  // namespace sealmail::client
