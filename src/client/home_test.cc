#include "client/home.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "client/test_util.h"

namespace sealmail::client {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}


TEST(ClientHome, SealmailHomeWins) {
  ScopedEnv home("HOME", "/home/someone");
  ScopedEnv sealmail("SEALMAIL_HOME", "/srv/state/sealmail");
  auto path = client_home();
  ASSERT_TRUE(path.ok()) << path.error().describe();
  EXPECT_EQ(*path, "/srv/state/sealmail");
}

TEST(ClientHome, EmptySealmailHomeFallsBackToHome) {
  ScopedEnv home("HOME", "/home/someone");
  ScopedEnv sealmail("SEALMAIL_HOME", "");
  auto path = client_home();
  ASSERT_TRUE(path.ok()) << path.error().describe();
  EXPECT_EQ(*path, "/home/someone/.config/sealmail");
}

TEST(ClientHome, NeitherSetIsAnError) {
  ScopedEnv home("HOME", nullptr);
  ScopedEnv sealmail("SEALMAIL_HOME", nullptr);
  auto path = client_home();
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.error().code, Errc::kInvalidArgument);
}

TEST(ClientHome, RelativeHomeIsAnError) {
  ScopedEnv sealmail("SEALMAIL_HOME", "relative/dir");
  auto path = client_home();
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.error().code, Errc::kInvalidArgument);
}

TEST(ClientHome, EnsurePrivateDirCreatesParentsWithMode0700) {
  TempDir tmp;
  auto dir = tmp.path() / "a" / "b" / "c";
  mode_t old_umask = ::umask(0);  // a permissive umask must not widen what we create
  Status status = ensure_private_dir(dir);
  ::umask(old_umask);
  ASSERT_TRUE(status.ok()) << status.error().describe();
  EXPECT_EQ(mode_of(tmp.path() / "a"), 0700u);
  EXPECT_EQ(mode_of(tmp.path() / "a" / "b"), 0700u);
  EXPECT_EQ(mode_of(dir), 0700u);
  // Idempotent.
  EXPECT_TRUE(ensure_private_dir(dir).ok());
}

TEST(ClientHome, EnsurePrivateDirTightensAnOpenDirectory) {
  TempDir tmp;
  auto dir = tmp.path() / "open";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0775), 0);
  ASSERT_TRUE(ensure_private_dir(dir).ok());
  EXPECT_EQ(mode_of(dir), 0700u);
}

TEST(ClientHome, EnsurePrivateDirRefusesAFile) {
  TempDir tmp;
  auto file = tmp.path() / "file";
  ASSERT_TRUE(write_private_file(file, "x").ok());
  Status status = ensure_private_dir(file);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidArgument);
  status = ensure_private_dir(file / "below");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidArgument);
}

TEST(ClientHome, WritePrivateFileHasMode0600AndReadsBack) {
  TempDir tmp;
  auto file = tmp.path() / "session";
  mode_t old_umask = ::umask(0);
  Status status = write_private_file(file, "token\n");
  ::umask(old_umask);
  ASSERT_TRUE(status.ok()) << status.error().describe();
  EXPECT_EQ(mode_of(file), 0600u);
  auto content = read_file(file);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "token\n");
}

TEST(ClientHome, WritePrivateFileReplacesAtomically) {
  TempDir tmp;
  auto file = tmp.path() / "state";
  ASSERT_TRUE(write_private_file(file, "old content").ok());
  // A reader holding the old file keeps the old inode: the new content arrived by rename, not
  // by rewriting in place (which a crash could leave half-done).
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  ASSERT_TRUE(write_private_file(file, "new").ok());
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(after.st_mode & 07777, 0600u);
  EXPECT_EQ(read_file(file).value(), "new");
  // No temporary file is left behind.
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path())) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "state");
  }
  EXPECT_EQ(entries, 1);
}

TEST(ClientHome, WritePrivateFileFailsWithoutItsDirectory) {
  TempDir tmp;
  Status status = write_private_file(tmp.path() / "missing" / "file", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kIo);
}

TEST(ClientHome, ReadMissingFileIsNotFound) {
  TempDir tmp;
  auto content = read_file(tmp.path() / "nothing");
  ASSERT_FALSE(content.ok());
  EXPECT_EQ(content.error().code, Errc::kNotFound);
}

TEST(ClientHome, RemoveFileIsOkWhenMissing) {
  TempDir tmp;
  auto file = tmp.path() / "f";
  ASSERT_TRUE(write_private_file(file, "x").ok());
  EXPECT_TRUE(remove_file(file).ok());
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_TRUE(remove_file(file).ok());
}

}  // namespace
}  // namespace sealmail::client
