#include "net/tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <string_view>
#include <system_error>
#include <utility>

#include "base/dns_name.h"
#include "base/file.h"
#include "net/internal/openssl_error.h"

namespace sealmail::net {
namespace {

using internal::openssl_error;

constexpr int kValidityDays = 825;
constexpr int kSerialBits = 159;  // positive and at most 20 octets (RFC 5280 §4.1.2.2)

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct KeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};

bool is_ip_literal(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

Status add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtensionFree> ext(
      X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) return openssl_error(Errc::kInternal, "cannot build extension " + value);
  if (X509_add_ext(cert, ext.get(), -1) != 1) {
    return openssl_error(Errc::kInternal, "cannot add extension " + value);
  }
  return ok_status();
}

Result<std::string> bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size < 0 || data == nullptr) return openssl_error(Errc::kInternal, "empty PEM buffer");
  return std::string(data, static_cast<size_t>(size));
}

// A server context from PEM files; what load() and reload() use.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const std::filesystem::path& cert_path, const std::filesystem::path& key_path) {
  for (const auto* path : {&cert_path, &key_path}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*path, ec)) {
      return make_error(Errc::kNotFound, "no such file: " + path->string());
    }
  }
  ERR_clear_error();
  std::shared_ptr<boost::asio::ssl::context> context;
  try {
    context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  } catch (const boost::system::system_error& e) {
    return openssl_error(Errc::kInternal, std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* ctx = context->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return openssl_error(Errc::kInternal, "cannot set the minimum TLS version");
  }
  // Client-initiated renegotiation is off by default in OpenSSL 3; NO_RENEGOTIATION also
  // refuses the server-initiated kind.
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_security_level(ctx, std::max(SSL_CTX_get_security_level(ctx), 2));
  // An encrypted key must fail to load, not make OpenSSL prompt on the terminal.
  SSL_CTX_set_default_passwd_cb(ctx, [](char*, int, int, void*) { return 0; });

  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1) {
    return openssl_error(Errc::kInvalidArgument,
                         "cannot load certificate chain " + cert_path.string());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return openssl_error(Errc::kInvalidArgument, "cannot load private key " + key_path.string());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return openssl_error(
        Errc::kInvalidArgument,
        "private key " + key_path.string() + " does not match certificate " + cert_path.string());
  }
  return context;
}

}  // namespace

TlsContextProvider::TlsContextProvider(std::filesystem::path cert_path,
                                       std::filesystem::path key_path,
                                       std::shared_ptr<boost::asio::ssl::context> context)
    : cert_path_(std::move(cert_path)),
      key_path_(std::move(key_path)),
      context_(std::move(context)) {}

Result<std::shared_ptr<TlsContextProvider>> TlsContextProvider::load(
    std::filesystem::path cert_path, std::filesystem::path key_path) {
  auto context = SEALMAIL_TRY(make_server_tls_context(cert_path, key_path));
  return std::make_shared<TlsContextProvider>(std::move(cert_path), std::move(key_path),
                                              std::move(context));
}

Status TlsContextProvider::reload() {
  auto context = SEALMAIL_TRY(make_server_tls_context(cert_path_, key_path_));
  std::lock_guard lock(mu_);
  context_ = std::move(context);
  return ok_status();
}

std::shared_ptr<boost::asio::ssl::context> TlsContextProvider::current() const {
  std::lock_guard lock(mu_);
  return context_;
}

Status generate_self_signed_certificate(const std::string& hostname,
                                        const std::filesystem::path& cert_path,
                                        const std::filesystem::path& key_path) {
  const bool ip = is_ip_literal(hostname);
  if (!ip && !sealmail::is_dns_name(hostname)) {
    return make_error(Errc::kInvalidArgument, "not a host name: '" + hostname + "'");
  }
  ERR_clear_error();
  std::unique_ptr<EVP_PKEY, KeyFree> key(EVP_EC_gen("P-256"));
  if (!key) return openssl_error(Errc::kInternal, "cannot generate an EC P-256 key");

  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) return openssl_error(Errc::kInternal, "cannot allocate a certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return openssl_error(Errc::kInternal, "cannot set the certificate version");
  }

  std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
  if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return openssl_error(Errc::kInternal, "cannot set a random serial number");
  }

  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), kValidityDays, 0, nullptr) == nullptr) {
    return openssl_error(Errc::kInternal, "cannot set the validity period");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (hostname.size() <= 64 &&  // ub-common-name
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1,
                                 0) != 1) {
    return openssl_error(Errc::kInternal, "cannot set the subject name");
  }
  if (X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return openssl_error(Errc::kInternal, "cannot set issuer or public key");
  }

  SEALMAIL_RETURN_IF_ERROR(add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  SEALMAIL_RETURN_IF_ERROR(add_extension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  SEALMAIL_RETURN_IF_ERROR(add_extension(cert.get(), NID_ext_key_usage, "serverAuth"));
  SEALMAIL_RETURN_IF_ERROR(add_extension(cert.get(), NID_subject_key_identifier, "hash"));
  SEALMAIL_RETURN_IF_ERROR(
      add_extension(cert.get(), NID_subject_alt_name, (ip ? "IP:" : "DNS:") + hostname));

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return openssl_error(Errc::kInternal, "cannot sign the certificate");
  }

  std::unique_ptr<BIO, BioFree> key_bio(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioFree> cert_bio(BIO_new(BIO_s_mem()));
  if (!key_bio || !cert_bio ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return openssl_error(Errc::kInternal, "cannot encode the key or certificate as PEM");
  }
  auto key_pem = SEALMAIL_TRY(bio_contents(key_bio.get()));
  auto cert_pem = SEALMAIL_TRY(bio_contents(cert_bio.get()));

  // The key first: whenever the new certificate is visible, its key is too.
  Status written = write_file_atomically(key_path, key_pem, 0600);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  SEALMAIL_RETURN_IF_ERROR(std::move(written));
  return write_file_atomically(cert_path, cert_pem, 0644);
}

}  // namespace sealmail::net
