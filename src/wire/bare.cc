#include "wire/bare.h"

#include <cerrno>
#include <limits>

namespace se::wire {
namespace {

Unexpected end_of_input() { return fail(EPROTO, "unexpected end of input"); }

bool is_continuation(uint8_t byte, uint8_t low = 0x80, uint8_t high = 0xBF) {
  return byte >= low && byte <= high;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    const uint8_t lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and code points past
    // U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
    size_t length = 0;
    uint8_t second_low = 0x80;
    uint8_t second_high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_low = 0xA0;
      if (lead == 0xED) second_high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_low = 0x90;
      if (lead == 0xF4) second_high = 0x8F;
    } else {
      return false;
    }
    if (size - i < length) return false;
    if (!is_continuation(bytes[i + 1], second_low, second_high)) return false;
    for (size_t k = 2; k < length; ++k) {
      if (!is_continuation(bytes[i + k])) return false;
    }
    i += length;
  }
  return true;
}

void Encoder::write_uint(uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<uint8_t>(value));
}

void Encoder::write_le(uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

// Accepts non-minimal encodings (as serde_bare does) but never more than 10 bytes or 64 bits.
ErrorOr<uint64_t> Decoder::read_uint() {
  uint64_t value = 0;
  for (int i = 0;; ++i) {
    if (remaining() == 0) return end_of_input();
    const uint8_t byte = input_[position_++];
    if (i > 9 || (i == 9 && byte > 1)) {
      return fail(EPROTO, "continuation bit indicated an invalid variable-length integer");
    }
    value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if (byte < 0x80) return value;
  }
}

ErrorOr<uint64_t> Decoder::read_le(size_t width) {
  if (remaining() < width) return end_of_input();
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= static_cast<uint64_t>(input_[position_ + i]) << (8 * i);
  position_ += width;
  return value;
}

ErrorOr<uint8_t> Decoder::read_u8() { return static_cast<uint8_t>(TRY(read_le(1))); }
ErrorOr<uint16_t> Decoder::read_u16() { return static_cast<uint16_t>(TRY(read_le(2))); }
ErrorOr<uint32_t> Decoder::read_u32() { return static_cast<uint32_t>(TRY(read_le(4))); }
ErrorOr<uint64_t> Decoder::read_u64() { return read_le(8); }

ErrorOr<bool> Decoder::read_bool() {
  const uint8_t byte = TRY(read_u8());
  if (byte > 1) {
    return fail(EPROTO, "invalid value: integer `" + std::to_string(byte) + "`, expected a boolean (0 or 1)");
  }
  return byte == 1;
}

ErrorOr<bool> Decoder::read_optional_tag() {
  const uint8_t byte = TRY(read_u8());
  if (byte > 1) {
    return fail(EPROTO,
                "invalid value: integer `" + std::to_string(byte) + "`, expected an optional tag (0 or 1)");
  }
  return byte == 1;
}

ErrorOr<uint32_t> Decoder::read_variant_index(uint32_t member_count) {
  const uint64_t value = TRY(read_uint());
  if (value > std::numeric_limits<uint32_t>::max()) {
    return fail(EPROTO, "Enum identifiers larger than u32 are not supported");
  }
  if (value >= member_count) return invalid_variant_index(value, member_count);
  return static_cast<uint32_t>(value);
}

ErrorOr<size_t> Decoder::read_count(size_t min_element_size) {
  const uint64_t count = TRY(read_uint());
  if (count > remaining() / min_element_size) return end_of_input();
  return static_cast<size_t>(count);
}

ErrorOr<std::span<const uint8_t>> Decoder::read_length_prefixed() {
  const uint64_t length = TRY(read_uint());
  if (length > remaining()) return end_of_input();
  const auto bytes = input_.subspan(position_, static_cast<size_t>(length));
  position_ += bytes.size();
  return bytes;
}

Unexpected invalid_variant_index(uint64_t value, uint32_t member_count) {
  return fail(EPROTO, "invalid value: integer `" + std::to_string(value) + "`, expected variant index 0 <= i < " +
                          std::to_string(member_count));
}

void encode(Encoder& e, uint8_t value) { e.write_u8(value); }
void encode(Encoder& e, uint16_t value) { e.write_u16(value); }
void encode(Encoder& e, uint32_t value) { e.write_u32(value); }
void encode(Encoder& e, uint64_t value) { e.write_u64(value); }
void encode(Encoder& e, int32_t value) { e.write_u32(static_cast<uint32_t>(value)); }
void encode(Encoder& e, int64_t value) { e.write_u64(static_cast<uint64_t>(value)); }
void encode(Encoder& e, bool value) { e.write_u8(value ? 1 : 0); }

void encode(Encoder& e, const std::string& value) {
  e.write_uint(value.size());
  e.write_raw({reinterpret_cast<const uint8_t*>(value.data()), value.size()});
}

void encode(Encoder& e, const Bytes& value) {
  e.write_uint(value.size());
  e.write_raw(value);
}

ErrorOr<void> decode(Decoder& d, uint8_t& out) {
  out = TRY(d.read_u8());
  return {};
}
ErrorOr<void> decode(Decoder& d, uint16_t& out) {
  out = TRY(d.read_u16());
  return {};
}
ErrorOr<void> decode(Decoder& d, uint32_t& out) {
  out = TRY(d.read_u32());
  return {};
}
ErrorOr<void> decode(Decoder& d, uint64_t& out) {
  out = TRY(d.read_u64());
  return {};
}
ErrorOr<void> decode(Decoder& d, int32_t& out) {
  out = static_cast<int32_t>(TRY(d.read_u32()));
  return {};
}
ErrorOr<void> decode(Decoder& d, int64_t& out) {
  out = static_cast<int64_t>(TRY(d.read_u64()));
  return {};
}
ErrorOr<void> decode(Decoder& d, bool& out) {
  out = TRY(d.read_bool());
  return {};
}

ErrorOr<void> decode(Decoder& d, std::string& out) {
  const auto bytes = TRY(d.read_length_prefixed());
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!is_valid_utf8(text)) return fail(EPROTO, "invalid utf-8 in string");
  out.assign(text);
  return {};
}

ErrorOr<void> decode(Decoder& d, Bytes& out) {
  const auto bytes = TRY(d.read_length_prefixed());
  out.assign(bytes.begin(), bytes.end());
  return {};
}

}  // namespace se::wire
