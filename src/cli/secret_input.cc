#include "cli/secret_input.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace sealmail::cli {
namespace {

void strip_line_end(std::string& line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
}

// Writes all of `text` to `fd`; best effort (a prompt that cannot be shown is not fatal).
void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

SecretReader::SecretReader() : interactive_(::isatty(STDIN_FILENO) == 1) {}

Result<std::string> SecretReader::secret(const std::string& file, std::string_view prompt,
                                         bool confirm) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      return make_error(Errc::kIo, "cannot read " + file + ": " + std::strerror(errno));
    }
    std::string first;
    std::getline(in, first);
    strip_line_end(first);
    return first;
  }
  if (!interactive_) return from_stdin();
  std::string value = SEALMAIL_TRY(from_terminal(prompt, /*echo=*/false));
  if (confirm) {
    std::string again = SEALMAIL_TRY(from_terminal("Repeat " + std::string(prompt), false));
    if (again != value) return make_error(Errc::kInvalidArgument, "the two entries differ");
  }
  return value;
}

Result<std::string> SecretReader::line(std::string_view prompt) {
  if (!interactive_) return from_stdin();
  return from_terminal(prompt, /*echo=*/true);
}

Result<std::string> SecretReader::from_stdin() {
  std::string value;
  if (!std::getline(std::cin, value)) {
    return make_error(Errc::kInvalidArgument, "stdin ended before all secrets were read");
  }
  strip_line_end(value);
  return value;
}

Result<std::string> SecretReader::from_terminal(std::string_view prompt, bool echo) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::kIo, "cannot open the terminal to ask for a secret");
  write_all(fd, std::string(prompt) + ": ");
  termios saved{};
  bool restore = false;
  if (!echo && ::tcgetattr(fd, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    restore = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  std::string value;
  bool complete = false;
  char c = 0;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n') {
      complete = true;
      break;
    }
    value.push_back(c);
  }
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &saved);
  ::close(fd);
  if (!complete && value.empty()) return make_error(Errc::kInvalidArgument, "nothing was typed");
  strip_line_end(value);
  return value;
}

}  // namespace sealmail::cli
