// Crash durability: an event whose append_event returned ok is in the store after the writing
// process is killed with SIGKILL at an arbitrary moment — including in the middle of the next
// append — and the log still has no gaps. (Power-cut durability additionally rests on
// synchronous=FULL, which sqlite/db_test.cc checks; this test cannot cut the power.)
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_test_backends.h"

namespace sealmail::store {
namespace {

using testing::Backend;
using testing::StoreLocation;
using testing::TempDir;

constexpr char kAddress[] = "crash@example.org";
constexpr int kMaxAppendsPerChild = 100000;  // far more than a child lives to do

std::string payload_for(Cursor cursor) { return "payload-" + std::to_string(cursor); }

// Runs in the forked child: append until killed, reporting each cursor only once
// append_event has returned ok. Never returns into the test framework.
[[noreturn]] void append_until_killed(const StoreLocation& where, int report_fd) {
  auto store = open_store(where.url, where.data_dir);
  if (!store.ok()) _exit(2);
  auto account = (*store)->find_account(kAddress);
  if (!account.ok()) _exit(3);
  auto last = (*store)->last_cursor(*account);
  if (!last.ok()) _exit(4);
  for (int i = 0; i < kMaxAppendsPerChild; ++i) {
    // The payload names the cursor it expects, so the parent can tell rows apart; with one
    // writer the next cursor is known.
    auto cursor = (*store)->append_event(*account, "crash.test", payload_for(*last + i + 1));
    if (!cursor.ok() || *cursor != *last + i + 1) _exit(5);
    Cursor value = *cursor;
    // Pipe writes of at most PIPE_BUF bytes are atomic: the parent never sees half a cursor.
    if (write(report_fd, &value, sizeof value) != static_cast<ssize_t>(sizeof value)) _exit(6);
  }
  _exit(0);
}

class StoreCrashTest : public ::testing::TestWithParam<Backend> {};

TEST_P(StoreCrashTest, AcknowledgedEventsSurviveKill9) {
  TempDir dir;
  const StoreLocation where = GetParam().fresh(dir.path());
  AccountId account;
  {
    auto store = open_store(where.url, where.data_dir);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    auto created = (*store)->create_account(kAddress);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    account = *created;
  }  // closed before fork: a child must not inherit open database handles

  std::vector<Cursor> acknowledged;
  // Several rounds, so recovery from a killed writer is itself followed by a kill.
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const size_t wanted = acknowledged.size() + 20 + 7 * static_cast<size_t>(round);
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0) << std::strerror(errno);
    pid_t child = fork();
    ASSERT_GE(child, 0) << std::strerror(errno);
    if (child == 0) {
      close(fds[0]);
      append_until_killed(where, fds[1]);
    }
    close(fds[1]);

    // Read acknowledgements until we have enough, then kill without warning. Bounded in time
    // so a stuck child fails the test instead of hanging it.
    std::string buffer;
    auto take_cursors = [&] {
      while (buffer.size() >= sizeof(Cursor)) {
        Cursor c;
        std::memcpy(&c, buffer.data(), sizeof c);
        acknowledged.push_back(c);
        buffer.erase(0, sizeof c);
      }
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool child_closed_pipe = false;
    while (acknowledged.size() < wanted && std::chrono::steady_clock::now() < deadline) {
      pollfd p{.fd = fds[0], .events = POLLIN, .revents = 0};
      if (poll(&p, 1, 1000) <= 0) continue;
      char chunk[512];
      ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) {
        child_closed_pipe = true;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
      take_cursors();
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    // Whatever the child reported before it died was acknowledged too.
    for (char chunk[512];;) {
      ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    take_cursors();
    close(fds[0]);
    ASSERT_FALSE(child_closed_pipe && !WIFSIGNALED(status))
        << "the writer exited early with status " << WEXITSTATUS(status);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ASSERT_GE(acknowledged.size(), wanted) << "the writer was too slow to report";
    EXPECT_TRUE(buffer.empty());

    // Everything acknowledged is there, with its payload, and the log is still 1..last.
    auto store = open_store(where.url, where.data_dir);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    auto events = (*store)->events_after(account, 0, std::numeric_limits<size_t>::max());
    ASSERT_TRUE(events.ok()) << events.error().describe();
    auto last = (*store)->last_cursor(account);
    ASSERT_TRUE(last.ok()) << last.error().describe();
    ASSERT_GE(*last, acknowledged.back());
    ASSERT_EQ(events->size(), static_cast<size_t>(*last));
    for (size_t i = 0; i < events->size(); ++i) {
      ASSERT_EQ((*events)[i].cursor, static_cast<Cursor>(i) + 1);
      ASSERT_EQ((*events)[i].payload, payload_for((*events)[i].cursor));
    }
    // An append can commit and be killed before reporting, so acknowledgements may skip a
    // cursor between rounds; they still only increase, and each one names a stored event.
    for (size_t i = 0; i < acknowledged.size(); ++i) {
      if (i > 0) {
        ASSERT_GT(acknowledged[i], acknowledged[i - 1]);
      }
      ASSERT_GE(acknowledged[i], 1);
      ASSERT_EQ((*events)[static_cast<size_t>(acknowledged[i] - 1)].cursor, acknowledged[i]);
    }
    // The store of this round closes here, before the next fork.
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCrashTest, ::testing::ValuesIn(testing::all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sealmail::store
