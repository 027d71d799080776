#include "kernel/base64.h"

#include <array>
#include <cstdint>

namespace se::kernel {

namespace {

constexpr int8_t kInvalid = -1;

constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> table{};
  table.fill(kInvalid);
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < alphabet.size(); ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return table;
}

constexpr std::array<int8_t, 256> kDecodeTable = make_decode_table();

Unexpected invalid_symbol(const char* what, size_t offset, char symbol) {
  return fail(Error::plain(std::string(what) + " " + std::to_string(static_cast<unsigned char>(symbol)) +
                           ", offset " + std::to_string(offset) + "."));
}

}  // namespace

ErrorOr<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return fail(Error::plain("Invalid input length."));
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  const size_t data_length = text.size() - padding;
  for (size_t i = 0; i < data_length; ++i) {
    if (text[i] == '=') return fail(Error::plain("Invalid padding"));
    if (kDecodeTable[static_cast<unsigned char>(text[i])] == kInvalid) return invalid_symbol("Invalid symbol", i, text[i]);
  }
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < data_length; ++i) {
    buffer = (buffer << 6) | static_cast<uint32_t>(kDecodeTable[static_cast<unsigned char>(text[i])]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // A padded final group must not carry set bits past the last decoded byte (canonical encoding).
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
    return invalid_symbol("Invalid last symbol", data_length - 1, text[data_length - 1]);
  }
  return decoded;
}

}  // namespace se::kernel
