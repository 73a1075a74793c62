#include "net/internal/openssl_error.h"

#include <openssl/err.h>

namespace sealmail::net::internal {

std::string drain_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

Error openssl_error(Errc code, std::string_view what) {
  std::string reasons = drain_openssl_errors();
  std::string message(what);
  if (!reasons.empty()) message += ": " + reasons;
  return make_error(code, std::move(message));
}

}  // namespace sealmail::net::internal
