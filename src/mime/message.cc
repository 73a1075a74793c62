// message.cc — parse(), Parser and the limit checks (see mime.h for what is refused).
#include <string>
#include <utility>
#include <vector>

#include "mime/internal/message_impl.h"
#include "mime/mime.h"

namespace sealmail::mime {
namespace internal {

std::string valid_utf8(std::string_view bytes) {
  GString_ fixed(g_utf8_make_valid(bytes.data(), static_cast<gssize>(bytes.size())));
  return std::string(fixed.get());
}

std::string mime_type_of(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return "text/plain";
  return ascii_lowercase(str_or_empty(g_mime_content_type_get_media_type(type)) + "/" +
                         str_or_empty(g_mime_content_type_get_media_subtype(type)));
}

void walk(GMimeObject* root, const std::function<bool(GMimeObject*, size_t)>& visit) {
  struct Frame {
    GMimeObject* object;
    size_t depth;
  };
  std::vector<Frame> stack;
  if (root != nullptr) stack.push_back({root, 1});
  while (!stack.empty()) {
    Frame frame = stack.back();
    stack.pop_back();
    if (!visit(frame.object, frame.depth)) continue;
    if (GMIME_IS_MULTIPART(frame.object)) {
      GMimeMultipart* multipart = GMIME_MULTIPART(frame.object);
      for (int i = g_mime_multipart_get_count(multipart) - 1; i >= 0; --i)
        stack.push_back({g_mime_multipart_get_part(multipart, i), frame.depth + 1});
    } else if (GMIME_IS_MESSAGE_PART(frame.object)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(frame.object));
      if (inner != nullptr && g_mime_message_get_mime_part(inner) != nullptr)
        stack.push_back({g_mime_message_get_mime_part(inner), frame.depth + 1});
    }
  }
}

}  // namespace internal

namespace {

using internal::MessageImpl;

size_t header_block_size(GMimeObject* object) {
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  if (headers == nullptr) return 0;
  size_t total = 0;
  const int count = g_mime_header_list_get_count(headers);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
    total += internal::str_or_empty(g_mime_header_get_name(header)).size() + 1 +
             internal::str_or_empty(g_mime_header_get_raw_value(header)).size();
  }
  return total;
}

bool looks_like_header_line(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && bytes[i] > ' ' && bytes[i] < 127 && bytes[i] != ':') ++i;
  return i > 0 && i < bytes.size() && bytes[i] == ':';
}

// Limits that must hold before GMime sees the bytes: size, line length, the top-level header
// block, and an upper bound on the number of entities (every entity after the first begins
// after a line starting with "--"), so that GMime never builds a huge tree.
Status prescan(std::string_view bytes, const Limits& limits) {
  if (bytes.size() > limits.max_size)
    return make_error(Errc::kLimitExceeded,
                      "MIME message larger than " + std::to_string(limits.max_size) + " octets");
  if (bytes.empty()) return make_error(Errc::kInvalidArgument, "empty MIME message");
  if (!looks_like_header_line(bytes))
    return make_error(Errc::kInvalidArgument, "not a MIME message: no header field on line 1");
  size_t dash_lines = 0;
  size_t header_end = std::string_view::npos;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t eol = bytes.find('\n', pos);
    size_t next = eol == std::string_view::npos ? bytes.size() : eol + 1;
    size_t len = (eol == std::string_view::npos ? bytes.size() : eol) - pos;
    if (len > 0 && bytes[pos + len - 1] == '\r') --len;
    if (len > limits.max_line)
      return make_error(Errc::kLimitExceeded,
                        "MIME line longer than " + std::to_string(limits.max_line) + " octets");
    if (header_end == std::string_view::npos && len == 0) header_end = pos;
    if (len >= 2 && bytes[pos] == '-' && bytes[pos + 1] == '-') {
      if (++dash_lines > 2 * limits.max_parts)
        return make_error(Errc::kLimitExceeded, "MIME message has more than " +
                                                    std::to_string(limits.max_parts) + " parts");
    }
    pos = next;
  }
  if (header_end == std::string_view::npos) header_end = bytes.size();
  if (header_end > limits.max_header_block)
    return make_error(
        Errc::kLimitExceeded,
        "MIME header block larger than " + std::to_string(limits.max_header_block) + " octets");
  return ok_status();
}

Status check_tree(MessageImpl& impl, const Limits& limits) {
  Status status;
  auto fail = [&](std::string message) {
    if (status.ok()) status = make_error(Errc::kLimitExceeded, std::move(message));
    return false;
  };
  auto block_too_big = [&](GMimeObject* object) {
    return header_block_size(object) > limits.max_header_block;
  };
  const std::string block_error =
      "MIME header block larger than " + std::to_string(limits.max_header_block) + " octets";
  if (block_too_big(GMIME_OBJECT(impl.message.get())))
    return make_error(Errc::kLimitExceeded, block_error);
  internal::walk(
      g_mime_message_get_mime_part(impl.message.get()), [&](GMimeObject* object, size_t depth) {
        if (!status.ok()) return false;
        if (depth > limits.max_depth)
          return fail("MIME nesting deeper than " + std::to_string(limits.max_depth) + " levels");
        if (++impl.part_count > limits.max_parts)
          return fail("MIME message has more than " + std::to_string(limits.max_parts) + " parts");
        if (block_too_big(object)) return fail(block_error);
        if (GMIME_IS_MESSAGE_PART(object)) {
          GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
          if (inner != nullptr && block_too_big(GMIME_OBJECT(inner))) return fail(block_error);
        }
        if (depth > impl.depth) impl.depth = depth;
        return true;
      });
  return status;
}

}  // namespace

Message::Message(std::unique_ptr<internal::MessageImpl> impl) : impl_(std::move(impl)) {}
Message::Message(Message&&) noexcept = default;
Message& Message::operator=(Message&&) noexcept = default;
Message::~Message() = default;

std::string_view Message::raw() const { return impl_->raw; }
size_t Message::part_count() const { return impl_->part_count; }
size_t Message::depth() const { return impl_->depth; }

std::optional<std::string> Message::header(std::string_view name) const {
  const char* value =
      g_mime_object_get_header(GMIME_OBJECT(impl_->message.get()), std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return internal::valid_utf8(value);
}

std::string Message::content_type() const {
  GMimeObject* body = g_mime_message_get_mime_part(impl_->message.get());
  return body == nullptr ? "text/plain" : internal::mime_type_of(body);
}

Result<Message> parse(std::string_view bytes, const Limits& limits) {
  SEALMAIL_RETURN_IF_ERROR(prescan(bytes, limits));
  internal::ensure_gmime();
  auto impl = std::make_unique<MessageImpl>();
  impl->raw.assign(bytes);
  internal::ParserOptions options = internal::lenient_parser_options();
  // The stream borrows impl->raw, which outlives it; persist_stream is off so nothing keeps it.
  auto stream =
      internal::adopt(g_mime_stream_mem_new_with_buffer(impl->raw.data(), impl->raw.size()));
  auto parser = internal::adopt(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_persist_stream(parser.get(), FALSE);
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  impl->message = internal::adopt(g_mime_parser_construct_message(parser.get(), options.get()));
  if (impl->message == nullptr)
    return make_error(Errc::kInvalidArgument, "not a MIME message: no header block");
  if (g_mime_message_get_mime_part(impl->message.get()) == nullptr)
    return make_error(Errc::kInvalidArgument, "not a MIME message: no body entity");
  SEALMAIL_RETURN_IF_ERROR(check_tree(*impl, limits));
  return Message(std::move(impl));
}

Status Parser::feed(std::string_view bytes) {
  if (failed_) return make_error(Errc::kInvalidArgument, "MIME parser already failed");
  if (bytes.size() > limits_.max_size - buffer_.size()) {
    failed_ = true;
    buffer_.clear();
    return make_error(Errc::kLimitExceeded,
                      "MIME message larger than " + std::to_string(limits_.max_size) + " octets");
  }
  buffer_.append(bytes);
  return ok_status();
}

Result<Message> Parser::finish() {
  if (failed_) return make_error(Errc::kInvalidArgument, "MIME parser already failed");
  std::string bytes = std::move(buffer_);
  buffer_.clear();
  return parse(bytes, limits_);
}

}  // namespace sealmail::mime
