// internal/message_impl.h — what a Message holds, and helpers shared by the .cc files of
// src/mime. Internal: not included from outside src/mime.
//
// SECURITY: see mime.h. Thread-safety: as Message.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/ascii.h"
#include "mime/internal/gmime.h"
#include "mime/mime.h"

namespace sealmail::mime::internal {

struct MessageImpl {
  std::string raw;
  GPtr<GMimeMessage> message;
  size_t part_count = 0;
  size_t depth = 0;
};

// Visits every entity of the tree in document order, iteratively (no recursion, whatever the
// depth). `depth` is 1 for the top-level body. The visitor returns false to skip the children
// of that entity. Embedded messages (message/rfc822) are visited as their body entity.
void walk(GMimeObject* root, const std::function<bool(GMimeObject*, size_t depth)>& visit);

// "type/subtype" lower case; "text/plain" when absent.
std::string mime_type_of(GMimeObject* object);

// Replaces invalid UTF-8 sequences with U+FFFD.
std::string valid_utf8(std::string_view bytes);

// The text of a leaf part as UTF-8 (charset converted, transfer encoding removed).
std::string text_of(GMimePart* part);

// True for leaf parts shown as body text: text/plain or text/html without a filename and not
// marked as an attachment.
bool is_body_text(GMimeObject* object);

// Lower-cases ASCII letters.

}  // namespace sealmail::mime::internal
