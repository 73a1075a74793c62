// mime_parse_fuzzer — libFuzzer target for src/mime: parse arbitrary bytes, then run every
// read-side API on whatever parsed. Must never crash, leak, hang or trip a sanitizer.
// Seed corpus: fuzz/corpus/mime_parse/ (the shapes of src/mime/testdata/).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/check.h"
#include "mime/autocrypt.h"
#include "mime/mime.h"
#include "mime/pgp_mime.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sealmail::mime;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.max_size = 1u << 20;

  auto message = parse(bytes, limits);

  // Incremental feeding in two pieces must agree with the whole-buffer parse.
  Parser parser(limits);
  bool fed =
      parser.feed(bytes.substr(0, size / 2)).ok() && parser.feed(bytes.substr(size / 2)).ok();
  auto incremental = parser.finish();
  SEALMAIL_CHECK(fed);
  SEALMAIL_CHECK(incremental.ok() == message.ok());

  (void)parse_autocrypt_value(bytes, "a@example.org");
  if (!message.ok()) return 0;
  SEALMAIL_CHECK(incremental->part_count() == message->part_count());
  SEALMAIL_CHECK(message->depth() <= limits.max_depth);
  SEALMAIL_CHECK(message->part_count() <= limits.max_parts);

  Summary summary = summarize(*message);
  nlohmann::json json = to_json(summary);
  auto back = summary_from_json(nlohmann::json::parse(json.dump()));  // throws on bad UTF-8
  SEALMAIL_CHECK(back.ok() && *back == summary);

  (void)classify_encryption(*message);
  (void)pgp_mime_ciphertext(*message);
  (void)pgp_signed_parts(*message);
  (void)find_inline_pgp(*message);
  (void)find_autocrypt(*message);
  for (const DisplayPart& part : display_plan(*message)) {
    if (part.origin != DisplayPart::kEncrypted) continue;
    (void)decrypted_display_parts(part, part.text, /*plaintext_is_mime=*/true, limits);
  }
  return 0;
}
