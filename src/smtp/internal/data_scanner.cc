// data_scanner.cc — see data_scanner.h. State after a raw CRLF is kLineStart; every other
// state is "inside a line", which is what keeps bare CR/LF from ending the data.
#include "smtp/internal/data_scanner.h"

namespace sealmail::smtp::internal {

DataScanner::DataScanner(Mode mode, Limits limits)
    : mode_(mode), limits_(limits), state_(State::kLineStart) {}

void DataScanner::emit(std::string_view bytes) {
  size_ += bytes.size();
  if (size_ > limits_.max_message_bytes) {
    flag(Problem::kTooBig);
    out_.clear();
    out_.shrink_to_fit();
  } else if (problem_ != Problem::kTooBig) {
    out_.append(bytes);
  }
  if (in_header_ && size_ > limits_.max_header_bytes) flag(Problem::kHeaderTooBig);
}

void DataScanner::end_line() {
  if (in_header_ && line_empty_) in_header_ = false;
  line_bytes_ = 0;
  line_empty_ = true;
}

size_t DataScanner::feed(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && state_ != State::kDone) step(static_cast<unsigned char>(bytes[i++]));
  return i;
}

void DataScanner::finish() {
  if (state_ == State::kCr || state_ == State::kDotCr) {
    bare();
    if (state_ == State::kDotCr) emit(".");
    if (limits_.normalize) emit("\r\n");
  } else if (state_ == State::kDot) {
    emit(".");
  }
  state_ = State::kMid;
}

void DataScanner::step(unsigned char c) {
  const char ch = static_cast<char>(c);
  if (++line_bytes_ > limits_.max_line_bytes) flag(Problem::kLineTooLong);
  switch (state_) {
    case State::kLineStart:
      if (c == '.' && mode_ == Mode::kDot) {
        state_ = State::kDot;
        return;
      }
      break;
    case State::kDot:
      if (c == '\r') {
        state_ = State::kDotCr;
        return;
      }
      // A leading dot before anything else is transparency padding (RFC 5321 §4.5.2), except
      // before a bare LF, where the line "." is kept as content.
      if (c == '\n') emit(".");
      state_ = State::kMid;
      break;
    case State::kDotCr:
      if (c == '\n') {
        state_ = State::kDone;
        return;
      }
      // ".<CR>x": the CR was bare; the dot is content.
      bare();
      emit(".");
      if (limits_.normalize) emit("\r\n");
      line_empty_ = false;
      state_ = State::kMid;
      break;
    case State::kCr:
      if (c == '\n') {
        emit("\r\n");
        end_line();
        state_ = State::kLineStart;
        return;
      }
      bare();
      if (limits_.normalize) emit("\r\n");
      line_empty_ = false;
      state_ = State::kMid;
      break;
    case State::kMid:
    case State::kDone:
      break;
  }
  // Inside a line (kLineStart and kMid fall through to here, and the reprocessed byte of the
  // cases above).
  if (c == '\r') {
    state_ = State::kCr;
    return;
  }
  if (c == '\n') {
    bare();
    if (limits_.normalize) {
      emit("\r\n");
      line_bytes_ = 0;
    }
    line_empty_ = false;
    state_ = State::kMid;
    return;
  }
  emit(std::string_view(&ch, 1));
  line_empty_ = false;
  state_ = State::kMid;
}

}  // namespace sealmail::smtp::internal
