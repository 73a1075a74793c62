// outside.h — composing mail for addresses on other servers, on the client, before it is
// handed to the server's outbound queue (design.md §4 "Client send"):
//  - to recipients with a known key (a pinned contact key): PGP/MIME (RFC 3156), the body
//    entity signed by the sender and encrypted to the recipients and to the sender; the outer
//    Subject is "..." so the real one travels only inside;
//  - to recipients without one: cleartext multipart/signed (RFC 3156 §5) with an Autocrypt
//    header (Level 1) offering the sender's key, so their client can answer encrypted.
//
// SECURITY: the sender's secret key signs (unlocked in the Mailbox's keyring); message bytes
// are content — never logged.
// Standards: RFC 3156, RFC 5322, Autocrypt Level 1.
// Thread-safety: functions; the Keyring is used by one thread at a time.
#pragma once

#include <span>
#include <string>

#include "base/result.h"
#include "mime/build.h"
#include "pgp/key.h"

namespace sealmail::client {

// `recipients` are the keys to encrypt to; the sender's key is added so the sender can read
// its own copy.
Result<std::string> compose_pgp_mime(pgp::Keyring& keyring, const mime::Envelope& envelope,
                                     const mime::Content& content,
                                     std::span<const pgp::PublicKey> recipients,
                                     const pgp::PublicKey& sender);

Result<std::string> compose_signed(pgp::Keyring& keyring, mime::Envelope envelope,
                                   const mime::Content& content, const pgp::PublicKey& sender);

}  // namespace sealmail::client
