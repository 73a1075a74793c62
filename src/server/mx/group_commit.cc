#include "server/mx/group_commit.h"

#include <optional>
#include <utility>
#include <vector>

#include "server/event_notifier.h"

namespace sealmail::server::mx {

struct GroupCommit::Pending {
  store::Delivery delivery;
  std::optional<Status> result;
};

Status GroupCommit::commit(store::Delivery delivery) {
  Pending mine{std::move(delivery), std::nullopt};
  std::unique_lock lock(mutex_);
  waiting_.push_back(&mine);
  while (!mine.result) {
    if (committing_) {
      finished_.wait(lock);
      continue;
    }
    // Become the committer for everything waiting now (ours included unless the queue is
    // longer than a batch; then the loop commits again).
    committing_ = true;
    std::vector<Pending*> batch;
    while (!waiting_.empty() && batch.size() < max_batch_) {
      batch.push_back(waiting_.front());
      waiting_.pop_front();
    }
    ++batches_;
    lock.unlock();

    std::vector<store::Delivery> deliveries;
    deliveries.reserve(batch.size());
    for (Pending* pending : batch) deliveries.push_back(std::move(pending->delivery));
    Result<std::vector<Status>> statuses = store_.deliver(deliveries);
    if (statuses.ok() && events_ != nullptr) {
      for (size_t i = 0; i < deliveries.size(); ++i) {
        if (!(*statuses)[i].ok()) continue;
        for (const store::MessageRecord& copy : deliveries[i].copies) events_->notify(copy.account);
      }
    }

    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->result = statuses.ok() ? (*statuses)[i] : Status(statuses.error());
    }
    committing_ = false;
    finished_.notify_all();
  }
  return *mine.result;
}

size_t GroupCommit::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

}  // namespace sealmail::server::mx
