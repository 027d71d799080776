// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
// Thread-safety: pure function.
#pragma once

#include <string_view>

namespace se {

bool is_valid_utf8(std::string_view bytes);

}  // namespace se
