#include "base/base64.h"

#include <array>
#include <cstdint>

namespace se {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_reverse_table() {
  std::array<int8_t, 256> table{};
  for (auto& slot : table) slot = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kReverse = make_reverse_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t chunk =
        (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint32_t(uint8_t(bytes[i + 2]));
    out.push_back(kAlphabet[(chunk >> 18) & 63]);
    out.push_back(kAlphabet[(chunk >> 12) & 63]);
    out.push_back(kAlphabet[(chunk >> 6) & 63]);
    out.push_back(kAlphabet[chunk & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t chunk = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) chunk |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(chunk >> 18) & 63]);
    out.push_back(kAlphabet[(chunk >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(chunk >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, std::string* error) {
  // Reasons (and the order in which problems are found) match the reference's decoder, since they
  // reach clients inside messages: bad symbols first, then length, then padding, then a
  // non-canonical last symbol.
  auto reject = [&](std::string reason) -> std::optional<std::string> {
    if (error) *error = std::move(reason);
    return std::nullopt;
  };
  auto bad_symbol = [&](const char* what, size_t offset) {
    return reject(std::string(what) + " " + std::to_string(static_cast<uint8_t>(text[offset])) + ", offset " +
                  std::to_string(offset) + ".");
  };
  // '=' is padding only as a trailing run in the last quad, at quad positions 2 and 3.
  size_t data_length = text.size();
  while (data_length > 0 && text[data_length - 1] == '=') --data_length;
  const size_t padding_quad_end = (data_length / 4 + 1) * 4;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=') {
      if (i < data_length || i % 4 < 2 || i >= padding_quad_end) return bad_symbol("Invalid symbol", i);
    } else if (kReverse[static_cast<uint8_t>(text[i])] < 0) {
      return bad_symbol("Invalid symbol", i);
    }
  }
  const size_t padding = text.size() - data_length;
  if (data_length % 4 == 1) return reject("Invalid input length: " + std::to_string(text.size()));
  if (data_length % 4 != 0 && padding != 4 - data_length % 4) return reject("Invalid padding");

  std::string decoded;
  decoded.reserve(data_length / 4 * 3 + 2);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < data_length; ++i) {
    buffer = (buffer << 6) | static_cast<uint32_t>(kReverse[static_cast<uint8_t>(text[i])]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return bad_symbol("Invalid last symbol", data_length - 1);
  return decoded;
}

}  // namespace se
