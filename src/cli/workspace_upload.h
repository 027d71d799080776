// Copies host files into a VM's guest filesystem for `secure-exec run` and `exec`: one script, or a
// directory tree (--mount-dir) mirrored under a guest directory. Regular files keep their bytes and
// executable bits, directories are created, symlinks are recreated when they resolve inside the tree
// and refused when they escape it; other kinds (fifos, sockets, devices) are skipped and reported.
// Thread-safety: single-threaded use.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "client/client.h"

namespace se::cli {

// Failures are complete messages ("cannot read x.js: No such file or directory").
template <typename T>
using UploadResult = std::expected<T, std::string>;

// The bytes of a host file, which must be a regular file (symlinks to one are followed).
UploadResult<std::string> read_host_file(const std::string& host_path);

// Writes `content` to `guest_path` (missing parents are created).
UploadResult<void> upload_file(client::Client& client, const client::VmHandle& vm, const std::string& guest_path,
                               const std::string& content);

// Mirrors the contents of the host directory `host_dir` under `guest_dir`. Returns the host paths
// that were skipped because they are neither regular files, directories nor symlinks.
UploadResult<std::vector<std::string>> upload_tree(client::Client& client, const client::VmHandle& vm,
                                                   const std::string& host_dir, const std::string& guest_dir);

// The path of `host_path` relative to the directory `host_dir` when it lies inside it (both
// resolved through symlinks), else an empty string.
std::string path_inside(const std::string& host_path, const std::string& host_dir);

}  // namespace se::cli
