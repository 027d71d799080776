#include "wire/bare.h"

#include <cerrno>
#include <limits>

#include "base/utf8.h"

namespace se::wire {
namespace {

Unexpected end_of_input() {
  return fail(EPROTO, "unexpected end of input");
}

}  // namespace

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

ErrorOr<uint8_t> Decoder::read_u8() {
  return static_cast<uint8_t>(TRY(read_le(1)));
}
ErrorOr<uint16_t> Decoder::read_u16() {
  return static_cast<uint16_t>(TRY(read_le(2)));
}
ErrorOr<uint32_t> Decoder::read_u32() {
  return static_cast<uint32_t>(TRY(read_le(4)));
}
ErrorOr<uint64_t> Decoder::read_u64() {
  return read_le(8);
}

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
    return fail(EPROTO, "invalid value: integer `" + std::to_string(byte) + "`, expected an optional tag (0 or 1)");
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

void encode(Encoder& e, uint8_t value) {
  e.write_u8(value);
}
void encode(Encoder& e, uint16_t value) {
  e.write_u16(value);
}
void encode(Encoder& e, uint32_t value) {
  e.write_u32(value);
}
void encode(Encoder& e, uint64_t value) {
  e.write_u64(value);
}
void encode(Encoder& e, int32_t value) {
  e.write_u32(static_cast<uint32_t>(value));
}
void encode(Encoder& e, int64_t value) {
  e.write_u64(static_cast<uint64_t>(value));
}
void encode(Encoder& e, bool value) {
  e.write_u8(value ? 1 : 0);
}

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
  if (!se::is_valid_utf8(text)) return fail(EPROTO, "invalid utf-8 in string");
  out.assign(text);
  return {};
}

ErrorOr<void> decode(Decoder& d, Bytes& out) {
  const auto bytes = TRY(d.read_length_prefixed());
  out.assign(bytes.begin(), bytes.end());
  return {};
}

}  // namespace se::wire
