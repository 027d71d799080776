// BARE primitives (spec/protocol.md s1.3): an Encoder that appends to a byte buffer and a bounds-checked
// Decoder over a byte span, plus the encode/decode overloads for primitives and containers that the
// generated wire/protocol.h builds on. Thread-safety: Encoder/Decoder are single-thread values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/error.h"

namespace se::wire {

using Bytes = std::vector<uint8_t>;

// Appends BARE encodings to a buffer it borrows; the buffer must outlive the encoder.
class Encoder {
 public:
  explicit Encoder(Bytes& out) : out_(out) {}

  void write_uint(uint64_t value);  // unsigned LEB128, at most 10 bytes
  void write_u8(uint8_t value) { out_.push_back(value); }
  void write_u16(uint16_t value) { write_le(value, 2); }
  void write_u32(uint32_t value) { write_le(value, 4); }
  void write_u64(uint64_t value) { write_le(value, 8); }
  void write_raw(std::span<const uint8_t> bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }

 private:
  void write_le(uint64_t value, int width);
  Bytes& out_;
};

// Reads BARE encodings from a span it borrows. Every length and count is checked against the bytes
// that remain before anything is allocated. Failure messages are serde_bare's, without the
// "protocol frame deserialization failed: " prefix that decode_frame adds.
class Decoder {
 public:
  explicit Decoder(std::span<const uint8_t> input) : input_(input) {}

  size_t position() const { return position_; }
  size_t remaining() const { return input_.size() - position_; }

  ErrorOr<uint64_t> read_uint();
  ErrorOr<uint8_t> read_u8();
  ErrorOr<uint16_t> read_u16();
  ErrorOr<uint32_t> read_u32();
  ErrorOr<uint64_t> read_u64();
  ErrorOr<bool> read_bool();          // 0x00 or 0x01 only
  ErrorOr<bool> read_optional_tag();  // 0x00 absent, 0x01 present, anything else fails
  // Reads a union tag or enum value and checks it against the number of members.
  ErrorOr<uint32_t> read_variant_index(uint32_t member_count);
  // Reads a list/map count; fails when `count * min_element_size` bytes cannot remain.
  ErrorOr<size_t> read_count(size_t min_element_size);
  // Reads a length-prefixed byte run and returns a view into the input.
  ErrorOr<std::span<const uint8_t>> read_length_prefixed();

 private:
  ErrorOr<uint64_t> read_le(size_t width);
  std::span<const uint8_t> input_;
  size_t position_ = 0;
};

// Failure for a value that is not one of the expected variants (serde's wording).
Unexpected invalid_variant_index(uint64_t value, uint32_t member_count);

// Smallest number of bytes the encoding of T can take; bounds list and map counts before allocation.
// The generator specialises it for every schema type.
template <typename T>
struct MinEncodedSize;
template <>
struct MinEncodedSize<uint8_t> : std::integral_constant<size_t, 1> {};
template <>
struct MinEncodedSize<uint16_t> : std::integral_constant<size_t, 2> {};
template <>
struct MinEncodedSize<uint32_t> : std::integral_constant<size_t, 4> {};
template <>
struct MinEncodedSize<uint64_t> : std::integral_constant<size_t, 8> {};
template <>
struct MinEncodedSize<int32_t> : std::integral_constant<size_t, 4> {};
template <>
struct MinEncodedSize<int64_t> : std::integral_constant<size_t, 8> {};
template <>
struct MinEncodedSize<bool> : std::integral_constant<size_t, 1> {};
template <>
struct MinEncodedSize<std::string> : std::integral_constant<size_t, 1> {};
template <>
struct MinEncodedSize<Bytes> : std::integral_constant<size_t, 1> {};
template <typename T>
struct MinEncodedSize<std::optional<T>> : std::integral_constant<size_t, 1> {};
template <typename T>
struct MinEncodedSize<std::vector<T>> : std::integral_constant<size_t, 1> {};
template <typename K, typename V>
struct MinEncodedSize<std::map<K, V>> : std::integral_constant<size_t, 1> {};

void encode(Encoder& e, uint8_t value);
void encode(Encoder& e, uint16_t value);
void encode(Encoder& e, uint32_t value);
void encode(Encoder& e, uint64_t value);
void encode(Encoder& e, int32_t value);
void encode(Encoder& e, int64_t value);
void encode(Encoder& e, bool value);
void encode(Encoder& e, const std::string& value);  // str
void encode(Encoder& e, const Bytes& value);        // data

ErrorOr<void> decode(Decoder& d, uint8_t& out);
ErrorOr<void> decode(Decoder& d, uint16_t& out);
ErrorOr<void> decode(Decoder& d, uint32_t& out);
ErrorOr<void> decode(Decoder& d, uint64_t& out);
ErrorOr<void> decode(Decoder& d, int32_t& out);
ErrorOr<void> decode(Decoder& d, int64_t& out);
ErrorOr<void> decode(Decoder& d, bool& out);
ErrorOr<void> decode(Decoder& d, std::string& out);
ErrorOr<void> decode(Decoder& d, Bytes& out);

// Containers. Declared together first so that nested containers (optional<list<str>>) resolve;
// schema types are found by argument-dependent lookup at instantiation.
template <typename T>
void encode(Encoder& e, const std::optional<T>& value);
template <typename T>
void encode(Encoder& e, const std::vector<T>& value);
template <typename K, typename V>
void encode(Encoder& e, const std::map<K, V>& value);
template <typename T>
ErrorOr<void> decode(Decoder& d, std::optional<T>& out);
template <typename T>
ErrorOr<void> decode(Decoder& d, std::vector<T>& out);
template <typename K, typename V>
ErrorOr<void> decode(Decoder& d, std::map<K, V>& out);

template <typename T>
void encode(Encoder& e, const std::optional<T>& value) {
  e.write_u8(value.has_value() ? 1 : 0);
  if (value) encode(e, *value);
}

template <typename T>
void encode(Encoder& e, const std::vector<T>& value) {
  e.write_uint(value.size());
  for (const T& item : value) encode(e, item);
}

// Pairs are written in key order; the reference (a Rust HashMap) uses an unspecified order.
template <typename K, typename V>
void encode(Encoder& e, const std::map<K, V>& value) {
  e.write_uint(value.size());
  for (const auto& [key, item] : value) {
    encode(e, key);
    encode(e, item);
  }
}

template <typename T>
ErrorOr<void> decode(Decoder& d, std::optional<T>& out) {
  if (!TRY(d.read_optional_tag())) {
    out.reset();
    return {};
  }
  T value{};
  TRY(decode(d, value));
  out = std::move(value);
  return {};
}

template <typename T>
ErrorOr<void> decode(Decoder& d, std::vector<T>& out) {
  static_assert(MinEncodedSize<T>::value > 0, "a list of void elements cannot be bounded");
  const size_t count = TRY(d.read_count(MinEncodedSize<T>::value));
  out.clear();
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    T item{};
    TRY(decode(d, item));
    out.push_back(std::move(item));
  }
  return {};
}

// Duplicate keys collapse and the last pair wins, as with the reference's HashMap.
template <typename K, typename V>
ErrorOr<void> decode(Decoder& d, std::map<K, V>& out) {
  const size_t count = TRY(d.read_count(MinEncodedSize<K>::value + MinEncodedSize<V>::value));
  out.clear();
  for (size_t i = 0; i < count; ++i) {
    K key{};
    V item{};
    TRY(decode(d, key));
    TRY(decode(d, item));
    out.insert_or_assign(std::move(key), std::move(item));
  }
  return {};
}

}  // namespace se::wire
