// queue_key.h — the key that seals queued outbound messages at rest
// (docs/formats/outbound-queue.md).
//
// A message for another server is plaintext to the server while it is delivered when the
// recipient has no key (design.md §2: cleartext outside mail), and even a PGP/MIME message
// carries its envelope. So every queued message is sealed before it reaches the store, with
// AES-256-GCM under a 32-byte key kept in its own file (`<data_dir>/queue.key`, 0600): the
// database, its WAL and its backups hold no readable mail. Losing the key file loses what is
// queued, nothing else; a new one is made on the next start.
//
// Sealed form: "SMQ1" | 12-byte random nonce | ciphertext | 16-byte tag; the job id is the
// additional data, so a sealed message moved to another job does not open.
//
// SECURITY: the key is secret; it is never logged. open() fails closed on any change.
// Thread-safety: a QueueKey is immutable after load; seal/open may run concurrently.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail::server {

class QueueKey {
 public:
  // Reads the key file, creating it (32 random bytes, 0600, written atomically) when absent.
  // kInvalidArgument for a file that is not exactly 32 bytes.
  static Result<QueueKey> load_or_create(const std::filesystem::path& file);
  // Reads the key file; kNotFound when absent.
  static Result<QueueKey> load(const std::filesystem::path& file);
  // A key not stored anywhere, for tests.
  static QueueKey random();

  std::string seal(std::string_view job_id, std::string_view message) const;
  // kCorruption when the bytes were not sealed by this key for this job.
  Result<std::string> open(std::string_view job_id, std::string_view sealed) const;

 private:
  explicit QueueKey(std::string key) : key_(std::move(key)) {}
  std::string key_;  // 32 bytes
};

}  // namespace sealmail::server
