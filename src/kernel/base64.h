// Standard (RFC 4648, padded) base64 decoding of entry contents carried as text in configs and on
// the wire.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace se::kernel {

// Decodes padded standard base64. Failures are plain errors worded like the reference's decoder:
// "Invalid symbol 33, offset 4.", "Invalid input length.", "Invalid padding",
// "Invalid last symbol 66, offset 3.".
ErrorOr<std::string> base64_decode(std::string_view text);

}  // namespace se::kernel
