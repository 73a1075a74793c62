// event_commands.cc — `sealmail events`: the logged-in account's event stream (client/events.h)
// as one JSON object per line, from a cursor; with --follow it keeps waiting for new events
// (long polls of GET /api/v1/events) until interrupted. Events carry ids and metadata only,
// so no password is asked for.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/logged_in.h"
#include "client/events.h"

namespace sealmail::cli {
namespace {

struct EventOptions {
  std::string address;
  int64_t after = 0;
  bool follow = false;
  int wait = 0;
  size_t limit = 100;
};

Status events_command(const EventOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  int64_t cursor = o.after;
  const auto wait = std::chrono::seconds(o.follow ? client::kMaxEventWait.count() : o.wait);
  bool waited = false;
  for (;;) {
    // Without --follow: everything there is now, or — with --wait and nothing there — one wait.
    auto asked = waited && !o.follow ? std::chrono::seconds(0) : wait;
    client::EventBatch batch =
        SEALMAIL_TRY(client::wait_events(*account.api, cursor, asked, o.limit));
    for (const client::StreamEvent& event : batch.events) {
      std::cout << client::to_json(event).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace)
                << std::endl;  // a line at a time, for whoever reads the pipe
    }
    cursor = batch.cursor;
    waited = waited || asked.count() > 0;
    if (batch.more) continue;
    if (!o.follow && (batch.events.size() > 0 || waited || wait.count() == 0)) break;
  }
  return ok_status();
}

}  // namespace

void add_event_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<EventOptions>();
  CLI::App* events = app.add_subcommand(
      "events", "Print the account's events after a cursor, one JSON object per line");
  events->add_option("--address", o->address, "The logged-in account to use (default: the last)");
  events->add_option("--after", o->after, "Only events after this cursor (default 0: all)")
      ->check(CLI::NonNegativeNumber);
  events->add_flag("--follow", o->follow, "Keep waiting for new events until interrupted");
  events
      ->add_option("--wait", o->wait,
                   "When there is nothing after the cursor, wait up to this many seconds "
                   "for an event")
      ->check(CLI::Range(0, 25));
  events->add_option("--limit", o->limit, "Events per request")->check(CLI::Range(1, 1000));
  events->callback([&exit_code, o] { run(exit_code, [o] { return events_command(*o); }); });
}

}  // namespace sealmail::cli
