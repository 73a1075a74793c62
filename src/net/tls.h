// tls.h — server TLS contexts (certificate chain + private key from PEM files, reloadable on
// SIGHUP) and the self-signed certificate `sealmail init` writes.
//
// SECURITY: reads the certificate and key files named in the configuration; a malformed file
// is a Result error, never a crash. Contexts allow TLS 1.2 and 1.3 only, with OpenSSL 3's
// default cipher suites at security level 2, no compression and no renegotiation. Clients are
// not asked for certificates. Key material never reaches a log; OpenSSL's error strings do.
//
// Standards: RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 5280 (X.509 profile of the
// generated certificate), RFC 7525 (recommendations followed by the context settings).
//
// Thread-safety: TlsContextProvider is safe from any thread. current() hands out a shared_ptr,
// so a context in use by a handshake lives on after reload() swaps in a new one; a context is
// never modified after it has been published.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "base/result.h"

namespace sealmail::net {

class TlsContextProvider {
 public:
  // Loads a PEM certificate chain (leaf first) and the matching PEM private key.
  static Result<std::shared_ptr<TlsContextProvider>> load(std::filesystem::path cert_path,
                                                          std::filesystem::path key_path);

  // Re-reads the same two paths into a new context and publishes it. On failure the current
  // context stays in use and the error is returned.
  Status reload();

  // The context for a handshake starting now.
  std::shared_ptr<boost::asio::ssl::context> current() const;

  const std::filesystem::path& cert_path() const { return cert_path_; }
  const std::filesystem::path& key_path() const { return key_path_; }

  // Use load().
  TlsContextProvider(std::filesystem::path cert_path, std::filesystem::path key_path,
                     std::shared_ptr<boost::asio::ssl::context> context);

 private:
  // Constant after construction.
  const std::filesystem::path cert_path_;
  const std::filesystem::path key_path_;

  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;  // guarded by mu_
};

// Writes a fresh self-signed certificate for `hostname` (a DNS name, or an IP literal which
// goes into an iPAddress SAN): EC P-256 key, X.509 v3, random 159-bit serial, valid 825 days,
// subjectAltName, basicConstraints CA:FALSE, keyUsage digitalSignature, EKU serverAuth.
// Each file is replaced atomically (temp file, fsync, rename, fsync of the directory); the
// key file has mode 0600, the certificate 0644. Existing files are overwritten.
Status generate_self_signed_certificate(const std::string& hostname,
                                        const std::filesystem::path& cert_path,
                                        const std::filesystem::path& key_path);

}  // namespace sealmail::net
