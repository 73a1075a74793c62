// mime.h — parsing RFC 5322/MIME messages with hard limits, and the summary of a message.
//
// Parsing is done by GMime behind this header (no GMime or GLib type is visible here). Every
// limit is enforced by us — a pre-scan of the raw bytes, then an iterative walk of the parsed
// tree — never left to GMime. What is refused and what is tolerated:
//   refused (kLimitExceeded): input larger than Limits::max_size; a MIME tree deeper than
//     max_depth; more than max_parts entities; a header block (of the message or any part)
//     larger than max_header_block; a physical line longer than max_line.
//   refused (kInvalidArgument): empty input; input whose first line is not a header field
//     (nothing that looks like a message).
//   tolerated: lines longer than RFC 5322's 998 octets (up to max_line — long unfolded
//     References and unwrapped 8-bit HTML are common); bare LF instead of CRLF; missing or
//     broken closing boundaries (the part runs to the end of its parent); missing
//     Content-Type (text/plain; charset=us-ascii per RFC 2045); raw 8-bit header text
//     (decoded as UTF-8, else windows-1252); malformed encoded-words and parameters (decoded
//     loosely, as mail clients do).
//
// SECURITY: reads untrusted bytes from the network (SMTP DATA, IMAP APPEND, decrypted
// plaintext). Never crashes on any input (fuzzed by fuzz/mime_parse_fuzzer.cc); memory is
// bounded by max_size and the limits above. Parsed content is message content: never log it
// (wrap in Sensitive, see base/log.h). Error messages carry only sizes and limits.
// Standards: RFC 5322, RFC 2045-2049, RFC 2047 (encoded-words), RFC 2231 (parameters).
// Thread-safety: a Message or Parser is used by one thread at a time; different objects may be
// used from different threads concurrently (GMime is initialised once, thread-safely).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"

namespace sealmail::mime {

struct Limits {
  size_t max_size = 64u << 20;         // whole message, octets
  size_t max_depth = 100;              // nesting of multiparts and message/rfc822
  size_t max_parts = 10000;            // MIME entities, containers included
  size_t max_header_block = 1u << 20;  // one header block, octets
  size_t max_line = 64u << 10;         // one physical line, octets, terminator excluded
};

namespace internal {
struct MessageImpl;
}

// A parsed message. Movable, not copyable. Keeps the raw bytes it was parsed from.
class Message {
 public:
  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  ~Message();

  // The exact bytes parsed.
  std::string_view raw() const;
  // Number of MIME entities (the top-level body counts as one) and the deepest nesting level
  // (a single-part message has depth 1).
  size_t part_count() const;
  size_t depth() const;
  // The decoded value of the first header with this name, or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  // "type/subtype", lower case, of the top-level body.
  std::string content_type() const;

  internal::MessageImpl& impl() const { return *impl_; }

 private:
  friend Result<Message> parse(std::string_view bytes, const Limits& limits);
  explicit Message(std::unique_ptr<internal::MessageImpl> impl);
  std::unique_ptr<internal::MessageImpl> impl_;
};

// Parses a whole message held in memory.
Result<Message> parse(std::string_view bytes, const Limits& limits = {});

// Incremental entry for engines that receive a message in pieces (SMTP DATA, IMAP literals):
// feed() accumulates up to limits.max_size (and fails early past it), finish() parses. The
// result is identical to parse() of the concatenation, however the bytes were split.
class Parser {
 public:
  explicit Parser(Limits limits = {}) : limits_(limits) {}
  Status feed(std::string_view bytes);
  Result<Message> finish();

 private:
  Limits limits_;
  std::string buffer_;
  bool failed_ = false;
};

struct Address {
  std::string name;  // display name, decoded to UTF-8 ("" if none)
  std::string addr;  // addr-spec as written ("" for an empty group)
  bool operator==(const Address&) const = default;
};

struct Attachment {
  std::string filename;      // decoded (RFC 2231 / RFC 2047) to UTF-8, "" if none
  std::string content_type;  // "type/subtype", lower case
  uint64_t size = 0;         // decoded size in octets
  bool operator==(const Attachment&) const = default;
};

// The list-view data of a message. All strings are valid UTF-8.
struct Summary {
  static constexpr int kVersion = 1;
  std::vector<Address> from;
  std::vector<Address> to;
  std::vector<Address> cc;
  std::vector<Address> bcc;     // only drafts carry a Bcc field
  std::string subject;          // decoded
  std::optional<int64_t> date;  // unix seconds, if Date parsed
  std::string date_raw;         // the Date header as written
  std::string message_id;       // without angle brackets
  std::string in_reply_to;      // without angle brackets
  std::vector<std::string> references;
  std::string snippet;  // ≤ kSnippetChars code points of body text
  std::vector<Attachment> attachments;
  bool encrypted = false;  // the body is PGP/MIME or inline PGP ciphertext
  bool operator==(const Summary&) const = default;

  static constexpr size_t kSnippetChars = 200;
};

Summary summarize(const Message& message);

// JSON format v1, documented in docs/formats/summary.md.
nlohmann::json to_json(const Summary& summary);
Result<Summary> summary_from_json(const nlohmann::json& json);

// Visible text of HTML: tags, comments, <script> and <style> dropped, common entities decoded,
// whitespace collapsed. For snippets only — not a sanitiser.
std::string html_to_text(std::string_view html);

}  // namespace sealmail::mime
