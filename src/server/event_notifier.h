// event_notifier.h — wakes the long polls of GET /api/v1/events (server/api/events.cc) when an
// account's event log may have grown.
//
// Writers in this process call notify(account) after a commit that appended events for it
// (the MX's GroupCommit, the API's POST /api/v1/messages); that wakes its waiters at once.
// Writers elsewhere — another server process on the same database, or code here that does not
// notify — are caught by the fallback: every poll interval (1 s in the server) the store's
// last_cursor of each account that has waiters is compared with the cursor each waiter has
// seen, and those behind are woken. A wake-up only makes the waiter look at the store again
// (net::Waker), so a spurious one costs a query and a missed one at most an interval.
//
// SECURITY: no untrusted input; the number of waiters per account is bounded (subscribe
// refuses beyond max_waiters_per_account) so one account cannot pile up registrations.
// Thread-safety: every member function may be called from any thread. A Subscription may
// outlive the EventNotifier (it then unregisters from nothing).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "net/engine.h"
#include "store/store.h"

namespace sealmail::server {

class EventNotifier {
 public:
  struct State;  // shared with the subscriptions

  // While alive, its waker is called when the account's log may have grown past `after`.
  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

   private:
    friend class EventNotifier;
    Subscription(std::shared_ptr<State> state, int64_t account, uint64_t id)
        : state_(std::move(state)), account_(account), id_(id) {}
    const std::shared_ptr<State> state_;
    const int64_t account_;
    const uint64_t id_;
  };

  explicit EventNotifier(store::Store& store, size_t max_waiters_per_account = 32);
  ~EventNotifier();  // stops the poller
  EventNotifier(const EventNotifier&) = delete;
  EventNotifier& operator=(const EventNotifier&) = delete;

  // Registers `waker` for `account`, which has seen the log up to `after`. nullptr when the
  // account already has max_waiters_per_account waiters.
  std::unique_ptr<Subscription> subscribe(store::AccountId account, store::Cursor after,
                                          net::Waker waker);
  // `account`'s log has grown (a commit that appended to it has returned).
  void notify(store::AccountId account);

  // One pass of the fallback (above). Store errors are logged; the next pass tries again.
  void poll_store();
  // Runs poll_store every `interval` on a thread of its own, until stop() or destruction.
  void start_polling(std::chrono::milliseconds interval);
  void stop();

  // Waiters registered now (for tests and logs).
  size_t waiting() const;

 private:
  store::Store& store_;  // used by poll_store only
  const std::shared_ptr<State> state_;

  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;  // guarded by poll_mu_
  std::thread poller_;     // started once by start_polling
};

}  // namespace sealmail::server
