#include "pgp/internal/packets.h"

#include <gtest/gtest.h>

#include <string>

namespace sealmail::pgp::internal {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s += static_cast<char>(b);
  return s;
}

TEST(PacketsTest, NewFormatLengths) {
  // one-octet, two-octet (192..8383) and five-octet lengths
  std::string one = bytes({0xc1, 0x02, 0xaa, 0xbb});
  std::string two = bytes({0xc3, 0xc0, 0x00}) + std::string(192, 'x');
  std::string five = bytes({0xd2, 0xff, 0x00, 0x00, 0x01, 0x00}) + std::string(256, 'y');
  auto spans = split_packets(one + two + five);
  ASSERT_TRUE(spans.ok()) << spans.error().describe();
  ASSERT_EQ(spans->size(), 3u);
  EXPECT_EQ((*spans)[0].tag, 1);
  EXPECT_EQ((*spans)[0].size, 4u);
  EXPECT_EQ((*spans)[1].tag, 3);
  EXPECT_EQ((*spans)[1].offset, 4u);
  EXPECT_EQ((*spans)[1].size, 3u + 192);
  EXPECT_EQ((*spans)[2].tag, 18);
  EXPECT_EQ((*spans)[2].body_offset, 4u + 195 + 6);
  EXPECT_EQ((*spans)[2].size, 6u + 256);
}

TEST(PacketsTest, OldFormatLengths) {
  std::string a = bytes({0x84, 0x01, 0x00});              // tag 1, one-octet length
  std::string b = bytes({0x8d, 0x00, 0x02, 0x01, 0x02});  // tag 3, two-octet length
  std::string c = bytes({0xa7, 0x01, 0x02, 0x03});        // tag 9, indeterminate: to the end
  auto spans = split_packets(a + b + c);
  ASSERT_TRUE(spans.ok()) << spans.error().describe();
  ASSERT_EQ(spans->size(), 3u);
  EXPECT_EQ((*spans)[0].tag, 1);
  EXPECT_EQ((*spans)[1].tag, 3);
  EXPECT_EQ((*spans)[1].size, 5u);
  EXPECT_EQ((*spans)[2].tag, 9);
  EXPECT_EQ((*spans)[2].size, 4u);
}

TEST(PacketsTest, PartialLengthsForDataPackets) {
  // 512-byte partial chunk, then a final one-octet chunk of 3.
  std::string p = bytes({0xd2, 0xe9}) + std::string(512, 'z') + bytes({0x03}) + "abc";
  auto spans = split_packets(bytes({0xc1, 0x01, 0x00}) + p);
  ASSERT_TRUE(spans.ok()) << spans.error().describe();
  ASSERT_EQ(spans->size(), 2u);
  EXPECT_EQ((*spans)[1].size, p.size());
}

TEST(PacketsTest, RejectsMalformed) {
  const std::string cases[] = {
      bytes({0x00}),                                                // bit 7 clear
      bytes({0xc1}),                                                // no length
      bytes({0xc1, 0x05, 0x00}),                                    // body truncated
      bytes({0xc1, 0xc0}),                                          // two-octet length truncated
      bytes({0xc1, 0xff, 0x00, 0x00}),                              // five-octet length truncated
      bytes({0xc1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}),            // 4 GiB body, 1 byte present
      bytes({0xc1, 0xe9}) + std::string(512, 'a') + bytes({0x00}),  // partial on a PKESK
      bytes({0xd2, 0xe1, 0x00, 0x00, 0x00}),                        // first partial chunk < 512
      bytes({0xd2, 0xe9}) + std::string(100, 'a'),                  // partial chunk truncated
      bytes({0xd2, 0xe9}) + std::string(512, 'a'),                  // no final chunk
      bytes({0x87, 0x00}),  // old format, indeterminate PKESK
      bytes({0x80, 0x00}),  // tag 0
      bytes({0xc0, 0x00}),  // tag 0, new format
      bytes({0x85, 0x00}),  // two-octet length truncated
  };
  for (const auto& c : cases) {
    auto spans = split_packets(c);
    EXPECT_FALSE(spans.ok()) << "accepted case of size " << c.size();
  }
}

TEST(PacketsTest, EveryTruncationOfAValidStreamIsRejectedOrShorter) {
  std::string stream =
      bytes({0xc1, 0x02, 0xaa, 0xbb, 0xd2, 0xe9}) + std::string(512, 'z') + bytes({0x03}) + "abc";
  for (size_t n = 1; n < stream.size(); ++n) {
    auto spans = split_packets(std::string_view(stream).substr(0, n));
    if (spans.ok()) {
      // Only a cut exactly at a packet boundary can parse.
      EXPECT_EQ(n, 4u);
    }
  }
  EXPECT_TRUE(split_packets(stream).ok());
  EXPECT_TRUE(split_packets("").ok());
}

}  // namespace
}  // namespace sealmail::pgp::internal
