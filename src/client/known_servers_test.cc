#include "client/internal/known_servers.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "client/home.h"
#include "client/test_util.h"

namespace sealmail::client::internal {
namespace {

using testing::TempDir;

constexpr std::string_view kOld = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
constexpr std::string_view kNew = "SHA256:ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=";

TEST(KnownServers, FirstUseAppendsALineWithPrivateModes) {
  TempDir tmp;
  auto file = tmp.path() / "fresh" / "known_servers";
  auto outcome = check_or_pin(file, "mail.example:443", kOld);
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_EQ(*outcome, PinOutcome::kPinned);
  EXPECT_EQ(read_file(file).value(), "mail.example:443 " + std::string(kOld) + "\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat(file.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  outcome = check_or_pin(file, "mail.example:443", kOld);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, PinOutcome::kMatched);

  // Another port is another server.
  outcome = check_or_pin(file, "mail.example:8443", kNew);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, PinOutcome::kPinned);
  EXPECT_EQ(read_file(file).value(), "mail.example:443 " + std::string(kOld) +
                                         "\nmail.example:8443 " + std::string(kNew) + "\n");
}

TEST(KnownServers, MismatchIsRefusedWithOneLine) {
  TempDir tmp;
  auto file = tmp.path() / "known_servers";
  ASSERT_TRUE(check_or_pin(file, "mail.example:443", kOld).ok());
  auto outcome = check_or_pin(file, "mail.example:443", kNew);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, Errc::kPermissionDenied);
  EXPECT_EQ(outcome.error().message,
            "mail.example:443 presented a different certificate (" + std::string(kNew) +
                ") from the one pinned on first use (" + std::string(kOld) +
                "); if the server's certificate was replaced on purpose, delete its line from " +
                file.string());
  // The file is untouched.
  EXPECT_EQ(read_file(file).value(), "mail.example:443 " + std::string(kOld) + "\n");
}

TEST(KnownServers, CommentsBlankLinesAndMissingFinalNewline) {
  TempDir tmp;
  auto file = tmp.path() / "known_servers";
  std::string text = "# pinned by hand\n\n  other:443 " + std::string(kNew) +
                     "  \r\nmail.example:443\t" + std::string(kOld);
  ASSERT_TRUE(write_private_file(file, text).ok());
  EXPECT_EQ(check_or_pin(file, "mail.example:443", kOld).value(), PinOutcome::kMatched);
  EXPECT_EQ(check_or_pin(file, "third:443", kOld).value(), PinOutcome::kPinned);
  EXPECT_EQ(read_file(file).value(), text + "\nthird:443 " + std::string(kOld) + "\n");
}

TEST(KnownServers, AMalformedLineRefusesRatherThanRepins) {
  TempDir tmp;
  auto file = tmp.path() / "known_servers";
  for (std::string bad : {"mail.example:443", "mail.example:443 MD5:abc",
                          "mail.example:443 SHA256:a b", " SHA256:abc"}) {
    ASSERT_TRUE(write_private_file(file, "ok:443 " + std::string(kOld) + "\n" + bad + "\n").ok());
    auto outcome = check_or_pin(file, "mail.example:443", kNew);
    ASSERT_FALSE(outcome.ok()) << bad;
    EXPECT_EQ(outcome.error().code, Errc::kCorruption) << bad;
    EXPECT_NE(outcome.error().message.find("line 2"), std::string::npos) << outcome.error().message;
  }
}

TEST(KnownServers, FingerprintIsSha256OfTheSubjectPublicKeyInfo) {
  // The "SHA256:" form of `openssl x509 -pubkey | openssl pkey -pubin -outform DER |
  // openssl dgst -sha256 -binary | base64`, checked here against an independent computation.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  ASSERT_EQ(X509_set_pubkey(cert.get(), key.get()), 1);
  auto fingerprint = spki_fingerprint(cert.get());
  ASSERT_TRUE(fingerprint.ok());

  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(key.get(), &der);
  ASSERT_GT(size, 0);
  unsigned char digest[32];
  SHA256(der, static_cast<size_t>(size), digest);
  OPENSSL_free(der);
  unsigned char b64[45];
  EVP_EncodeBlock(b64, digest, 32);
  EXPECT_EQ(*fingerprint, "SHA256:" + std::string(reinterpret_cast<char*>(b64)));
  EXPECT_EQ(fingerprint->size(), 7u + 44u);
}

}  // namespace
}  // namespace sealmail::client::internal
