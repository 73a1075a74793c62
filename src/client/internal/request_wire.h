// request_wire.h — internal to src/client: the exact bytes HttpsClient writes for a request.
// Kept apart from the Beast transport so the serialisation is tested without a network.
//
// SECURITY: method, target and bearer come from our callers, not the network, but they end up
// in a header block: anything that could split it (CR, LF, NUL, spaces where none belong) is
// refused. The bearer and the body are secrets; errors never quote them.
//
// Standards: RFC 9112 §3 (request line), §3.2 (Host), §6.2 (Content-Length), RFC 6750 §2.1.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "client/https_client.h"

namespace sealmail::client::internal {

// "METHOD target HTTP/1.1\r\nHost: …\r\nUser-Agent: sealmail/…\r\n[…]\r\n" + body.
Result<std::string> serialize_request(const ServerAddress& server, std::string_view method,
                                      std::string_view target, std::string_view body,
                                      std::string_view bearer,
                                      std::string_view content_type = "application/json");

}  // namespace sealmail::client::internal
