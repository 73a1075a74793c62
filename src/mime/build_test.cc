// Building: CRLF output, header encoding, refusals, and build → parse → same summary.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "mime/autocrypt.h"
#include "mime/build.h"
#include "mime/mime.h"
#include "mime/pgp_mime.h"

namespace sealmail::mime {
namespace {

Envelope sample_envelope() {
  Envelope e;
  e.from = {{"Zoë Ünicode", "zoe@example.org"}};
  e.to = {{"Bob", "bob@example.net"}, {"", "carol@example.net"}};
  e.cc = {{"Dave, Jr.", "dave@example.com"}};
  e.subject = "Grüße — ünïcödé subject that is long enough to need folding over lines ✓";
  e.date = 1767225600;
  e.message_id = "abc.123@example.org";
  e.in_reply_to = "prev@example.net";
  e.references = {"root@example.net", "prev@example.net"};
  return e;
}

Content sample_content() {
  Content c;
  c.text = "Hello,\nthis is the text body with trailing space \nand unicode: café.\n";
  c.html = "<p>Hello, <b>this</b> is the html body.</p>\n";
  c.attachments = {{"résumé 2026.pdf", "application/pdf", std::string("%PDF-1.4\n\0\xff", 11)},
                   {"data.bin", "", std::string(1000, '\x42')}};
  return c;
}

bool has_bare_lf(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  return false;
}

bool all_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

TEST(BuildTest, RoundTripGivesTheSameSummary) {
  auto bytes = build_message(sample_envelope(), sample_content());
  ASSERT_TRUE(bytes.ok()) << bytes.error().describe();
  EXPECT_FALSE(has_bare_lf(*bytes));
  EXPECT_TRUE(all_ascii(*bytes));  // RFC 2047 / 2231 / QP / base64 everywhere
  auto message = parse(*bytes);
  ASSERT_TRUE(message.ok()) << message.error().describe();
  Summary s = summarize(*message);
  const Envelope e = sample_envelope();
  EXPECT_EQ(s.from, e.from);
  EXPECT_EQ(s.to, e.to);
  EXPECT_EQ(s.cc, e.cc);
  EXPECT_EQ(s.subject, e.subject);
  EXPECT_EQ(s.date, e.date);
  EXPECT_EQ(s.message_id, e.message_id);
  EXPECT_EQ(s.in_reply_to, e.in_reply_to);
  EXPECT_EQ(s.references, e.references);
  EXPECT_EQ(s.snippet, "Hello, this is the text body with trailing space and unicode: café.");
  EXPECT_EQ(s.attachments,
            (std::vector<Attachment>{{"résumé 2026.pdf", "application/pdf", 11},
                                     {"data.bin", "application/octet-stream", 1000}}));
  EXPECT_EQ(message->content_type(), "multipart/mixed");
  EXPECT_EQ(message->depth(), 3u);
}

TEST(BuildTest, ADraftOpensAgainAsWhatWasWritten) {
  Envelope e = sample_envelope();
  e.bcc = {{"", "hidden@example.net"}};
  Content c = sample_content();
  c.attachments.push_back(
      {"old.eml", "message/rfc822", "From: x@example.net\r\nSubject: old\r\n\r\nold text\r\n"});
  auto bytes = build_message(e, c);
  ASSERT_TRUE(bytes.ok()) << bytes.error().describe();
  auto parsed = parse(*bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();

  Summary s = summarize(*parsed);
  EXPECT_EQ(s.bcc, e.bcc);
  auto again = summary_from_json(to_json(s));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, s);
  EXPECT_FALSE(to_json(summarize(*parse(*build_message(sample_envelope(), c)))).contains("bcc"));

  Content opened = content_of(*parsed);
  EXPECT_EQ(opened.text,
            "Hello,\r\nthis is the text body with trailing space \r\nand unicode: café.\r\n");
  EXPECT_EQ(opened.html, "<p>Hello, <b>this</b> is the html body.</p>\r\n");
  ASSERT_EQ(opened.attachments.size(), 3u);
  EXPECT_EQ(opened.attachments[0].filename, "résumé 2026.pdf");
  EXPECT_EQ(opened.attachments[0].content_type, "application/pdf");
  EXPECT_EQ(opened.attachments[0].data, c.attachments[0].data);
  EXPECT_EQ(opened.attachments[1].content_type, "application/octet-stream");
  EXPECT_EQ(opened.attachments[1].data, c.attachments[1].data);
  EXPECT_EQ(opened.attachments[2].filename, "old.eml");
  EXPECT_EQ(opened.attachments[2].content_type, "message/rfc822");
  EXPECT_NE(opened.attachments[2].data.find("old text"), std::string::npos);
  // Built again from what was opened, it says the same.
  auto rebuilt = build_message(e, opened);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().describe();
  EXPECT_EQ(summarize(*parse(*rebuilt)), s);
}

TEST(BuildTest, PlainOnlyMessage) {
  Envelope e;
  e.from = {{"", "a@example.org"}};
  e.to = {{"", "b@example.net"}};
  e.subject = "plain";
  Content c;
  c.text = "just text\n";
  auto bytes = build_message(e, c);
  ASSERT_TRUE(bytes.ok());
  auto message = parse(*bytes);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->content_type(), "text/plain");
  Summary s = summarize(*message);
  EXPECT_EQ(s.snippet, "just text");
  // A Message-ID was generated on the From domain.
  EXPECT_TRUE(s.message_id.ends_with("@example.org")) << s.message_id;
  EXPECT_EQ(s.message_id.size(), 32u + 1 + 11);
}

TEST(BuildTest, RefusesHeaderInjection) {
  struct Case {
    const char* name;
    void (*mutate)(Envelope&);
  };
  const Case cases[] = {
      {"subject LF", [](Envelope& e) { e.subject = "hi\nBcc: x@evil.example"; }},
      {"subject CR", [](Envelope& e) { e.subject = "hi\rx"; }},
      {"name LF", [](Envelope& e) { e.to[0].name = "a\nb"; }},
      {"addr space", [](Envelope& e) { e.to[0].addr = "a b@example.net"; }},
      {"addr no at", [](Envelope& e) { e.to[0].addr = "nobody"; }},
      {"two from",
       [](Envelope& e) {
         e.from.push_back({"", "x@example.org"});
       }},
      {"message-id", [](Envelope& e) { e.message_id = "a>b"; }},
      {"extra unfolded",
       [](Envelope& e) {
         e.extra_headers = {{"X-A", "v\r\nBcc: y"}};
       }},
      {"extra name",
       [](Envelope& e) {
         e.extra_headers = {{"X A", "v"}};
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Envelope e = sample_envelope();
    c.mutate(e);
    auto result = build_message(e, sample_content());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
  }
}

TEST(BuildTest, ExtraHeadersAreWrittenFolded) {
  Envelope e = sample_envelope();
  AutocryptHeader ac{"zoe@example.org", true, std::string(200, '\x99')};
  e.extra_headers = {{"Autocrypt", build_autocrypt_value(ac)}};
  auto bytes = build_message(e, sample_content());
  ASSERT_TRUE(bytes.ok()) << bytes.error().describe();
  for (size_t start = 0, end; (end = bytes->find("\r\n", start)) != std::string::npos;
       start = end + 2)
    EXPECT_LE(end - start, 78u);
  auto message = parse(*bytes);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(find_autocrypt(*message), ac);
}

TEST(BuildTest, PgpMimeEncryptedRoundTrip) {
  const std::string armored =
      "-----BEGIN PGP MESSAGE-----\n\nhF4DAAAAexample\n=abcd\n-----END PGP MESSAGE-----\n";
  auto bytes = build_pgp_mime_encrypted(sample_envelope(), armored);
  ASSERT_TRUE(bytes.ok());
  EXPECT_FALSE(has_bare_lf(*bytes));
  auto message = parse(*bytes);
  ASSERT_TRUE(message.ok());
  Summary s = summarize(*message);
  EXPECT_EQ(s.subject, "...");
  EXPECT_TRUE(s.encrypted);
  EXPECT_EQ(s.from, sample_envelope().from);
  EXPECT_EQ(classify_encryption(*message).kind, EncryptionLayout::kPgpMime);
  auto ciphertext = pgp_mime_ciphertext(*message);
  ASSERT_TRUE(ciphertext.ok()) << ciphertext.error().describe();
  EXPECT_EQ(*ciphertext,
            "-----BEGIN PGP MESSAGE-----\r\n\r\nhF4DAAAAexample\r\n=abcd\r\n"
            "-----END PGP MESSAGE-----\r\n");
}

TEST(BuildTest, SignedTwoStepRoundTrip) {
  auto draft = prepare_signed(sample_content());
  ASSERT_TRUE(draft.ok());
  EXPECT_FALSE(has_bare_lf(draft->to_sign));
  EXPECT_TRUE(all_ascii(draft->to_sign));
  // Trailing whitespace is protected by quoted-printable (RFC 3156 §3).
  EXPECT_EQ(draft->to_sign.find(" \r\n"), std::string::npos);
  const std::string signature =
      "-----BEGIN PGP SIGNATURE-----\n\niHUEARYIAB0example\n=abcd\n-----END PGP SIGNATURE-----\n";
  auto bytes = finish_signed(sample_envelope(), *draft, signature);
  ASSERT_TRUE(bytes.ok());
  auto message = parse(*bytes);
  ASSERT_TRUE(message.ok());
  auto parts = pgp_signed_parts(*message);
  ASSERT_TRUE(parts.ok()) << parts.error().describe();
  EXPECT_EQ(parts->signed_bytes, draft->to_sign);
  // The signed entity parses on its own, which is what a client displays as signed.
  auto signed_entity = parse(parts->signed_bytes);
  ASSERT_TRUE(signed_entity.ok());
  EXPECT_EQ(signed_entity->content_type(), "multipart/mixed");
  EXPECT_EQ(parts->micalg, "pgp-sha256");
  EXPECT_EQ(parts->signature,
            "-----BEGIN PGP SIGNATURE-----\r\n\r\niHUEARYIAB0example\r\n=abcd\r\n"
            "-----END PGP SIGNATURE-----\r\n");
  Summary s = summarize(*message);
  EXPECT_EQ(s.subject, sample_envelope().subject);
  EXPECT_EQ(s.attachments.size(), 2u);  // the signature part is not an attachment
  EXPECT_FALSE(s.encrypted);
}

TEST(BuildTest, EntityOfEncryptedContentParsesAsDecryptedDocument) {
  auto entity = build_entity(sample_content());
  ASSERT_TRUE(entity.ok());
  DisplayPart encrypted;
  encrypted.origin = DisplayPart::kEncrypted;
  auto parts = decrypted_display_parts(encrypted, *entity, /*plaintext_is_mime=*/true);
  ASSERT_TRUE(parts.ok()) << parts.error().describe();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].origin, DisplayPart::kDecrypted);
  EXPECT_EQ((*parts)[0].content_type, "text/plain");
  EXPECT_TRUE((*parts)[0].isolated);
  EXPECT_EQ((*parts)[1].filename, "résumé 2026.pdf");
}

}  // namespace
}  // namespace sealmail::mime
