// Guest path syntax (spec/kernel.md s2.1): validation and lexical normalisation of the absolute,
// '/'-separated byte strings every filesystem call takes.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.h"

namespace se::kernel::vfs {

inline constexpr size_t kMaxPathLength = 4096;

// "" -> "/"; relative paths start at "/"; empty and "." components dropped; ".." pops a component
// but never climbs above "/". No trailing slash. ".." is resolved before any symlink is followed.
std::string normalize_path(std::string_view path);

// Validates a caller-supplied path and returns it normalised: a NUL byte -> EINVAL "path contains
// NUL byte", another control byte -> EINVAL "path contains control character byte 0x1f", a
// normalised length above 4096 -> ENAMETOOLONG "file name too long: {path}".
ErrorOr<std::string> checked_path(std::string_view path);

// Parent of a normalised path ("/" for "/" and for "/a").
std::string_view parent_path(std::string_view normalized);
// Last component of a normalised path ("" for "/").
std::string_view base_name(std::string_view normalized);
// `directory` + "/" + `name` without doubling the root slash.
std::string join_path(std::string_view directory, std::string_view name);
// True when `path` lies strictly below `ancestor` (both normalised).
bool is_strict_descendant(std::string_view path, std::string_view ancestor);

}  // namespace se::kernel::vfs
