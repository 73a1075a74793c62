// PGP/MIME structure, inline PGP and the EFAIL display rules.
#include <gtest/gtest.h>

#include <string>

#include "mime/mime.h"
#include "mime/pgp_mime.h"
#include "mime/test_util.h"

namespace sealmail::mime {
namespace {

using testing::read_testdata;

Message parsed(const std::string& file) {
  auto message = parse(read_testdata(file));
  EXPECT_TRUE(message.ok()) << file;
  return std::move(message).value();
}

TEST(PgpMimeTest, ClassifiesEveryCorpusShape) {
  struct Case {
    const char* file;
    EncryptionLayout::Kind kind;
    bool flagged;
    size_t encrypted_parts;
  };
  const Case cases[] = {
      {"pgp_mime_encrypted.eml", EncryptionLayout::kPgpMime, false, 1},
      {"inline_pgp.eml", EncryptionLayout::kInlinePgp, false, 1},
      {"efail_three_part.eml", EncryptionLayout::kNestedOrPartial, true, 1},
      {"pgp_mime_signed.eml", EncryptionLayout::kNone, false, 0},
      {"simple_plain.eml", EncryptionLayout::kNone, false, 0},
      {"nested_multipart.eml", EncryptionLayout::kNone, false, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    EncryptionLayout layout = classify_encryption(parsed(c.file));
    EXPECT_EQ(layout.kind, c.kind);
    EXPECT_EQ(layout.encrypted_part_not_top_level, c.flagged);
    EXPECT_EQ(layout.encrypted_parts, c.encrypted_parts);
  }
}

TEST(PgpMimeTest, InlineBlockWithSurroundingTextIsFlagged) {
  auto message = parse(
      "From: a@example.org\r\nSubject: x\r\n\r\nattacker text <img src=\"\r\n"
      "-----BEGIN PGP MESSAGE-----\r\n\r\nhQEM\r\n-----END PGP MESSAGE-----\r\n\">\r\n");
  ASSERT_TRUE(message.ok());
  EncryptionLayout layout = classify_encryption(*message);
  EXPECT_EQ(layout.kind, EncryptionLayout::kNestedOrPartial);
  EXPECT_TRUE(layout.encrypted_part_not_top_level);
  std::vector<DisplayPart> plan = display_plan(*message);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].origin, DisplayPart::kPlaintext);
  EXPECT_EQ(plan[1].origin, DisplayPart::kEncrypted);
  EXPECT_TRUE(plan[1].isolated);
  EXPECT_TRUE(plan[1].encrypted_part_not_top_level);
  EXPECT_EQ(plan[2].origin, DisplayPart::kPlaintext);
}

TEST(PgpMimeTest, EfailThreePartDecryptedPartStaysIsolated) {
  Message message = parsed("efail_three_part.eml");
  EXPECT_EQ(pgp_mime_ciphertext(message).error().code, Errc::kNotFound);  // not top-level
  std::vector<DisplayPart> plan = display_plan(message);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].origin, DisplayPart::kPlaintext);
  EXPECT_EQ(plan[0].content_type, "text/html");
  EXPECT_EQ(plan[1].origin, DisplayPart::kEncrypted);
  EXPECT_TRUE(plan[1].encrypted_part_not_top_level);
  EXPECT_NE(plan[1].text.find("VICTIMCIPHERTEXT"), std::string::npos);
  EXPECT_EQ(plan[2].origin, DisplayPart::kPlaintext);

  // What src/pgp would return for the victim's ciphertext: a MIME entity.
  auto decrypted = decrypted_display_parts(
      plan[1], "Content-Type: text/plain\r\n\r\nthe secret plaintext\r\n", true);
  ASSERT_TRUE(decrypted.ok()) << decrypted.error().describe();
  ASSERT_EQ(decrypted->size(), 1u);
  const DisplayPart& part = (*decrypted)[0];
  EXPECT_EQ(part.origin, DisplayPart::kDecrypted);
  EXPECT_TRUE(part.isolated);
  EXPECT_TRUE(part.encrypted_part_not_top_level);
  // Never joined with the attacker's neighbours.
  EXPECT_EQ(part.text, "the secret plaintext\r\n");
  EXPECT_EQ(part.text.find("efail.de"), std::string::npos);
}

TEST(PgpMimeTest, TopLevelCiphertext) {
  Message message = parsed("pgp_mime_encrypted.eml");
  auto ciphertext = pgp_mime_ciphertext(message);
  ASSERT_TRUE(ciphertext.ok()) << ciphertext.error().describe();
  EXPECT_TRUE(ciphertext->starts_with("-----BEGIN PGP MESSAGE-----\n"));
  EXPECT_NE(ciphertext->find("-----END PGP MESSAGE-----"), std::string::npos);
  std::vector<DisplayPart> plan = display_plan(message);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].origin, DisplayPart::kEncrypted);
  EXPECT_FALSE(plan[0].encrypted_part_not_top_level);
  EXPECT_EQ(plan[0].text, *ciphertext);
}

TEST(PgpMimeTest, MalformedEncryptedIsInvalid) {
  const std::string head =
      "From: a@example.org\r\nContent-Type: multipart/encrypted;"
      " protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n";
  struct Case {
    std::string body;
    const char* error;
  };
  const Case cases[] = {
      {"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b--\r\n",
       "PGP/MIME: multipart/encrypted needs two parts"},
      {"--b\r\nContent-Type: text/plain\r\n\r\nVersion: 1\r\n--b\r\n"
       "Content-Type: application/octet-stream\r\n\r\nx\r\n--b--\r\n",
       "PGP/MIME: first part is not application/pgp-encrypted"},
      {"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 2\r\n--b\r\n"
       "Content-Type: application/octet-stream\r\n\r\nx\r\n--b--\r\n",
       "PGP/MIME: control part lacks \"Version: 1\""},
      {"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\n"
       "Content-Type: text/html\r\n\r\nx\r\n--b--\r\n",
       "PGP/MIME: second part is not application/octet-stream"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.error);
    auto message = parse(head + c.body);
    ASSERT_TRUE(message.ok());
    auto ciphertext = pgp_mime_ciphertext(*message);
    ASSERT_FALSE(ciphertext.ok());
    EXPECT_EQ(ciphertext.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(ciphertext.error().message, c.error);
  }
}

TEST(PgpMimeTest, SignedPartsAreExactAndCrlfCanonical) {
  // The corpus file has LF line ends: the signed bytes are the CRLF form.
  Message message = parsed("pgp_mime_signed.eml");
  auto parts = pgp_signed_parts(message);
  ASSERT_TRUE(parts.ok()) << parts.error().describe();
  EXPECT_EQ(parts->signed_bytes,
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "Signed text with trailing space=20\r\n"
            "second line");
  EXPECT_EQ(parts->micalg, "pgp-sha256");
  EXPECT_TRUE(parts->signature.starts_with("-----BEGIN PGP SIGNATURE-----"));
  EXPECT_EQ(pgp_signed_parts(parsed("simple_plain.eml")).error().code, Errc::kNotFound);
}

TEST(PgpMimeTest, SignedWithoutClosingPartIsInvalid) {
  auto message = parse(
      "From: a@example.org\r\nContent-Type: multipart/signed; micalg=pgp-sha256;"
      " protocol=\"application/pgp-signature\"; boundary=s\r\n\r\n--s\r\n"
      "Content-Type: text/plain\r\n\r\nonly part\r\n");
  ASSERT_TRUE(message.ok());
  auto parts = pgp_signed_parts(*message);
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().code, Errc::kInvalidArgument);
}

TEST(PgpMimeTest, FindsInlineBlocksWithPositions) {
  auto message = parse(
      "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
      "--m\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
      "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nsigned text\r\n"
      "-----BEGIN PGP SIGNATURE-----\r\n\r\niQ\r\n-----END PGP SIGNATURE-----\r\n"
      "--m\r\nContent-Type: image/png\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n"
      "-----END PGP MESSAGE-----\r\n"
      "--m\r\nContent-Type: text/plain\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQ\r\n"
      "-----END PGP MESSAGE-----\r\n"
      "--m\r\nContent-Type: text/plain\r\n\r\n-----BEGIN PGP MESSAGE-----\r\nunterminated\r\n"
      "--m--\r\n");
  ASSERT_TRUE(message.ok());
  std::vector<InlinePgpBlock> blocks = find_inline_pgp(*message);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].kind, InlinePgpBlock::kSignedMessage);
  EXPECT_EQ(blocks[0].part_index, 0u);
  EXPECT_EQ(blocks[0].offset, 7u);  // after "hello\r\n"
  EXPECT_TRUE(blocks[0].armored.ends_with("-----END PGP SIGNATURE-----"));
  EXPECT_EQ(blocks[1].kind, InlinePgpBlock::kMessage);
  EXPECT_EQ(blocks[1].part_index, 2u);  // the image/png part is leaf 1 and is skipped
  EXPECT_EQ(blocks[1].offset, 0u);
  EXPECT_EQ(blocks[1].armored,
            "-----BEGIN PGP MESSAGE-----\r\n\r\nhQ\r\n-----END PGP MESSAGE-----");
  // Several ciphertext blocks next to other parts: flagged.
  EXPECT_TRUE(classify_encryption(*message).encrypted_part_not_top_level);
}

TEST(PgpMimeTest, DisplayPlanPrefersPlainTextAlternative) {
  std::vector<DisplayPart> plan = display_plan(parsed("nested_multipart.eml"));
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].content_type, "text/plain");
  EXPECT_EQ(plan[1].filename, "report.pdf");
  EXPECT_EQ(plan[2].content_type, "message/rfc822");
  for (const DisplayPart& p : plan) EXPECT_EQ(p.origin, DisplayPart::kPlaintext);
}

TEST(PgpMimeTest, InlinePlaintextBecomesOneIsolatedPart) {
  DisplayPart encrypted;
  encrypted.origin = DisplayPart::kEncrypted;
  auto parts = decrypted_display_parts(encrypted, "plain \xff text", false);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].origin, DisplayPart::kDecrypted);
  EXPECT_TRUE((*parts)[0].isolated);
  EXPECT_EQ((*parts)[0].text, "plain \xef\xbf\xbd text");  // invalid UTF-8 replaced
  // Malformed MIME plaintext is an error, not a crash.
  EXPECT_FALSE(decrypted_display_parts(encrypted, "", true).ok());
}

}  // namespace
}  // namespace sealmail::mime
