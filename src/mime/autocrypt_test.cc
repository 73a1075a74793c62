// Autocrypt Level 1 header parsing rules.
#include <gtest/gtest.h>

#include <string>

#include "mime/autocrypt.h"
#include "mime/mime.h"

namespace sealmail::mime {
namespace {

TEST(AutocryptTest, BuildThenParse) {
  AutocryptHeader h{"alice@example.org", true, std::string("\x98\x33\x04\x00\xff", 5)};
  const std::string value = build_autocrypt_value(h);
  EXPECT_EQ(value, "addr=alice@example.org; prefer-encrypt=mutual; keydata=\r\n mDMEAP8=");
  auto parsed = parse_autocrypt_value(value, "Alice@Example.org");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(*parsed, h);
}

TEST(AutocryptTest, ParseRules) {
  struct Case {
    const char* value;
    bool ok;
    bool mutual;
    const char* error;
  };
  const Case cases[] = {
      {"addr=a@example.org; keydata=Zm9v", true, false, ""},
      {"addr=a@example.org; prefer-encrypt=mutual; keydata=Zm9v", true, true, ""},
      {"addr=a@example.org; prefer-encrypt=nopreference; keydata=Zm9v", true, false, ""},
      {"addr=a@example.org; prefer-encrypt=bogus; keydata=Zm9v", true, false, ""},
      {"addr=a@example.org; _extension=whatever; keydata=Zm9v", true, false, ""},
      {"  addr = a@example.org ;keydata=\r\n Zm9v\r\n YmFy ;", true, false, ""},
      {"addr=a@example.org; critical=1; keydata=Zm9v", false, false,
       "Autocrypt: unknown critical attribute"},
      {"keydata=Zm9v", false, false, "Autocrypt: no addr"},
      {"addr=a@example.org", false, false, "Autocrypt: no keydata"},
      {"addr=b@example.org; keydata=Zm9v", false, false, "Autocrypt: addr does not match From"},
      {"addr=a@example.org; keydata=!!!!", false, false, "Autocrypt: keydata is not base64"},
      {"addr=a@example.org; keydata", false, false, "Autocrypt: attribute without '='"},
      {"addr=a@example.org; addr=a@example.org; keydata=Zm9v", false, false,
       "Autocrypt: addr twice"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    auto parsed = parse_autocrypt_value(c.value, "a@example.org");
    ASSERT_EQ(parsed.ok(), c.ok);
    if (c.ok) {
      EXPECT_EQ(parsed->prefer_encrypt_mutual, c.mutual);
    } else {
      EXPECT_EQ(parsed.error().message, c.error);
    }
  }
}

std::string message_with(const std::string& headers) {
  return "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n" + headers +
         "Subject: hi\r\n\r\nbody\r\n";
}

TEST(AutocryptTest, FindInMessage) {
  auto one = parse(message_with("Autocrypt: addr=alice@example.org; keydata=\r\n Zm9v\r\n"));
  ASSERT_TRUE(one.ok());
  auto found = find_autocrypt(*one);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->keydata, "foo");

  // An invalid header next to a valid one does not count.
  auto mixed =
      parse(message_with("Autocrypt: addr=alice@example.org; keydata=Zm9v\r\n"
                         "Autocrypt: addr=alice@example.org; critical=x; keydata=YmFy\r\n"));
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(find_autocrypt(*mixed)->keydata, "foo");

  // Two valid headers: ignore all.
  auto two =
      parse(message_with("Autocrypt: addr=alice@example.org; keydata=Zm9v\r\n"
                         "Autocrypt: addr=alice@example.org; keydata=YmFy\r\n"));
  ASSERT_TRUE(two.ok());
  EXPECT_FALSE(find_autocrypt(*two).has_value());

  auto other = parse(message_with("Autocrypt: addr=mallory@example.org; keydata=Zm9v\r\n"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(find_autocrypt(*other).has_value());

  auto none = parse(message_with(""));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(find_autocrypt(*none).has_value());
}

}  // namespace
}  // namespace sealmail::mime
