#include "mime/internal/gmime.h"

#include <mutex>

namespace sealmail::mime::internal {

void ensure_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string take_string(char* s) {
  GString_ owned(s);
  return s == nullptr ? std::string() : std::string(s);
}

FormatOptions crlf_format_options() {
  ensure_gmime();
  FormatOptions options(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  g_mime_format_options_set_param_encoding_method(options.get(),
                                                  GMIME_PARAM_ENCODING_METHOD_RFC2231);
  return options;
}

ParserOptions lenient_parser_options() {
  ensure_gmime();
  ParserOptions options(g_mime_parser_options_new());
  g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  const char* charsets[] = {"UTF-8", "windows-1252", nullptr};
  g_mime_parser_options_set_fallback_charsets(options.get(), charsets);
  return options;
}

std::string object_to_crlf(GMimeObject* object) {
  FormatOptions options = crlf_format_options();
  return take_string(g_mime_object_to_string(object, options.get()));
}

std::string decoded_content(GMimePart* part) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
  if (wrapper == nullptr) return {};
  auto stream = adopt(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(wrapper, stream.get()) < 0) return {};
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace sealmail::mime::internal
