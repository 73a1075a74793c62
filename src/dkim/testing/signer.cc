// testing/signer.cc — keys through OpenSSL's EVP API, signatures through libopendkim.
#include "dkim/testing/signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/check.h"
#include "dkim/internal/opendkim.h"

namespace sealmail::dkim::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string private_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  SEALMAIL_CHECK(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) ==
                 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

DKIM_LIB* signing_library() {
  static DKIM_LIB* const lib = [] {
    DKIM_LIB* l = dkim_init(nullptr, nullptr);
    SEALMAIL_CHECK(l != nullptr);
    unsigned int min_bits = 512;  // so that the verifier's own minimum can be tested
    SEALMAIL_CHECK(dkim_options(l, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &min_bits,
                                sizeof min_bits) == DKIM_STAT_OK);
    return l;
  }();
  return lib;
}

}  // namespace

TestKey generate_key(KeyType type) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      type == KeyType::kEd25519  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
      : type == KeyType::kRsa512 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{512})
                                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  SEALMAIL_CHECK(key != nullptr);
  std::string public_bytes;
  if (type == KeyType::kEd25519) {
    size_t size = 32;
    public_bytes.resize(size);
    SEALMAIL_CHECK(EVP_PKEY_get_raw_public_key(
                       key.get(), reinterpret_cast<unsigned char*>(public_bytes.data()), &size) ==
                   1);
    public_bytes.resize(size);
  } else {
    int size = i2d_PUBKEY(key.get(), nullptr);
    SEALMAIL_CHECK(size > 0);
    public_bytes.resize(static_cast<size_t>(size));
    auto* out = reinterpret_cast<unsigned char*>(public_bytes.data());
    SEALMAIL_CHECK(i2d_PUBKEY(key.get(), &out) == size);
  }
  std::string k = type == KeyType::kEd25519 ? "ed25519" : "rsa";
  return TestKey{type, private_pem(key.get()),
                 "v=DKIM1; k=" + k + "; p=" + base64_encode(public_bytes)};
}

std::string sign(std::string_view message, const TestKey& key, const SignOptions& options) {
  dkim_alg_t alg = key.type == KeyType::kEd25519 ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256;
  if (options.algorithm == Algorithm::kRsaSha1) alg = DKIM_SIGN_RSASHA1;
  DKIM_STAT status = DKIM_STAT_OK;
  std::string pem = key.private_pem;
  DKIM* dkim = dkim_sign(signing_library(), reinterpret_cast<const u_char*>("test"), nullptr,
                         reinterpret_cast<dkim_sigkey_t>(pem.data()),
                         reinterpret_cast<const u_char*>(options.selector.c_str()),
                         reinterpret_cast<const u_char*>(options.domain.c_str()),
                         options.relaxed_header ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
                         options.relaxed_body ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE, alg,
                         options.body_length, &status);
  SEALMAIL_CHECK(dkim != nullptr);

  // Header fields: each line, continuation lines joined with CRLF.
  size_t end = message.find("\r\n\r\n");
  SEALMAIL_CHECK(end != std::string_view::npos);
  std::vector<std::string> fields;
  std::string_view head = message.substr(0, end + 2);
  while (!head.empty()) {
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    if (!fields.empty() && (line.front() == ' ' || line.front() == '\t')) {
      fields.back() += "\r\n";
      fields.back() += line;
    } else {
      fields.emplace_back(line);
    }
  }
  for (std::string& field : fields) {
    SEALMAIL_CHECK(dkim_header(dkim, reinterpret_cast<u_char*>(field.data()), field.size()) ==
                   DKIM_STAT_OK);
  }
  SEALMAIL_CHECK(dkim_eoh(dkim) == DKIM_STAT_OK);
  std::string body(message.substr(end + 4));
  SEALMAIL_CHECK(dkim_body(dkim, reinterpret_cast<u_char*>(body.data()), body.size()) ==
                 DKIM_STAT_OK);
  SEALMAIL_CHECK(dkim_eom(dkim, nullptr) == DKIM_STAT_OK);
  u_char* value = nullptr;
  size_t length = 0;
  SEALMAIL_CHECK(dkim_getsighdr_d(dkim, sizeof(DKIM_SIGNHEADER ": ") - 1, &value, &length) ==
                 DKIM_STAT_OK);
  std::string header = DKIM_SIGNHEADER ": ";
  for (size_t i = 0; i < length; ++i) {
    if (value[i] == '\n') header += '\r';  // libopendkim folds with a bare LF
    header += static_cast<char>(value[i]);
  }
  dkim_free(dkim);
  return header + "\r\n" + std::string(message);
}

}  // namespace sealmail::dkim::testing
