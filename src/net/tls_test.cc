#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include "net/tls.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>

#include "net/test_support.h"

namespace sealmail::net {
namespace {

using testing::TempDir;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct KeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

std::unique_ptr<X509, X509Free> read_cert(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  std::unique_ptr<X509, X509Free> cert(PEM_read_X509(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  return cert;
}

std::unique_ptr<EVP_PKEY, KeyFree> read_key(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  return key;
}

// The SAN entries as "DNS:name" / "IP:len=N".
std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(dns->data),
                                         static_cast<size_t>(dns->length)));
    } else if (name->type == GEN_IPADD) {
      out.push_back("IP:len=" + std::to_string(name->d.iPAddress->length));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

TEST(GenerateSelfSignedCertificate, WritesAValidP256CertificateWithSan) {
  TempDir dir;
  auto cert_path = dir.path() / "server.crt";
  auto key_path = dir.path() / "server.key";
  Status status = generate_self_signed_certificate("mail.example.test", cert_path, key_path);
  ASSERT_TRUE(status.ok()) << status.error().describe();

  struct stat key_stat {};
  ASSERT_EQ(::stat(key_path.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  struct stat cert_stat {};
  ASSERT_EQ(::stat(cert_path.c_str(), &cert_stat), 0);
  EXPECT_EQ(cert_stat.st_mode & 0777, 0644u);
  // Only the two files: no temporary file was left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 2);

  auto cert = read_cert(cert_path);
  auto key = read_key(key_path);
  ASSERT_NE(cert, nullptr);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(subject_alt_names(cert.get()), std::vector<std::string>{"DNS:mail.example.test"});
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "mail.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "other.example.test", 0, 0, nullptr), 0);

  char group[64] = {};
  ASSERT_EQ(EVP_PKEY_get_group_name(key.get(), group, sizeof(group), nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");

  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()),
                           X509_get0_notAfter(cert.get())),
            1);
  EXPECT_EQ(days, 825);
  EXPECT_EQ(seconds, 0);
  EXPECT_EQ(X509_cmp_current_time(X509_get0_notBefore(cert.get())), -1);  // already valid

  const BIGNUM* serial = nullptr;
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  serial = bn;
  EXPECT_GT(BN_num_bits(serial), 150);
  EXPECT_FALSE(BN_is_negative(serial));
  BN_free(bn);

  // The pair loads into a server context.
  auto provider = TlsContextProvider::load(cert_path, key_path);
  ASSERT_TRUE(provider.ok()) << provider.error().describe();
  EXPECT_NE((*provider)->current(), nullptr);
}

TEST(GenerateSelfSignedCertificate, SerialsAreRandom) {
  TempDir dir;
  ASSERT_TRUE(
      generate_self_signed_certificate("a.test", dir.path() / "1.crt", dir.path() / "1.key").ok());
  ASSERT_TRUE(
      generate_self_signed_certificate("a.test", dir.path() / "2.crt", dir.path() / "2.key").ok());
  auto first = read_cert(dir.path() / "1.crt");
  auto second = read_cert(dir.path() / "2.crt");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(first.get()), X509_get0_serialNumber(second.get())),
      0);
}

TEST(GenerateSelfSignedCertificate, IpLiteralGoesIntoAnIpSan) {
  TempDir dir;
  ASSERT_TRUE(
      generate_self_signed_certificate("127.0.0.1", dir.path() / "c.crt", dir.path() / "c.key")
          .ok());
  auto cert = read_cert(dir.path() / "c.crt");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(subject_alt_names(cert.get()), std::vector<std::string>{"IP:len=4"});
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
}

TEST(GenerateSelfSignedCertificate, RejectsHostnamesThatCouldInjectSans) {
  TempDir dir;
  for (const char* bad : {"", "a,DNS:evil.test", "a b", "-", "a-.b", "a..b", ".a", "a.", "a/b"}) {
    Status status =
        generate_self_signed_certificate(bad, dir.path() / "c.crt", dir.path() / "c.key");
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, Errc::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(GenerateSelfSignedCertificate, UnwritableDirectoryIsAnIoError) {
  TempDir dir;
  Status status = generate_self_signed_certificate("a.test", dir.path() / "missing" / "c.crt",
                                                   dir.path() / "missing" / "c.key");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kIo);
}

TEST(TlsContextProvider, LoadErrorsAreResults) {
  TempDir dir;
  auto a_crt = dir.path() / "a.crt";
  auto a_key = dir.path() / "a.key";
  auto b_crt = dir.path() / "b.crt";
  auto b_key = dir.path() / "b.key";
  ASSERT_TRUE(generate_self_signed_certificate("a.test", a_crt, a_key).ok());
  ASSERT_TRUE(generate_self_signed_certificate("b.test", b_crt, b_key).ok());

  auto missing = TlsContextProvider::load(dir.path() / "nope.crt", a_key);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);

  auto mismatched = TlsContextProvider::load(a_crt, b_key);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code, Errc::kInvalidArgument);
  EXPECT_NE(mismatched.error().message.find("mismatch"), std::string::npos)
      << mismatched.error().message;

  auto garbage = dir.path() / "garbage.crt";
  ASSERT_TRUE(testing::write_file(garbage, "-----BEGIN CERTIFICATE-----\nAAAA\n"));
  auto bad = TlsContextProvider::load(garbage, a_key);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  // OpenSSL's reason is part of the message.
  EXPECT_NE(bad.error().message.find("error:"), std::string::npos) << bad.error().message;
}

TEST(TlsContextProvider, ReloadSwapsContextAndKeepsOldOneOnFailure) {
  TempDir dir;
  auto live_crt = dir.path() / "live.crt";
  auto live_key = dir.path() / "live.key";
  ASSERT_TRUE(generate_self_signed_certificate("a.test", live_crt, live_key).ok());
  auto provider = TlsContextProvider::load(live_crt, live_key);
  ASSERT_TRUE(provider.ok());
  auto first = (*provider)->current();

  ASSERT_TRUE(generate_self_signed_certificate("b.test", live_crt, live_key).ok());
  ASSERT_TRUE((*provider)->reload().ok());
  auto second = (*provider)->current();
  EXPECT_NE(first, second);

  ASSERT_TRUE(testing::write_file(live_key, "not a key"));
  Status status = (*provider)->reload();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidArgument);
  EXPECT_EQ((*provider)->current(), second);
}

}  // namespace
}  // namespace sealmail::net
