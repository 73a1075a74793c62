// mailbox.h — reading mail on the client: the account's keys unlocked with the (mailbox)
// password, a folder's messages with their summaries decrypted, one message decrypted.
// The server hands out only ciphertext (GET /api/v1/messages…, docs/api.md); everything
// readable exists only here, in memory.
//
// SECURITY: summaries and messages come from the server, which we do not trust to be honest:
// they are decrypted under src/pgp's EFAIL-safe policy, summaries are parsed as untrusted JSON,
// and a message is returned as decrypted bytes for src/mime to display.
// Thread-safety: a Mailbox is used by one thread at a time (it holds a pgp::Keyring).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "client/api_client.h"
#include "mime/mime.h"
#include "pgp/hierarchy.h"
#include "pgp/key.h"
#include "pgp/message.h"

namespace sealmail::client {

struct MessageListing {
  std::string id;
  std::string address;  // the address it was delivered to
  std::string folder;
  int64_t size = 0;
  int64_t received_ms = 0;
  mime::Summary summary;
};

struct OpenedMessage {
  MessageListing listing;
  Sensitive raw;  // the RFC 5322 message as stored (inbound mail: with the MX's trace headers)
  std::vector<pgp::Signature> signatures;
  // A valid signature over the whole message by a key of the summary's (first) From address
  // — for senders on this server, whose keys the key directory publishes.
  bool signed_by_sender = false;
};

class Mailbox {
 public:
  // Fetches the account document and unlocks the account key and every address key.
  // kPermissionDenied for a wrong password.
  static Result<Mailbox> open(ApiClient& api, std::string_view key_password);

  Result<std::vector<MessageListing>> list(std::string_view folder, size_t limit = 50,
                                           size_t offset = 0);
  // Before decrypting, the From address's key is fetched from the server's key directory (when
  // it has one, checked against its signed key list) so that the signature can be verified.
  Result<OpenedMessage> read(std::string_view id);
  // Decrypts an OpenPGP message (armored or binary) found inside a message: what a sender
  // encrypted end to end (PGP/MIME or inline PGP) to one of this account's addresses.
  Result<pgp::Decrypted> decrypt(std::string_view message);

  // The account's addresses with their (public) address keys, primary first; each one's
  // secret key is unlocked in keyring() and signs what is sent from that address.
  const std::vector<pgp::AddressKeyRecord>& addresses() const { return addresses_; }
  pgp::Keyring& keyring() { return keyring_; }
  ApiClient& api() { return *api_; }

 private:
  Mailbox(ApiClient& api, pgp::Keyring keyring, std::vector<pgp::AddressKeyRecord> addresses)
      : api_(&api), keyring_(std::move(keyring)), addresses_(std::move(addresses)) {}
  Result<MessageListing> listing_from(const nlohmann::json& item);

  ApiClient* api_;
  pgp::Keyring keyring_;
  std::vector<pgp::AddressKeyRecord> addresses_;
};

}  // namespace sealmail::client
