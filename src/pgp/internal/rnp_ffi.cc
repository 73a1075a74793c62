#include "pgp/internal/rnp_ffi.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>

namespace sealmail::pgp::internal {

Error rnp_error(rnp_result_t rc, std::string_view context) {
  Errc code = Errc::kInternal;
  switch (rc) {
    case RNP_ERROR_BAD_FORMAT:
    case RNP_ERROR_UNKNOWN_TAG:
    case RNP_ERROR_NOT_ENOUGH_DATA:
    case RNP_ERROR_PACKET_NOT_CONSUMED:
    case RNP_ERROR_NO_USERID:
    case RNP_ERROR_EOF:
    case RNP_ERROR_BAD_PARAMETERS:
    case RNP_ERROR_SHORT_BUFFER:
      code = Errc::kInvalidArgument;
      break;
    case RNP_ERROR_BAD_PASSWORD:
    case RNP_ERROR_DECRYPT_FAILED:
    case RNP_ERROR_MAC_INVALID:
    case RNP_ERROR_SIGNATURE_INVALID:
    case RNP_ERROR_SIGNATURE_EXPIRED:
    case RNP_ERROR_VERIFICATION_FAILED:
    case RNP_ERROR_NO_SIGNATURES_FOUND:
      code = Errc::kPermissionDenied;
      break;
    case RNP_ERROR_KEY_NOT_FOUND:
    case RNP_ERROR_NO_SUITABLE_KEY:
      code = Errc::kNotFound;
      break;
    case RNP_ERROR_NOT_SUPPORTED:
    case RNP_ERROR_NOT_IMPLEMENTED:
    case RNP_ERROR_SIGNATURE_UNKNOWN:
      code = Errc::kUnsupported;
      break;
    case RNP_ERROR_ACCESS:
    case RNP_ERROR_READ:
    case RNP_ERROR_WRITE:
      code = Errc::kIo;
      break;
    case RNP_ERROR_OUT_OF_MEMORY:
      code = Errc::kLimitExceeded;
      break;
    default:
      break;
  }
  std::string message(context);
  message += ": ";
  message += rnp_result_to_string(rc);
  return make_error(code, std::move(message));
}

namespace {

bool refuse_password(rnp_ffi_t, void*, rnp_key_handle_t, const char*, char*, size_t) {
  return false;
}

// Only for SKESK decryption (no key): unlocked keys never need a password, and a locked key
// must not be unlocked implicitly with a message password.
bool give_password(rnp_ffi_t, void* ctx, rnp_key_handle_t key, const char*, char* buf, size_t len) {
  const auto* password = static_cast<const std::string*>(ctx);
  if (key != nullptr || password->size() + 1 > len) return false;
  std::memcpy(buf, password->c_str(), password->size() + 1);
  return true;
}

struct Pieces {
  const std::vector<std::string_view>* pieces;
  size_t index = 0;
  size_t offset = 0;
};

bool read_pieces(void* ctx, void* buf, size_t len, size_t* read) {
  auto* p = static_cast<Pieces*>(ctx);
  size_t done = 0;
  auto* out = static_cast<char*>(buf);
  while (done < len && p->index < p->pieces->size()) {
    std::string_view piece = (*p->pieces)[p->index];
    size_t n = std::min(len - done, piece.size() - p->offset);
    if (n > 0) std::memcpy(out + done, piece.data() + p->offset, n);
    done += n;
    p->offset += n;
    if (p->offset == piece.size()) {
      ++p->index;
      p->offset = 0;
    }
  }
  *read = done;
  return true;
}

void close_pieces(void* ctx) { delete static_cast<Pieces*>(ctx); }

bool write_string(void* ctx, const void* buf, size_t len) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), len);
  return true;
}

}  // namespace

Result<Ffi> make_ffi() {
  rnp_ffi_t raw = nullptr;
  SEALMAIL_RNP(rnp_ffi_create(&raw, "GPG", "GPG"), "create rnp context");
  Ffi ffi(raw);
  // RNP wraps the descriptor in a FILE it owns and closes with the ffi.
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::kIo, "open /dev/null for rnp log");
  if (rnp_result_t rc = rnp_ffi_set_log_fd(ffi.get(), fd); rc != RNP_SUCCESS) {
    ::close(fd);
    return rnp_error(rc, "redirect rnp log");
  }
  SEALMAIL_RNP(rnp_ffi_set_pass_provider(ffi.get(), refuse_password, nullptr),
               "set password provider");
  return ffi;
}

Status provide_password(rnp_ffi_t ffi, const std::string* password) {
  if (password == nullptr) {
    SEALMAIL_RNP(rnp_ffi_set_pass_provider(ffi, refuse_password, nullptr), "password provider");
  } else {
    SEALMAIL_RNP(rnp_ffi_set_pass_provider(ffi, give_password, const_cast<std::string*>(password)),
                 "password provider");
  }
  return ok_status();
}

Result<Input> input_from(std::string_view bytes) {
  static const uint8_t kEmpty = 0;
  rnp_input_t raw = nullptr;
  const auto* data = bytes.empty() ? &kEmpty : reinterpret_cast<const uint8_t*>(bytes.data());
  SEALMAIL_RNP(rnp_input_from_memory(&raw, data, bytes.size(), false), "open input");
  return Input(raw);
}

Result<Input> input_from_pieces(const std::vector<std::string_view>* pieces) {
  auto* ctx = new Pieces{pieces};
  rnp_input_t raw = nullptr;
  if (rnp_result_t rc = rnp_input_from_callback(&raw, read_pieces, close_pieces, ctx);
      rc != RNP_SUCCESS) {
    delete ctx;
    return rnp_error(rc, "open input");
  }
  return Input(raw);
}

Result<Output> output_to(std::string* sink) {
  rnp_output_t raw = nullptr;
  SEALMAIL_RNP(rnp_output_to_callback(&raw, write_string, nullptr, sink), "open output");
  return Output(raw);
}

void wipe(std::string& s) {
  s.resize(s.capacity());
  rnp_buffer_clear(s.data(), s.size());
  s.clear();
}

std::string take(char* rnp_string) {
  RnpString owned(rnp_string);
  return owned ? std::string(owned.get()) : std::string();
}

Result<Key> locate(rnp_ffi_t ffi, const char* type, const std::string& id) {
  rnp_key_handle_t raw = nullptr;
  SEALMAIL_RNP(rnp_locate_key(ffi, type, id.c_str(), &raw), "locate key");
  if (raw == nullptr) return make_error(Errc::kNotFound, "key not in keyring");
  return Key(raw);
}

}  // namespace sealmail::pgp::internal
