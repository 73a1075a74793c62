// send.h — sending from the client: the message is built, signed and encrypted here, and the
// server receives ciphertext only (design.md §4 "Client send").
//
// Per recipient: an address whose server (today: ours) publishes its key with a signed key
// list is *internal* — the message is encrypted to it and signed. The message is encrypted
// ONCE, to every internal recipient and to the sender (for the Sent copy): one data packet,
// and per recipient only the key packets that open it (so Bcc recipients stay invisible to
// each other). The summary (docs/formats/summary.md) is made here from the plaintext and
// encrypted the same way. Bcc addresses are not written into the message.
// Addresses outside this server need the outbound queue, which is not built yet: such a
// message is refused (kUnsupported) before anything is sent.
//
// SECURITY: keys of recipients come from the server's key directory and are used only when
// the key list beside them is signed by them (export_public_key); message text is content:
// never logged.
// Thread-safety: as Mailbox (one thread at a time).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "client/mailbox.h"
#include "mime/build.h"

namespace sealmail::client {

struct Outgoing {
  std::string from;  // one of the account's addresses; empty: the primary one
  std::vector<std::string> to, cc, bcc;
  std::string subject;
  std::string text;  // UTF-8 body, LF or CRLF line ends
  std::vector<mime::AttachmentData> attachments;
  std::string in_reply_to;              // without <>
  std::vector<std::string> references;  // without <>
};

struct SentMessage {
  std::string id;       // the recipients' copies
  std::string sent_id;  // the sender's copy in Sent
  std::string message_id;  // the Message-ID header, without <>
  std::vector<std::string> internal;  // recipients reached end-to-end encrypted
};

Result<SentMessage> send(Mailbox& mailbox, const Outgoing& message);

}  // namespace sealmail::client
