// uploads.cc — POST /api/v1/uploads: a message's data packet sent ahead of the message, as raw
// bytes rather than base64 in JSON, and streamed: the engine hands it over piece by piece
// (http::BodySink), each piece goes to a spool file, and the finished file is copied into the
// store a piece at a time (Store::add_upload). So a 25 MiB attachment is never in the server's
// memory whole. A send or draft then names the upload (data_packet_upload, messages.cc).
//
// SECURITY: the bytes are the client's ciphertext; the first one must be the tag of an OpenPGP
// encrypted data packet, so that plaintext uploaded by mistake is refused, not stored. Spool
// files are 0600 in DATA_DIR/spool, named at random, and removed when the request ends — sent,
// refused or abandoned.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "base/log.h"
#include "base/random.h"
#include "server/api/guard.h"
#include "server/api/handlers.h"
#include "server/api/json_body.h"
#include "server/api/step.h"

namespace sealmail::server::api {
namespace {

// One upload's body on its way to the store: a spool file of at most `limit` bytes.
class SpoolSink final : public http::BodySink {
 public:
  // nullptr when the file cannot be made (logged).
  static std::shared_ptr<SpoolSink> create(const std::filesystem::path& dir, uint64_t limit) {
    std::filesystem::path path = dir / (random_token_hex(16) + ".part");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      spdlog::error("api: cannot make an upload spool file in {}: {}", dir.string(),
                    std::strerror(errno));
      return nullptr;
    }
    return std::shared_ptr<SpoolSink>(new SpoolSink(std::move(path), fd, limit));
  }
  ~SpoolSink() override {
    if (fd_ >= 0) ::close(fd_);
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  SpoolSink(const SpoolSink&) = delete;
  SpoolSink& operator=(const SpoolSink&) = delete;

  // A body over the plan's limit, or one that is not ciphertext, is read to its end (so that
  // the client, still sending, gets the answer) but no longer kept; upload() answers. Only a
  // failing disk stops the request at once.
  std::optional<http::Response> write(std::string_view piece) override {
    received_ += piece.size();
    if (refusal_) return std::nullopt;
    if (received_ > limit_) {
      refusal_ = http::Response::error(
          413, "message_too_large",
          fmt::format("your plan sends messages of up to {} MiB", limit_ >> 20));
    } else if (size_ == 0 && !is_encrypted_data(static_cast<unsigned char>(piece.front()))) {
      refusal_ = http::Response::error(400, "bad_request",
                                       "an upload is an OpenPGP encrypted data packet");
    }
    if (refusal_) {
      if (::ftruncate(fd_, 0) != 0) spdlog::warn("api: truncating an upload spool file failed");
      return std::nullopt;
    }
    while (!piece.empty()) {
      ssize_t n = ::write(fd_, piece.data(), piece.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        spdlog::error("api: writing an upload spool file: {}", std::strerror(errno));
        return http::Response::error(507, "insufficient_storage", "the server has no room now");
      }
      size_ += static_cast<uint64_t>(n);
      piece.remove_prefix(static_cast<size_t>(n));
    }
    return std::nullopt;
  }

  // Why the upload is refused, if it is.
  const std::optional<http::Response>& refusal() const { return refusal_; }
  const std::filesystem::path& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  SpoolSink(std::filesystem::path path, int fd, uint64_t limit)
      : path_(std::move(path)), fd_(fd), limit_(limit) {}

  // A new-format packet header (RFC 9580 §4.2.1) of a SEIPD (18) or AEAD (20) packet: what
  // pgp::encrypt makes of a message body.
  static bool is_encrypted_data(unsigned char first) {
    return first == (0xC0 | 18) || first == (0xC0 | 20);
  }

  const std::filesystem::path path_;
  int fd_;
  const uint64_t limit_;
  uint64_t size_ = 0;      // in the file
  uint64_t received_ = 0;  // in the request
  std::optional<http::Response> refusal_;
};

// The sink for one upload: the caller's plan sets its limit. nullptr (a 500) only if the spool
// file cannot be made; admission already checked the session.
std::shared_ptr<http::BodySink> spool_for(ApiContext& ctx, const http::Request& head) {
  auto session = authenticate(ctx, head, {"full"});
  if (session.index() != 0) return nullptr;
  auto account = ctx.store.get_account(std::get<0>(session).account);
  if (!account.ok()) return nullptr;
  return SpoolSink::create(ctx.spool_dir,
                           plan_or_default(ctx.config, account->plan).max_message_bytes);
}

// POST /api/v1/uploads (Content-Type: application/octet-stream) — one data packet, stored
// until a send or draft uses it (at most a day; kMaxPendingUploads unused per account).
http::Response upload(ApiContext& ctx, const http::Request& request) {
  auto session = SEALMAIL_API_TRY(authenticate(ctx, request, {"full"}));
  auto* spooled = dynamic_cast<SpoolSink*>(request.body_sink.get());
  if (spooled == nullptr) return failure(make_error(Errc::kInternal, "no spool"), request);
  if (spooled->refusal()) return *spooled->refusal();
  if (spooled->size() == 0) return bad_request("an upload is an OpenPGP encrypted data packet");
  std::ifstream data(spooled->path(), std::ios::binary);
  if (!data) return failure(make_error(Errc::kIo, "cannot reopen a spool file"), request);
  const std::string id = random_token_hex(8);
  Status stored = ctx.store.add_upload(session.account, id, data,
                                       static_cast<int64_t>(spooled->size()), ctx.now_ms());
  if (!stored.ok()) {
    if (stored.error().code == Errc::kLimitExceeded) {
      return http::Response::error(429, "too_many_uploads",
                                   "send or save what you uploaded first, or wait a day");
    }
    return failure(stored.error(), request);
  }
  return http::Response::json(201, {{"upload", id},
                                    {"size", spooled->size()},
                                    {"expires_ms", ctx.now_ms() + store::kUploadLifetimeMs}});
}

}  // namespace

void register_uploads(http::Router& router, std::shared_ptr<ApiContext> ctx) {
  if (ctx->spool_dir.empty()) return;  // a server without a data dir takes no uploads
  router.add(
      "POST", "/api/v1/uploads", [ctx](const http::Request& r) { return upload(*ctx, r); },
      // A little over the largest plan: a body somewhat too large is read to its end and
      // answered 413 by upload(); a far larger one is refused by the engine, which closes.
      http::LargeBody{.max_body_bytes = largest_message(ctx->config) + (size_t{1} << 20),
                      .admit = [ctx, admit = admit_full_session(ctx)](
                                   const http::Request& r) -> std::optional<http::Response> {
                        auto type = r.header("Content-Type");
                        if (!type || !http::iequals(*type, "application/octet-stream")) {
                          return http::Response::error(415, "unsupported_media_type",
                                                       "an upload is application/octet-stream");
                        }
                        return admit(r);
                      },
                      .sink = [ctx](const http::Request& head) { return spool_for(*ctx, head); }});
}

}  // namespace sealmail::server::api
