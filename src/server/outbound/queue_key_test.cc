#include "server/outbound/queue_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/testing/temp_dir.h"

namespace sealmail::server {
namespace {

TEST(QueueKey, SealsAndOpensOnlyForTheSameJobAndKey) {
  QueueKey key = QueueKey::random();
  const std::string message = "Subject: QueueCanary\r\n\r\nbody\r\n";
  std::string sealed = key.seal("00000000000000a1", message);
  EXPECT_EQ(sealed.find("QueueCanary"), std::string::npos);
  EXPECT_EQ(key.open("00000000000000a1", sealed).value_or(""), message);
  EXPECT_EQ(key.open("00000000000000a2", sealed).error().code, Errc::kCorruption);
  EXPECT_FALSE(QueueKey::random().open("00000000000000a1", sealed).ok());
  std::string flipped = sealed;
  flipped[20] ^= 1;
  EXPECT_FALSE(key.open("00000000000000a1", flipped).ok());
  EXPECT_FALSE(key.open("00000000000000a1", sealed.substr(0, 10)).ok());
  EXPECT_EQ(key.open("x", key.seal("x", "")).value_or("?"), "");
}

TEST(QueueKey, TheKeyFileIsMadeOnceAndKept) {
  testing::TempDir dir;
  const auto file = dir.path() / "queue.key";
  EXPECT_EQ(QueueKey::load(file).error().code, Errc::kNotFound);
  auto made = QueueKey::load_or_create(file);
  ASSERT_TRUE(made.ok()) << made.error().describe();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string sealed = made->seal("00000000000000a1", "hello");
  auto again = QueueKey::load_or_create(file);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->open("00000000000000a1", sealed).value_or(""), "hello");
  ASSERT_TRUE(write_file_atomically(file, "short", 0600).ok());
  EXPECT_EQ(QueueKey::load(file).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sealmail::server
