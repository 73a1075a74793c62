#include "pgp/key.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "base/ascii.h"
#include "pgp/internal/keyring_impl.h"
#include "pgp/internal/rnp_ffi.h"

namespace sealmail::pgp {

using internal::Ffi;
using internal::Key;
using internal::take;

namespace internal {

namespace {

bool allows(rnp_key_handle_t key, const char* usage) {
  bool result = false;
  return rnp_key_allows_usage(key, usage, &result) == RNP_SUCCESS && result;
}

bool flag(rnp_result_t (*query)(rnp_key_handle_t, bool*), rnp_key_handle_t key) {
  bool result = false;
  return query(key, &result) == RNP_SUCCESS && result;
}

struct Common {
  std::string fingerprint, key_id, algorithm;
  int64_t created = 0, expires = 0;
  bool revoked = false, valid = false;
};

Result<Common> common(rnp_key_handle_t key) {
  Common c;
  char* s = nullptr;
  SEALMAIL_RNP(rnp_key_get_fprint(key, &s), "key fingerprint");
  c.fingerprint = take(s);
  SEALMAIL_RNP(rnp_key_get_keyid(key, &s), "key id");
  c.key_id = take(s);
  SEALMAIL_RNP(rnp_key_get_alg(key, &s), "key algorithm");
  c.algorithm = take(s);
  uint32_t created = 0, expiration = 0;
  SEALMAIL_RNP(rnp_key_get_creation(key, &created), "key creation");
  SEALMAIL_RNP(rnp_key_get_expiration(key, &expiration), "key expiration");
  c.created = created;
  c.expires = expiration == 0 ? 0 : int64_t{created} + expiration;
  c.revoked = flag(rnp_key_is_revoked, key);
  c.valid = flag(rnp_key_is_valid, key);
  return c;
}

}  // namespace

Result<KeyInfo> key_info(rnp_key_handle_t primary) {
  KeyInfo info;
  Common c = SEALMAIL_TRY(common(primary));
  info.fingerprint = c.fingerprint;
  info.key_id = c.key_id;
  info.algorithm = c.algorithm;
  info.created = c.created;
  info.expires = c.expires;
  info.revoked = c.revoked;
  info.valid = c.valid;
  info.can_sign = allows(primary, "sign");
  info.can_certify = allows(primary, "certify");
  info.can_encrypt = allows(primary, "encrypt");
  size_t uids = 0;
  SEALMAIL_RNP(rnp_key_get_uid_count(primary, &uids), "user id count");
  for (size_t i = 0; i < uids; ++i) {
    char* s = nullptr;
    SEALMAIL_RNP(rnp_key_get_uid_at(primary, i, &s), "user id");
    info.user_ids.push_back(take(s));
  }
  size_t subs = 0;
  SEALMAIL_RNP(rnp_key_get_subkey_count(primary, &subs), "subkey count");
  for (size_t i = 0; i < subs; ++i) {
    rnp_key_handle_t raw = nullptr;
    SEALMAIL_RNP(rnp_key_get_subkey_at(primary, i, &raw), "subkey");
    Key sub(raw);
    Common sc = SEALMAIL_TRY(common(sub.get()));
    SubkeyInfo si{sc.fingerprint,
                  sc.key_id,
                  sc.algorithm,
                  allows(sub.get(), "encrypt"),
                  allows(sub.get(), "sign"),
                  sc.created,
                  sc.expires,
                  sc.revoked};
    bool usable = sc.valid && !sc.revoked;
    info.can_encrypt = info.can_encrypt || (usable && si.can_encrypt);
    info.can_sign = info.can_sign || (usable && si.can_sign);
    info.subkeys.push_back(std::move(si));
  }
  return info;
}

}  // namespace internal

namespace {

constexpr const char* kProtectCipher = "AES256";
constexpr const char* kProtectHash = "SHA256";

// Loads exactly one primary key (with subkeys) from `bytes` into a fresh ffi.
struct Loaded {
  Ffi ffi;
  Key primary;
};

Result<Loaded> load_one(std::string_view bytes, uint32_t what) {
  Ffi ffi = SEALMAIL_TRY(internal::make_ffi());
  internal::Input in = SEALMAIL_TRY(internal::input_from(bytes));
  SEALMAIL_RNP(rnp_import_keys(ffi.get(), in.get(), what, nullptr), "import key");
  rnp_identifier_iterator_t it = nullptr;
  SEALMAIL_RNP(rnp_identifier_iterator_create(ffi.get(), &it, "fingerprint"), "list keys");
  std::vector<std::string> primaries;
  const char* id = nullptr;
  while (rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS && id != nullptr) {
    auto key = internal::locate(ffi.get(), "fingerprint", id);
    if (key.ok() && [&] {
          bool p = false;
          return rnp_key_is_primary(key->get(), &p) == RNP_SUCCESS && p;
        }()) {
      primaries.emplace_back(id);
    }
  }
  rnp_identifier_iterator_destroy(it);
  if (primaries.size() != 1)
    return make_error(Errc::kInvalidArgument, "expected exactly one primary key, found " +
                                                  std::to_string(primaries.size()));
  Key primary = SEALMAIL_TRY(internal::locate(ffi.get(), "fingerprint", primaries[0]));
  return Loaded{std::move(ffi), std::move(primary)};
}

Result<std::string> export_key(rnp_key_handle_t primary, uint32_t flags) {
  std::string out;
  {
    internal::Output o = SEALMAIL_TRY(internal::output_to(&out));
    SEALMAIL_RNP(rnp_key_export(primary, o.get(), flags | RNP_KEY_EXPORT_SUBKEYS), "export key");
  }
  return out;
}

Result<std::string> enarmor(const std::string& binary, const char* type) {
  std::string out;
  internal::Input in = SEALMAIL_TRY(internal::input_from(binary));
  internal::Output o = SEALMAIL_TRY(internal::output_to(&out));
  SEALMAIL_RNP(rnp_enarmor(in.get(), o.get(), type), "armor key");
  o.reset();
  return out;
}

// Calls f(handle) for the primary key and each of its subkeys.
template <typename F>
Status for_each_key(rnp_key_handle_t primary, F f) {
  SEALMAIL_RETURN_IF_ERROR(f(primary));
  size_t subs = 0;
  SEALMAIL_RNP(rnp_key_get_subkey_count(primary, &subs), "subkey count");
  for (size_t i = 0; i < subs; ++i) {
    rnp_key_handle_t raw = nullptr;
    SEALMAIL_RNP(rnp_key_get_subkey_at(primary, i, &raw), "subkey");
    Key sub(raw);
    SEALMAIL_RETURN_IF_ERROR(f(sub.get()));
  }
  return ok_status();
}

Status protect_all(rnp_key_handle_t primary, std::string_view passphrase, size_t iterations) {
  if (passphrase.empty()) return make_error(Errc::kInvalidArgument, "empty passphrase");
  std::string pass(passphrase);
  Status s = for_each_key(primary, [&](rnp_key_handle_t k) -> Status {
    SEALMAIL_RNP(
        rnp_key_protect(k, pass.c_str(), kProtectCipher, nullptr, kProtectHash, iterations),
        "protect key");
    return ok_status();
  });
  internal::wipe(pass);
  return s;
}

Status require_protected(rnp_key_handle_t primary) {
  return for_each_key(primary, [](rnp_key_handle_t k) -> Status {
    bool secret = false, prot = false;
    SEALMAIL_RNP(rnp_key_have_secret(k, &secret), "secret key check");
    if (!secret) return make_error(Errc::kInvalidArgument, "secret key material missing");
    SEALMAIL_RNP(rnp_key_is_protected(k, &prot), "protection check");
    if (!prot) return make_error(Errc::kInvalidArgument, "secret key is not passphrase-protected");
    return ok_status();
  });
}

}  // namespace

struct LockedKeyAccess {
  static LockedKey make(std::string binary, KeyInfo info) {
    return LockedKey(std::move(binary), std::move(info));
  }
};

// ---- PublicKey

Result<PublicKey> PublicKey::parse(std::string_view bytes) {
  Loaded l = SEALMAIL_TRY(load_one(bytes, RNP_LOAD_SAVE_PUBLIC_KEYS));
  KeyInfo info = SEALMAIL_TRY(internal::key_info(l.primary.get()));
  std::string binary = SEALMAIL_TRY(export_key(l.primary.get(), RNP_KEY_EXPORT_PUBLIC));
  return PublicKey(std::move(binary), std::move(info));
}

Result<std::string> PublicKey::armored() const { return enarmor(binary_, "public key"); }

// ---- LockedKey

Result<LockedKey> LockedKey::parse(std::string_view bytes) {
  Loaded l = SEALMAIL_TRY(load_one(bytes, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS));
  SEALMAIL_RETURN_IF_ERROR(require_protected(l.primary.get()));
  KeyInfo info = SEALMAIL_TRY(internal::key_info(l.primary.get()));
  std::string binary = SEALMAIL_TRY(export_key(l.primary.get(), RNP_KEY_EXPORT_SECRET));
  return LockedKey(std::move(binary), std::move(info));
}

Result<LockedKey> LockedKey::lock_unprotected(std::string_view bytes, std::string_view passphrase,
                                              size_t s2k_iterations) {
  Loaded l = SEALMAIL_TRY(load_one(bytes, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS));
  SEALMAIL_RETURN_IF_ERROR(protect_all(l.primary.get(), passphrase, s2k_iterations));
  KeyInfo info = SEALMAIL_TRY(internal::key_info(l.primary.get()));
  std::string binary = SEALMAIL_TRY(export_key(l.primary.get(), RNP_KEY_EXPORT_SECRET));
  return LockedKey(std::move(binary), std::move(info));
}

Result<std::string> LockedKey::armored() const { return enarmor(binary_, "secret key"); }

Result<PublicKey> LockedKey::public_key() const {
  Loaded l = SEALMAIL_TRY(load_one(binary_, RNP_LOAD_SAVE_PUBLIC_KEYS));
  std::string binary = SEALMAIL_TRY(export_key(l.primary.get(), RNP_KEY_EXPORT_PUBLIC));
  return PublicKey::parse(binary);
}

Result<LockedKey> LockedKey::with_passphrase(std::string_view old_passphrase,
                                             std::string_view new_passphrase,
                                             size_t s2k_iterations) const {
  Loaded l = SEALMAIL_TRY(load_one(binary_, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS));
  std::string old_pass(old_passphrase);
  Status unlocked = for_each_key(l.primary.get(), [&](rnp_key_handle_t k) -> Status {
    SEALMAIL_RNP(rnp_key_unlock(k, old_pass.c_str()), "unlock key");
    return ok_status();
  });
  internal::wipe(old_pass);
  SEALMAIL_RETURN_IF_ERROR(unlocked);
  SEALMAIL_RETURN_IF_ERROR(protect_all(l.primary.get(), new_passphrase, s2k_iterations));
  std::string binary = SEALMAIL_TRY(export_key(l.primary.get(), RNP_KEY_EXPORT_SECRET));
  return LockedKey(std::move(binary), info_);
}

// ---- generation

Result<GeneratedKey> generate_key(const KeySpec& spec) {
  if (spec.passphrase.empty()) return make_error(Errc::kInvalidArgument, "empty passphrase");
  if (spec.address.empty()) return make_error(Errc::kInvalidArgument, "empty address");
  std::string uid =
      spec.name.empty() ? "<" + spec.address + ">" : spec.name + " <" + spec.address + ">";
  bool rsa = spec.algorithm != KeyAlgorithm::kCurve25519;
  uint32_t bits = spec.algorithm == KeyAlgorithm::kRsa4096 ? 4096 : 3072;

  Ffi ffi = SEALMAIL_TRY(internal::make_ffi());
  rnp_op_generate_t op = nullptr;
  SEALMAIL_RNP(rnp_op_generate_create(&op, ffi.get(), rsa ? "RSA" : "EDDSA"), "generate key");
  std::unique_ptr<rnp_op_generate_st, decltype(&rnp_op_generate_destroy)> primary_op(
      op, rnp_op_generate_destroy);
  if (rsa) SEALMAIL_RNP(rnp_op_generate_set_bits(op, bits), "key size");
  SEALMAIL_RNP(rnp_op_generate_set_userid(op, uid.c_str()), "user id");
  // RNP would otherwise make the key expire in two years.
  SEALMAIL_RNP(rnp_op_generate_set_expiration(op, spec.expires_in_seconds), "key expiration");
  SEALMAIL_RNP(rnp_op_generate_add_usage(op, "sign"), "key usage");
  SEALMAIL_RNP(rnp_op_generate_add_usage(op, "certify"), "key usage");
  SEALMAIL_RNP(rnp_op_generate_execute(op), "generate primary key");
  rnp_key_handle_t raw = nullptr;
  SEALMAIL_RNP(rnp_op_generate_get_key(op, &raw), "generated key");
  Key primary(raw);

  SEALMAIL_RNP(rnp_op_generate_subkey_create(&op, ffi.get(), primary.get(), rsa ? "RSA" : "ECDH"),
               "generate subkey");
  std::unique_ptr<rnp_op_generate_st, decltype(&rnp_op_generate_destroy)> sub_op(
      op, rnp_op_generate_destroy);
  if (rsa) {
    SEALMAIL_RNP(rnp_op_generate_set_bits(op, bits), "subkey size");
  } else {
    SEALMAIL_RNP(rnp_op_generate_set_curve(op, "Curve25519"), "subkey curve");
  }
  SEALMAIL_RNP(rnp_op_generate_set_expiration(op, spec.expires_in_seconds), "subkey expiration");
  SEALMAIL_RNP(rnp_op_generate_add_usage(op, "encrypt"), "subkey usage");
  SEALMAIL_RNP(rnp_op_generate_execute(op), "generate subkey");

  std::string pub = SEALMAIL_TRY(export_key(primary.get(), RNP_KEY_EXPORT_PUBLIC));
  SEALMAIL_RETURN_IF_ERROR(protect_all(primary.get(), spec.passphrase, spec.s2k_iterations));
  KeyInfo info = SEALMAIL_TRY(internal::key_info(primary.get()));
  std::string sec = SEALMAIL_TRY(export_key(primary.get(), RNP_KEY_EXPORT_SECRET));
  PublicKey public_key = SEALMAIL_TRY(PublicKey::parse(pub));
  return GeneratedKey{std::move(public_key),
                      LockedKeyAccess::make(std::move(sec), std::move(info))};
}

// ---- Keyring

Keyring::Keyring(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Keyring::Keyring(Keyring&&) noexcept = default;
Keyring& Keyring::operator=(Keyring&&) noexcept = default;
Keyring::~Keyring() = default;  // rnp_ffi_destroy wipes unlocked secret material

Result<Keyring> Keyring::create() {
  auto impl = std::make_unique<Impl>();
  impl->ffi = SEALMAIL_TRY(internal::make_ffi());
  return Keyring(std::move(impl));
}

Status Keyring::add(const PublicKey& key) {
  if (impl_->public_fingerprints.count(key.info().fingerprint) != 0) return ok_status();
  internal::Input in = SEALMAIL_TRY(internal::input_from(key.binary()));
  SEALMAIL_RNP(rnp_import_keys(impl_->ffi.get(), in.get(), RNP_LOAD_SAVE_PUBLIC_KEYS, nullptr),
               "import public key");
  impl_->public_fingerprints.insert(key.info().fingerprint);
  return ok_status();
}

Status Keyring::unlock(const LockedKey& key, std::string_view passphrase) {
  internal::Input in = SEALMAIL_TRY(internal::input_from(key.binary()));
  SEALMAIL_RNP(rnp_import_keys(impl_->ffi.get(), in.get(),
                               RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, nullptr),
               "import secret key");
  Key primary =
      SEALMAIL_TRY(internal::locate(impl_->ffi.get(), "fingerprint", key.info().fingerprint));
  std::string pass(passphrase);
  Status s = for_each_key(primary.get(), [&](rnp_key_handle_t k) -> Status {
    SEALMAIL_RNP(rnp_key_unlock(k, pass.c_str()), "unlock key");
    return ok_status();
  });
  internal::wipe(pass);
  if (!s.ok()) {
    // Leave nothing half-unlocked behind.
    (void)for_each_key(primary.get(), [](rnp_key_handle_t k) -> Status {
      rnp_key_lock(k);
      return ok_status();
    });
    return s;
  }
  impl_->unlocked_fingerprints.insert(key.info().fingerprint);
  impl_->public_fingerprints.insert(key.info().fingerprint);
  return ok_status();
}

void Keyring::lock_all() {
  for (const auto& fpr : impl_->unlocked_fingerprints) {
    auto primary = internal::locate(impl_->ffi.get(), "fingerprint", fpr);
    if (!primary.ok()) continue;
    (void)for_each_key(primary->get(), [](rnp_key_handle_t k) -> Status {
      rnp_key_lock(k);
      return ok_status();
    });
  }
  impl_->unlocked_fingerprints.clear();
}

bool Keyring::contains(std::string_view fingerprint) const {
  return impl_->public_fingerprints.count(fingerprint) != 0;
}

bool Keyring::can_sign_with(std::string_view fingerprint) const {
  return impl_->unlocked_fingerprints.count(fingerprint) != 0;
}

std::string address_of_user_id(std::string_view uid) {
  std::string_view addr = uid;
  size_t open = uid.rfind('<');
  if (open != std::string_view::npos) {
    size_t close = uid.find('>', open);
    if (close == std::string_view::npos) return "";
    addr = uid.substr(open + 1, close - open - 1);
  }
  while (!addr.empty() && std::isspace(static_cast<unsigned char>(addr.front())))
    addr.remove_prefix(1);
  while (!addr.empty() && std::isspace(static_cast<unsigned char>(addr.back())))
    addr.remove_suffix(1);
  if (addr.find('@') == std::string_view::npos) return "";
  return ascii_lowercase(addr);
}

}  // namespace sealmail::pgp
