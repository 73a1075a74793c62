#include "client/internal/known_servers.h"

#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>
#include <system_error>
#include <vector>

#include "base/base64.h"
#include "client/home.h"

namespace sealmail::client::internal {
namespace {

constexpr std::string_view kPrefix = "SHA256:";

struct Line {
  std::string_view authority;
  std::string_view fingerprint;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Every pin line of `text`, or kCorruption naming the first line that is not one.
Result<std::vector<Line>> parse(const std::filesystem::path& file, std::string_view text) {
  std::vector<Line> lines;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    size_t eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;
    size_t space = line.find_first_of(" \t");
    std::string_view fingerprint =
        space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
    if (space == 0 || space == std::string_view::npos || fingerprint.substr(0, 7) != kPrefix ||
        fingerprint.find_first_of(" \t") != std::string_view::npos) {
      return make_error(Errc::kCorruption, file.string() + " line " + std::to_string(number) +
                                               ": expected 'host:port SHA256:…'; fix or delete "
                                               "that line");
    }
    lines.push_back({line.substr(0, space), fingerprint});
  }
  return lines;
}

}  // namespace

Result<std::string> spki_fingerprint(X509* certificate) {
  X509_PUBKEY* key = X509_get_X509_PUBKEY(certificate);
  unsigned char* der = nullptr;
  int size = key == nullptr ? -1 : i2d_X509_PUBKEY(key, &der);
  if (size <= 0) {
    return make_error(Errc::kInternal, "cannot encode the server's public key");
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(size), digest);
  OPENSSL_free(der);
  return std::string(kPrefix) +
         base64_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

Result<PinOutcome> check_or_pin(const std::filesystem::path& file, std::string_view authority,
                                std::string_view fingerprint) {
  std::string text;
  if (auto existing = read_file(file); existing.ok()) {
    text = std::move(existing).value();
  } else if (existing.error().code != Errc::kNotFound) {
    return std::move(existing).error();
  }
  auto lines = SEALMAIL_TRY(parse(file, text));
  std::string_view pinned;
  for (const Line& line : lines) {
    if (line.authority != authority) continue;
    if (line.fingerprint == fingerprint) return PinOutcome::kMatched;
    if (pinned.empty()) pinned = line.fingerprint;
  }
  if (!pinned.empty()) {
    return make_error(Errc::kPermissionDenied,
                      std::string(authority) + " presented a different certificate (" +
                          std::string(fingerprint) + ") from the one pinned on first use (" +
                          std::string(pinned) +
                          "); if the server's certificate was replaced on purpose, delete its "
                          "line from " +
                          file.string());
  }
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  text.append(authority).append(" ").append(fingerprint).append("\n");
  // A missing directory is created private; an existing one is the user's choice.
  std::filesystem::path dir = file.parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    SEALMAIL_RETURN_IF_ERROR(ensure_private_dir(dir));
  }
  SEALMAIL_RETURN_IF_ERROR(write_private_file(file, text));
  return PinOutcome::kPinned;
}

}  // namespace sealmail::client::internal
