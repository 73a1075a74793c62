#include "pgp/internal/packets.h"

namespace sealmail::pgp::internal {

namespace {

Error malformed(const char* what) {
  return make_error(Errc::kInvalidArgument, std::string("malformed OpenPGP packet: ") + what);
}

bool may_be_partial(int tag) {
  return tag == kTagCompressed || tag == kTagSed || tag == kTagLiteral || tag == kTagSeipd ||
         tag == kTagAead;
}

struct Length {
  size_t header = 0;  // octets of the length field
  size_t body = 0;
  bool partial = false;
};

// A new-format length at bytes[pos...]; `remaining` = bytes.size() - pos.
Result<Length> new_length(std::string_view bytes, size_t pos) {
  size_t remaining = bytes.size() - pos;
  if (remaining < 1) return malformed("truncated length");
  auto b = [&](size_t i) { return static_cast<uint8_t>(bytes[pos + i]); };
  uint8_t o1 = b(0);
  if (o1 < 192) return Length{1, o1, false};
  if (o1 < 224) {
    if (remaining < 2) return malformed("truncated length");
    return Length{2, ((size_t{o1} - 192) << 8) + b(1) + 192, false};
  }
  if (o1 == 255) {
    if (remaining < 5) return malformed("truncated length");
    size_t len = (size_t{b(1)} << 24) | (size_t{b(2)} << 16) | (size_t{b(3)} << 8) | b(4);
    return Length{5, len, false};
  }
  return Length{1, size_t{1} << (o1 & 0x1f), true};
}

}  // namespace

Result<std::vector<PacketSpan>> split_packets(std::string_view bytes) {
  std::vector<PacketSpan> packets;
  size_t pos = 0;
  while (pos < bytes.size()) {
    PacketSpan span;
    span.offset = pos;
    auto first = static_cast<uint8_t>(bytes[pos]);
    if ((first & 0x80) == 0) return malformed("bit 7 of the tag octet is clear");
    size_t cursor = pos + 1;
    if (first & 0x40) {
      span.tag = first & 0x3f;
      if (span.tag == 0) return malformed("reserved tag");
      auto len = SEALMAIL_TRY(new_length(bytes, cursor));
      cursor += len.header;
      span.body_offset = cursor;
      if (len.partial && !may_be_partial(span.tag)) return malformed("partial length");
      if (len.partial && len.body < 512) return malformed("first partial chunk < 512");
      // Walk the chunks: each partial chunk is followed by another length.
      while (len.partial) {
        if (bytes.size() - cursor < len.body) return malformed("truncated body");
        cursor += len.body;
        len = SEALMAIL_TRY(new_length(bytes, cursor));
        cursor += len.header;
      }
      if (bytes.size() - cursor < len.body) return malformed("truncated body");
      cursor += len.body;
    } else {
      span.tag = (first >> 2) & 0x0f;
      if (span.tag == 0) return malformed("reserved tag");
      int type = first & 0x03;
      if (type == 3) {
        if (!may_be_partial(span.tag)) return malformed("indeterminate length");
        span.body_offset = cursor;
        cursor = bytes.size();  // extends to the end, so it must be the last packet
      } else {
        size_t n = size_t{1} << type;  // 1, 2 or 4 length octets
        if (bytes.size() - cursor < n) return malformed("truncated length");
        size_t body = 0;
        for (size_t i = 0; i < n; ++i) body = (body << 8) | static_cast<uint8_t>(bytes[cursor + i]);
        cursor += n;
        span.body_offset = cursor;
        if (bytes.size() - cursor < body) return malformed("truncated body");
        cursor += body;
      }
    }
    span.size = cursor - pos;
    packets.push_back(span);
    pos = cursor;
  }
  return packets;
}

}  // namespace sealmail::pgp::internal
