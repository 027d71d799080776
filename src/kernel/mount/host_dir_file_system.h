// A real host directory as a mounted filesystem (the `host_dir` and `module_access` plugins,
// spec/kernel.md s4.4). This is a security boundary: guest paths name entries of the host, so every
// access is anchored on a descriptor of the root and resolved by the host kernel with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS). A ".." above the root, an absolute symlink or
// a relative one that leaves the root, and magic links such as /proc/self/root all fail with
// EACCES "permission denied, {op} '{path}': path escapes host directory"; symlinks that stay
// inside work. Calls that name an entry without following it (lstat, unlink, mkdir, rename, ...)
// run on the anchored parent directory's descriptor with the final name, which cannot escape.
// There is no fallback: without openat2 (Linux < 5.6) opening fails with ENOSYS.
// Stat fields (mode, size, times, ino, dev, nlink, uid, gid) are the host's; listings are sorted
// byte-wise; a whole-file read of more than `max_read_bytes` (the VM's maxPreadBytes) is EINVAL
// "file size {n} exceeds host_dir read limit {m}: {path}". Usage is not accounted (s11.2).
// Thread-safety: not thread-safe; the owning VM serialises calls. Concurrent changes of the host
// directory by others cannot make a resolution escape (the host kernel checks every step).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "kernel/vfs/file_system.h"

namespace se::kernel::mount {

// An owned file descriptor, closed on destruction.
class HostFd {
 public:
  HostFd() = default;
  explicit HostFd(int fd) : fd_(fd) {}
  ~HostFd();
  HostFd(HostFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  HostFd& operator=(HostFd&& other) noexcept;
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int get() const { return fd_; }
  // Gives up ownership (to an API that closes the descriptor itself).
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

class HostDirFileSystem final : public vfs::FileSystem {
 public:
  // `host_path` is canonicalised (its own symlinks are trusted configuration) and must be a
  // directory: ENOENT "no such file: {p}" / ENOTDIR "host_dir root is not a directory: {p}".
  static ErrorOr<std::unique_ptr<HostDirFileSystem>> open(std::string_view host_path, uint64_t max_read_bytes);

  // The canonical host path of the root.
  const std::string& host_root() const { return host_root_; }

  ErrorOr<std::string> realpath(std::string_view path) override;
  ErrorOr<std::string> resolve_destination(std::string_view path, bool follow_final) override;
  ErrorOr<FileStat> stat(std::string_view path, bool follow) override;
  ErrorOr<std::string> read_link(std::string_view path) override;
  ErrorOr<std::vector<std::string>> read_dir(std::string_view path, uint64_t max_entries) override;
  ErrorOr<std::string> read_file(std::string_view path) override;
  ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) override;
  ErrorOr<void> write_file(std::string_view path, std::string_view data, vfs::Parents parents) override;
  ErrorOr<void> pwrite(std::string_view path, uint64_t offset, std::string_view data) override;
  ErrorOr<void> truncate(std::string_view path, uint64_t length) override;
  ErrorOr<void> mkdir(std::string_view path, vfs::Parents parents, bool exist_ok) override;
  ErrorOr<void> symlink(std::string_view target, std::string_view link_path, vfs::Parents parents) override;
  ErrorOr<void> link(std::string_view existing_path, std::string_view new_path, vfs::Parents parents) override;
  ErrorOr<void> remove_file(std::string_view path) override;
  ErrorOr<void> remove_dir(std::string_view path, bool recursive) override;
  ErrorOr<void> rename(std::string_view from, std::string_view to, vfs::Parents parents) override;
  ErrorOr<void> chmod(std::string_view path, uint32_t mode, bool follow) override;
  ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) override;
  ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) override;
  // A host directory is never part of a snapshot and not counted in the VM's usage.
  std::vector<FsEntry> export_entries() const override { return {}; }
  vfs::FsUsage usage() const override { return {}; }
  void set_limits(vfs::FsLimits) override {}

 private:
  HostDirFileSystem(HostFd root, std::string host_root, uint64_t max_read_bytes);

  // `path` (normalised, mount-relative) opened beneath the root with open(2) `flags`; the final
  // symlink is followed unless `flags` has O_NOFOLLOW. `op` names the call in errors.
  ErrorOr<HostFd> open_beneath(std::string_view op, std::string_view path, int flags, uint32_t mode = 0) const;
  // The anchored parent directory of `path` (not "/") for *at calls with its base name.
  ErrorOr<HostFd> open_parent(std::string_view op, std::string_view path) const;
  ErrorOr<void> make_parents(std::string_view op, std::string_view path);
  ErrorOr<void> remove_tree(int parent_fd, const std::string& name, std::string_view path, uint32_t depth);

  HostFd root_;
  std::string host_root_;
  uint64_t max_read_bytes_;
};

}  // namespace se::kernel::mount
