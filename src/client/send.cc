#include "client/send.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/clock.h"
#include "client/account.h"
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

}  // namespace

Result<SentMessage> send(Mailbox& mailbox, const Outgoing& message) {
  if (mailbox.addresses().empty()) return make_error(Errc::kNotFound, "the account has no address");
  const pgp::AddressKeyRecord* sender = &mailbox.addresses().front();
  if (!message.from.empty()) {
    auto found = std::find_if(mailbox.addresses().begin(), mailbox.addresses().end(),
                              [&](const auto& a) { return a.address == ascii_lowercase(message.from); });
    if (found == mailbox.addresses().end()) {
      return make_error(Errc::kInvalidArgument, message.from + " is not one of your addresses");
    }
    sender = &*found;
  }

  std::vector<std::string> everyone = message.to;
  everyone.insert(everyone.end(), message.cc.begin(), message.cc.end());
  everyone.insert(everyone.end(), message.bcc.begin(), message.bcc.end());
  if (everyone.empty()) return make_error(Errc::kInvalidArgument, "no recipients");

  // Every recipient must be internal (its key published here with a signed key list).
  std::vector<std::string> internal;
  std::vector<pgp::PublicKey> keys;
  for (const std::string& address : everyone) {
    const std::string folded = ascii_lowercase(address);
    if (std::find(internal.begin(), internal.end(), folded) != internal.end()) continue;
    auto armored = export_public_key(mailbox.api(), folded);
    if (!armored.ok()) {
      if (armored.error().code == Errc::kNotFound) {
        return make_error(Errc::kUnsupported,
                          folded + " is not on this server; sending to other servers comes with "
                                   "the outbound queue");
      }
      return std::move(armored).error();
    }
    keys.push_back(SEALMAIL_TRY(pgp::PublicKey::parse(*armored)));
    internal.push_back(folded);
  }

  mime::Envelope envelope;
  envelope.from = {mime::Address{.name = "", .addr = sender->address}};
  envelope.to = addresses_of(message.to);
  envelope.cc = addresses_of(message.cc);
  envelope.subject = message.subject;
  envelope.date = unix_time_ms() / 1000;
  envelope.message_id =
      mime::generate_message_id(sender->address.substr(sender->address.rfind('@') + 1));
  envelope.in_reply_to = message.in_reply_to;
  envelope.references = message.references;
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
    copies.push_back({{"address", internal[i]},
                      {"key_packets", base64_encode(packets_for(body, keys[i]))},
                      {"summary_key_packets", base64_encode(packets_for(summary_message, keys[i]))}});
  }
  Json request{
      {"from", sender->address},
      {"data_packet", base64_encode(body.data_packet)},
      {"summary_data_packet", base64_encode(summary_message.data_packet)},
      {"copies", std::move(copies)},
      {"sent",
       {{"key_packets", base64_encode(packets_for(body, sender->public_key))},
        {"summary_key_packets", base64_encode(packets_for(summary_message, sender->public_key))}}}};
  Json reply = SEALMAIL_TRY(mailbox.api().call("POST", "/api/v1/messages", request));
  SentMessage sent;
  sent.id = reply.value("id", "");
  sent.sent_id = reply.value("sent_id", "");
  sent.message_id = envelope.message_id;
  sent.internal = std::move(internal);
  return sent;
}

}  // namespace sealmail::client
