#include "pgp/message.h"
#include "base/hex.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>

#include "pgp/decrypt_policy.h"
#include "pgp/internal/keyring_impl.h"
#include "pgp/internal/packets.h"
#include "pgp/internal/rnp_ffi.h"

namespace sealmail::pgp {

using internal::Input;
using internal::Key;
using internal::Output;
using internal::take;

namespace {

struct EncryptOpDeleter {
  void operator()(rnp_op_encrypt_st* op) const { rnp_op_encrypt_destroy(op); }
};
struct VerifyOpDeleter {
  void operator()(rnp_op_verify_st* op) const { rnp_op_verify_destroy(op); }
};
struct SignOpDeleter {
  void operator()(rnp_op_sign_st* op) const { rnp_op_sign_destroy(op); }
};
using EncryptOp = std::unique_ptr<rnp_op_encrypt_st, EncryptOpDeleter>;
using VerifyOp = std::unique_ptr<rnp_op_verify_st, VerifyOpDeleter>;
using SignOp = std::unique_ptr<rnp_op_sign_st, SignOpDeleter>;

constexpr const char* kCipher = "AES256";
constexpr const char* kHash = "SHA256";

bool is_armored(std::string_view bytes) {
  size_t i = bytes.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && bytes.substr(i).starts_with("-----BEGIN PGP");
}

Result<std::string> dearmor(std::string_view armored) {
  std::string out;
  Input in = SEALMAIL_TRY(internal::input_from(armored));
  {
    Output o = SEALMAIL_TRY(internal::output_to(&out));
    SEALMAIL_RNP(rnp_dearmor(in.get(), o.get()), "dearmor message");
  }
  return out;
}

bool is_data_packet(int tag) {
  return tag == internal::kTagSeipd || tag == internal::kTagAead || tag == internal::kTagSed;
}

// key packets ‖ one data packet; takes `bytes` so the data packet is moved, not copied.
Result<EncryptedMessage> split_binary(std::string bytes) {
  auto spans = SEALMAIL_TRY(internal::split_packets(bytes));
  if (spans.empty() || !is_data_packet(spans.back().tag))
    return make_error(Errc::kInvalidArgument, "message does not end with an encrypted data packet");
  EncryptedMessage message;
  for (size_t i = 0; i + 1 < spans.size(); ++i) {
    const auto& s = spans[i];
    KeyPacket kp;
    if (s.tag == internal::kTagPkesk) {
      kp.kind = KeyPacket::Kind::kPublicKey;
      std::string_view body(bytes.data() + s.body_offset, s.offset + s.size - s.body_offset);
      if (body.size() >= 10 && body[0] == 3)
        kp.key_id = hex_encode(body.substr(1, 8), HexCase::kUpper);
      if (kp.key_id == "0000000000000000") kp.key_id.clear();  // wildcard recipient
    } else if (s.tag == internal::kTagSkesk) {
      kp.kind = KeyPacket::Kind::kPassword;
    } else {
      return make_error(Errc::kInvalidArgument, "unexpected packet before the data packet");
    }
    kp.bytes.assign(bytes, s.offset, s.size);
    message.key_packets.push_back(std::move(kp));
  }
  bytes.erase(0, spans.back().offset);
  message.data_packet = std::move(bytes);
  return message;
}

// Each key packet must be exactly one PKESK/SKESK and the data packet exactly one encrypted
// data packet: nothing else may be smuggled into the stream we hand to RNP.
Status check_shape(std::span<const KeyPacket> key_packets, std::string_view data_packet) {
  for (const auto& kp : key_packets) {
    auto spans = SEALMAIL_TRY(internal::split_packets(kp.bytes));
    if (spans.size() != 1 ||
        (spans[0].tag != internal::kTagPkesk && spans[0].tag != internal::kTagSkesk))
      return make_error(Errc::kInvalidArgument, "key packet is not one PKESK or SKESK packet");
  }
  auto spans = SEALMAIL_TRY(internal::split_packets(data_packet));
  if (spans.size() != 1 || !is_data_packet(spans[0].tag))
    return make_error(Errc::kInvalidArgument, "data packet is not one encrypted data packet");
  return ok_status();
}

bool key_flag(rnp_result_t (*query)(rnp_key_handle_t, bool*), rnp_key_handle_t key) {
  bool result = false;
  return query(key, &result) == RNP_SUCCESS && result;
}

// Gathers RNP's facts about each signature and asks the policy for the verdict.
Result<std::vector<Signature>> collect_signatures(rnp_ffi_t ffi, rnp_op_verify_t op) {
  std::vector<Signature> out;
  size_t count = 0;
  SEALMAIL_RNP(rnp_op_verify_get_signature_count(op, &count), "signature count");
  for (size_t i = 0; i < count; ++i) {
    rnp_op_verify_signature_t sig = nullptr;
    SEALMAIL_RNP(rnp_op_verify_get_signature_at(op, i, &sig), "signature");
    Signature result;
    SignatureFacts facts;
    rnp_result_t status = rnp_op_verify_signature_get_status(sig);
    facts.verified = status == RNP_SUCCESS;
    facts.expired = status == RNP_ERROR_SIGNATURE_EXPIRED;
    rnp_signature_handle_t handle = nullptr;
    if (rnp_op_verify_signature_get_handle(sig, &handle) == RNP_SUCCESS && handle != nullptr) {
      char* s = nullptr;
      if (rnp_signature_get_keyid(handle, &s) == RNP_SUCCESS) result.key_id = take(s);
      uint32_t created = 0;
      if (rnp_signature_get_creation(handle, &created) == RNP_SUCCESS) result.created = created;
      rnp_signature_handle_destroy(handle);
    }
    rnp_key_handle_t raw = nullptr;
    if (rnp_op_verify_signature_get_key(sig, &raw) == RNP_SUCCESS && raw != nullptr) {
      Key signing(raw);
      facts.key_known = true;
      facts.key_valid = key_flag(rnp_key_is_valid, signing.get());
      facts.key_revoked = key_flag(rnp_key_is_revoked, signing.get());
      char* s = nullptr;
      bool primary = key_flag(rnp_key_is_primary, signing.get());
      rnp_result_t rc = primary ? rnp_key_get_fprint(signing.get(), &s)
                                : rnp_key_get_primary_fprint(signing.get(), &s);
      if (rc == RNP_SUCCESS) result.signer_fingerprint = take(s);
      auto primary_key = internal::locate(ffi, "fingerprint", result.signer_fingerprint);
      if (primary_key.ok()) {
        facts.key_revoked = facts.key_revoked || key_flag(rnp_key_is_revoked, primary_key->get());
        size_t uids = 0;
        if (rnp_key_get_uid_count(primary_key->get(), &uids) != RNP_SUCCESS) uids = 0;
        for (size_t u = 0; u < uids; ++u) {
          rnp_uid_handle_t uid = nullptr;
          if (rnp_key_get_uid_handle_at(primary_key->get(), u, &uid) != RNP_SUCCESS) continue;
          bool valid = false, revoked = true;
          rnp_uid_is_valid(uid, &valid);
          rnp_uid_is_revoked(uid, &revoked);
          rnp_uid_handle_destroy(uid);
          if (!valid || revoked) continue;  // only self-certified, live user IDs name a signer
          if (rnp_key_get_uid_at(primary_key->get(), u, &s) == RNP_SUCCESS)
            result.signer_user_ids.push_back(take(s));
        }
      } else {
        facts.key_valid = false;
      }
    }
    // RNP hashes the single literal packet whose content is the released output (rule 3).
    facts.covers_output = true;
    result.valid = signature_valid(facts);
    out.push_back(std::move(result));
  }
  return out;
}

Result<EncryptedMessage> run_encrypt(Keyring& keyring, std::string_view plaintext,
                                     std::span<const PublicKey> recipients,
                                     const std::string* password, size_t s2k_iterations,
                                     std::string_view signer) {
  if (recipients.empty() && password == nullptr)
    return make_error(Errc::kInvalidArgument, "no recipients");
  rnp_ffi_t ffi = keyring.impl().ffi.get();
  for (const auto& r : recipients) {
    if (!r.info().can_encrypt)
      return make_error(Errc::kInvalidArgument, "recipient key cannot encrypt");
    SEALMAIL_RETURN_IF_ERROR(keyring.add(r));
  }
  std::string out;
  out.reserve(plaintext.size() + plaintext.size() / 64 + 4096);  // no doubling reallocation
  {
    Input in = SEALMAIL_TRY(internal::input_from(plaintext));
    Output o = SEALMAIL_TRY(internal::output_to(&out));
    rnp_op_encrypt_t raw = nullptr;
    SEALMAIL_RNP(rnp_op_encrypt_create(&raw, ffi, in.get(), o.get()), "encrypt");
    EncryptOp op(raw);
    for (const auto& r : recipients) {
      Key key = SEALMAIL_TRY(internal::locate(ffi, "fingerprint", r.info().fingerprint));
      SEALMAIL_RNP(rnp_op_encrypt_add_recipient(raw, key.get()), "add recipient");
    }
    if (password != nullptr) {
      if (password->empty()) return make_error(Errc::kInvalidArgument, "empty password");
      SEALMAIL_RNP(
          rnp_op_encrypt_add_password(raw, password->c_str(), kHash, s2k_iterations, kCipher),
          "add password");
    }
    if (!signer.empty()) {
      if (!keyring.can_sign_with(signer))
        return make_error(Errc::kNotFound, "signing key is not unlocked in this keyring");
      Key key = SEALMAIL_TRY(internal::locate(ffi, "fingerprint", std::string(signer)));
      SEALMAIL_RNP(rnp_op_encrypt_add_signature(raw, key.get(), nullptr), "add signer");
      SEALMAIL_RNP(rnp_op_encrypt_set_hash(raw, kHash), "signature hash");
    }
    SEALMAIL_RNP(rnp_op_encrypt_set_cipher(raw, kCipher), "cipher");
    SEALMAIL_RNP(rnp_op_encrypt_set_aead(raw, "None"), "aead off");  // gpg 2.2 reads no AEAD
    SEALMAIL_RNP(rnp_op_encrypt_set_compression(raw, "Uncompressed", 0), "compression");
    SEALMAIL_RNP(rnp_op_encrypt_set_armor(raw, false), "armor");
    SEALMAIL_RNP(rnp_op_encrypt_execute(raw), "encrypt");
  }
  EncryptedMessage message = SEALMAIL_TRY(split_binary(std::move(out)));
  for (auto& kp : message.key_packets) {
    for (const auto& r : recipients) {
      bool match = r.info().key_id == kp.key_id;
      for (const auto& sub : r.info().subkeys) match = match || sub.key_id == kp.key_id;
      if (match && !kp.key_id.empty()) kp.fingerprint = r.info().fingerprint;
    }
  }
  return message;
}

Result<Decrypted> run_decrypt(Keyring& keyring, std::span<const KeyPacket> key_packets,
                              std::string_view data_packet, const std::string* password) {
  SEALMAIL_RETURN_IF_ERROR(check_shape(key_packets, data_packet));
  rnp_ffi_t ffi = keyring.impl().ffi.get();
  std::vector<std::string_view> pieces;
  for (const auto& kp : key_packets) pieces.emplace_back(kp.bytes);
  pieces.push_back(data_packet);

  // ---- EFAIL-safe policy (decrypt_policy.h): RNP writes into `buffer`, which nobody outside
  // sees until release_decrypted() allowed it; on refusal it is wiped.
  std::string buffer;
  buffer.reserve(data_packet.size());
  Input in = SEALMAIL_TRY(internal::input_from_pieces(&pieces));
  Output out = SEALMAIL_TRY(internal::output_to(&buffer));
  rnp_op_verify_t raw = nullptr;
  SEALMAIL_RNP(rnp_op_verify_create(&raw, ffi, in.get(), out.get()), "decrypt");
  VerifyOp op(raw);
  // Signatures are judged by us (rule 3), so bad or unknown signatures must not stop RNP.
  SEALMAIL_RNP(rnp_op_verify_set_flags(raw, RNP_VERIFY_IGNORE_SIGS_ON_DECRYPT), "decrypt flags");
  SEALMAIL_RETURN_IF_ERROR(internal::provide_password(ffi, password));
  rnp_result_t rc = rnp_op_verify_execute(raw);
  (void)internal::provide_password(ffi, nullptr);
  char* mode = nullptr;
  bool integrity_valid = false;
  std::string mode_name = "none";
  if (rnp_op_verify_get_protection_info(raw, &mode, nullptr, &integrity_valid) == RNP_SUCCESS)
    mode_name = take(mode);
  Status verdict =
      release_decrypted(rc == RNP_SUCCESS, protection_from_rnp(mode_name), integrity_valid);
  if (!verdict.ok()) {
    op.reset();
    out.reset();
    internal::wipe(buffer);
    Error e = std::move(verdict).error();
    if (rc != RNP_SUCCESS) e.message += std::string(" (") + rnp_result_to_string(rc) + ")";
    return e;
  }
  auto signatures = collect_signatures(ffi, raw);
  if (!signatures.ok()) {
    internal::wipe(buffer);
    return std::move(signatures).error();
  }
  return Decrypted{Sensitive(std::move(buffer)), std::move(signatures).value()};
}

enum class SignKind { kInline, kCleartext, kDetached };

Result<std::string> run_sign(Keyring& keyring, std::string_view data, std::string_view signer,
                             SignKind kind, Armor armor) {
  if (!keyring.can_sign_with(signer))
    return make_error(Errc::kNotFound, "signing key is not unlocked in this keyring");
  rnp_ffi_t ffi = keyring.impl().ffi.get();
  Key key = SEALMAIL_TRY(internal::locate(ffi, "fingerprint", std::string(signer)));
  std::string result;
  result.reserve(kind == SignKind::kDetached ? 1024 : data.size() + data.size() / 2 + 1024);
  Input in = SEALMAIL_TRY(internal::input_from(data));
  Output out = SEALMAIL_TRY(internal::output_to(&result));
  rnp_op_sign_t raw = nullptr;
  switch (kind) {
    case SignKind::kInline:
      SEALMAIL_RNP(rnp_op_sign_create(&raw, ffi, in.get(), out.get()), "sign");
      break;
    case SignKind::kCleartext:
      SEALMAIL_RNP(rnp_op_sign_cleartext_create(&raw, ffi, in.get(), out.get()), "sign");
      break;
    case SignKind::kDetached:
      SEALMAIL_RNP(rnp_op_sign_detached_create(&raw, ffi, in.get(), out.get()), "sign");
      break;
  }
  SignOp op(raw);
  SEALMAIL_RNP(rnp_op_sign_add_signature(raw, key.get(), nullptr), "add signer");
  SEALMAIL_RNP(rnp_op_sign_set_hash(raw, kHash), "signature hash");
  if (kind == SignKind::kInline)
    SEALMAIL_RNP(rnp_op_sign_set_compression(raw, "Uncompressed", 0), "compression");
  if (kind != SignKind::kCleartext)
    SEALMAIL_RNP(rnp_op_sign_set_armor(raw, armor == Armor::kArmored), "armor");
  SEALMAIL_RNP(rnp_op_sign_execute(raw), "sign");
  op.reset();
  out.reset();
  return result;
}

// After a verify that failed, RNP still reports the signatures it saw; a failure with no
// signature at all means the input itself was bad.
bool signature_failure(rnp_result_t rc) {
  return rc == RNP_ERROR_SIGNATURE_INVALID || rc == RNP_ERROR_SIGNATURE_EXPIRED ||
         rc == RNP_ERROR_KEY_NOT_FOUND || rc == RNP_ERROR_VERIFICATION_FAILED ||
         rc == RNP_ERROR_SIGNATURE_UNKNOWN;
}

}  // namespace

std::string EncryptedMessage::concatenated() const {
  std::string out;
  size_t size = data_packet.size();
  for (const auto& kp : key_packets) size += kp.bytes.size();
  out.reserve(size);
  for (const auto& kp : key_packets) out += kp.bytes;
  out += data_packet;
  return out;
}

Result<EncryptedMessage> encrypt(Keyring& keyring, std::string_view plaintext,
                                 std::span<const PublicKey> recipients,
                                 std::string_view signer_fingerprint) {
  return run_encrypt(keyring, plaintext, recipients, nullptr, 0, signer_fingerprint);
}

Result<EncryptedMessage> encrypt_with_password(Keyring& keyring, std::string_view plaintext,
                                               std::string_view password,
                                               std::string_view signer_fingerprint,
                                               size_t s2k_iterations) {
  std::string pw(password);
  auto result = run_encrypt(keyring, plaintext, {}, &pw, s2k_iterations, signer_fingerprint);
  internal::wipe(pw);
  return result;
}

Result<EncryptedMessage> split_message(std::string_view message) {
  if (is_armored(message)) return split_binary(SEALMAIL_TRY(dearmor(message)));
  return split_binary(std::string(message));
}

bool Signature::signer_matches(std::string_view address) const {
  if (!valid) return false;
  std::string wanted = address_of_user_id(address);
  if (wanted.empty()) return false;
  return std::any_of(signer_user_ids.begin(), signer_user_ids.end(),
                     [&](const std::string& uid) { return address_of_user_id(uid) == wanted; });
}

bool Decrypted::verified_from(std::string_view from_address) const {
  return std::any_of(signatures.begin(), signatures.end(),
                     [&](const Signature& s) { return s.signer_matches(from_address); });
}

Result<std::string> EncryptedMessage::armored() const {
  std::string out;
  const std::string binary = concatenated();
  internal::Input in = SEALMAIL_TRY(internal::input_from(binary));
  internal::Output o = SEALMAIL_TRY(internal::output_to(&out));
  SEALMAIL_RNP(rnp_enarmor(in.get(), o.get(), "message"), "armor message");
  o.reset();
  return out;
}

Result<Decrypted> decrypt(Keyring& keyring, std::span<const KeyPacket> key_packets,
                          std::string_view data_packet) {
  return run_decrypt(keyring, key_packets, data_packet, nullptr);
}

Result<Decrypted> decrypt_with_password(Keyring& keyring, std::span<const KeyPacket> key_packets,
                                        std::string_view data_packet, std::string_view password) {
  std::string pw(password);
  auto result = run_decrypt(keyring, key_packets, data_packet, &pw);
  internal::wipe(pw);
  return result;
}

Result<std::string> sign_detached(Keyring& keyring, std::string_view data,
                                  std::string_view signer_fingerprint, Armor armor) {
  return run_sign(keyring, data, signer_fingerprint, SignKind::kDetached, armor);
}

Result<std::string> sign_inline(Keyring& keyring, std::string_view data,
                                std::string_view signer_fingerprint, Armor armor) {
  return run_sign(keyring, data, signer_fingerprint, SignKind::kInline, armor);
}

Result<std::string> sign_cleartext(Keyring& keyring, std::string_view text,
                                   std::string_view signer_fingerprint) {
  return run_sign(keyring, text, signer_fingerprint, SignKind::kCleartext, Armor::kArmored);
}

Result<std::vector<Signature>> verify_detached(Keyring& keyring, std::string_view data,
                                               std::string_view signature) {
  rnp_ffi_t ffi = keyring.impl().ffi.get();
  Input in = SEALMAIL_TRY(internal::input_from(data));
  Input sig = SEALMAIL_TRY(internal::input_from(signature));
  rnp_op_verify_t raw = nullptr;
  SEALMAIL_RNP(rnp_op_verify_detached_create(&raw, ffi, in.get(), sig.get()), "verify");
  VerifyOp op(raw);
  rnp_result_t rc = rnp_op_verify_execute(raw);
  if (rc != RNP_SUCCESS && !signature_failure(rc)) return internal::rnp_error(rc, "verify");
  return collect_signatures(ffi, raw);
}

Result<Verified> verify_inline(Keyring& keyring, std::string_view signed_message) {
  rnp_ffi_t ffi = keyring.impl().ffi.get();
  Verified result;
  Input in = SEALMAIL_TRY(internal::input_from(signed_message));
  Output out = SEALMAIL_TRY(internal::output_to(&result.content));
  rnp_op_verify_t raw = nullptr;
  SEALMAIL_RNP(rnp_op_verify_create(&raw, ffi, in.get(), out.get()), "verify");
  VerifyOp op(raw);
  rnp_result_t rc = rnp_op_verify_execute(raw);
  char* mode = nullptr;
  std::string mode_name = "none";
  if (rnp_op_verify_get_protection_info(raw, &mode, nullptr, nullptr) == RNP_SUCCESS)
    mode_name = take(mode);
  if (mode_name != "none") {
    // Encrypted input must go through decrypt() and its policy.
    op.reset();
    out.reset();
    internal::wipe(result.content);
    return make_error(Errc::kInvalidArgument, "message is encrypted; use decrypt");
  }
  if (rc != RNP_SUCCESS && !signature_failure(rc)) return internal::rnp_error(rc, "verify");
  result.signatures = SEALMAIL_TRY(collect_signatures(ffi, raw));
  return result;
}

}  // namespace sealmail::pgp
