#include "client/send.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/clock.h"
#include "client/account.h"
#include "client/outside.h"
#include "pgp/message.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

std::vector<mime::Address> addresses_of(const std::vector<std::string>& list) {
  std::vector<mime::Address> out;
  for (const std::string& a : list) out.push_back(mime::Address{.name = "", .addr = a});
  return out;
}

// Key packets of `encrypted` made for `key`, concatenated.
std::string packets_for(const pgp::EncryptedMessage& encrypted, const pgp::PublicKey& key) {
  std::string out;
  for (const pgp::KeyPacket& packet : encrypted.key_packets) {
    if (packet.fingerprint == key.info().fingerprint) out += packet.bytes;
  }
  return out;
}

// A recipient on another server, and the key it is encrypted to (none: cleartext).
struct OutsideRecipient {
  std::string address;
  std::optional<pgp::PublicKey> key;
};

// `address`'s pinned key, if mail to it should be encrypted; kInvalidArgument when the
// contact wants encryption and has no key.
Result<std::optional<pgp::PublicKey>> outside_key(const Contacts& contacts,
                                                  const std::string& address) {
  auto contact = contacts.find(address);
  if (!contact.ok()) {
    if (contact.error().code == Errc::kNotFound) return std::optional<pgp::PublicKey>();
    return std::move(contact).error();
  }
  if (contact->encrypt == EncryptPreference::kNever) return std::optional<pgp::PublicKey>();
  if (!contact->key && contact->encrypt == EncryptPreference::kAlways) {
    return make_error(Errc::kInvalidArgument,
                      address +
                          " must get encrypted mail and has no key: pin one with "
                          "`sealmail contacts add " +
                          address + " --key FILE`");
  }
  return contact->key;
}

// A data packet this large or larger is uploaded on its own, as raw bytes that the server
// streams to its store (POST /api/v1/uploads), rather than in base64 inside the JSON.
constexpr size_t kUploadFrom = size_t{1} << 20;

// Puts the data packet into `request`: inline, or uploaded first and named. One larger than the
// plan allows is refused here, before it is sent, in the server's words.
Status attach_body(Mailbox& mailbox, const std::string& data_packet, Json& request) {
  const int64_t limit = mailbox.max_message_bytes();
  if (limit > 0 && static_cast<int64_t>(data_packet.size()) > limit) {
    return make_error(Errc::kLimitExceeded,
                      "the message is too large: your plan sends messages of up to " +
                          std::to_string(limit >> 20) + " MiB");
  }
  ApiClient& api = mailbox.api();
  if (data_packet.size() < kUploadFrom) {
    request["data_packet"] = base64_encode(data_packet);
    return {};
  }
  Json reply = SEALMAIL_TRY(api.upload("/api/v1/uploads", data_packet));
  if (!reply.contains("upload") || !reply["upload"].is_string()) {
    return make_error(Errc::kInternal, "the server did not say where the upload is");
  }
  request["data_packet_upload"] = reply["upload"];
  return {};
}

// The address `message` is written from: its `from`, or the account's primary address.
Result<const pgp::AddressKeyRecord*> author_of(Mailbox& mailbox, const Outgoing& message) {
  if (mailbox.addresses().empty()) return make_error(Errc::kNotFound, "the account has no address");
  if (message.from.empty()) return &mailbox.addresses().front();
  auto found =
      std::find_if(mailbox.addresses().begin(), mailbox.addresses().end(),
                   [&](const auto& a) { return a.address == ascii_lowercase(message.from); });
  if (found == mailbox.addresses().end()) {
    return make_error(Errc::kInvalidArgument, message.from + " is not one of your addresses");
  }
  return &*found;
}

// The header fields of `message` from `author`, with a new Message-ID (Bcc only for a draft).
mime::Envelope envelope_of(const Outgoing& message, const std::string& author, bool draft) {
  mime::Envelope envelope;
  envelope.from = {mime::Address{.name = "", .addr = author}};
  envelope.to = addresses_of(message.to);
  envelope.cc = addresses_of(message.cc);
  if (draft) envelope.bcc = addresses_of(message.bcc);
  envelope.subject = message.subject;
  envelope.date = unix_time_ms() / 1000;
  envelope.message_id = mime::generate_message_id(author.substr(author.rfind('@') + 1));
  envelope.in_reply_to = message.in_reply_to;
  envelope.references = message.references;
  return envelope;
}

}  // namespace

Result<std::string> save_draft(Mailbox& mailbox, const Outgoing& message) {
  const pgp::AddressKeyRecord* author = SEALMAIL_TRY(author_of(mailbox, message));
  mime::Envelope envelope = envelope_of(message, author->address, true);
  mime::Content content{.text = message.text, .html = {}, .attachments = message.attachments};
  std::string plain = SEALMAIL_TRY(mime::build_message(envelope, content));
  std::string summary = mime::to_json(mime::summarize(SEALMAIL_TRY(mime::parse(plain)))).dump();
  const std::vector<pgp::PublicKey> own{author->public_key};
  pgp::EncryptedMessage body = SEALMAIL_TRY(
      pgp::encrypt(mailbox.keyring(), plain, own, author->public_key.info().fingerprint));
  pgp::EncryptedMessage summary_message =
      SEALMAIL_TRY(pgp::encrypt(mailbox.keyring(), summary, own));
  Json request{
      {"from", author->address},
      {"key_packets", base64_encode(packets_for(body, author->public_key))},
      {"summary_data_packet", base64_encode(summary_message.data_packet)},
      {"summary_key_packets", base64_encode(packets_for(summary_message, author->public_key))}};
  if (!message.draft.empty()) request["replaces"] = message.draft;
  SEALMAIL_RETURN_IF_ERROR(attach_body(mailbox, body.data_packet, request));
  Json reply = SEALMAIL_TRY(mailbox.api().call("POST", "/api/v1/drafts", request));
  if (!reply.contains("id") || !reply["id"].is_string()) {
    return make_error(Errc::kInternal, "the server did not say where the draft is");
  }
  return reply["id"].get<std::string>();
}

Result<Outgoing> open_draft(Mailbox& mailbox, std::string_view id) {
  OpenedMessage opened = SEALMAIL_TRY(mailbox.read(id));
  if (opened.listing.folder != "drafts") {
    return make_error(Errc::kNotFound, std::string(id) + " is not in Drafts");
  }
  auto parsed = SEALMAIL_TRY(mime::parse(opened.raw.reveal()));
  const mime::Summary summary = mime::summarize(parsed);
  mime::Content content = mime::content_of(parsed);
  Outgoing draft;
  if (!summary.from.empty()) draft.from = summary.from.front().addr;
  auto addresses = [](const std::vector<mime::Address>& list) {
    std::vector<std::string> out;
    for (const mime::Address& a : list) out.push_back(a.addr);
    return out;
  };
  draft.to = addresses(summary.to);
  draft.cc = addresses(summary.cc);
  draft.bcc = addresses(summary.bcc);
  draft.subject = summary.subject;
  draft.text = std::move(content.text);
  draft.attachments = std::move(content.attachments);
  draft.in_reply_to = summary.in_reply_to;
  draft.references = summary.references;
  draft.draft = std::string(id);
  return draft;
}

Result<SentMessage> send(Mailbox& mailbox, const Contacts& contacts, const Outgoing& message) {
  const pgp::AddressKeyRecord* sender = SEALMAIL_TRY(author_of(mailbox, message));
  if (message.to.empty() && message.cc.empty() && message.bcc.empty()) {
    return make_error(Errc::kInvalidArgument, "no recipients");
  }

  // Who is internal (its key published here with a signed key list), who is outside.
  std::vector<std::string> internal;
  std::vector<pgp::PublicKey> keys;
  std::vector<OutsideRecipient> open_outside, hidden_outside;  // To+Cc, Bcc
  std::set<std::string> seen;
  auto classify = [&](const std::string& address, bool hidden) -> Status {
    std::string folded = ascii_lowercase(address);
    if (!seen.insert(folded).second) return {};
    auto armored = export_public_key(mailbox.api(), folded);
    if (armored.ok()) {
      keys.push_back(SEALMAIL_TRY(pgp::PublicKey::parse(*armored)));
      internal.push_back(std::move(folded));
      return {};
    }
    if (armored.error().code != Errc::kNotFound) return std::move(armored).error();
    OutsideRecipient recipient{.address = folded,
                               .key = SEALMAIL_TRY(outside_key(contacts, folded))};
    (hidden ? hidden_outside : open_outside).push_back(std::move(recipient));
    return {};
  };
  for (const auto* list : {&message.to, &message.cc}) {
    for (const std::string& address : *list) SEALMAIL_RETURN_IF_ERROR(classify(address, false));
  }
  for (const std::string& address : message.bcc) SEALMAIL_RETURN_IF_ERROR(classify(address, true));

  const mime::Envelope envelope = envelope_of(message, sender->address, false);
  mime::Content content{.text = message.text, .html = {}, .attachments = message.attachments};
  std::string plain = SEALMAIL_TRY(mime::build_message(envelope, content));
  auto parsed = SEALMAIL_TRY(mime::parse(plain));
  std::string summary = mime::to_json(mime::summarize(parsed)).dump();

  std::vector<pgp::PublicKey> all_keys = keys;
  all_keys.push_back(sender->public_key);
  const std::string signer = sender->public_key.info().fingerprint;
  pgp::EncryptedMessage body =
      SEALMAIL_TRY(pgp::encrypt(mailbox.keyring(), plain, all_keys, signer));
  pgp::EncryptedMessage summary_message =
      SEALMAIL_TRY(pgp::encrypt(mailbox.keyring(), summary, all_keys));

  Json copies = Json::array();
  for (size_t i = 0; i < internal.size(); ++i) {
    copies.push_back(
        {{"address", internal[i]},
         {"key_packets", base64_encode(packets_for(body, keys[i]))},
         {"summary_key_packets", base64_encode(packets_for(summary_message, keys[i]))}});
  }
  // Messages for other servers: one PGP/MIME and one cleartext for To and Cc, one each per Bcc.
  Json outbound = Json::array();
  std::vector<QueuedMessage> queued;
  // A group is all with keys (PGP/MIME) or all without (cleartext).
  auto queue = [&](const std::vector<const OutsideRecipient*>& group) -> Status {
    if (group.empty()) return {};
    const bool encrypted = group.front()->key.has_value();
    QueuedMessage item{.id = {}, .recipients = {}, .encrypted = encrypted};
    std::vector<pgp::PublicKey> outside_keys;
    for (const OutsideRecipient* r : group) {
      item.recipients.push_back(r->address);
      if (r->key) outside_keys.push_back(*r->key);
    }
    std::string bytes = encrypted
                            ? SEALMAIL_TRY(compose_pgp_mime(mailbox.keyring(), envelope, content,
                                                            outside_keys, sender->public_key))
                            : SEALMAIL_TRY(compose_signed(mailbox.keyring(), envelope, content,
                                                          sender->public_key));
    outbound.push_back({{"recipients", item.recipients}, {"message", base64_encode(bytes)}});
    queued.push_back(std::move(item));
    return {};
  };
  std::vector<const OutsideRecipient*> with_key, without_key;
  for (const OutsideRecipient& r : open_outside) (r.key ? with_key : without_key).push_back(&r);
  SEALMAIL_RETURN_IF_ERROR(queue(with_key));
  SEALMAIL_RETURN_IF_ERROR(queue(without_key));
  for (const OutsideRecipient& r : hidden_outside) SEALMAIL_RETURN_IF_ERROR(queue({&r}));

  Json request{
      {"from", sender->address},
      {"outbound", std::move(outbound)},
      {"summary_data_packet", base64_encode(summary_message.data_packet)},
      {"copies", std::move(copies)},
      {"sent",
       {{"key_packets", base64_encode(packets_for(body, sender->public_key))},
        {"summary_key_packets", base64_encode(packets_for(summary_message, sender->public_key))}}}};
  if (message.expires_at_ms > 0) request["expires_ms"] = message.expires_at_ms;
  if (!message.draft.empty()) request["draft"] = message.draft;
  SEALMAIL_RETURN_IF_ERROR(attach_body(mailbox, body.data_packet, request));
  Json reply = SEALMAIL_TRY(mailbox.api().call("POST", "/api/v1/messages", request));
  SentMessage sent;
  sent.id = reply.value("id", "");
  sent.sent_id = reply.value("sent_id", "");
  sent.message_id = envelope.message_id;
  sent.internal = std::move(internal);
  const Json ids = reply.value("queued", Json::array());
  if (!ids.is_array() || ids.size() != queued.size()) {
    return make_error(Errc::kInternal, "the server did not queue every message for other servers");
  }
  for (size_t i = 0; i < queued.size(); ++i) {
    if (!ids[i].is_string()) return make_error(Errc::kInternal, "bad queue id from the server");
    queued[i].id = ids[i].get<std::string>();
  }
  sent.queued = std::move(queued);
  return sent;
}

}  // namespace sealmail::client
