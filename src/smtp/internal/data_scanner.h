// data_scanner.h — the message-data byte scanner behind DATA and BDAT: finds the end of DATA,
// undoes dot-stuffing, and checks line endings and the data limits, one byte at a time so that
// any split of the input gives the same result.
//
// SECURITY: SMTP smuggling. The end of DATA is recognised only at <CRLF>.<CRLF> in the raw
// byte stream (RFC 5321 §4.1.1.4); a bare CR or bare LF never starts or ends a line for that
// purpose, so `\n.\n`, `\r.\r`, `\r\n.\n`, `\r\n\0.\r\n` and the rest are message content.
// A bare CR or LF marks the message kBareLineEnding (rejected) unless `normalize`, in which
// case each becomes CRLF in the output and is no problem — still without ending the data. Output
// beyond max_message_bytes is not stored (the scanner keeps finding the end so the session stays in
// step). Lines are counted with their CRLF; the header section is everything up to and
// including the first empty line.
//
// Standards: RFC 5321 §4.1.1.4, §4.5.2 (transparency), §4.5.3.1.6 (line length); RFC 3030
// (BDAT: no dot handling, kBdat mode).
//
// Thread-safety: a value type owned by one session.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sealmail::smtp::internal {

class DataScanner {
 public:
  enum class Mode { kDot, kBdat };
  enum class Problem { kNone, kBareLineEnding, kLineTooLong, kHeaderTooBig, kTooBig };
  struct Limits {
    size_t max_line_bytes = 1000;
    size_t max_header_bytes = 1 << 20;
    size_t max_message_bytes = 50 << 20;
    bool normalize = false;
  };

  DataScanner(Mode mode, Limits limits);

  // Consumes bytes; in kDot mode stops right after the terminating <CRLF>.<CRLF>. Returns how
  // many bytes of `bytes` were consumed (all of them unless the end was found).
  size_t feed(std::string_view bytes);
  // kBdat: the last chunk is in; a trailing lone CR is a bare CR.
  void finish();

  bool done() const { return state_ == State::kDone; }
  // The first problem seen (later ones are not reported).
  Problem problem() const { return problem_; }
  // The unstuffed message so far (empty once kTooBig).
  const std::string& message() const { return out_; }
  std::string take_message() { return std::move(out_); }
  // Message bytes produced so far, stored or not.
  size_t size() const { return size_; }

 private:
  enum class State { kLineStart, kDot, kDotCr, kMid, kCr, kDone };

  void step(unsigned char c);
  void emit(std::string_view bytes);
  void end_line();  // a CRLF was emitted: line and header accounting
  void bare() {     // a bare CR or LF: a problem only when not normalizing
    if (!limits_.normalize) flag(Problem::kBareLineEnding);
  }
  void flag(Problem p) {
    if (problem_ == Problem::kNone) problem_ = p;
  }

  // Constant after construction.
  const Mode mode_;
  const Limits limits_;

  State state_;
  Problem problem_ = Problem::kNone;
  std::string out_;
  size_t size_ = 0;
  size_t line_bytes_ = 0;  // raw bytes of the current line, so far
  bool in_header_ = true;
  bool line_empty_ = true;  // nothing but the CRLF emitted on this line so far
};

}  // namespace sealmail::smtp::internal
