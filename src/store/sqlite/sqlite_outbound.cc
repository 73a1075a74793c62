// sqlite_outbound.cc — the outbound queue's rows (0007_outbound.sql).
#include <algorithm>
#include <tuple>

#include <nlohmann/json.hpp>

#include "store/internal/rules.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sealmail::store::sqlite {
namespace {

constexpr char kSelectOutbound[] =
    "SELECT job_id, account_id, sender, recipients, message, created_at_ms, next_attempt_ms, "
    "attempts, last_error, lease_owner, lease_until_ms FROM outbound";

Result<OutboundRecord> outbound_from_row(const Statement& row) {
  OutboundRecord job{.id = row.column_text(0),
                     .account = AccountId{row.column_int64(1)},
                     .sender = row.column_text(2),
                     .recipients = {},
                     .message = row.column_blob(4),
                     .created_at_ms = row.column_int64(5),
                     .next_attempt_ms = row.column_int64(6),
                     .attempts = row.column_int64(7),
                     .last_error = row.column_text(8),
                     .lease_owner = row.column_text(9),
                     .lease_until_ms = row.column_int64(10)};
  auto recipients = nlohmann::json::parse(row.column_text(3), nullptr, false);
  if (!recipients.is_array()) {
    return make_error(Errc::kCorruption, "outbound job " + job.id + ": recipients unreadable");
  }
  for (const auto& r : recipients) {
    if (!r.is_string()) {
      return make_error(Errc::kCorruption, "outbound job " + job.id + ": recipients unreadable");
    }
    job.recipients.push_back(r.get<std::string>());
  }
  return job;
}

Error no_such_job() { return make_error(Errc::kNotFound, "no such outbound job"); }

// Worker names: what a log can show — 1..kMaxTokenBytes printable ASCII bytes.
Status check_worker(std::string_view worker) {
  if (worker.empty() || worker.size() > kMaxTokenBytes) {
    return make_error(Errc::kInvalidArgument, "a worker name is 1 to 128 bytes");
  }
  for (char c : worker) {
    if (c <= ' ' || c > '~') return make_error(Errc::kInvalidArgument, "a worker name is ASCII");
  }
  return {};
}

}  // namespace

Status insert_outbound(Connection& db, const OutboundRecord& job) {
  if (!internal::is_hex_id(job.id)) {
    return make_error(Errc::kInvalidArgument, "an outbound job id is 16 lower-case hex digits");
  }
  if (job.recipients.empty() || job.recipients.size() > kMaxOutboundRecipients) {
    return make_error(Errc::kInvalidArgument, "an outbound message has 1 to 100 recipients");
  }
  for (const std::string& r : job.recipients) {
    if (r.empty() || r.size() > kMaxAddressBytes) {
      return make_error(Errc::kInvalidArgument, "an outbound recipient is 1 to 320 bytes");
    }
  }
  if (job.sender.size() > kMaxAddressBytes || job.message.empty() ||
      job.message.size() > kMaxMessageBytes) {
    return make_error(Errc::kInvalidArgument, "an outbound message needs a sender and bytes");
  }
  Statement insert = SEALMAIL_TRY(db.prepare(
      "INSERT INTO outbound (job_id, account_id, sender, recipients, message, created_at_ms, "
      "next_attempt_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  insert.bind_text(1, job.id)
      .bind(2, job.account.value)
      .bind_text(3, job.sender)
      .bind_text(4, json_array(job.recipients))
      .bind_blob(5, job.message)
      .bind(6, job.created_at_ms)
      .bind(7, job.next_attempt_ms);
  return insert.run();
}

Result<std::vector<OutboundRecord>> SqliteStore::list_outbound(size_t limit, size_t offset) {
  return with_reader([&](Connection& db) -> Result<std::vector<OutboundRecord>> {
    Statement select = SEALMAIL_TRY(db.prepare(
        std::string(kSelectOutbound) + " ORDER BY created_at_ms, job_id LIMIT ?1 OFFSET ?2"));
    select.bind(1, static_cast<int64_t>(limit)).bind(2, static_cast<int64_t>(offset));
    std::vector<OutboundRecord> jobs;
    while (SEALMAIL_TRY(select.step())) jobs.push_back(SEALMAIL_TRY(outbound_from_row(select)));
    return jobs;
  });
}

Result<OutboundRecord> SqliteStore::get_outbound(std::string_view id) {
  if (!internal::is_hex_id(id)) return make_error(Errc::kNotFound, "no such outbound job");
  return with_reader([&](Connection& db) -> Result<OutboundRecord> {
    Statement select =
        SEALMAIL_TRY(db.prepare(std::string(kSelectOutbound) + " WHERE job_id = ?1"));
    select.bind_text(1, id);
    if (!SEALMAIL_TRY(select.step())) return make_error(Errc::kNotFound, "no such outbound job");
    return outbound_from_row(select);
  });
}

Result<std::vector<OutboundRecord>> SqliteStore::claim_outbound(std::string_view worker,
                                                                int64_t now_ms, int64_t lease_ms,
                                                                size_t limit) {
  SEALMAIL_RETURN_IF_ERROR(check_worker(worker));
  if (lease_ms <= 0) return make_error(Errc::kInvalidArgument, "a lease lasts a while");
  return with_writer([&](Connection& db) -> Result<std::vector<OutboundRecord>> {
    // One statement chooses and leases, inside the writer's transaction: two workers cannot
    // both see a job free.
    Statement claim = SEALMAIL_TRY(db.prepare(
        "UPDATE outbound SET lease_owner = ?1, lease_until_ms = ?3 WHERE job_id IN ("
        "SELECT job_id FROM outbound WHERE next_attempt_ms <= ?2 AND lease_until_ms <= ?2 "
        "ORDER BY next_attempt_ms, job_id LIMIT ?4) RETURNING job_id"));
    claim.bind_text(1, worker).bind(2, now_ms).bind(3, now_ms + lease_ms);
    claim.bind(4, static_cast<int64_t>(limit));
    std::vector<std::string> ids;
    while (SEALMAIL_TRY(claim.step())) ids.push_back(claim.column_text(0));
    std::vector<OutboundRecord> jobs;
    for (const std::string& id : ids) {
      Statement select =
          SEALMAIL_TRY(db.prepare(std::string(kSelectOutbound) + " WHERE job_id = ?1"));
      select.bind_text(1, id);
      SEALMAIL_CHECK(SEALMAIL_TRY(select.step()));
      jobs.push_back(SEALMAIL_TRY(outbound_from_row(select)));
    }
    std::sort(jobs.begin(), jobs.end(), [](const OutboundRecord& a, const OutboundRecord& b) {
      return std::tie(a.next_attempt_ms, a.id) < std::tie(b.next_attempt_ms, b.id);
    });
    return jobs;
  });
}

Status SqliteStore::finish_outbound(std::string_view id, std::string_view worker) {
  if (!internal::is_hex_id(id) || !check_worker(worker).ok()) return no_such_job();
  return with_writer([&](Connection& db) -> Status {
    Statement remove =
        SEALMAIL_TRY(db.prepare("DELETE FROM outbound WHERE job_id = ?1 AND lease_owner = ?2"));
    remove.bind_text(1, id).bind_text(2, worker);
    SEALMAIL_RETURN_IF_ERROR(remove.run());
    if (db.changes() == 0) return no_such_job();
    return {};
  });
}

Status SqliteStore::defer_outbound(std::string_view id, std::string_view worker,
                                   const std::vector<std::string>& remaining,
                                   int64_t next_attempt_ms, std::string_view error) {
  if (!internal::is_hex_id(id) || !check_worker(worker).ok()) return no_such_job();
  if (remaining.empty()) {
    return make_error(Errc::kInvalidArgument, "a deferred job keeps a recipient");
  }
  if (error.size() > kMaxLabelBytes) {
    return make_error(Errc::kInvalidArgument, "an attempt's error is at most 512 bytes");
  }
  return with_writer([&](Connection& db) -> Status {
    Statement select = SEALMAIL_TRY(
        db.prepare(std::string(kSelectOutbound) + " WHERE job_id = ?1 AND lease_owner = ?2"));
    select.bind_text(1, id).bind_text(2, worker);
    if (!SEALMAIL_TRY(select.step())) return no_such_job();
    const OutboundRecord job = SEALMAIL_TRY(outbound_from_row(select));
    for (const std::string& r : remaining) {
      if (std::find(job.recipients.begin(), job.recipients.end(), r) == job.recipients.end()) {
        return make_error(Errc::kInvalidArgument, "a deferred job keeps its own recipients");
      }
    }
    Statement defer = SEALMAIL_TRY(db.prepare(
        "UPDATE outbound SET recipients = ?2, next_attempt_ms = ?3, last_error = ?4, "
        "attempts = attempts + 1, lease_owner = '', lease_until_ms = 0 WHERE job_id = ?1"));
    defer.bind_text(1, id).bind_text(2, json_array(remaining)).bind(3, next_attempt_ms);
    defer.bind_text(4, error);
    return defer.run();
  });
}

Status SqliteStore::retry_outbound(std::string_view id, int64_t now_ms) {
  if (!internal::is_hex_id(id)) return no_such_job();
  return with_writer([&](Connection& db) -> Status {
    Statement retry =
        SEALMAIL_TRY(db.prepare("UPDATE outbound SET next_attempt_ms = ?2 WHERE job_id = ?1"));
    retry.bind_text(1, id).bind(2, now_ms);
    SEALMAIL_RETURN_IF_ERROR(retry.run());
    if (db.changes() == 0) return no_such_job();
    return {};
  });
}

Status SqliteStore::delete_outbound(std::string_view id) {
  if (!internal::is_hex_id(id)) return no_such_job();
  return with_writer([&](Connection& db) -> Status {
    Statement remove = SEALMAIL_TRY(db.prepare("DELETE FROM outbound WHERE job_id = ?1"));
    remove.bind_text(1, id);
    SEALMAIL_RETURN_IF_ERROR(remove.run());
    if (db.changes() == 0) return no_such_job();
    return {};
  });
}

}  // namespace sealmail::store::sqlite
