#include "base/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sealmail {
namespace {

TEST(Log, SensitiveIsNeverFormatted) {
  Sensitive body("Subject: canary-7f3a9 secret plans");
  std::string line = fmt::format("stored message {}", body);
  EXPECT_EQ(line, "stored message <34 bytes withheld>");
  EXPECT_EQ(line.find("canary-7f3a9"), std::string::npos);
  EXPECT_EQ(body.reveal().substr(9, 12), "canary-7f3a9");
}

TEST(Log, SensitiveStaysOutOfLogOutputAtEveryLevel) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_level(spdlog::level::trace);
  Sensitive secret("canary-b41d2 password");
  logger->trace("trace {}", secret);
  logger->info("info {}", secret);
  logger->error("error {}", secret);
  logger->flush();
  EXPECT_NE(out.str().find("info <21 bytes withheld>"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("canary-b41d2"), std::string::npos);
}

TEST(Log, InitRejectsUnknownLevelAndUnwritableFile) {
  EXPECT_FALSE(init_logging("loud", "").ok());
  // A path below a regular file can never be created (spdlog makes missing folders).
  std::string file_as_dir = ::testing::TempDir() + "/sealmail-log-test-file";
  { std::ofstream(file_as_dir) << "x"; }
  Status s = init_logging("info", file_as_dir + "/x/log");
  std::remove(file_as_dir.c_str());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kIo);
  EXPECT_TRUE(init_logging("off", "").ok());
}

}  // namespace
}  // namespace sealmail
