#include "client/outside.h"

#include <vector>

#include "mime/autocrypt.h"
#include "pgp/message.h"

namespace sealmail::client {

Result<std::string> compose_pgp_mime(pgp::Keyring& keyring, const mime::Envelope& envelope,
                                     const mime::Content& content,
                                     std::span<const pgp::PublicKey> recipients,
                                     const pgp::PublicKey& sender) {
  std::string entity = SEALMAIL_TRY(mime::build_protected_entity(envelope, content));
  std::vector<pgp::PublicKey> keys(recipients.begin(), recipients.end());
  keys.push_back(sender);
  pgp::EncryptedMessage encrypted =
      SEALMAIL_TRY(pgp::encrypt(keyring, entity, keys, sender.info().fingerprint));
  std::string armored = SEALMAIL_TRY(encrypted.armored());
  return mime::build_pgp_mime_encrypted(envelope, armored);
}

Result<std::string> compose_signed(pgp::Keyring& keyring, mime::Envelope envelope,
                                   const mime::Content& content, const pgp::PublicKey& sender) {
  mime::SignedDraft draft = SEALMAIL_TRY(mime::prepare_signed(content));
  std::string signature = SEALMAIL_TRY(pgp::sign_detached(
      keyring, draft.to_sign, sender.info().fingerprint, pgp::Armor::kArmored));
  if (!envelope.from.empty()) {
    mime::AutocryptHeader autocrypt{.addr = envelope.from.front().addr,
                                    .prefer_encrypt_mutual = true,
                                    .keydata = sender.binary()};
    envelope.extra_headers.emplace_back("Autocrypt", mime::build_autocrypt_value(autocrypt));
  }
  return mime::finish_signed(envelope, draft, signature);
}

}  // namespace sealmail::client
