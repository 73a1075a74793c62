// group_commit.h — many SMTP sessions, one fsync: deliveries handed in by concurrent sessions
// are stored together by one Store::deliver call, so that a busy MX pays one durable commit
// for a whole batch instead of one per message (design.md §4 "Inbound").
//
// How: the first caller that finds no commit running becomes the committer; it takes every
// delivery waiting (up to max_batch), commits them in one transaction and wakes their callers
// with their own statuses. Callers that arrive meanwhile queue up for the next batch, which
// the next free caller commits. No thread of its own; a caller never waits for more than the
// commit in progress plus its own.
//
// Durability: commit() returns ok only after Store::deliver returned ok for that delivery —
// i.e. after the batch's transaction is durable. An error of the whole call (kIo,
// kUnavailable) is returned to every caller of that batch: nothing of it was stored.
// Events: each delivery appends "message.created" events; after a batch commits, the accounts
// of its stored deliveries are notified (EventNotifier), so that their long polls wake.
// Thread-safety: commit() may be called from any number of threads at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "base/result.h"
#include "store/store.h"

namespace sealmail::server {
class EventNotifier;
}  // namespace sealmail::server

namespace sealmail::server::mx {

class GroupCommit {
 public:
  static constexpr size_t kDefaultMaxBatch = 256;

  // `events` (may be null) is told about every account that got mail.
  explicit GroupCommit(store::Store& store, size_t max_batch = kDefaultMaxBatch,
                       EventNotifier* events = nullptr)
      : store_(store), max_batch_(max_batch), events_(events) {}

  // Blocks until `delivery` is durably stored or refused; returns its own status.
  Status commit(store::Delivery delivery);

  // Store::deliver calls so far (for tests and the benchmark's commits-per-message figure).
  size_t batches() const;

 private:
  struct Pending;

  store::Store& store_;
  const size_t max_batch_;
  EventNotifier* const events_;

  mutable std::mutex mutex_;
  std::condition_variable finished_;
  std::deque<Pending*> waiting_;  // guarded by mutex_
  bool committing_ = false;       // guarded by mutex_
  size_t batches_ = 0;            // guarded by mutex_
};

}  // namespace sealmail::server::mx
