// mail_commands.cc — `sealmail send`, `sealmail list` and `sealmail read`: the logged-in account's mail, decrypted
// here with keys unlocked by the (mailbox) password. The server only ever sends ciphertext.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "cli/commands.h"
#include "cli/logged_in.h"
#include "cli/secret_input.h"
#include "base/ascii.h"
#include "client/mailbox.h"
#include "client/send.h"
#include "mime/mime.h"
#include "mime/pgp_mime.h"

namespace sealmail::cli {
namespace {

using Json = nlohmann::json;

struct SendOptions {
  std::string address;
  std::string password_file;
  std::string from;
  std::vector<std::string> to, cc, bcc, attach;
  std::string subject;
  bool json = false;
};

struct MailOptions {
  std::string address;
  std::string password_file;
  std::string folder = "inbox";
  size_t limit = 50;
  size_t offset = 0;
  std::vector<std::string> ids;
  bool json = false;
  bool raw = false;
};

void add_common_options(CLI::App* cmd, MailOptions& o) {
  cmd->add_option("--address", o.address, "The logged-in account to use (default: the last)");
  cmd->add_option("--password-file", o.password_file,
                  "Read the password (the mailbox password in two-password mode) from a file");
}

Result<client::Mailbox> open_mailbox(Account& account, const MailOptions& o) {
  SecretReader reader;
  std::string password = SEALMAIL_TRY(reader.secret(o.password_file, "Password"));
  return client::Mailbox::open(*account.api, password);
}

std::string first_address(const std::vector<mime::Address>& list) {
  if (list.empty()) return "";
  const mime::Address& a = list.front();
  return a.name.empty() ? a.addr : fmt::format("{} <{}>", a.name, a.addr);
}

std::string joined_addresses(const std::vector<mime::Address>& list) {
  std::string out;
  for (const mime::Address& a : list) {
    if (!out.empty()) out += ", ";
    out += a.name.empty() ? a.addr : fmt::format("{} <{}>", a.name, a.addr);
  }
  return out;
}

// Control characters in text that came from a sender must not drive the terminal; CRLF line
// ends become the terminal's LF.
std::string printable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : static_cast<char>(c);
  }
  return out;
}

Json listing_json(const client::MessageListing& m) {
  Json out = mime::to_json(m.summary);
  out["id"] = m.id;
  out["folder"] = m.folder;
  out["address"] = m.address;
  out["size"] = m.size;
  out["received_ms"] = m.received_ms;
  return out;
}

Status list_command(const MailOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  client::Mailbox mailbox = SEALMAIL_TRY(open_mailbox(account, o));
  auto messages = SEALMAIL_TRY(mailbox.list(o.folder, o.limit, o.offset));
  if (o.json) {
    Json out = Json::array();
    for (const auto& m : messages) out.push_back(listing_json(m));
    std::cout << out.dump(2) << "\n";
    return ok_status();
  }
  if (messages.empty()) std::cout << "No messages in " << o.folder << ".\n";
  for (const auto& m : messages) {
    std::cout << printable(fmt::format("{}  {}  {:<30.30}  {}{}\n", m.id, utc_minute(m.received_ms),
                                       first_address(m.summary.from), m.summary.subject,
                                       m.summary.attachments.empty() ? "" : "  [attachments]"));
  }
  return ok_status();
}

// The message as a reader sees it: headers, the text parts, attachment names, and in words
// how it was protected. Parts the sender encrypted are decrypted here, each shown on its own.
Status show(client::Mailbox& mailbox, const client::OpenedMessage& opened) {
  const mime::Summary& s = opened.listing.summary;
  std::cout << printable(fmt::format("From: {}\nTo: {}\n", joined_addresses(s.from),
                                     joined_addresses(s.to)));
  if (!s.cc.empty()) std::cout << printable("Cc: " + joined_addresses(s.cc) + "\n");
  std::cout << printable(fmt::format("Date: {}\nSubject: {}\n", s.date_raw, s.subject));

  auto parsed = SEALMAIL_TRY(mime::parse(opened.raw.reveal()));
  std::vector<mime::DisplayPart> parts = mime::display_plan(parsed);
  bool sender_encrypted = false;
  std::vector<mime::DisplayPart> shown;
  for (mime::DisplayPart& part : parts) {
    if (part.origin != mime::DisplayPart::kEncrypted) {
      shown.push_back(std::move(part));
      continue;
    }
    sender_encrypted = true;
    auto plaintext = mailbox.decrypt(part.text);
    if (!plaintext.ok()) {
      shown.push_back(mime::DisplayPart{.origin = mime::DisplayPart::kPlaintext,
                                        .content_type = "text/plain",
                                        .text = "[an encrypted part that cannot be opened: " +
                                                plaintext.error().message + "]",
                                        .filename = {},
                                        .isolated = true,
                                        .encrypted_part_not_top_level = false});
      continue;
    }
    auto decrypted = SEALMAIL_TRY(mime::decrypted_display_parts(
        part, plaintext->plaintext.reveal(), part.content_type == "multipart/encrypted"));
    for (auto& d : decrypted) shown.push_back(std::move(d));
  }
  const std::string from = s.from.empty() ? "" : s.from.front().addr;
  if (opened.signed_by_sender) {
    std::cout << printable("Security: end-to-end encrypted; signed by " + from +
                           " (signature verified)\n");
  } else if (sender_encrypted) {
    std::cout << "Security: end-to-end encrypted by the sender (not signed by a key we know)\n";
  } else {
    std::cout << "Security: sent unencrypted over the Internet; encrypted for you on arrival\n";
  }
  std::cout << "\n";
  for (const mime::DisplayPart& part : shown) {
    if (!part.filename.empty() || (part.content_type != "text/plain" && !part.text.empty() &&
                                   part.content_type != "text/html")) {
      // The summary lists the message's own attachments below; those inside an encrypted
      // part are only known here.
      if (part.isolated) {
        std::cout << printable(fmt::format("[attachment: {} ({})]\n", part.filename,
                                           part.content_type));
      }
      continue;
    }
    std::string text =
        part.content_type == "text/html" ? mime::html_to_text(part.text) : part.text;
    if (part.isolated) std::cout << "----- encrypted part -----\n";
    std::cout << printable(text);
    if (!text.empty() && text.back() != '\n') std::cout << "\n";
    if (part.isolated) std::cout << "----- end of encrypted part -----\n";
  }
  for (const mime::Attachment& a : s.attachments) {
    std::cout << printable(fmt::format("[attachment: {} ({}, {} bytes)]\n", a.filename,
                                       a.content_type, a.size));
  }
  return ok_status();
}

Status read_command(const MailOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  client::Mailbox mailbox = SEALMAIL_TRY(open_mailbox(account, o));
  Json all = Json::array();
  for (size_t i = 0; i < o.ids.size(); ++i) {
    client::OpenedMessage opened = SEALMAIL_TRY(mailbox.read(o.ids[i]));
    if (o.json) {
      Json one = listing_json(opened.listing);
      one["raw_base64"] = base64_encode(opened.raw.reveal());
      one["signed_by_sender"] = opened.signed_by_sender;
      all.push_back(std::move(one));
    } else if (o.raw) {
      std::cout << opened.raw.reveal();
    } else {
      if (i > 0) std::cout << "\n";
      SEALMAIL_RETURN_IF_ERROR(show(mailbox, opened));
    }
  }
  if (o.json) std::cout << all.dump(2) << "\n";
  return ok_status();
}

std::string content_type_of(const std::filesystem::path& file) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".txt", "text/plain"},       {".pdf", "application/pdf"}, {".png", "image/png"},
      {".jpg", "image/jpeg"},       {".jpeg", "image/jpeg"},     {".zip", "application/zip"},
      {".html", "text/html"},       {".csv", "text/csv"},        {".json", "application/json"}};
  const std::string extension = ascii_lowercase(file.extension().string());
  for (const auto& [ext, type] : kTypes) {
    if (extension == ext) return std::string(type);
  }
  return "application/octet-stream";
}

Result<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(Errc::kNotFound, "cannot read " + file.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Status send_command(const SendOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  SecretReader reader;
  std::string password = SEALMAIL_TRY(reader.secret(o.password_file, "Password"));
  client::Mailbox mailbox = SEALMAIL_TRY(client::Mailbox::open(*account.api, password));
  client::Outgoing message;
  message.from = o.from;
  message.to = o.to;
  message.cc = o.cc;
  message.bcc = o.bcc;
  message.subject = o.subject;
  if (reader.interactive()) std::cerr << "Type the message; end with Ctrl-D.\n";
  std::ostringstream body;
  body << std::cin.rdbuf();
  message.text = body.str();
  for (const std::string& file : o.attach) {
    std::filesystem::path path(file);
    message.attachments.push_back(mime::AttachmentData{.filename = path.filename().string(),
                                                       .content_type = content_type_of(path),
                                                       .data = SEALMAIL_TRY(read_file(path))});
  }
  client::SentMessage sent = SEALMAIL_TRY(client::send(mailbox, message));
  if (o.json) {
    std::cout << Json{{"id", sent.id},
                      {"sent_id", sent.sent_id},
                      {"message_id", sent.message_id},
                      {"end_to_end", sent.internal}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "sent " << sent.sent_id << " to " << fmt::format("{}", fmt::join(sent.internal, ", "))
              << " (end-to-end encrypted and signed)\n";
  }
  return ok_status();
}

}  // namespace

void add_mail_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<MailOptions>();

  CLI::App* list = app.add_subcommand(
      "list", "List a folder's messages, newest first (asks for the password to decrypt them)");
  add_common_options(list, *o);
  list->add_option("--folder", o->folder, "inbox, drafts, sent, archive, spam or trash")
      ->check(CLI::IsMember({"inbox", "drafts", "sent", "archive", "spam", "trash"}));
  list->add_option("--limit", o->limit, "At most this many")->check(CLI::Range(1, 1000));
  list->add_option("--offset", o->offset, "Skip this many (the newest) first");
  list->add_flag("--json", o->json, "JSON: the decrypted summary of each message");
  list->callback([&exit_code, o] { run(exit_code, [o] { return list_command(*o); }); });

  auto s = std::make_shared<SendOptions>();
  CLI::App* send = app.add_subcommand(
      "send",
      "Send a message read from standard input (after the password line when there is no "
      "terminal and no --password-file); it is encrypted and signed here");
  send->add_option("--address", s->address, "The logged-in account to use (default: the last)");
  send->add_option("--password-file", s->password_file,
                   "Read the password (the mailbox password in two-password mode) from a file");
  send->add_option("--from", s->from, "Send from this address of yours (default: the primary)");
  send->add_option("--to", s->to, "A recipient (repeat for more)");
  send->add_option("--cc", s->cc, "A copy recipient (repeat for more)");
  send->add_option("--bcc", s->bcc, "A hidden recipient (repeat for more)");
  send->add_option("--subject", s->subject, "The subject");
  send->add_option("--attach", s->attach, "Attach this file (repeat for more)");
  send->add_flag("--json", s->json, "JSON: the ids of the message");
  send->callback([&exit_code, s] { run(exit_code, [s] { return send_command(*s); }); });

  CLI::App* read = app.add_subcommand("read", "Decrypt and show messages");
  add_common_options(read, *o);
  read->add_option("ids", o->ids, "Message ids from `sealmail list`")->required();
  read->add_flag("--raw", o->raw, "Print the message exactly as it was received");
  read->add_flag("--json", o->json,
                 "JSON: each message's summary and the received message in raw_base64");
  read->callback([&exit_code, o] { run(exit_code, [o] { return read_command(*o); }); });
}

}  // namespace sealmail::cli
