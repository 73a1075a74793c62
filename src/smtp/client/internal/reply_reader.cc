#include "smtp/client/internal/reply_reader.h"

#include <utility>

namespace sealmail::smtp::client::internal {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of a leading "c.s.d" (c one digit, s and d 1–3 digits) followed by a space or the end,
// or 0.
size_t enhanced_length(std::string_view text) {
  size_t i = 0;
  if (text.empty() || !is_digit(text[0])) return 0;
  i = 1;
  for (int part = 0; part < 2; ++part) {
    if (i >= text.size() || text[i] != '.') return 0;
    ++i;
    size_t digits = 0;
    while (i < text.size() && is_digit(text[i]) && digits < 4) {
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3) return 0;
  }
  if (i < text.size() && text[i] != ' ') return 0;
  return i;
}

std::string_view trim_leading_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

}  // namespace

ReplyReader::ReplyReader(size_t max_line, size_t max_lines)
    : max_line_(max_line), max_lines_(max_lines) {}

void ReplyReader::fail(std::string error) {
  ready_.push_back(Item{.kind = Item::Kind::kError, .reply = {}, .error = std::move(error)});
  failed_ = true;
  line_.clear();
  current_ = {};
}

void ReplyReader::feed(std::string_view bytes) {
  while (!failed_ && !bytes.empty()) {
    size_t lf = bytes.find('\n');
    std::string_view part = bytes.substr(0, lf);  // npos → all of it
    // A line holds at most max_line_ bytes with its LF, which is still to come if lf is npos.
    if (line_.size() + part.size() + 1 > max_line_) {
      fail("reply line too long");
      return;
    }
    line_.append(part);
    if (lf == std::string_view::npos) return;
    bytes.remove_prefix(lf + 1);
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    take_line(line);
  }
}

void ReplyReader::take_line(std::string_view line) {
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
      !is_digit(line[2]) || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
    fail("malformed reply line");
    return;
  }
  int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (!current_.lines.empty() && code != current_.code) {
    fail("multi-line reply with mismatched codes");
    return;
  }
  if (current_.lines.size() + 1 > max_lines_) {
    fail("reply too long");
    return;
  }
  current_.code = code;
  current_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
  bool last = line.size() == 3 || line[3] == ' ';
  if (last) {
    ready_.push_back(Item{.kind = Item::Kind::kReply, .reply = std::move(current_), .error = {}});
    current_ = {};
  }
}

ReplyReader::Item ReplyReader::next() {
  if (ready_.empty()) return {};
  Item item = std::move(ready_.front());
  ready_.pop_front();
  return item;
}

bool ReplyReader::empty() const {
  return ready_.empty() && line_.empty() && current_.lines.empty();
}

Reply to_reply(const RawReply& raw) {
  Reply reply;
  reply.code = raw.code;
  std::string_view first = raw.lines.empty() ? std::string_view() : raw.lines[0];
  size_t n = enhanced_length(first);
  if (n > 0 && first[0] - '0' == raw.code / 100) reply.enhanced = std::string(first.substr(0, n));
  for (std::string_view line : raw.lines) {
    if (!reply.enhanced.empty() && line.starts_with(reply.enhanced) &&
        enhanced_length(line) == reply.enhanced.size()) {
      line.remove_prefix(reply.enhanced.size());
    }
    line = trim_leading_spaces(line);
    if (line.empty()) continue;
    if (!reply.text.empty()) reply.text += ' ';
    for (char c : line) {
      unsigned char u = static_cast<unsigned char>(c);
      reply.text += (u == '\t') ? ' ' : (u < 0x20 || u >= 0x7f) ? '?' : c;
    }
    if (reply.text.size() >= kMaxReplyText) {
      reply.text.resize(kMaxReplyText);
      break;
    }
  }
  return reply;
}

}  // namespace sealmail::smtp::client::internal
