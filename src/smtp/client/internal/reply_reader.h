// reply_reader.h — splits a server's byte stream into SMTP replies (RFC 5321 §4.2), for the
// client engine only.
//
// SECURITY: the bytes are untrusted. Lines end in CRLF or bare LF (a CR elsewhere stays in the
// text); a line is "ddd", "ddd text" or "ddd-text" with 2 ≤ d1 ≤ 5 and d2 ≤ 5; every line of a
// reply carries the same code; a line may not exceed max_line bytes with its terminator, nor a
// reply max_lines lines. The first violation is reported once, in stream order after the
// replies completed before it, and the reader ignores everything after it. Memory is bounded
// by the limits, and each byte is looked at a bounded number of times however the input is
// split.
//
// Thread-safety: none; one reader belongs to one engine.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client/engine.h"

namespace sealmail::smtp::client::internal {

struct RawReply {
  int code = 0;
  std::vector<std::string> lines;  // text after "ddd-" / "ddd ", unsanitized, no terminator
};

class ReplyReader {
 public:
  ReplyReader(size_t max_line, size_t max_lines);

  void feed(std::string_view bytes);

  struct Item {
    enum class Kind { kNone, kReply, kError };
    Kind kind = Kind::kNone;
    RawReply reply;     // kReply
    std::string error;  // kError: one line
  };
  // The next complete reply or error, or kNone when more bytes are needed.
  Item next();

  // No byte is held: no complete reply or error waiting, no partial line or reply.
  bool empty() const;

 private:
  void take_line(std::string_view line);
  void fail(std::string error);

  // Constant after construction.
  const size_t max_line_;
  const size_t max_lines_;

  std::string line_;  // the current line so far, without its LF
  RawReply current_;  // lines of the reply in progress
  std::deque<Item> ready_;
  bool failed_ = false;  // an error was queued: ignore every later byte
};

// The engine's view of a reply: the enhanced status code from the first line when its class
// matches the code (RFC 3463, RFC 2034), text reduced to printable ASCII, lines joined by ' '
// and each line's leading copy of that enhanced code removed, capped at kMaxReplyText bytes.
inline constexpr size_t kMaxReplyText = 1024;
Reply to_reply(const RawReply& raw);

}  // namespace sealmail::smtp::client::internal
