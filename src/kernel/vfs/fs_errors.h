// The filesystem error vocabulary, worded like the reference so that clients matching on messages
// keep working (spec/peer-behaviour.md s7): "ENOENT: no such file: /w/missing",
// "EISDIR: illegal operation on a directory, open '/w'", ...
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "base/error.h"

namespace se::kernel::vfs {

// ENOENT "no such file: {path}" (lookups of an existing entry).
Unexpected no_such_file(std::string_view path);
// ENOENT "no such directory: {path}" (rmdir of a missing path).
Unexpected no_such_directory(std::string_view path);
// ENOENT "no such file or directory, {op} '{path}'" (a create whose parent is missing).
Unexpected no_such_parent(std::string_view op, std::string_view path);
// EEXIST "file exists: {path}" (mkdir / createDir of an existing path).
Unexpected file_exists(std::string_view path);
// EEXIST "file already exists, {op} '{path}'" (symlink / link onto an existing name).
Unexpected already_exists(std::string_view op, std::string_view path);
// EISDIR "illegal operation on a directory, {op} '{path}'".
Unexpected is_a_directory(std::string_view op, std::string_view path);
// ENOTDIR "not a directory: {path}" (a path component or rmdir target that is not a directory).
Unexpected not_a_directory(std::string_view path);
// ENOTDIR "not a directory, {op} '{path}'" (scandir of a file, rename of a dir onto a file).
Unexpected not_a_directory(std::string_view op, std::string_view path);
// ENOTEMPTY "directory not empty, rmdir '{path}'".
Unexpected not_empty(std::string_view path);
// EPERM "operation not permitted, {op} '{path}'".
Unexpected not_permitted(std::string_view op, std::string_view path);
// ELOOP "too many levels of symbolic links".
Unexpected symlink_loop();
// EROFS "read-only filesystem: {path}".
Unexpected read_only(std::string_view path);
// EINVAL "invalid argument, readlink 'p'": readlink of something that is not a symlink.
Unexpected not_a_symlink(std::string_view path);

}  // namespace se::kernel::vfs
