// internal/gmime.h — RAII for GMime/GLib objects and the one-time library initialisation.
// Internal to src/mime: the only header in the program that includes <gmime/gmime.h>.
//
// SECURITY: none by itself; see mime.h for the untrusted-input contract.
// Standards: none.
// Thread-safety: ensure_gmime() may be called from any thread (std::call_once). GMime objects
// are not shared between threads; each Message owns its own tree.
#pragma once

#include <glib-object.h>
#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace sealmail::mime::internal {

// Initialises GMime exactly once (g_mime_init is not thread-safe by itself).
void ensure_gmime();

struct GObjectUnref {
  void operator()(void* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

// Takes ownership of one reference.
template <typename T>
GPtr<T> adopt(T* p) {
  return GPtr<T>(p);
}
// Adds a reference (for borrowed pointers GMime returns from getters).
template <typename T>
GPtr<T> retain(T* p) {
  if (p != nullptr) g_object_ref(p);
  return GPtr<T>(p);
}

struct GFree {
  void operator()(void* p) const { g_free(p); }
};
using GString_ = std::unique_ptr<char, GFree>;

// Copies a g_malloc'ed string into std::string and frees it ("" for null).
std::string take_string(char* s);
// "" for null.
inline std::string str_or_empty(const char* s) { return s == nullptr ? std::string() : s; }

// Format options for our output: CRLF newlines, RFC 2231 parameters.
struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* p) const { g_mime_format_options_free(p); }
};
using FormatOptions = std::unique_ptr<GMimeFormatOptions, FormatOptionsFree>;
FormatOptions crlf_format_options();

struct ParserOptionsFree {
  void operator()(GMimeParserOptions* p) const { g_mime_parser_options_free(p); }
};
using ParserOptions = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;
// Loose compliance (real mail is sloppy), UTF-8 then windows-1252 for undeclared 8-bit text.
ParserOptions lenient_parser_options();

// Serialises an object (headers + body) with CRLF newlines.
std::string object_to_crlf(GMimeObject* object);

// The decoded content of a leaf part (transfer encoding removed, charset untouched).
std::string decoded_content(GMimePart* part);

}  // namespace sealmail::mime::internal
