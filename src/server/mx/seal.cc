#include "server/mx/seal.h"

#include <optional>
#include <utility>

#include "pgp/message.h"

namespace sealmail::server::mx {
namespace {

// One RNP context per thread, made on first use: creating one per message would cost more
// than encrypting a small message.
Result<pgp::Keyring*> thread_keyring() {
  thread_local std::optional<pgp::Keyring> keyring;
  if (!keyring) keyring.emplace(SEALMAIL_TRY(pgp::Keyring::create()));
  return &*keyring;
}

// Each recipient's key packets from `encrypted`, in the order of `recipients`.
Result<std::vector<std::string>> key_packets_by_recipient(
    const pgp::EncryptedMessage& encrypted, std::span<const pgp::PublicKey> recipients) {
  std::vector<std::string> out(recipients.size());
  for (const pgp::KeyPacket& packet : encrypted.key_packets) {
    for (size_t i = 0; i < recipients.size(); ++i) {
      if (packet.fingerprint == recipients[i].info().fingerprint) out[i] += packet.bytes;
    }
  }
  for (const std::string& packets : out) {
    if (packets.empty()) return make_error(Errc::kInternal, "a recipient got no key packet");
  }
  return out;
}

}  // namespace

Result<Sealed> seal(std::string_view message, std::string_view summary_json,
                    std::span<const pgp::PublicKey> recipients) {
  for (const pgp::PublicKey& key : recipients) {
    if (!key.info().can_encrypt) {
      return make_error(Errc::kInvalidArgument, "an address key cannot encrypt");
    }
  }
  pgp::Keyring* keyring = SEALMAIL_TRY(thread_keyring());
  pgp::EncryptedMessage body = SEALMAIL_TRY(pgp::encrypt(*keyring, message, recipients));
  pgp::EncryptedMessage summary = SEALMAIL_TRY(pgp::encrypt(*keyring, summary_json, recipients));
  Sealed sealed;
  sealed.key_packets = SEALMAIL_TRY(key_packets_by_recipient(body, recipients));
  sealed.summary_key_packets = SEALMAIL_TRY(key_packets_by_recipient(summary, recipients));
  sealed.data_packet = std::move(body.data_packet);
  sealed.summary_data_packet = std::move(summary.data_packet);
  return sealed;
}

}  // namespace sealmail::server::mx
