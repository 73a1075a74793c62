#include "server/mx/mx_sink.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "mime/mime.h"
#include "pgp/key.h"
#include "server/mx/seal.h"
#include "server/mx/sender_check.h"

namespace sealmail::server::mx {
namespace {

smtp::Verdict reply(int code, std::string enhanced, std::string text) {
  return smtp::Verdict{code, std::move(enhanced), std::move(text)};
}

smtp::Verdict temporary_failure() {
  return reply(451, "4.3.0", "Temporary failure, please try again later");
}

// The address mail for `recipient` is meant for: "Postmaster" alone is the postmaster of the
// server's own domain (RFC 5321 §4.1.1.3).
std::string effective_address(std::string_view recipient, const Config& config) {
  if (ascii_lowercase(recipient) == "postmaster") return "postmaster@" + config.domain;
  return std::string(recipient);
}

// A recipient found for delivery: its address record, its account's storage limit and key.
struct Target {
  store::AddressRecord address;
  int64_t quota_bytes = 0;
  pgp::PublicKey key;
};

int64_t storage_limit(const Config& config, std::string_view plan_name) {
  return static_cast<int64_t>(plan_or_default(config, plan_name).storage_bytes);
}

Result<pgp::PublicKey> address_public_key(const store::AddressRecord& address) {
  auto record = nlohmann::json::parse(address.key_record, nullptr, /*allow_exceptions=*/false);
  if (!record.is_object() || !record.contains("public_key") || !record["public_key"].is_string()) {
    return make_error(Errc::kCorruption, "the address has no public key on record");
  }
  return pgp::PublicKey::parse(record["public_key"].get<std::string>());
}

}  // namespace

MxSink::MxSink(store::Store& store, const Config& config, GroupCommit& commit, SenderCheck check)
    : store_(store), config_(config), commit_(commit), check_(std::move(check)) {}

smtp::Verdict MxSink::check_recipient(const smtp::Envelope& /*envelope*/,
                                      std::string_view recipient) {
  const std::string address = effective_address(recipient, config_);
  const size_t at = address.rfind('@');
  if (at == std::string::npos) return reply(550, "5.1.1", "No such mailbox here");
  const std::string_view local = std::string_view(address).substr(0, at);
  const std::string_view domain = std::string_view(address).substr(at + 1);
  // Relay syntax inside a local part ("u%ext@our", "ext!u@our", "\"u@ext\"@our") and address
  // literals are never ours to route, whatever a catch-all would say.
  if (local.find_first_of("@%!") != std::string_view::npos || domain.starts_with('[')) {
    return reply(550, "5.7.1", "Relay access denied");
  }
  auto hosted = store_.find_domain(domain);
  if (!hosted.ok()) {
    if (hosted.error().code == Errc::kNotFound) return reply(550, "5.7.1", "Relay access denied");
    spdlog::error("mx: domain lookup failed: {}", hosted.error().describe());
    return temporary_failure();
  }
  if (local.starts_with('"')) return reply(550, "5.1.1", "No such mailbox here");

  auto found = store_.find_recipient(address);
  if (!found.ok()) {
    if (found.error().code == Errc::kNotFound) return reply(550, "5.1.1", "No such mailbox here");
    spdlog::error("mx: recipient lookup failed: {}", found.error().describe());
    return temporary_failure();
  }
  auto account = store_.get_account(found->account);
  auto used = store_.storage_used(found->account);
  if (!account.ok() || !used.ok()) {
    spdlog::error("mx: account lookup failed: {}",
                  (!account.ok() ? account.error() : used.error()).describe());
    return temporary_failure();
  }
  if (account->disabled) return reply(550, "5.2.1", "Mailbox disabled");
  const int64_t limit = storage_limit(config_, account->plan);
  if (limit > 0 && *used >= limit) return reply(452, "4.2.2", "Mailbox full, try again later");
  return reply(250, "2.1.5", "Ok");
}

smtp::Verdict MxSink::deliver(const smtp::Envelope& envelope, std::string_view received) {
  // A sender may not hand us a verdict in our name (RFC 8601 §5).
  std::optional<std::string> cleaned = without_our_results(received, config_.hostname);
  const std::string_view message = cleaned ? std::string_view(*cleaned) : received;

  mime::Limits limits;
  limits.max_size = message.size() + 1;
  limits.max_header_block = config_.mx.max_header_bytes;
  auto parsed = mime::parse(message, limits);
  if (!parsed.ok()) {
    spdlog::info("mx: refused from {} (<{}>), {} bytes: {}", envelope.peer_address,
                 envelope.mail_from, message.size(), parsed.error().message);
    return reply(550, "5.6.0", "Message structure refused: " + parsed.error().message);
  }
  const mime::Summary summary_fields = mime::summarize(*parsed);
  const std::string summary = mime::to_json(summary_fields).dump();

  std::vector<std::string> from_domains;
  for (const mime::Address& from : summary_fields.from) {
    from_domains.push_back(from.addr.substr(from.addr.rfind('@') + 1));
  }
  SenderVerdict sender = check_ ? check_(envelope, message, from_domains) : SenderVerdict{};
  if (sender.action == SenderVerdict::Action::kReject) {
    spdlog::info("mx: refused from {} (<{}>): {}", envelope.peer_address, envelope.mail_from,
                 sender.reason);
    return reply(550, "5.7.1", sender.reason);
  }
  std::string full = std::move(sender.header);
  full.append(message);

  // Each account once, in envelope order.
  std::vector<Target> targets;
  for (const std::string& recipient : envelope.recipients) {
    auto found = store_.find_recipient(effective_address(recipient, config_));
    if (!found.ok()) {
      if (found.error().code == Errc::kNotFound) continue;  // removed since RCPT
      spdlog::error("mx: recipient lookup failed: {}", found.error().describe());
      return temporary_failure();
    }
    if (std::any_of(targets.begin(), targets.end(),
                    [&](const Target& t) { return t.address.account == found->account; })) {
      continue;
    }
    auto account = store_.get_account(found->account);
    auto key = address_public_key(*found);
    if (!account.ok() || !key.ok()) {
      spdlog::error("mx: cannot encrypt for account {}: {}", found->account.value,
                    (!account.ok() ? account.error() : key.error()).describe());
      return reply(451, "4.3.5", "Cannot deliver to a recipient now, please try again later");
    }
    targets.push_back(Target{std::move(found).value(), storage_limit(config_, account->plan),
                             std::move(key).value()});
  }
  if (targets.empty()) return reply(550, "5.1.1", "No such mailbox here");

  std::vector<pgp::PublicKey> keys;
  for (const Target& target : targets) keys.push_back(target.key);
  auto sealed = seal(full, summary, keys);
  if (!sealed.ok()) {
    spdlog::error("mx: encryption failed: {}", sealed.error().describe());
    return reply(451, "4.3.5", "Cannot deliver to a recipient now, please try again later");
  }

  const std::string id = random_token_hex(8);
  const bool spam = sender.action == SenderVerdict::Action::kQuarantine;
  const int64_t now = unix_time_ms();
  store::Delivery delivery;
  delivery.data_packet = std::move(sealed->data_packet);
  for (size_t i = 0; i < targets.size(); ++i) {
    store::MessageRecord copy;
    copy.account = targets[i].address.account;
    copy.id = id;
    copy.address = targets[i].address.address;
    copy.folder = spam ? "spam" : "inbox";
    copy.received_at_ms = now;
    copy.key_packets = std::move(sealed->key_packets[i]);
    copy.summary = sealed->summary_key_packets[i] + sealed->summary_data_packet;
    delivery.copies.push_back(std::move(copy));
    delivery.quota_bytes.push_back(targets[i].quota_bytes);
  }
  Status stored = commit_.commit(std::move(delivery));
  if (!stored.ok()) {
    if (stored.error().code == Errc::kLimitExceeded) {
      spdlog::info("mx: {} from {} (<{}>) refused: a mailbox is full", id, envelope.peer_address,
                   envelope.mail_from);
      return reply(452, "4.2.2", "Mailbox full, try again later");
    }
    spdlog::error("mx: storing {} failed: {}", id, stored.error().describe());
    return temporary_failure();
  }
  spdlog::info("mx: {} from {} (<{}>), {} bytes, {} recipient(s){}", id, envelope.peer_address,
               envelope.mail_from, message.size(), targets.size(), spam ? ", to spam" : "");
  return reply(250, "2.0.0", "Ok: queued as " + id);
}

}  // namespace sealmail::server::mx
