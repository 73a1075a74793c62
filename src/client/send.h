// send.h — sending from the client: the message is built, signed and encrypted here
// (design.md §4 "Client send"). Per recipient:
//  - internal — an address whose server (today: ours) publishes its key with a signed key
//    list: encrypted to it and signed. The message is encrypted ONCE, to every internal
//    recipient and to the sender (for the Sent copy): one data packet, and per recipient only
//    the key packets that open it (so Bcc recipients stay invisible to each other). The
//    summary (docs/formats/summary.md) is made here from the plaintext and encrypted the same
//    way;
//  - outside with a pinned contact key (contacts.h; preference not `never`): PGP/MIME,
//    encrypted to those recipients and the sender, signed (outside.h);
//  - outside without one: cleartext, signed, with an Autocrypt header — the only case where
//    the server sees plaintext (it seals it in the outbound queue). A contact whose preference
//    is `always` but who has no key refuses the whole message before anything is sent.
// To and Cc recipients outside share one message per kind; each Bcc recipient outside gets
// its own, so no one learns of them. Bcc addresses are never written into a message.
//
// SECURITY: keys of internal recipients come from the server's key directory and are used only
// when the key list beside them is signed by them (export_public_key); outside keys only as
// the user pinned them. Message text is content: never logged.
// Thread-safety: as Mailbox (one thread at a time).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "client/contacts.h"
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
  int64_t expires_at_ms = 0;  // 0 = never; else every copy on this server self-destructs then
  // The draft this message was written as (an id in Drafts): sending it, or saving it anew,
  // removes that draft in the same step. "" for none.
  std::string draft;
};

// One message handed to the outbound queue.
struct QueuedMessage {
  std::string id;  // the queue's job id
  std::vector<std::string> recipients;
  bool encrypted = false;  // PGP/MIME; else signed cleartext
};

struct SentMessage {
  std::string id;                     // the recipients' copies
  std::string sent_id;                // the sender's copy in Sent
  std::string message_id;             // the Message-ID header, without <>
  std::vector<std::string> internal;  // recipients reached end-to-end encrypted
  std::vector<QueuedMessage> queued;  // for recipients on other servers
};

Result<SentMessage> send(Mailbox& mailbox, const Contacts& contacts, const Outgoing& message);

// Drafts (Proton's and IMAP's Drafts folder): the message as written so far — recipients,
// Bcc included, subject, text, attachments, thread headers — built as RFC 5322 and encrypted
// to the author's own address key alone, signed; the server keeps it in Drafts. Recipients
// may be missing. Returns the new draft's id; message.draft, if set, is replaced.
Result<std::string> save_draft(Mailbox& mailbox, const Outgoing& message);
// A draft opened for editing or sending: everything save_draft() wrote, with `draft` set to
// `id`. kNotFound unless `id` is a message in Drafts.
Result<Outgoing> open_draft(Mailbox& mailbox, std::string_view id);

}  // namespace sealmail::client
