// Standard base64 (RFC 4648 alphabet, padded) used for binary file content on the wire and in
// filesystem entries. Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace se {

std::string base64_encode(std::string_view bytes);

// Strict decoding: padded, canonical input of the standard alphabet only. On failure returns
// nullopt and, when `error` is given, the reason ("Invalid symbol 33, offset 4.",
// "Invalid input length: 5", "Invalid padding", "Invalid last symbol 66, offset 3.").
std::optional<std::string> base64_decode(std::string_view text, std::string* error = nullptr);

}  // namespace se
