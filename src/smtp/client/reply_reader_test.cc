// reply_reader_test — the reply splitter and to_reply, table-driven and byte at a time.
#include "smtp/client/internal/reply_reader.h"

#include <gtest/gtest.h>

namespace sealmail::smtp::client::internal {
namespace {

struct Parsed {
  std::vector<Reply> replies;
  std::string error;  // "" if none
};

Parsed parse(std::string_view input, size_t chunk, size_t max_line = 512, size_t max_lines = 10) {
  ReplyReader reader(max_line, max_lines);
  Parsed out;
  for (size_t at = 0; at < input.size(); at += chunk) {
    reader.feed(input.substr(at, chunk));
    for (auto item = reader.next(); item.kind != ReplyReader::Item::Kind::kNone;
         item = reader.next()) {
      if (item.kind == ReplyReader::Item::Kind::kError) {
        out.error = item.error;
      } else {
        out.replies.push_back(to_reply(item.reply));
      }
    }
  }
  return out;
}

TEST(ReplyReader, Table) {
  struct Case {
    std::string input;
    int code;
    std::string enhanced, text, error;
  };
  const std::vector<Case> cases = {
      {"250 ok\r\n", 250, "", "ok", ""},
      {"250\r\n", 250, "", "", ""},
      {"250 \r\n", 250, "", "", ""},
      {"250 ok\n", 250, "", "ok", ""},  // bare LF accepted
      {"550 5.1.1 no such user\r\n", 550, "5.1.1", "no such user", ""},
      {"550 5.1.1\r\n", 550, "5.1.1", "", ""},
      {"550 5.1.10 x\r\n", 550, "5.1.10", "x", ""},
      {"550 5.1.1000 x\r\n", 550, "", "5.1.1000 x", ""},
      {"550 5.1.1x\r\n", 550, "", "5.1.1x", ""},
      {"550 2.1.1 x\r\n", 550, "", "2.1.1 x", ""},
      {"250-2.0.0 a\r\n250-2.0.0 b\r\n250 c\r\n", 250, "2.0.0", "a b c", ""},
      {"250-a\r\n250-5.0.0 b\r\n250 c\r\n", 250, "", "a 5.0.0 b c", ""},
      {"250 a\tb\x01\x7f\xc3\xa9\r\n", 250, "", "a b????", ""},
      {"250 a\rb\r\n", 250, "", "a?b", ""},
      {"250x\r\n", 0, "", "", "malformed reply line"},
      {"25\r\n", 0, "", "", "malformed reply line"},
      {"\r\n", 0, "", "", "malformed reply line"},
      {"199 x\r\n", 0, "", "", "malformed reply line"},
      {"260 x\r\n", 0, "", "", "malformed reply line"},
      {"25a x\r\n", 0, "", "", "malformed reply line"},
      {"250-a\r\n550 b\r\n", 0, "", "", "multi-line reply with mismatched codes"},
      {"250-1\r\n250-2\r\n250-3\r\n250-4\r\n250-5\r\n250-6\r\n250-7\r\n250-8\r\n250-9\r\n"
       "250-10\r\n250 11\r\n",
       0, "", "", "reply too long"},
  };
  for (const Case& k : cases) {
    for (size_t chunk : {k.input.size(), size_t{1}, size_t{2}, size_t{5}}) {
      SCOPED_TRACE(k.input + " chunk " + std::to_string(chunk));
      Parsed p = parse(k.input, chunk);
      EXPECT_EQ(p.error, k.error);
      if (k.error.empty()) {
        ASSERT_EQ(p.replies.size(), 1u);
        EXPECT_EQ(p.replies[0].code, k.code);
        EXPECT_EQ(p.replies[0].enhanced, k.enhanced);
        EXPECT_EQ(p.replies[0].text, k.text);
      } else {
        EXPECT_TRUE(p.replies.empty());
      }
    }
  }
}

TEST(ReplyReader, RepliesBeforeAnErrorComeFirstAndNothingAfter) {
  Parsed p = parse("220 a\r\n250 b\r\nxx\r\n250 c\r\n", 3);
  ASSERT_EQ(p.replies.size(), 2u);
  EXPECT_EQ(p.replies[1].text, "b");
  EXPECT_EQ(p.error, "malformed reply line");
}

TEST(ReplyReader, LineLimitIncludesTheTerminator) {
  EXPECT_EQ(parse("250 abc\r\n", 1, 9).error, "");
  EXPECT_EQ(parse("250 abcd\r\n", 1, 9).error, "reply line too long");
  EXPECT_EQ(parse("250 abcd\n", 1, 9).error, "");
  EXPECT_EQ(parse("250 abcde", 9, 9).error, "reply line too long");  // no LF needed
}

TEST(ReplyReader, EmptyTracksPartialInput) {
  ReplyReader reader(512, 10);
  EXPECT_TRUE(reader.empty());
  reader.feed("250-a\r\n");
  EXPECT_FALSE(reader.empty());
  reader.feed("250 b\r\n");
  EXPECT_FALSE(reader.empty());
  EXPECT_EQ(reader.next().kind, ReplyReader::Item::Kind::kReply);
  EXPECT_TRUE(reader.empty());
  reader.feed("2");
  EXPECT_FALSE(reader.empty());
}

TEST(ReplyReader, LongTextIsCapped) {
  Parsed p = parse("250-" + std::string(400, 'a') + "\r\n250-" + std::string(400, 'b') +
                       "\r\n250 " + std::string(400, 'c') + "\r\n",
                   64);
  ASSERT_EQ(p.replies.size(), 1u);
  EXPECT_EQ(p.replies[0].text.size(), kMaxReplyText);
}

}  // namespace
}  // namespace sealmail::smtp::client::internal
