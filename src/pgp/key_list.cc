#include "pgp/key_list.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "pgp/message.h"

namespace sealmail::pgp {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxFingerprints = 32;

Error refused() { return make_error(Errc::kPermissionDenied, "the key list is not validly signed"); }
Error malformed() { return make_error(Errc::kInvalidArgument, "the key list is malformed"); }

}  // namespace

Result<std::string> sign_key_list(Keyring& keyring, const KeyList& list,
                                  std::string_view signer_fingerprint) {
  Json data{{"version", 1},
            {"address", ascii_lowercase(list.address)},
            {"fingerprints", list.fingerprints},
            {"created_ms", list.created_ms}};
  std::string text = data.dump();
  std::string signature =
      SEALMAIL_TRY(sign_detached(keyring, text, signer_fingerprint, Armor::kArmored));
  return Json{{"data", text}, {"signature", signature}}.dump();
}

Result<KeyList> verify_key_list(std::string_view document, const PublicKey& signer,
                                std::string_view address) {
  Json doc = Json::parse(document, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("data") ||
      !doc.contains("signature") || !doc["data"].is_string() || !doc["signature"].is_string()) {
    return malformed();
  }
  const std::string& text = doc["data"].get_ref<const std::string&>();
  Json data = Json::parse(text, nullptr, false);
  if (data.is_discarded() || !data.is_object() || data.value("version", 0) != 1 ||
      !data.contains("address") || !data["address"].is_string() ||
      !data.contains("fingerprints") || !data["fingerprints"].is_array() ||
      data["fingerprints"].size() > kMaxFingerprints || !data.contains("created_ms") ||
      !data["created_ms"].is_number_integer()) {
    return malformed();
  }
  KeyList list;
  list.address = data["address"].get<std::string>();
  list.created_ms = data["created_ms"].get<int64_t>();
  for (const Json& f : data["fingerprints"]) {
    if (!f.is_string()) return malformed();
    list.fingerprints.push_back(f.get<std::string>());
  }

  Keyring keyring = SEALMAIL_TRY(Keyring::create());
  SEALMAIL_RETURN_IF_ERROR(keyring.add(signer));
  auto signatures = verify_detached(keyring, text, doc["signature"].get<std::string>());
  if (!signatures.ok()) return refused();
  const std::string& fingerprint = signer.info().fingerprint;
  bool signed_by_signer = std::any_of(signatures->begin(), signatures->end(), [&](const auto& s) {
    return s.valid && s.signer_fingerprint == fingerprint;
  });
  bool names_signer = std::find(list.fingerprints.begin(), list.fingerprints.end(),
                                fingerprint) != list.fingerprints.end();
  if (!signed_by_signer || !names_signer ||
      ascii_lowercase(list.address) != ascii_lowercase(address)) {
    return refused();
  }
  return list;
}

}  // namespace sealmail::pgp
