// mail_commands.cc — `sealmail send`, `list` and `read`: the logged-in account's mail, decrypted
// here with keys unlocked by the (mailbox) password; the server only ever sends ciphertext. And
// organising it — `move`, `flag`, `delete`, `folders`, `labels` — which needs no password:
// folder and label names and flags are what the server keeps in the clear.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/duration.h"
#include "cli/commands.h"
#include "cli/logged_in.h"
#include "cli/secret_input.h"
#include "client/contacts.h"
#include "client/home.h"
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
  std::string expires;         // a duration: "7d", "12h"
  std::string reply, forward;  // message ids
  std::string draft;           // send: the draft to send; draft: the draft to edit
  std::string text_file;       // draft: the text from this file ("-": standard input)
  bool json = false;
};

struct MailOptions {
  std::string address;
  std::string password_file;
  std::string folder = "inbox";
  std::string label;
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
  out["flags"] = m.flags;
  out["labels"] = m.labels;
  out["expires_ms"] = m.expires_ms;
  return out;
}

Status list_command(const MailOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  client::Mailbox mailbox = SEALMAIL_TRY(open_mailbox(account, o));
  auto messages = SEALMAIL_TRY(o.label.empty() ? mailbox.list(o.folder, o.limit, o.offset)
                                               : mailbox.list_label(o.label, o.limit, o.offset));
  if (o.json) {
    Json out = Json::array();
    for (const auto& m : messages) out.push_back(listing_json(m));
    std::cout << out.dump(2) << "\n";
    return ok_status();
  }
  if (messages.empty()) {
    std::cout << "No messages " << (o.label.empty() ? "in " + o.folder : "labelled " + o.label)
              << ".\n";
  }
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
  std::cout << printable(
      fmt::format("From: {}\nTo: {}\n", joined_addresses(s.from), joined_addresses(s.to)));
  if (!s.cc.empty()) std::cout << printable("Cc: " + joined_addresses(s.cc) + "\n");
  if (!s.bcc.empty()) std::cout << printable("Bcc: " + joined_addresses(s.bcc) + "\n");
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
      shown.push_back(mime::DisplayPart{
          .origin = mime::DisplayPart::kPlaintext,
          .content_type = "text/plain",
          .text = "[an encrypted part that cannot be opened: " + plaintext.error().message + "]",
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
        std::cout << printable(
            fmt::format("[attachment: {} ({})]\n", part.filename, part.content_type));
      }
      continue;
    }
    std::string text = part.content_type == "text/html" ? mime::html_to_text(part.text) : part.text;
    if (part.isolated) std::cout << "----- encrypted part -----\n";
    std::cout << printable(text);
    if (!text.empty() && text.back() != '\n') std::cout << "\n";
    if (part.isolated) std::cout << "----- end of encrypted part -----\n";
  }
  for (const mime::Attachment& a : s.attachments) {
    std::cout << printable(
        fmt::format("[attachment: {} ({}, {} bytes)]\n", a.filename, a.content_type, a.size));
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
      {".txt", "text/plain"}, {".pdf", "application/pdf"}, {".png", "image/png"},
      {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},     {".zip", "application/zip"},
      {".html", "text/html"}, {".csv", "text/csv"},        {".json", "application/json"}};
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

// "Re: " or "Fwd: " before `subject` unless it is there already (any case).
std::string prefixed(std::string_view prefix, const std::string& subject) {
  if (ascii_lowercase(subject.substr(0, prefix.size())) == ascii_lowercase(prefix)) return subject;
  return std::string(prefix) + subject;
}

// --reply ID / --forward ID: the thread's In-Reply-To and References, the subject, and for a
// reply the recipient; a forward carries the original as a message/rfc822 attachment.
Status answer(client::Mailbox& mailbox, const SendOptions& o, client::Outgoing& message) {
  if (o.reply.empty() && o.forward.empty()) return ok_status();
  if (!o.reply.empty() && !o.forward.empty()) {
    return make_error(Errc::kInvalidArgument, "--reply and --forward exclude each other");
  }
  const bool reply = !o.reply.empty();
  client::OpenedMessage original = SEALMAIL_TRY(mailbox.read(reply ? o.reply : o.forward));
  const mime::Summary& s = original.listing.summary;
  message.references = s.references;
  if (!s.message_id.empty()) message.references.push_back(s.message_id);
  if (reply) {
    message.in_reply_to = s.message_id;
    if (message.subject.empty()) message.subject = prefixed("Re: ", s.subject);
    if (message.to.empty() && message.cc.empty() && message.bcc.empty() && !s.from.empty()) {
      message.to.push_back(s.from.front().addr);
    }
  } else {
    if (message.subject.empty()) message.subject = prefixed("Fwd: ", s.subject);
    message.attachments.push_back(mime::AttachmentData{.filename = "forwarded.eml",
                                                       .content_type = "message/rfc822",
                                                       .data = std::string(original.raw.reveal())});
  }
  return ok_status();
}

// The text a message is written with: standard input, or with --text, that file ("-": standard
// input too).
Result<std::string> message_text(const SecretReader& reader, const std::string& file) {
  if (!file.empty() && file != "-") return read_file(file);
  if (reader.interactive()) std::cerr << "Type the message; end with Ctrl-D.\n";
  std::ostringstream body;
  body << std::cin.rdbuf();
  return body.str();
}

// What the options say of a message being written: recipients, subject and the like replace
// what `message` had (when given), --attach adds to its attachments.
Status apply_options(const SendOptions& o, client::Outgoing& message) {
  if (!o.from.empty()) message.from = o.from;
  if (!o.to.empty()) message.to = o.to;
  if (!o.cc.empty()) message.cc = o.cc;
  if (!o.bcc.empty()) message.bcc = o.bcc;
  if (!o.subject.empty()) message.subject = o.subject;
  for (const std::string& file : o.attach) {
    std::filesystem::path path(file);
    message.attachments.push_back(mime::AttachmentData{.filename = path.filename().string(),
                                                       .content_type = content_type_of(path),
                                                       .data = SEALMAIL_TRY(read_file(path))});
  }
  if (!o.expires.empty()) {
    auto after = parse_duration(o.expires);
    if (!after.ok() || after->count() <= 0) {
      return make_error(Errc::kInvalidArgument, "--expires takes a duration such as 7d or 12h");
    }
    message.expires_at_ms = unix_time_ms() + after->count();
  }
  return ok_status();
}

Status draft_command(const SendOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  SecretReader reader;
  std::string password = SEALMAIL_TRY(reader.secret(o.password_file, "Password"));
  client::Mailbox mailbox = SEALMAIL_TRY(client::Mailbox::open(*account.api, password));
  client::Outgoing message;
  if (!o.draft.empty()) {
    message = SEALMAIL_TRY(client::open_draft(mailbox, o.draft));
    if (!o.text_file.empty()) message.text = SEALMAIL_TRY(message_text(reader, o.text_file));
  } else {
    message.text = SEALMAIL_TRY(message_text(reader, o.text_file));
  }
  SEALMAIL_RETURN_IF_ERROR(apply_options(o, message));
  SEALMAIL_RETURN_IF_ERROR(answer(mailbox, o, message));
  std::string id = SEALMAIL_TRY(client::save_draft(mailbox, message));
  if (o.json) {
    std::cout << Json{{"id", id}, {"replaced", o.draft}}.dump(2) << "\n";
  } else {
    std::cout << "saved draft " << id << " (encrypted; `sealmail send --draft " << id
              << "` sends it)\n";
  }
  return ok_status();
}

Status send_command(const SendOptions& o) {
  if (!o.draft.empty() &&
      (!o.to.empty() || !o.cc.empty() || !o.bcc.empty() || !o.subject.empty() ||
       !o.attach.empty() || !o.from.empty() || !o.reply.empty() || !o.forward.empty())) {
    return make_error(Errc::kInvalidArgument,
                      "--draft sends the draft as saved: change it first with `sealmail draft "
                      "--edit " +
                          o.draft + "`");
  }
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  SecretReader reader;
  std::string password = SEALMAIL_TRY(reader.secret(o.password_file, "Password"));
  client::Mailbox mailbox = SEALMAIL_TRY(client::Mailbox::open(*account.api, password));
  client::Outgoing message;
  if (!o.draft.empty()) {
    message = SEALMAIL_TRY(client::open_draft(mailbox, o.draft));
  } else {
    message.text = SEALMAIL_TRY(message_text(reader, {}));
  }
  SEALMAIL_RETURN_IF_ERROR(apply_options(o, message));
  SEALMAIL_RETURN_IF_ERROR(answer(mailbox, o, message));
  client::Contacts contacts(SEALMAIL_TRY(client::client_home()));
  client::SentMessage sent = SEALMAIL_TRY(client::send(mailbox, contacts, message));
  if (o.json) {
    Json queued = Json::array();
    for (const client::QueuedMessage& q : sent.queued) {
      queued.push_back({{"id", q.id},
                        {"recipients", q.recipients},
                        {"encryption", q.encrypted ? "pgp" : "none"}});
    }
    std::cout << Json{{"id", sent.id},
                      {"sent_id", sent.sent_id},
                      {"message_id", sent.message_id},
                      {"end_to_end", sent.internal},
                      {"queued", queued}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "sent " << sent.sent_id << " (a copy is in Sent)\n";
    if (!sent.internal.empty()) {
      std::cout << "  to " << fmt::format("{}", fmt::join(sent.internal, ", "))
                << ": delivered, end-to-end encrypted and signed\n";
    }
    for (const client::QueuedMessage& q : sent.queued) {
      std::cout << "  to " << fmt::format("{}", fmt::join(q.recipients, ", ")) << ": queued as "
                << q.id << ", "
                << (q.encrypted ? "encrypted (PGP/MIME) and signed"
                                : "NOT encrypted (no key known), signed")
                << "\n";
    }
  }
  return ok_status();
}

// ---- Organising: move, flag, delete, folders, labels (no password: nothing is decrypted) ----

struct OrganiseOptions {
  std::string address;
  std::vector<std::string> args;  // message ids, and for move the folder last
  bool seen = false, unseen = false, flagged = false, unflagged = false;
  bool now = false;
  bool remove = false;
  std::string name, id, parent, color;
  bool json = false;
};

void print_changed(const OrganiseOptions& o, int64_t changed, const std::string& what) {
  if (o.json) {
    std::cout << Json{{"changed", changed}}.dump() << "\n";
  } else {
    std::cout << what << "\n";
  }
}

Status move_command(const OrganiseOptions& o) {
  std::vector<std::string> ids(o.args.begin(), o.args.end() - 1);
  const std::string& folder = o.args.back();
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  int64_t changed = SEALMAIL_TRY(client::move_messages(*account.api, ids, folder));
  print_changed(o, changed, fmt::format("moved {} message(s) to {}", changed, folder));
  return ok_status();
}

Status label_command(const OrganiseOptions& o) {
  std::vector<std::string> ids(o.args.begin(), o.args.end() - 1);
  const std::string& label = o.args.back();
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  int64_t changed = SEALMAIL_TRY(o.remove ? client::remove_label(*account.api, ids, label)
                                          : client::add_label(*account.api, ids, label));
  print_changed(o, changed,
                fmt::format("{} {} message(s)", o.remove ? "unlabelled" : "labelled", changed));
  return ok_status();
}

Status flag_command(const OrganiseOptions& o) {
  int64_t set = (o.seen ? client::kFlagSeen : 0) | (o.flagged ? client::kFlagFlagged : 0);
  int64_t clear = (o.unseen ? client::kFlagSeen : 0) | (o.unflagged ? client::kFlagFlagged : 0);
  if (set == 0 && clear == 0) {
    return make_error(Errc::kInvalidArgument, "say --seen, --unseen, --flagged or --unflagged");
  }
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  int64_t changed = SEALMAIL_TRY(client::set_flags(*account.api, o.args, set, clear));
  print_changed(o, changed, fmt::format("changed {} message(s)", changed));
  return ok_status();
}

// Into trash; what is already in trash (or spam), or everything with --now, is deleted for
// good.
Status delete_command(const OrganiseOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  auto states = SEALMAIL_TRY(client::message_states(*account.api, o.args));
  for (const std::string& id : o.args) {
    bool found = false;
    for (const auto& state : states) found = found || state.id == id;
    if (!found) return make_error(Errc::kNotFound, "no message " + id);
  }
  std::vector<std::string> to_trash, for_good;
  for (const auto& state : states) {
    const bool thrown_away = state.folder == "trash" || state.folder == "spam";
    (o.now || thrown_away ? for_good : to_trash).push_back(state.id);
  }
  int64_t moved = 0, deleted = 0;
  if (!to_trash.empty())
    moved = SEALMAIL_TRY(client::move_messages(*account.api, to_trash, "trash"));
  if (!for_good.empty()) deleted = SEALMAIL_TRY(client::delete_messages(*account.api, for_good));
  if (o.json) {
    std::cout << Json{{"moved_to_trash", moved}, {"deleted", deleted}}.dump() << "\n";
  } else {
    std::cout << fmt::format("moved {} message(s) to trash, deleted {} for good\n", moved, deleted);
  }
  return ok_status();
}

Status empty_command(const OrganiseOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  int64_t changed = SEALMAIL_TRY(client::empty_folder(*account.api, o.id));
  print_changed(o, changed, fmt::format("deleted {} message(s) for good", changed));
  return ok_status();
}

Json counts_json(const client::Counts& counts) {
  return {{"total", counts.total}, {"unread", counts.unread}};
}

Status folders_list(const OrganiseOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  auto folders = SEALMAIL_TRY(client::list_folders(*account.api));
  if (o.json) {
    Json out = Json::array();
    for (const auto& f : folders) {
      out.push_back({{"id", f.id},
                     {"parent", f.parent},
                     {"name", f.name},
                     {"system", f.system},
                     {"counts", counts_json(f.counts)}});
    }
    std::cout << out.dump(2) << "\n";
    return ok_status();
  }
  // User folders indented under their parent (the server lists them depth-first).
  for (const auto& f : folders) {
    size_t depth = 0;
    for (std::string parent = f.parent; !parent.empty() && depth < 16; ++depth) {
      std::string next;
      for (const auto& p : folders) {
        if (p.id == parent) next = p.parent;
      }
      parent = next;
    }
    std::cout << printable(fmt::format("{:<16}  {:>6} {:>6}  {}{}\n", f.id, f.counts.total,
                                       f.counts.unread, std::string(2 * depth, ' '), f.name));
  }
  return ok_status();
}

Status labels_list(const OrganiseOptions& o) {
  Account account = SEALMAIL_TRY(logged_in_as(o.address));
  auto labels = SEALMAIL_TRY(client::list_labels(*account.api));
  if (o.json) {
    Json out = Json::array();
    for (const auto& l : labels) {
      out.push_back(
          {{"id", l.id}, {"name", l.name}, {"color", l.color}, {"counts", counts_json(l.counts)}});
    }
    std::cout << out.dump(2) << "\n";
    return ok_status();
  }
  if (labels.empty()) std::cout << "No labels.\n";
  for (const auto& l : labels) {
    std::cout << printable(fmt::format("{:<16}  {:>6} {:>6}  {}{}\n", l.id, l.counts.total,
                                       l.counts.unread, l.name,
                                       l.color.empty() ? "" : "  (" + l.color + ")"));
  }
  return ok_status();
}

void print_created(const OrganiseOptions& o, const std::string& what, const std::string& id) {
  if (o.json) {
    std::cout << Json{{"id", id}}.dump() << "\n";
  } else {
    std::cout << printable(fmt::format("created {} {} ({})\n", what, o.name, id));
  }
}

// The options of writing a message, shared by `send` and `draft`.
void add_writing_options(CLI::App* cmd, SendOptions& o) {
  cmd->add_option("--address", o.address, "The logged-in account to use (default: the last)");
  cmd->add_option("--password-file", o.password_file,
                  "Read the password (the mailbox password in two-password mode) from a file");
  cmd->add_option("--from", o.from, "Send from this address of yours (default: the primary)");
  cmd->add_option("--to", o.to, "A recipient (repeat for more)");
  cmd->add_option("--cc", o.cc, "A copy recipient (repeat for more)");
  cmd->add_option("--bcc", o.bcc, "A hidden recipient (repeat for more)");
  cmd->add_option("--subject", o.subject, "The subject");
  cmd->add_option("--attach", o.attach, "Attach this file (repeat for more)");
  cmd->add_option("--reply", o.reply,
                  "Answer this message: its sender by default, Re: subject, same thread");
  cmd->add_option("--forward", o.forward, "Forward this message as an attachment");
}

void add_organise_options(CLI::App* cmd, OrganiseOptions& o, bool json) {
  cmd->add_option("--address", o.address, "The logged-in account to use (default: the last)");
  if (json) cmd->add_flag("--json", o.json, "JSON output");
}

void add_folder_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<OrganiseOptions>();
  CLI::App* folders = app.add_subcommand(
      "folders", "List (the default), create, rename or delete folders; names are not encrypted");
  folders->require_subcommand(0, 1);
  add_organise_options(folders, *o, true);
  CLI::App* list =
      folders->add_subcommand("list", "List folders with their total and unread counts");
  add_organise_options(list, *o, true);
  list->callback([&exit_code, o] { run(exit_code, [o] { return folders_list(*o); }); });
  folders->callback([&exit_code, o, folders] {
    if (folders->get_subcommands().empty()) {
      run(exit_code, [o] { return folders_list(*o); });
    }
  });

  CLI::App* create = folders->add_subcommand("create", "Create a folder");
  add_organise_options(create, *o, true);
  create->add_option("name", o->name, "Its name")->required();
  create->add_option("--parent", o->parent, "Inside this folder (an id)");
  create->callback([&exit_code, o] {
    run(exit_code, [o]() -> Status {
      Account account = SEALMAIL_TRY(logged_in_as(o->address));
      std::string id = SEALMAIL_TRY(client::create_folder(*account.api, o->name, o->parent));
      print_created(*o, "folder", id);
      return ok_status();
    });
  });

  CLI::App* rename = folders->add_subcommand("rename", "Rename a folder");
  add_organise_options(rename, *o, false);
  rename->add_option("id", o->id, "The folder's id")->required();
  rename->add_option("name", o->name, "Its new name")->required();
  rename->callback([&exit_code, o] {
    run(exit_code, [o]() -> Status {
      Account account = SEALMAIL_TRY(logged_in_as(o->address));
      SEALMAIL_RETURN_IF_ERROR(client::rename_folder(*account.api, o->id, o->name));
      std::cout << printable("renamed " + o->id + " to " + o->name + "\n");
      return ok_status();
    });
  });

  CLI::App* remove = folders->add_subcommand(
      "delete", "Delete a folder and its subfolders; their messages move to archive");
  add_organise_options(remove, *o, true);
  remove->add_option("id", o->id, "The folder's id")->required();
  remove->callback([&exit_code, o] {
    run(exit_code, [o]() -> Status {
      Account account = SEALMAIL_TRY(logged_in_as(o->address));
      int64_t moved = SEALMAIL_TRY(client::delete_folder(*account.api, o->id));
      if (o->json) {
        std::cout << Json{{"moved_to_archive", moved}}.dump() << "\n";
      } else {
        std::cout << fmt::format("deleted {}; {} message(s) moved to archive\n", o->id, moved);
      }
      return ok_status();
    });
  });

  CLI::App* empty =
      folders->add_subcommand("empty", "Delete every message in trash or spam for good");
  add_organise_options(empty, *o, true);
  empty->add_option("folder", o->id, "trash or spam")
      ->required()
      ->check(CLI::IsMember({"trash", "spam"}));
  empty->callback([&exit_code, o] { run(exit_code, [o] { return empty_command(*o); }); });
}

void add_label_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<OrganiseOptions>();
  CLI::App* labels = app.add_subcommand(
      "labels", "List (the default), create, rename or delete labels; names are not encrypted");
  labels->require_subcommand(0, 1);
  add_organise_options(labels, *o, true);
  CLI::App* list = labels->add_subcommand("list", "List labels with their total and unread counts");
  add_organise_options(list, *o, true);
  list->callback([&exit_code, o] { run(exit_code, [o] { return labels_list(*o); }); });
  labels->callback([&exit_code, o, labels] {
    if (labels->get_subcommands().empty()) run(exit_code, [o] { return labels_list(*o); });
  });

  CLI::App* create = labels->add_subcommand("create", "Create a label");
  add_organise_options(create, *o, true);
  create->add_option("name", o->name, "Its name")->required();
  create->add_option("--color", o->color, "Its colour, e.g. \"#8080ff\"");
  create->callback([&exit_code, o] {
    run(exit_code, [o]() -> Status {
      Account account = SEALMAIL_TRY(logged_in_as(o->address));
      std::string id = SEALMAIL_TRY(client::create_label(*account.api, o->name, o->color));
      print_created(*o, "label", id);
      return ok_status();
    });
  });

  CLI::App* rename = labels->add_subcommand("rename", "Rename a label");
  add_organise_options(rename, *o, false);
  rename->add_option("id", o->id, "The label's id")->required();
  rename->add_option("name", o->name, "Its new name")->required();
  rename->callback([&exit_code, o] {
    run(exit_code, [o]() -> Status {
      Account account = SEALMAIL_TRY(logged_in_as(o->address));
      SEALMAIL_RETURN_IF_ERROR(client::rename_label(*account.api, o->id, o->name));
      std::cout << printable("renamed " + o->id + " to " + o->name + "\n");
      return ok_status();
    });
  });

  CLI::App* remove =
      labels->add_subcommand("delete", "Delete a label; its messages stay where they are");
  add_organise_options(remove, *o, false);
  remove->add_option("id", o->id, "The label's id")->required();
  remove->callback([&exit_code, o] {
    run(exit_code, [o]() -> Status {
      Account account = SEALMAIL_TRY(logged_in_as(o->address));
      SEALMAIL_RETURN_IF_ERROR(client::delete_label(*account.api, o->id));
      std::cout << "deleted " << o->id << "\n";
      return ok_status();
    });
  });
}

void add_organise_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<OrganiseOptions>();
  CLI::App* move =
      app.add_subcommand("move", "Move messages to a folder: sealmail move ID… FOLDER");
  add_organise_options(move, *o, true);
  move->add_option("args", o->args,
                   "Message ids, then the folder (inbox, archive, …, or a folder id)")
      ->required()
      ->expected(2, 10'000);
  move->callback([&exit_code, o] { run(exit_code, [o] { return move_command(*o); }); });

  CLI::App* label = app.add_subcommand(
      "label", "Label messages: sealmail label ID… LABEL (--remove takes the label off)");
  add_organise_options(label, *o, true);
  label->add_option("args", o->args, "Message ids, then the label's id")
      ->required()
      ->expected(2, 10'000);
  label->add_flag("--remove", o->remove, "Take the label off instead");
  label->callback([&exit_code, o] { run(exit_code, [o] { return label_command(*o); }); });

  CLI::App* flag = app.add_subcommand("flag", "Mark messages read or unread, flagged or not");
  add_organise_options(flag, *o, true);
  flag->add_option("ids", o->args, "Message ids")->required()->expected(1, 10'000);
  auto* seen = flag->add_flag("--seen", o->seen, "Mark read");
  flag->add_flag("--unseen", o->unseen, "Mark unread")->excludes(seen);
  auto* flagged = flag->add_flag("--flagged", o->flagged, "Flag (star)");
  flag->add_flag("--unflagged", o->unflagged, "Remove the flag")->excludes(flagged);
  flag->callback([&exit_code, o] { run(exit_code, [o] { return flag_command(*o); }); });

  CLI::App* remove = app.add_subcommand(
      "delete", "Move messages to trash; those already in trash or spam are deleted for good");
  add_organise_options(remove, *o, true);
  remove->add_option("ids", o->args, "Message ids")->required()->expected(1, 10'000);
  remove->add_flag("--now", o->now, "Delete for good at once, from any folder");
  remove->callback([&exit_code, o] { run(exit_code, [o] { return delete_command(*o); }); });

  add_folder_commands(app, exit_code);
  add_label_commands(app, exit_code);
}

}  // namespace

void add_mail_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<MailOptions>();

  CLI::App* list = app.add_subcommand(
      "list", "List a folder's messages, newest first (asks for the password to decrypt them)");
  add_common_options(list, *o);
  list->add_option("--folder", o->folder,
                   "inbox, drafts, sent, archive, spam, trash, all (All Mail) or a folder id "
                   "from `sealmail folders`");
  list->add_option("--label", o->label, "List a label's messages (an id from `sealmail labels`)")
      ->excludes("--folder");
  list->add_option("--limit", o->limit, "At most this many")->check(CLI::Range(1, 1000));
  list->add_option("--offset", o->offset, "Skip this many (the newest) first");
  list->add_flag("--json", o->json, "JSON: the decrypted summary of each message");
  list->callback([&exit_code, o] { run(exit_code, [o] { return list_command(*o); }); });

  auto s = std::make_shared<SendOptions>();
  CLI::App* send = app.add_subcommand(
      "send",
      "Send a message read from standard input (after the password line when there is no "
      "terminal and no --password-file), or a saved draft; it is encrypted and signed here");
  add_writing_options(send, *s);
  send->add_option("--expires", s->expires,
                   "Self-destruct after this long (7d, 12h): every copy on this server, Sent "
                   "included, is deleted for good then");
  send->add_option("--draft", s->draft, "Send this draft as saved (it leaves Drafts)");
  send->add_flag("--json", s->json, "JSON: the ids of the message");
  send->callback([&exit_code, s] { run(exit_code, [s] { return send_command(*s); }); });

  auto d = std::make_shared<SendOptions>();
  CLI::App* draft = app.add_subcommand(
      "draft",
      "Save a message as a draft, encrypted to you alone: its text from standard input (or "
      "--text), recipients optional; or change a saved one with --edit");
  add_writing_options(draft, *d);
  draft->add_option("--edit", d->draft,
                    "Change this draft: the options given replace its recipients, subject and "
                    "text, --attach adds; it is saved anew under a new id");
  draft->add_option("--text", d->text_file,
                    "The text from this file (\"-\": standard input); with --edit, the text is "
                    "kept without it");
  draft->add_flag("--json", d->json, "JSON: the draft's id");
  draft->callback([&exit_code, d] { run(exit_code, [d] { return draft_command(*d); }); });

  CLI::App* read = app.add_subcommand("read", "Decrypt and show messages");
  add_common_options(read, *o);
  read->add_option("ids", o->ids, "Message ids from `sealmail list`")->required();
  read->add_flag("--raw", o->raw, "Print the message exactly as it was received");
  read->add_flag("--json", o->json,
                 "JSON: each message's summary and the received message in raw_base64");
  read->callback([&exit_code, o] { run(exit_code, [o] { return read_command(*o); }); });

  add_organise_commands(app, exit_code);
}

}  // namespace sealmail::cli
