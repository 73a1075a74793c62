#include "server/event_notifier.h"

#include <map>
#include <utility>
#include <vector>

#include "base/log.h"

namespace sealmail::server {

struct EventNotifier::State {
  explicit State(size_t max) : max_per_account(max) {}

  struct Waiter {
    store::Cursor after = 0;
    net::Waker waker;
  };

  const size_t max_per_account;
  mutable std::mutex mu;
  uint64_t next_id = 1;                                      // guarded by mu
  std::map<int64_t, std::map<uint64_t, Waiter>> by_account;  // guarded by mu

  // The wakers of `account`'s waiters behind `cursor` (all of them for cursor < 0). Requires
  // mu. They are called after mu is released: a waker only posts, but nothing that runs
  // under this lock should reach into other locks.
  std::vector<net::Waker> behind(int64_t account, store::Cursor cursor) const {
    std::vector<net::Waker> out;
    auto found = by_account.find(account);
    if (found == by_account.end()) return out;
    for (const auto& [id, waiter] : found->second) {
      if (cursor < 0 || waiter.after < cursor) out.push_back(waiter.waker);
    }
    return out;
  }
};

EventNotifier::Subscription::~Subscription() {
  std::lock_guard lock(state_->mu);
  auto found = state_->by_account.find(account_);
  if (found == state_->by_account.end()) return;
  found->second.erase(id_);
  if (found->second.empty()) state_->by_account.erase(found);
}

EventNotifier::EventNotifier(store::Store& store, size_t max_waiters_per_account)
    : store_(store), state_(std::make_shared<State>(max_waiters_per_account)) {}

EventNotifier::~EventNotifier() { stop(); }

std::unique_ptr<EventNotifier::Subscription> EventNotifier::subscribe(store::AccountId account,
                                                                      store::Cursor after,
                                                                      net::Waker waker) {
  std::lock_guard lock(state_->mu);
  auto& waiters = state_->by_account[account.value];
  if (waiters.size() >= state_->max_per_account) return nullptr;
  uint64_t id = state_->next_id++;
  waiters.emplace(id, State::Waiter{after, std::move(waker)});
  return std::unique_ptr<Subscription>(new Subscription(state_, account.value, id));
}

void EventNotifier::notify(store::AccountId account) {
  std::vector<net::Waker> wakers;
  {
    std::lock_guard lock(state_->mu);
    wakers = state_->behind(account.value, -1);
  }
  for (const net::Waker& waker : wakers) waker.wake();
}

void EventNotifier::poll_store() {
  std::vector<int64_t> accounts;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [account, waiters] : state_->by_account) accounts.push_back(account);
  }
  for (int64_t account : accounts) {
    auto last = store_.last_cursor(store::AccountId{account});
    if (!last.ok()) {
      if (last.error().code != Errc::kNotFound) {
        spdlog::warn("events: cannot read the last cursor: {}", last.error().describe());
      }
      continue;
    }
    std::vector<net::Waker> wakers;
    {
      std::lock_guard lock(state_->mu);
      wakers = state_->behind(account, *last);
    }
    for (const net::Waker& waker : wakers) waker.wake();
  }
}

void EventNotifier::start_polling(std::chrono::milliseconds interval) {
  std::lock_guard lock(poll_mu_);
  if (poller_.joinable() || stopping_) return;
  poller_ = std::thread([this, interval] {
    std::unique_lock lock(poll_mu_);
    while (!poll_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      poll_store();
      lock.lock();
    }
  });
}

void EventNotifier::stop() {
  {
    std::lock_guard lock(poll_mu_);
    stopping_ = true;
  }
  poll_cv_.notify_all();
  if (poller_.joinable() && poller_.get_id() != std::this_thread::get_id()) poller_.join();
}

size_t EventNotifier::waiting() const {
  std::lock_guard lock(state_->mu);
  size_t n = 0;
  for (const auto& [account, waiters] : state_->by_account) n += waiters.size();
  return n;
}

}  // namespace sealmail::server
