// data_scanner_test — the DATA/BDAT byte scanner, table-driven, every case fed whole and one
// byte at a time (the results must agree).
#include "smtp/internal/data_scanner.h"

#include <gtest/gtest.h>

namespace sealmail::smtp::internal {
namespace {

using P = DataScanner::Problem;

struct Case {
  std::string in;
  bool normalize;
  bool done;        // the end-of-data marker was found
  size_t rest;      // bytes left unconsumed
  std::string out;  // unstuffed message
  P problem;
};

struct ScanResult {
  bool done;
  size_t consumed;
  std::string out;
  P problem;
};

ScanResult scan(const std::string& in, bool normalize, size_t piece, DataScanner::Mode mode) {
  DataScanner::Limits limits;
  limits.normalize = normalize;
  DataScanner s(mode, limits);
  size_t consumed = 0;
  for (size_t i = 0; i < in.size() && !s.done(); i += piece)
    consumed += s.feed(std::string_view(in).substr(i, std::min(piece, in.size() - i)));
  if (mode == DataScanner::Mode::kBdat) s.finish();
  return {s.done(), consumed, s.message(), s.problem()};
}

TEST(DataScanner, DotMode) {
  const std::string nul_case("a\r\n\0.\r\nb\r\n.\r\n", 13);
  const Case cases[] = {
      {".\r\n", false, true, 0, "", P::kNone},
      {"a\r\n.\r\nNEXT", false, true, 4, "a\r\n", P::kNone},
      {"..a\r\n.\r\n", false, true, 0, ".a\r\n", P::kNone},
      {"..\r\n.\r\n", false, true, 0, ".\r\n", P::kNone},
      {".x\r\n.\r\n", false, true, 0, "x\r\n", P::kNone},
      {"a\r\n.\r", false, false, 0, "a\r\n", P::kNone},  // not yet the end
      // Smuggling shapes: never the end.
      {"a\n.\nb\r\n.\r\n", false, true, 0, "a.b\r\n", P::kBareLineEnding},
      {"a\r.\rb\r\n.\r\n", false, true, 0, "a.b\r\n", P::kBareLineEnding},
      {"a\r.\nb\r\n.\r\n", false, true, 0, "a.b\r\n", P::kBareLineEnding},
      {"a\n.\rb\r\n.\r\n", false, true, 0, "a.b\r\n", P::kBareLineEnding},
      {"a\n.\r\nb\r\n.\r\n", false, true, 0, "a.\r\nb\r\n", P::kBareLineEnding},
      {"a\r\n.\nb\r\n.\r\n", false, true, 0, "a\r\n.b\r\n", P::kBareLineEnding},
      {"a\r.\r\nb\r\n.\r\n", false, true, 0, "a.\r\nb\r\n", P::kBareLineEnding},
      {"a\r\n.\rb\r\n.\r\n", false, true, 0, "a\r\n.b\r\n", P::kBareLineEnding},
      {nul_case, false, true, 0, std::string("a\r\n\0.\r\nb\r\n", 10), P::kNone},
      // Normalized: bare endings become CRLF but still never end the data.
      {"a\n.\nb\r\n.\r\n", true, true, 0, "a\r\n.\r\nb\r\n", P::kNone},
      {"a\r.\rb\r\n.\r\n", true, true, 0, "a\r\n.\r\nb\r\n", P::kNone},
      {"a\r\n.\nb\r\n.\r\n", true, true, 0, "a\r\n.\r\nb\r\n", P::kNone},
      {"a\r\n.\rb\r\n.\r\n", true, true, 0, "a\r\n.\r\nb\r\n", P::kNone},
      {"a\nb\r\n.\r\n", true, true, 0, "a\r\nb\r\n", P::kNone},
  };
  for (const Case& c : cases) {
    for (size_t piece : {c.in.size(), size_t{1}, size_t{2}}) {
      if (piece == 0) continue;
      ScanResult r = scan(c.in, c.normalize, piece, DataScanner::Mode::kDot);
      EXPECT_EQ(r.done, c.done) << c.in << " piece " << piece;
      EXPECT_EQ(r.consumed, c.in.size() - c.rest) << c.in << " piece " << piece;
      EXPECT_EQ(r.out, c.out) << c.in << " piece " << piece;
      EXPECT_EQ(r.problem, c.problem) << c.in << " piece " << piece;
    }
  }
}

TEST(DataScanner, BdatModeHasNoDotHandling) {
  ScanResult r = scan(".\r\n..x\r\n", false, 1, DataScanner::Mode::kBdat);
  EXPECT_FALSE(r.done);
  EXPECT_EQ(r.out, ".\r\n..x\r\n");
  EXPECT_EQ(r.problem, P::kNone);
  EXPECT_EQ(scan("a\r", false, 1, DataScanner::Mode::kBdat).problem, P::kBareLineEnding);
  EXPECT_EQ(scan("a\nb", false, 1, DataScanner::Mode::kBdat).problem, P::kBareLineEnding);
}

TEST(DataScanner, Limits) {
  DataScanner::Limits limits;
  limits.max_line_bytes = 5;
  limits.max_header_bytes = 10;
  limits.max_message_bytes = 20;
  {
    DataScanner s(DataScanner::Mode::kDot, limits);
    s.feed("abc\r\n.\r\n");  // 5 bytes with CRLF: fine
    EXPECT_EQ(s.problem(), P::kNone);
  }
  {
    DataScanner s(DataScanner::Mode::kDot, limits);
    s.feed("abcd\r\n.\r\n");
    EXPECT_TRUE(s.done());
    EXPECT_EQ(s.problem(), P::kLineTooLong);
  }
  limits.max_line_bytes = 1000;
  {
    DataScanner s(DataScanner::Mode::kDot, limits);
    s.feed("a: 1\r\nb: 2\r\n\r\nx\r\n.\r\n");  // header 12 bytes > 10
    EXPECT_EQ(s.problem(), P::kHeaderTooBig);
  }
  {
    DataScanner s(DataScanner::Mode::kDot, limits);
    s.feed("a: 1\r\n\r\n0123456789012345\r\n.\r\n");
    EXPECT_TRUE(s.done());
    EXPECT_EQ(s.problem(), P::kTooBig);
    EXPECT_TRUE(s.message().empty());
    EXPECT_EQ(s.size(), 26u);
  }
}

}  // namespace
}  // namespace sealmail::smtp::internal
