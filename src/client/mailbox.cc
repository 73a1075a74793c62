#include "client/mailbox.h"

#include <utility>

#include "base/ascii.h"
#include "base/base64.h"
#include "client/account.h"
#include "client/records_json.h"

namespace sealmail::client {
namespace {

using Json = nlohmann::json;

Result<std::string> string_member(const Json& doc, std::string_view name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return make_error(Errc::kInvalidArgument,
                      "the server's answer has no string \"" + std::string(name) + "\"");
  }
  return it->get<std::string>();
}

int64_t int_member(const Json& doc, std::string_view name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

Result<std::string> base64_member(const Json& doc, std::string_view name) {
  std::string text = SEALMAIL_TRY(string_member(doc, name));
  auto bytes = base64_decode(text);
  if (!bytes) {
    return make_error(Errc::kInvalidArgument, "\"" + std::string(name) + "\" is not base64");
  }
  return std::move(*bytes);
}

// key packets ‖ data packet, as stored, split for pgp::decrypt.
Result<pgp::Decrypted> open_parts(pgp::Keyring& keyring, std::string_view key_packets,
                                  std::string_view data_packet) {
  pgp::EncryptedMessage parts =
      SEALMAIL_TRY(pgp::split_message(std::string(key_packets) + std::string(data_packet)));
  return pgp::decrypt(keyring, parts.key_packets, parts.data_packet);
}

}  // namespace

Result<Mailbox> Mailbox::open(ApiClient& api, std::string_view key_password) {
  Json doc = SEALMAIL_TRY(api.call("GET", "/api/v1/account"));
  auto account_doc = doc.find("account_key");
  if (account_doc == doc.end()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no account_key");
  }
  pgp::AccountKeyRecord account = SEALMAIL_TRY(parse_account_key(*account_doc));
  pgp::Keyring keyring = SEALMAIL_TRY(pgp::unlock_account(account, key_password));
  auto addresses = doc.find("addresses");
  if (addresses == doc.end() || !addresses->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no addresses");
  }
  std::vector<pgp::AddressKeyRecord> records;
  for (const Json& address : *addresses) {
    auto record = address.find("address_key");
    if (record == address.end()) continue;
    pgp::AddressKeyRecord key = SEALMAIL_TRY(parse_address_key(*record));
    SEALMAIL_RETURN_IF_ERROR(pgp::unlock_address(keyring, account, key));
    records.push_back(std::move(key));
  }
  return Mailbox(api, std::move(keyring), std::move(records));
}

Result<MessageListing> Mailbox::listing_from(const Json& item) {
  MessageListing listing;
  listing.id = SEALMAIL_TRY(string_member(item, "id"));
  listing.address = SEALMAIL_TRY(string_member(item, "address"));
  listing.folder = SEALMAIL_TRY(string_member(item, "folder"));
  listing.size = int_member(item, "size");
  listing.received_ms = int_member(item, "received_ms");
  std::string summary = SEALMAIL_TRY(base64_member(item, "summary"));
  pgp::EncryptedMessage parts = SEALMAIL_TRY(pgp::split_message(summary));
  pgp::Decrypted opened =
      SEALMAIL_TRY(pgp::decrypt(keyring_, parts.key_packets, parts.data_packet));
  Json json = Json::parse(opened.plaintext.reveal(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return make_error(Errc::kInvalidArgument, "a summary is not JSON");
  listing.summary = SEALMAIL_TRY(mime::summary_from_json(json));
  return listing;
}

Result<std::vector<MessageListing>> Mailbox::list(std::string_view folder, size_t limit,
                                                  size_t offset) {
  Json reply = SEALMAIL_TRY(api_->call("GET", "/api/v1/messages?folder=" + std::string(folder) +
                                                  "&limit=" + std::to_string(limit) +
                                                  "&offset=" + std::to_string(offset)));
  auto messages = reply.find("messages");
  if (messages == reply.end() || !messages->is_array()) {
    return make_error(Errc::kInvalidArgument, "the server's answer has no messages");
  }
  std::vector<MessageListing> out;
  for (const Json& item : *messages) out.push_back(SEALMAIL_TRY(listing_from(item)));
  return out;
}

Result<OpenedMessage> Mailbox::read(std::string_view id) {
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return make_error(Errc::kInvalidArgument, "a message id is 16 hex digits");
    }
  }
  Json reply = SEALMAIL_TRY(api_->call("GET", "/api/v1/messages/" + std::string(id)));
  MessageListing listing = SEALMAIL_TRY(listing_from(reply));
  std::string key_packets = SEALMAIL_TRY(base64_member(reply, "key_packets"));
  std::string data_packet = SEALMAIL_TRY(base64_member(reply, "data_packet"));
  std::string from;
  if (!listing.summary.from.empty()) from = ascii_lowercase(listing.summary.from.front().addr);
  if (!from.empty()) {
    // Outside senders have no key here (404): their signatures stay unverified.
    if (auto armored = export_public_key(*api_, from); armored.ok()) {
      if (auto key = pgp::PublicKey::parse(*armored); key.ok()) (void)keyring_.add(*key);
    }
  }
  pgp::Decrypted opened = SEALMAIL_TRY(open_parts(keyring_, key_packets, data_packet));
  const bool signed_by_sender = !from.empty() && opened.verified_from(from);
  return OpenedMessage{std::move(listing), std::move(opened.plaintext),
                       std::move(opened.signatures), signed_by_sender};
}

Result<pgp::Decrypted> Mailbox::decrypt(std::string_view message) {
  pgp::EncryptedMessage parts = SEALMAIL_TRY(pgp::split_message(message));
  return pgp::decrypt(keyring_, parts.key_packets, parts.data_packet);
}

}  // namespace sealmail::client
