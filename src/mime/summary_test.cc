// Summary extraction over the corpus, the HTML snippet, and the JSON format v1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "mime/mime.h"
#include "mime/test_util.h"

namespace sealmail::mime {

void PrintTo(const Attachment& a, std::ostream* os) {
  *os << "{" << a.filename << ", " << a.content_type << ", " << a.size << "}";
}
void PrintTo(const Address& a, std::ostream* os) { *os << "{" << a.name << ", " << a.addr << "}"; }

namespace {

using testing::read_testdata;

Summary summary_of(const std::string& file) {
  auto message = parse(read_testdata(file));
  EXPECT_TRUE(message.ok()) << file;
  return message.ok() ? summarize(*message) : Summary{};
}

TEST(SummaryTest, SimplePlain) {
  Summary s = summary_of("simple_plain.eml");
  EXPECT_EQ(s.from, (std::vector<Address>{{"Alice Example", "alice@example.org"}}));
  EXPECT_EQ(s.to, (std::vector<Address>{{"Bob", "bob@example.net"}, {"", "carol@example.net"}}));
  EXPECT_EQ(s.cc, (std::vector<Address>{{"Dave, Jr.", "dave@example.com"}}));
  EXPECT_EQ(s.subject, "Lunch on Friday?");
  ASSERT_TRUE(s.date.has_value());
  EXPECT_EQ(*s.date, 1795514400);  // 2026-11-24T10:00:00Z
  EXPECT_EQ(s.date_raw, "Tue, 24 Nov 2026 11:00:00 +0100");
  EXPECT_EQ(s.message_id, "20261124.1@example.org");
  EXPECT_EQ(s.in_reply_to, "prev.42@example.net");
  EXPECT_EQ(s.references, (std::vector<std::string>{"root.1@example.net", "prev.42@example.net"}));
  EXPECT_EQ(s.snippet, "Hi Bob, shall we have lunch on Friday? The usual place. -- Alice");
  EXPECT_TRUE(s.attachments.empty());
  EXPECT_FALSE(s.encrypted);
}

TEST(SummaryTest, NestedMultipart) {
  Summary s = summary_of("nested_multipart.eml");
  EXPECT_EQ(s.snippet, "Please find the report attached. Café budget is € 12.");
  EXPECT_EQ(s.attachments, (std::vector<Attachment>{{"", "image/png", 8},
                                                    {"report.pdf", "application/pdf", 9},
                                                    {"", "message/rfc822", 59}}));
}

TEST(SummaryTest, Rfc2231AndEncodedFilenames) {
  Summary s = summary_of("rfc2231_filenames.eml");
  EXPECT_EQ(s.snippet, "see attachments");
  ASSERT_EQ(s.attachments.size(), 4u);
  EXPECT_EQ(s.attachments[0], (Attachment{"über plan.txt", "application/octet-stream", 5}));
  EXPECT_EQ(s.attachments[1], (Attachment{"Grüße aus Köln.txt", "application/octet-stream", 11}));
  EXPECT_EQ(s.attachments[2], (Attachment{"отчёт.docx", "application/octet-stream", 3}));
  EXPECT_EQ(s.attachments[3], (Attachment{"photo.jpg", "image/jpeg", 3}));
}

TEST(SummaryTest, EncodedWords) {
  Summary s = summary_of("encoded_words.eml");
  EXPECT_EQ(s.subject, "Café привет and naïve test");
  EXPECT_EQ(s.from, (std::vector<Address>{{"André Pirard", "pirard@example.be"}}));
  EXPECT_EQ(s.to, (std::vector<Address>{{"Иван", "ivan@example.ru"}, {"Zoë", "zoe@example.net"}}));
  EXPECT_EQ(s.snippet, "Bonjour à tous");
  EXPECT_EQ(s.date, 1767225600);
}

TEST(SummaryTest, Raw8BitHeaders) {
  Summary s = summary_of("headers_8bit.eml");
  EXPECT_EQ(s.subject, "Grüße aus München ✓");
  EXPECT_EQ(s.from, (std::vector<Address>{{"Jürgen Müller", "juergen@example.de"}}));
  EXPECT_EQ(s.snippet, "Schöne Grüße");  // body declared iso-8859-1, converted to UTF-8
}

TEST(SummaryTest, BrokenBoundaryKeepsWhatIsThere) {
  Summary s = summary_of("broken_boundary.eml");
  EXPECT_EQ(s.snippet, "first part");
  EXPECT_EQ(s.attachments, (std::vector<Attachment>{{"a.zip", "application/zip", 4}}));
}

TEST(SummaryTest, MissingContentTypeIsPlainText) {
  Summary s = summary_of("missing_content_type.eml");
  EXPECT_EQ(s.snippet, "Plain old RFC 822 body without any MIME headers.");
  EXPECT_EQ(s.date, 1772877600);
}

TEST(SummaryTest, HtmlOnlySnippetIsStripped) {
  Summary s = summary_of("html_only.eml");
  EXPECT_EQ(s.snippet, "Hello & welcome Prices < 5 EUR");
}

TEST(SummaryTest, Groups) {
  Summary s = summary_of("groups.eml");
  EXPECT_TRUE(s.to.empty());
  EXPECT_EQ(s.cc,
            (std::vector<Address>{
                {"", "ann@example.net"}, {"Ben B", "ben@example.net"}, {"", "zed@example.net"}}));
}

TEST(SummaryTest, EncryptedMessagesHaveNoSnippet) {
  for (const char* file : {"pgp_mime_encrypted.eml", "inline_pgp.eml", "efail_three_part.eml"}) {
    SCOPED_TRACE(file);
    Summary s = summary_of(file);
    EXPECT_TRUE(s.encrypted);
    EXPECT_EQ(s.snippet, "");
    EXPECT_TRUE(s.attachments.empty());
  }
}

TEST(SummaryTest, SnippetIsCutAt200CodePoints) {
  std::string body;
  for (int i = 0; i < 300; ++i) body += "é";
  auto message = parse("Subject: long\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body);
  ASSERT_TRUE(message.ok());
  Summary s = summarize(*message);
  EXPECT_EQ(s.snippet.size(), 400u);  // 200 × 2 octets
}

TEST(SummaryTest, HtmlToText) {
  EXPECT_EQ(html_to_text("<p>a</p><p>b</p>"), "a b");
  EXPECT_EQ(html_to_text("x<script>var s = '<p>';</script>y"), "x y");
  EXPECT_EQ(html_to_text("<STYLE>p{}</STYLE>z"), "z");
  EXPECT_EQ(html_to_text("a <!-- hidden --> b"), "a b");
  EXPECT_EQ(html_to_text("unterminated <b"), "unterminated");
  EXPECT_EQ(html_to_text("<script>never closed"), "");
}

TEST(SummaryTest, JsonRoundTripForEveryCorpusFile) {
  for (const std::string& name : testing::testdata_files()) {
    SCOPED_TRACE(name);
    Summary s = summary_of(name);
    nlohmann::json j = to_json(s);
    EXPECT_EQ(j.at("v"), 1);
    // Serialised text must be valid UTF-8 (dump throws otherwise).
    std::string text = j.dump();
    auto back = summary_from_json(nlohmann::json::parse(text));
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(*back, s);
  }
}

TEST(SummaryTest, JsonShape) {
  Summary s;
  s.from = {{"A", "a@example.org"}};
  s.subject = "hi";
  s.attachments = {{"f.txt", "text/plain", 3}};
  nlohmann::json expected = nlohmann::json::parse(R"({
    "v": 1, "from": [{"name": "A", "addr": "a@example.org"}], "to": [], "cc": [],
    "subject": "hi", "date": null, "date_raw": "", "message_id": "", "in_reply_to": "",
    "references": [], "snippet": "",
    "attachments": [{"filename": "f.txt", "type": "text/plain", "size": 3}],
    "encrypted": false})");
  EXPECT_EQ(to_json(s), expected);
}

TEST(SummaryTest, JsonRejectsWrongVersionAndShape) {
  auto v2 = summary_from_json(nlohmann::json{{"v", 2}});
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().code, Errc::kUnsupported);
  auto missing = summary_from_json(nlohmann::json{{"v", 1}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kInvalidArgument);
  nlohmann::json wrong = to_json(Summary{});
  wrong["subject"] = 5;
  EXPECT_FALSE(summary_from_json(wrong).ok());
  EXPECT_FALSE(summary_from_json(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace sealmail::mime
