// smtp_engine_fuzzer — libFuzzer target for src/smtp: feeds arbitrary client bytes through an
// SmtpEngine with the test sink (hosts our.test). The first byte picks the session flags and
// the feeding split; the rest is fed whole to one engine and in small pieces to another, and
// both must produce the same output and deliveries (chunking independence). Must never crash,
// hang or trip a sanitizer. Seed corpus: fuzz/corpus/smtp_engine/ (golden transcript shapes;
// the first byte of each seed is the flags byte).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "smtp/engine.h"
#include "smtp/test_sink.h"

namespace {

using sealmail::smtp::SmtpEngine;
using sealmail::smtp::SmtpLimits;
using sealmail::smtp::testing::TestSink;

struct Run {
  std::string output;
  size_t deliveries = 0;
};

Run feed(std::string_view bytes, uint8_t flags, size_t piece) {
  SmtpLimits limits;
  limits.hostname = "mx.our.test";
  limits.max_line_bytes = 200;
  limits.max_data_line_bytes = 300;
  limits.max_header_bytes = 2000;
  limits.max_message_bytes = 8000;
  limits.max_recipients = 5;
  limits.max_commands_before_mail = 30;
  limits.max_errors = 20;
  limits.normalize_bare_line_endings = flags & 1;
  auto sink = std::make_shared<TestSink>();
  SmtpEngine engine(sink, limits, [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));
  });
  sealmail::net::SessionInfo info;
  info.peer_address = "192.0.2.1";
  info.starttls_available = flags & 2;
  info.tls = flags & 4;
  Run run;
  run.output = engine.on_connect(info).write;
  for (size_t i = 0; i < bytes.size(); i += piece) {
    auto out = engine.on_data(bytes.substr(i, piece));
    run.output += out.write;
    if (out.next == sealmail::net::Output::Next::kClose) break;
    if (out.next == sealmail::net::Output::Next::kStartTls) {
      // The transport drops what is buffered and upgrades; the rest of this piece is gone.
      run.output += "[tls]";
      run.output += engine.on_tls_established().write;
    }
  }
  if (flags & 8) run.output += engine.on_timeout();
  run.deliveries = sink->deliveries.size();
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  Run whole = feed(bytes, flags, bytes.empty() ? 1 : bytes.size());
  // Every reply line ends in CRLF.
  for (size_t i = 0; i < whole.output.size(); ++i)
    if (whole.output[i] == '\n') SEALMAIL_CHECK(i > 0 && whole.output[i - 1] == '\r');
  // Pieces must agree with the whole feed, except around STARTTLS, where what is dropped
  // depends on how the bytes arrived (that is the transport's contract, not the engine's).
  if (whole.output.find("[tls]") == std::string::npos) {
    Run pieces = feed(bytes, flags, 1 + (flags >> 4));
    SEALMAIL_CHECK(pieces.output == whole.output);
    SEALMAIL_CHECK(pieces.deliveries == whole.deliveries);
  }
  return 0;
}
