// sqlite_outbound.cc — the outbound queue's rows (0007_outbound.sql).
#include <nlohmann/json.hpp>

#include "store/internal/rules.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sealmail::store::sqlite {
namespace {

constexpr char kSelectOutbound[] =
    "SELECT job_id, account_id, sender, recipients, message, created_at_ms, next_attempt_ms, "
    "attempts, last_error FROM outbound";

Result<OutboundRecord> outbound_from_row(const Statement& row) {
  OutboundRecord job{.id = row.column_text(0),
                     .account = AccountId{row.column_int64(1)},
                     .sender = row.column_text(2),
                     .recipients = {},
                     .message = row.column_blob(4),
                     .created_at_ms = row.column_int64(5),
                     .next_attempt_ms = row.column_int64(6),
                     .attempts = row.column_int64(7),
                     .last_error = row.column_text(8)};
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

}  // namespace sealmail::store::sqlite
