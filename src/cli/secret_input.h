// secret_input.h — how the `sealmail` client commands read secrets (passwords, recovery
// phrases, reset codes, second-factor codes): never from the command line, where other users
// see them in `ps` and shells keep them in history (design.md §6).
//
// Where a secret comes from, in this order:
//  1. a file named by the command's option (--password-file, --new-password-file, …): its
//     first line, without the line end;
//  2. when stdin is a terminal: a prompt on /dev/tty with echo off (termios); a new password
//     is asked twice and must match;
//  3. otherwise one line of stdin per secret, in the order each command's --help documents
//     (new passwords once, not twice).
//
// SECURITY: the terminal's echo is restored even when reading fails. Secrets are never
// echoed, logged or put in error messages. An empty secret is refused by the callers.
// Thread-safety: one reader per process (it owns the stdin and terminal state).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::cli {

class SecretReader {
 public:
  SecretReader();  // looks at whether stdin is a terminal

  // A secret from `file` (if not empty), the terminal or the next stdin line.
  // `confirm`: ask twice on a terminal ("Repeat …") and refuse a mismatch.
  Result<std::string> secret(const std::string& file, std::string_view prompt,
                             bool confirm = false);
  // A line that is not secret (a typed confirmation): echoed on a terminal.
  Result<std::string> line(std::string_view prompt);

  bool interactive() const { return interactive_; }

 private:
  Result<std::string> from_terminal(std::string_view prompt, bool echo);
  Result<std::string> from_stdin();

  bool interactive_;  // constant after construction
};

}  // namespace sealmail::cli
