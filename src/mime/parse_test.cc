// Parsing: the corpus, byte-at-a-time feeding, LF vs CRLF, and every limit's exact message.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "mime/mime.h"
#include "mime/test_util.h"

namespace sealmail::mime {
namespace {

using testing::read_testdata;

struct CorpusCase {
  const char* file;
  const char* content_type;
  size_t parts;
  size_t depth;
};

class CorpusTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusTest, ParsesWithExpectedShape) {
  const CorpusCase& c = GetParam();
  auto message = parse(read_testdata(c.file));
  ASSERT_TRUE(message.ok()) << message.error().describe();
  EXPECT_EQ(message->content_type(), c.content_type);
  EXPECT_EQ(message->part_count(), c.parts);
  EXPECT_EQ(message->depth(), c.depth);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, CorpusTest,
    ::testing::Values(CorpusCase{"simple_plain.eml", "text/plain", 1, 1},
                      CorpusCase{"crlf_plain.eml", "text/plain", 1, 1},
                      // mixed, alternative, plain, related, html, png, pdf, rfc822, its body
                      CorpusCase{"nested_multipart.eml", "multipart/mixed", 9, 4},
                      CorpusCase{"rfc2231_filenames.eml", "multipart/mixed", 6, 2},
                      CorpusCase{"encoded_words.eml", "text/plain", 1, 1},
                      CorpusCase{"headers_8bit.eml", "text/plain", 1, 1},
                      CorpusCase{"broken_boundary.eml", "multipart/mixed", 3, 2},
                      CorpusCase{"missing_content_type.eml", "text/plain", 1, 1},
                      CorpusCase{"efail_three_part.eml", "multipart/mixed", 6, 3},
                      CorpusCase{"pgp_mime_encrypted.eml", "multipart/encrypted", 3, 2},
                      CorpusCase{"pgp_mime_signed.eml", "multipart/signed", 3, 2},
                      CorpusCase{"inline_pgp.eml", "text/plain", 1, 1},
                      CorpusCase{"html_only.eml", "text/html", 1, 1},
                      CorpusCase{"groups.eml", "text/plain", 1, 1}),
    [](const auto& info) {
      std::string name = info.param.file;
      return name.substr(0, name.find('.'));
    });

TEST(ParseTest, EveryCorpusFileIsCovered) { EXPECT_EQ(testing::testdata_files().size(), 14u); }

// Feeding one byte at a time, or in odd-sized chunks, gives exactly the whole-buffer result.
TEST(ParseTest, ByteAtATimeMatchesWhole) {
  for (const std::string& name : testing::testdata_files()) {
    SCOPED_TRACE(name);
    const std::string bytes = read_testdata(name);
    auto whole = parse(bytes);
    ASSERT_TRUE(whole.ok());
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}}) {
      Parser parser;
      for (size_t i = 0; i < bytes.size(); i += chunk)
        ASSERT_TRUE(parser.feed(std::string_view(bytes).substr(i, chunk)).ok());
      auto fed = parser.finish();
      ASSERT_TRUE(fed.ok());
      EXPECT_EQ(fed->raw(), whole->raw());
      EXPECT_EQ(fed->part_count(), whole->part_count());
      EXPECT_EQ(fed->depth(), whole->depth());
      EXPECT_EQ(summarize(*fed), summarize(*whole));
    }
  }
}

// The same message with LF or CRLF line ends has the same summary.
TEST(ParseTest, LfAndCrlfAgree) {
  for (const std::string& name : testing::testdata_files()) {
    SCOPED_TRACE(name);
    const std::string lf = read_testdata(name);
    auto a = parse(lf);
    auto b = parse(testing::to_crlf(lf));
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    Summary sa = summarize(*a), sb = summarize(*b);
    EXPECT_EQ(sa.subject, sb.subject);
    EXPECT_EQ(sa.from, sb.from);
    EXPECT_EQ(sa.snippet, sb.snippet);
    EXPECT_EQ(sa.attachments.size(), sb.attachments.size());
    EXPECT_EQ(a->part_count(), b->part_count());
  }
}

std::string nested(size_t levels) {
  std::string m = "From: a@example.org\r\nSubject: deep\r\n";
  for (size_t i = 0; i < levels; ++i)
    m += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
         std::to_string(i) + "\r\n";
  m += "Content-Type: text/plain\r\n\r\nleaf\r\n";
  return m;
}

std::string many_parts(size_t n) {
  std::string m = "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (size_t i = 0; i < n; ++i) m += "--b\r\n\r\nx\r\n";
  return m + "--b--\r\n";
}

struct LimitCase {
  const char* name;
  std::string input;
  Limits limits;
  Errc code;
  const char* message;
};

TEST(ParseTest, LimitViolationsHaveExactMessages) {
  Limits small;
  small.max_size = 100;
  Limits parts10;
  parts10.max_parts = 10;
  const LimitCase cases[] = {
      {"depth 101", nested(100), {}, Errc::kLimitExceeded, "MIME nesting deeper than 100 levels"},
      {"parts",
       many_parts(10000),
       {},
       Errc::kLimitExceeded,
       "MIME message has more than 10000 parts"},
      {"parts prescan",
       many_parts(30000),
       {},
       Errc::kLimitExceeded,
       "MIME message has more than 10000 parts"},
      {"parts custom", many_parts(10), parts10, Errc::kLimitExceeded,
       "MIME message has more than 10 parts"},
      {"size", std::string("Subject: x\r\n\r\n") + std::string(200, 'a'), small,
       Errc::kLimitExceeded, "MIME message larger than 100 octets"},
      {"header block",
       [] {
         std::string s = "Subject: x\r\n";
         for (int i = 0; i < 20000; ++i) s += "X-Pad: " + std::string(60, 'a') + "\r\n";
         return s + "\r\nbody";
       }(),
       {},
       Errc::kLimitExceeded,
       "MIME header block larger than 1048576 octets"},
      {"folded header block",
       [] {
         std::string s = "Subject: x\r\nX-Pad: a";
         for (int i = 0; i < 20000; ++i) s += "\r\n " + std::string(60, 'a');
         return s + "\r\n\r\nbody";
       }(),
       {},
       Errc::kLimitExceeded,
       "MIME header block larger than 1048576 octets"},
      {"part header block",
       [] {
         std::string s =
             "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n";
         for (int i = 0; i < 20000; ++i) s += "X-Pad: " + std::string(60, 'a') + "\r\n";
         return s + "\r\nx\r\n--b--\r\n";
       }(),
       {},
       Errc::kLimitExceeded,
       "MIME header block larger than 1048576 octets"},
      {"line",
       "Subject: x\r\n\r\n" + std::string(65537, 'a') + "\r\n",
       {},
       Errc::kLimitExceeded,
       "MIME line longer than 65536 octets"},
      {"empty", "", {}, Errc::kInvalidArgument, "empty MIME message"},
      {"not a message",
       "\r\nhello",
       {},
       Errc::kInvalidArgument,
       "not a MIME message: no header field on line 1"},
      {"binary",
       std::string("\x00\x01\x02", 3),
       {},
       Errc::kInvalidArgument,
       "not a MIME message: no header field on line 1"},
  };
  for (const LimitCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = parse(c.input, c.limits);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, c.code);
    EXPECT_EQ(result.error().message, c.message);
  }
}

TEST(ParseTest, HeadersOnlyAndBodyOnlyShapes) {
  auto headers_only = parse("Subject: only headers\r\nFrom: a@example.org");
  ASSERT_TRUE(headers_only.ok()) << headers_only.error().describe();
  EXPECT_EQ(summarize(*headers_only).subject, "only headers");
  EXPECT_EQ(summarize(*headers_only).snippet, "");
  auto no_boundary = parse("Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nbody\r\n");
  ASSERT_TRUE(no_boundary.ok()) << no_boundary.error().describe();
}

TEST(ParseTest, AtTheLimitsIsAccepted) {
  auto depth100 = parse(nested(99));  // 99 multiparts + the leaf = 100 levels
  ASSERT_TRUE(depth100.ok()) << depth100.error().describe();
  EXPECT_EQ(depth100->depth(), 100u);
  auto parts = parse(many_parts(9999));  // 9999 leaves + the multipart
  ASSERT_TRUE(parts.ok()) << parts.error().describe();
  EXPECT_EQ(parts->part_count(), 10000u);
  // Long lines up to max_line are tolerated (RFC 5322 says 998; real mail ignores that).
  auto long_line = parse("Subject: x\r\n\r\n" + std::string(65536, 'a') + "\r\n");
  EXPECT_TRUE(long_line.ok());
}

TEST(ParseTest, VeryDeepNestingFailsCleanly) {
  // Far past the limit: no stack overflow in GMime or in our walk.
  std::string deep = "From: a@example.org\r\n";
  for (int i = 0; i < 100000; ++i) deep += "Content-Type: message/rfc822\r\n\r\n";
  auto result = parse(deep);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "MIME nesting deeper than 100 levels");
}

TEST(ParseTest, FeedPastTheSizeLimitFailsEarly) {
  Limits limits;
  limits.max_size = 10;
  Parser parser(limits);
  EXPECT_TRUE(parser.feed("Subject: ").ok());
  auto status = parser.feed("xy");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "MIME message larger than 10 octets");
  EXPECT_FALSE(parser.feed("z").ok());
  EXPECT_FALSE(parser.finish().ok());
}

// Messages on different threads share nothing (GMime is initialised once, under call_once).
TEST(ParseTest, ConcurrentParsesAgree) {
  const std::string bytes = read_testdata("nested_multipart.eml");
  const Summary expected = summarize(parse(bytes).value());
  std::vector<std::thread> threads;
  std::vector<int> matches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto message = parse(bytes);
        if (message.ok() && summarize(*message) == expected) ++matches[t];
      }
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(matches, std::vector<int>(4, 50));
}

TEST(ParseTest, HeaderLookupDecodes) {
  auto message = parse(read_testdata("encoded_words.eml"));
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->header("Message-ID").value_or(""), "<ew@example.be>");
  EXPECT_FALSE(message->header("X-Absent").has_value());
}

}  // namespace
}  // namespace sealmail::mime
