#include "kernel/vfs/fs_errors.h"

#include <string>

namespace se::kernel::vfs {

namespace {

Unexpected with_path(int code, std::string_view prefix, std::string_view path) {
  std::string message(prefix);
  message.append(path);
  return fail(code, std::move(message));
}

Unexpected with_op(int code, std::string_view prefix, std::string_view op, std::string_view path) {
  std::string message(prefix);
  message.append(", ").append(op).append(" '").append(path).append("'");
  return fail(code, std::move(message));
}

}  // namespace

Unexpected no_such_file(std::string_view path) {
  return with_path(ENOENT, "no such file: ", path);
}

Unexpected no_such_directory(std::string_view path) {
  return with_path(ENOENT, "no such directory: ", path);
}

Unexpected no_such_parent(std::string_view op, std::string_view path) {
  return with_op(ENOENT, "no such file or directory", op, path);
}

Unexpected file_exists(std::string_view path) {
  return with_path(EEXIST, "file exists: ", path);
}

Unexpected already_exists(std::string_view op, std::string_view path) {
  return with_op(EEXIST, "file already exists", op, path);
}

Unexpected is_a_directory(std::string_view op, std::string_view path) {
  return with_op(EISDIR, "illegal operation on a directory", op, path);
}

Unexpected not_a_directory(std::string_view path) {
  return with_path(ENOTDIR, "not a directory: ", path);
}

Unexpected not_a_directory(std::string_view op, std::string_view path) {
  return with_op(ENOTDIR, "not a directory", op, path);
}

Unexpected not_empty(std::string_view path) {
  return with_op(ENOTEMPTY, "directory not empty", "rmdir", path);
}

Unexpected not_permitted(std::string_view op, std::string_view path) {
  return with_op(EPERM, "operation not permitted", op, path);
}

Unexpected symlink_loop() {
  return fail(ELOOP, "too many levels of symbolic links");
}

Unexpected read_only(std::string_view path) {
  return with_path(EROFS, "read-only filesystem: ", path);
}

Unexpected not_a_symlink(std::string_view path) {
  return fail(EINVAL, "invalid argument, readlink '" + std::string(path) + "'");
}

}  // namespace se::kernel::vfs
