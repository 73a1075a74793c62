// rewrap.cc — add_recipient: recover a message's session key from a PKESK we can open (Cv25519
// ECDH per RFC 6637 §8, or RSA) and wrap it again for another key, without touching the data
// packet.
// librnp 0.16 has no session-key API, so this is done with Botan on key material exported
// unprotected into wiped memory. Internal to src/pgp; API in message.h.
//
// SECURITY: reads stored key packets and keys (untrusted framing, strictly bounds-checked);
// handles secret scalars and session keys in Botan secure_vectors (wiped on release).
#include <botan/auto_rng.h>
#include <botan/curve25519.h>
#include <botan/hash.h>
#include <botan/pubkey.h>
#include <botan/rfc3394.h>
#include <botan/rsa.h>

#include <cstring>
#include <optional>

#include "base/hex.h"
#include "pgp/internal/packets.h"
#include "pgp/internal/rnp_ffi.h"
#include "pgp/message.h"

namespace sealmail::pgp {

namespace {

using Bytes = Botan::secure_vector<uint8_t>;

constexpr int kAlgEcdh = 18;
constexpr int kAlgRsa = 1;         // RSA encrypt or sign
constexpr int kAlgRsaEncrypt = 2;  // RSA encrypt-only
const uint8_t kCv25519Oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01};

Error bad(const char* what) { return make_error(Errc::kInvalidArgument, what); }

// A cursor over a packet body that never reads past its end.
struct Reader {
  std::string_view data;
  size_t pos = 0;
  bool take(size_t n, std::string_view* out) {
    if (data.size() - pos < n) return false;
    *out = data.substr(pos, n);
    pos += n;
    return true;
  }
  bool byte(uint8_t* out) {
    std::string_view b;
    if (!take(1, &b)) return false;
    *out = static_cast<uint8_t>(b[0]);
    return true;
  }
  bool mpi(std::string_view* out) {
    std::string_view len;
    if (!take(2, &len)) return false;
    size_t bits = (size_t{static_cast<uint8_t>(len[0])} << 8) | static_cast<uint8_t>(len[1]);
    return take((bits + 7) / 8, out);
  }
};

struct Subkey {
  int algo = kAlgEcdh;      // kAlgEcdh or kAlgRsa
  Botan::BigInt n, e;       // RSA public
  Botan::BigInt d, p, q;    // RSA secret (BigInt wipes its storage on destruction)
  std::string fingerprint;  // 20 raw bytes (v4)
  std::string key_id;       // upper-case hex
  uint8_t point[32];        // native X25519 public
  uint8_t kdf_hash = 0, kdf_cipher = 0;
  Bytes secret;  // native X25519 scalar; empty for public keys
};

Botan::BigInt big(std::string_view mpi) {
  return Botan::BigInt(reinterpret_cast<const uint8_t*>(mpi.data()), mpi.size());
}

void set_fingerprint(Subkey& key, std::string_view public_part) {
  auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
  uint8_t prefix[3] = {0x99, static_cast<uint8_t>(public_part.size() >> 8),
                       static_cast<uint8_t>(public_part.size())};
  sha1->update(prefix, 3);
  sha1->update(reinterpret_cast<const uint8_t*>(public_part.data()), public_part.size());
  auto fpr = sha1->final();
  key.fingerprint.assign(fpr.begin(), fpr.end());
  key.key_id = hex_encode(std::string_view(key.fingerprint).substr(12, 8), HexCase::kUpper);
}

// The rest of an RSA key packet body after version, time and algorithm.
Result<std::optional<Subkey>> parse_rsa(std::string_view body, Reader& r, bool secret) {
  std::string_view n, e;
  if (!r.mpi(&n) || !r.mpi(&e)) return bad("bad RSA key");
  Subkey key;
  key.algo = kAlgRsa;
  key.n = big(n);
  key.e = big(e);
  set_fingerprint(key, body.substr(0, r.pos));
  if (secret) {
    uint8_t usage = 0;
    std::string_view d, p, q, u;
    if (!r.byte(&usage) || usage != 0 || !r.mpi(&d) || !r.mpi(&p) || !r.mpi(&q) || !r.mpi(&u))
      return bad("secret key is not exported unprotected");
    key.d = big(d);
    key.p = big(p);
    key.q = big(q);
  }
  return std::optional<Subkey>(std::move(key));
}

// Parses a v4 Cv25519 ECDH or RSA (sub)key packet body; nullopt for other algorithms.
Result<std::optional<Subkey>> parse_subkey(std::string_view body, bool secret) {
  Reader r{body};
  uint8_t version = 0, algo = 0, oid_len = 0;
  std::string_view skip, oid, point, kdf;
  if (!r.byte(&version) || version != 4) return std::optional<Subkey>();
  if (!r.take(4, &skip) || !r.byte(&algo)) return bad("truncated key packet");
  if (algo == kAlgRsa || algo == kAlgRsaEncrypt) return parse_rsa(body, r, secret);
  if (algo != kAlgEcdh) return std::optional<Subkey>();
  if (!r.byte(&oid_len) || !r.take(oid_len, &oid) || !r.mpi(&point)) return bad("bad ECDH key");
  if (oid != std::string_view(reinterpret_cast<const char*>(kCv25519Oid), sizeof kCv25519Oid))
    return std::optional<Subkey>();
  uint8_t kdf_len = 0;
  if (!r.byte(&kdf_len) || kdf_len != 3 || !r.take(3, &kdf) || kdf[0] != 1)
    return bad("bad ECDH KDF parameters");
  if (point.size() != 33 || static_cast<uint8_t>(point[0]) != 0x40) return bad("bad Cv25519 point");
  Subkey key;
  key.kdf_hash = static_cast<uint8_t>(kdf[1]);
  key.kdf_cipher = static_cast<uint8_t>(kdf[2]);
  std::memcpy(key.point, point.data() + 1, 32);
  set_fingerprint(key, body.substr(0, r.pos));
  if (secret) {
    uint8_t usage = 0;
    std::string_view scalar;
    if (!r.byte(&usage) || usage != 0 || !r.mpi(&scalar) || scalar.size() > 32)
      return bad("secret key is not exported unprotected");
    // OpenPGP stores the Cv25519 scalar big-endian; X25519 wants it little-endian.
    key.secret.assign(32, 0);
    for (size_t i = 0; i < scalar.size(); ++i)
      key.secret[i] = static_cast<uint8_t>(scalar[scalar.size() - 1 - i]);
  }
  return std::optional<Subkey>(std::move(key));
}

Result<std::vector<Subkey>> subkeys_of(std::string_view transferable, bool secret) {
  std::vector<Subkey> keys;
  auto spans = SEALMAIL_TRY(internal::split_packets(transferable));
  int tag = secret ? 7 : 14;
  for (const auto& s : spans) {
    if (s.tag != tag) continue;
    std::string_view body = transferable.substr(s.body_offset, s.offset + s.size - s.body_offset);
    auto key = SEALMAIL_TRY(parse_subkey(body, secret));
    if (key) keys.push_back(std::move(*key));
  }
  return keys;
}

Result<Bytes> kek(const Subkey& recipient, const uint8_t shared[32]) {
  const char* hash = recipient.kdf_hash == 8    ? "SHA-256"
                     : recipient.kdf_hash == 9  ? "SHA-384"
                     : recipient.kdf_hash == 10 ? "SHA-512"
                                                : nullptr;
  size_t key_len = recipient.kdf_cipher == 7   ? 16
                   : recipient.kdf_cipher == 8 ? 24
                   : recipient.kdf_cipher == 9 ? 32
                                               : 0;
  if (hash == nullptr || key_len == 0) return make_error(Errc::kUnsupported, "ECDH KDF params");
  auto h = Botan::HashFunction::create_or_throw(hash);
  const uint8_t counter[4] = {0, 0, 0, 1};
  h->update(counter, 4);
  h->update(shared, 32);
  h->update(static_cast<uint8_t>(sizeof kCv25519Oid));
  h->update(kCv25519Oid, sizeof kCv25519Oid);
  h->update(static_cast<uint8_t>(kAlgEcdh));
  const uint8_t params[4] = {3, 1, recipient.kdf_hash, recipient.kdf_cipher};
  h->update(params, 4);
  h->update("Anonymous Sender    ");
  h->update(reinterpret_cast<const uint8_t*>(recipient.fingerprint.data()), 20);
  Bytes out = h->final();
  if (out.size() < key_len) return make_error(Errc::kInternal, "KDF output too short");
  out.resize(key_len);
  return out;
}

// Exports `opener` with its secret material unprotected, into memory wiped on return.
Result<std::vector<Subkey>> opener_keys(const LockedKey& opener, std::string_view passphrase) {
  auto ffi = SEALMAIL_TRY(internal::make_ffi());
  auto in = SEALMAIL_TRY(internal::input_from(opener.binary()));
  SEALMAIL_RNP(rnp_import_keys(ffi.get(), in.get(),
                               RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, nullptr),
               "import key");
  auto primary =
      SEALMAIL_TRY(internal::locate(ffi.get(), "fingerprint", opener.info().fingerprint));
  std::string pass(passphrase);
  Status unprotected = ok_status();
  for (const auto& sub : opener.info().subkeys) {
    auto key = internal::locate(ffi.get(), "fingerprint", sub.fingerprint);
    if (!key.ok()) continue;
    if (rnp_result_t rc = rnp_key_unprotect(key->get(), pass.c_str()); rc != RNP_SUCCESS)
      unprotected = internal::rnp_error(rc, "unlock key");
  }
  internal::wipe(pass);
  SEALMAIL_RETURN_IF_ERROR(unprotected);
  std::string exported;
  exported.reserve(64 * 1024);  // no reallocation that would leave secret copies behind
  Status st = [&]() -> Status {
    auto out = SEALMAIL_TRY(internal::output_to(&exported));
    SEALMAIL_RNP(
        rnp_key_export(primary.get(), out.get(), RNP_KEY_EXPORT_SECRET | RNP_KEY_EXPORT_SUBKEYS),
        "export key");
    return ok_status();
  }();
  auto keys = st.ok() ? subkeys_of(exported, true) : Result<std::vector<Subkey>>(st.error());
  internal::wipe(exported);
  return keys;
}

}  // namespace

namespace {

// cipher-algo ‖ session key ‖ checksum, after checking the checksum.
Result<Bytes> checked_session(Bytes session) {
  if (session.size() < 1 + 16 + 2) return make_error(Errc::kCorruption, "session key length");
  size_t key_len = session.size() - 3;
  uint16_t sum = 0;
  for (size_t i = 1; i <= key_len; ++i) sum = static_cast<uint16_t>(sum + session[i]);
  if (session[1 + key_len] != (sum >> 8) || session[2 + key_len] != (sum & 0xff))
    return make_error(Errc::kCorruption, "session key checksum");
  return session;
}

// Opens one PKESK body with `k`; nullopt when it is not for k or does not open.
Result<std::optional<Bytes>> open_pkesk(std::string_view body, const Subkey& k,
                                        Botan::RandomNumberGenerator& rng) {
  Reader r{body};
  uint8_t version = 0, algo = 0;
  std::string_view key_id;
  if (!r.byte(&version) || version != 3 || !r.take(8, &key_id) || !r.byte(&algo))
    return bad("malformed PKESK");
  const std::string wanted = hex_encode(key_id, HexCase::kUpper);
  if (wanted != k.key_id && wanted != "0000000000000000") return std::optional<Bytes>();
  if (algo == kAlgEcdh && k.algo == kAlgEcdh) {
    uint8_t wrapped_len = 0;
    std::string_view point, wrapped;
    if (!r.mpi(&point) || point.size() != 33 || static_cast<uint8_t>(point[0]) != 0x40 ||
        !r.byte(&wrapped_len) || !r.take(wrapped_len, &wrapped) || r.pos != body.size())
      return bad("malformed ECDH PKESK");
    uint8_t shared[32];
    Botan::curve25519_donna(shared, k.secret.data(),
                            reinterpret_cast<const uint8_t*>(point.data()) + 1);
    Bytes key = SEALMAIL_TRY(kek(k, shared));
    Botan::secure_scrub_memory(shared, sizeof shared);
    Bytes padded;
    try {
      padded =
          Botan::rfc3394_keyunwrap(Bytes(wrapped.begin(), wrapped.end()), Botan::SymmetricKey(key));
    } catch (const std::exception&) {
      return std::optional<Bytes>();  // not ours after all (wildcard) or corrupt
    }
    uint8_t pad = padded.empty() ? 0 : padded.back();
    if (pad == 0 || pad > 8 || pad >= padded.size()) return make_error(Errc::kCorruption, "pad");
    for (size_t i = padded.size() - pad; i < padded.size(); ++i)
      if (padded[i] != pad) return make_error(Errc::kCorruption, "pad");
    padded.resize(padded.size() - pad);
    return std::optional<Bytes>(SEALMAIL_TRY(checked_session(std::move(padded))));
  }
  if ((algo == kAlgRsa || algo == kAlgRsaEncrypt) && k.algo == kAlgRsa) {
    std::string_view m;
    if (!r.mpi(&m) || r.pos != body.size()) return bad("malformed RSA PKESK");
    Botan::RSA_PrivateKey priv(k.p, k.q, k.e, k.d, k.n);
    Botan::PK_Decryptor_EME dec(priv, rng, "PKCS1v15");
    Bytes session;
    try {
      // Left-pad the MPI to the modulus size, as EME expects.
      Bytes c(k.n.bytes() > m.size() ? k.n.bytes() - m.size() : 0, 0);
      c.insert(c.end(), m.begin(), m.end());
      session = dec.decrypt(c);
    } catch (const std::exception&) {
      return std::optional<Bytes>();
    }
    return std::optional<Bytes>(SEALMAIL_TRY(checked_session(std::move(session))));
  }
  return std::optional<Bytes>();
}

void append_mpi(std::string& out, const uint8_t* data, size_t size) {
  while (size > 0 && *data == 0) {
    ++data;
    --size;
  }
  size_t bits = size == 0 ? 0 : (size - 1) * 8 + (32 - __builtin_clz(*data));
  out += static_cast<char>(bits >> 8);
  out += static_cast<char>(bits & 0xff);
  out.append(reinterpret_cast<const char*>(data), size);
}

// PKESK v3 body for `target` carrying `session` (cipher-algo ‖ key ‖ checksum).
Result<std::string> wrap_for(const Subkey& target, const Bytes& session,
                             Botan::RandomNumberGenerator& rng) {
  std::string body;
  body += '\x03';
  for (size_t i = 0; i < 8; ++i)
    body += static_cast<char>(std::stoi(target.key_id.substr(2 * i, 2), nullptr, 16));
  if (target.algo == kAlgEcdh) {
    Bytes padded = session;
    uint8_t pad = static_cast<uint8_t>(8 - padded.size() % 8);
    padded.insert(padded.end(), pad, pad);
    Bytes ephemeral = rng.random_vec(32);
    uint8_t ephemeral_public[32], shared[32];
    Botan::curve25519_basepoint(ephemeral_public, ephemeral.data());
    Botan::curve25519_donna(shared, ephemeral.data(), target.point);
    Bytes key = SEALMAIL_TRY(kek(target, shared));
    Botan::secure_scrub_memory(shared, sizeof shared);
    Bytes wrapped = Botan::rfc3394_keywrap(padded, Botan::SymmetricKey(key));
    body += static_cast<char>(kAlgEcdh);
    body += '\x01';  // MPI of 263 bits: 0x40 ‖ 32-byte point
    body += '\x07';
    body += '\x40';
    body.append(reinterpret_cast<const char*>(ephemeral_public), 32);
    body += static_cast<char>(wrapped.size());
    body.append(reinterpret_cast<const char*>(wrapped.data()), wrapped.size());
  } else {
    Botan::RSA_PublicKey pub(target.n, target.e);
    Botan::PK_Encryptor_EME enc(pub, rng, "PKCS1v15");
    auto c = enc.encrypt(session, rng);
    body += static_cast<char>(kAlgRsa);
    append_mpi(body, c.data(), c.size());
  }
  return body;
}

}  // namespace

Result<KeyPacket> add_recipient(const LockedKey& opener, std::string_view passphrase,
                                std::span<const KeyPacket> key_packets,
                                const PublicKey& new_recipient) {
  try {
    auto mine = SEALMAIL_TRY(opener_keys(opener, passphrase));
    if (mine.empty()) return make_error(Errc::kUnsupported, "opener has no Cv25519/RSA subkey");
    auto theirs = SEALMAIL_TRY(subkeys_of(new_recipient.binary(), false));
    const Subkey* target = nullptr;
    for (const auto& k : theirs)
      for (const auto& sub : new_recipient.info().subkeys)
        if (sub.key_id == k.key_id && sub.can_encrypt && !sub.revoked) target = &k;
    if (target == nullptr)
      return make_error(Errc::kUnsupported, "new recipient has no Cv25519/RSA encryption subkey");

    Botan::AutoSeeded_RNG rng;
    std::optional<Bytes> session;
    for (const auto& kp : key_packets) {
      if (kp.kind != KeyPacket::Kind::kPublicKey) continue;
      auto spans = SEALMAIL_TRY(internal::split_packets(kp.bytes));
      if (spans.size() != 1 || spans[0].tag != internal::kTagPkesk) return bad("bad key packet");
      std::string_view body = std::string_view(kp.bytes).substr(spans[0].body_offset);
      for (const auto& k : mine) {
        session = SEALMAIL_TRY(open_pkesk(body, k, rng));
        if (session) break;
      }
      if (session) break;
    }
    if (!session) return make_error(Errc::kPermissionDenied, "no key packet opens with this key");

    std::string body = SEALMAIL_TRY(wrap_for(*target, *session, rng));
    KeyPacket packet;
    packet.kind = KeyPacket::Kind::kPublicKey;
    packet.key_id = target->key_id;
    packet.fingerprint = new_recipient.info().fingerprint;
    packet.bytes += '\xc1';  // new format, tag 1
    if (body.size() < 192) {
      packet.bytes += static_cast<char>(body.size());
    } else if (body.size() < 8384) {
      size_t v = body.size() - 192;
      packet.bytes += static_cast<char>((v >> 8) + 192);
      packet.bytes += static_cast<char>(v & 0xff);
    } else {
      return make_error(Errc::kInternal, "PKESK too large");
    }
    packet.bytes += body;
    return packet;
  } catch (const std::exception& e) {
    return make_error(Errc::kInternal, std::string("add recipient: ") + e.what());
  }
}

}  // namespace sealmail::pgp
