// bdat.cc — BDAT <size> [LAST] (RFC 3030 CHUNKING). A chunk of a known size is always read,
// even when the command is refused, so the session never reads message bytes as commands.
// Mixing DATA and BDAT in one transaction is refused (503 5.5.1). After an error reply to a
// chunk the transaction is gone, so later chunks get "503 5.5.1 Need MAIL command" (§4.2:
// the receiver answers every further chunk with an error).
#include <charconv>
#include <cstdint>

#include "smtp/internal/session.h"

namespace sealmail::smtp::internal {

void Session::cmd_bdat(std::string_view args) {
  std::string_view text = trim(args);
  size_t space = text.find(' ');
  std::string_view size_text = text.substr(0, space);
  std::string_view last =
      space == std::string_view::npos ? std::string_view{} : trim(text.substr(space));
  uint64_t size = 0;
  auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
  // Without a size we cannot know where the chunk ends: refuse and read on as commands.
  if (size_text.empty() || ec != std::errc{} || end != size_text.data() + size_text.size() ||
      (!last.empty() && !iequals(last, "LAST")))
    return error(501, "5.5.4", "Syntax: BDAT size [LAST]");

  bdat_remaining_ = size;
  bdat_chunk_size_ = size;
  bdat_last_ = !last.empty();
  bdat_discard_ = true;
  bdat_error_code_ = 0;
  if (!in_transaction()) {
    bdat_error_code_ = 503, bdat_error_enhanced_ = "5.5.1", bdat_error_text_ = "Need MAIL command";
  } else if (envelope_.recipients.empty()) {
    bdat_error_code_ = 554, bdat_error_enhanced_ = "5.5.1",
    bdat_error_text_ = "No valid recipients";
  } else {
    bdat_discard_ = false;
    if (!bdat_used_) scanner_.emplace(DataScanner::Mode::kBdat, scanner_limits());
    bdat_used_ = true;
  }
  mode_ = Mode::kBdat;
  if (bdat_remaining_ == 0) finish_chunk();
}

void Session::finish_chunk() {
  mode_ = Mode::kCommand;
  if (bdat_discard_) {
    if (bdat_error_code_ == 554) reset_transaction();
    return error(bdat_error_code_, bdat_error_enhanced_, bdat_error_text_);
  }
  DataScanner& scanner = *scanner_;
  if (bdat_last_) {
    scanner.finish();
    return deliver_message(scanner, scanner.take_message());
  }
  // Size is the one limit worth failing early on; the others wait for LAST.
  if (scanner.problem() == DataScanner::Problem::kTooBig) {
    reset_transaction();
    return reply(552, "5.3.4", "Message size exceeds fixed limit");
  }
  reply(250, "2.0.0", std::to_string(bdat_chunk_size_) + " octets received");
}

}  // namespace sealmail::smtp::internal
