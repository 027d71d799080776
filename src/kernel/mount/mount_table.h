// A VM's mount table (spec/kernel.md s2.7, s4.1): the root filesystem at "/" plus filesystems
// mounted at other paths, itself a FileSystem that routes every call by longest path prefix. Routing
// is lexical: a symlink is resolved inside the filesystem that holds it, and creating one whose
// target (made absolute against the link's directory) routes to another mount is EXDEV, as are
// rename and link between mounts. A read-only mount refuses every change with EROFS
// "read-only filesystem: {path}" (mkdir of an existing directory with exist_ok still succeeds and
// an existing name is still EEXIST, as on Linux). Results that name paths (realpath,
// resolve_destination) carry the mount path; errors raised inside a mount, EROFS included, name
// the mount-relative path, as the reference's do. Listings of a directory show the mountpoints below
// it; stat of a mountpoint is the mounted root. Snapshot export and usage are the root's alone.
// Thread-safety: not thread-safe; the owning VM serialises calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/vfs/file_system.h"

namespace se::kernel::mount {

// Mounts per VM, the root included; one more is ENOSPC "mount table is full: at most {n} mounts".
inline constexpr size_t kMaxMounts = 256;

struct MountInfo {
  std::string path;
  std::string plugin_id;
  bool read_only = false;
  bool operator==(const MountInfo&) const = default;
};

class MountTable final : public vfs::FileSystem {
 public:
  // `root` is mounted at "/" with plugin id "root".
  MountTable(std::unique_ptr<vfs::FileSystem> root, bool root_read_only);
  ~MountTable() override;
  MountTable(const MountTable&) = delete;
  MountTable& operator=(const MountTable&) = delete;

  // `path` normalised. "/" -> EINVAL "cannot mount over root"; a mounted path -> EEXIST "already
  // mounted at {path}". A missing mountpoint is created (mkdir -p) in the filesystem that holds it
  // unless that one is read-only; any other failure to create it fails the mount. What the
  // mountpoint held before stays hidden until the unmount.
  ErrorOr<void> mount(std::string_view path, std::unique_ptr<vfs::FileSystem> fs, std::string plugin_id,
                      bool read_only);
  // "/" -> EINVAL "cannot unmount root"; a mount below -> EBUSY "mount point has child mounts:
  // {path}"; nothing mounted there -> EINVAL "not a mount point: {path}".
  ErrorOr<void> unmount(std::string_view path);
  // Longest path first, the root last.
  std::vector<MountInfo> mounts() const;
  // The mount path `path` routes to.
  const std::string& mount_of(std::string_view path) const;

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
  std::vector<FsEntry> export_entries() const override;
  vfs::FsUsage usage() const override;
  void set_limits(vfs::FsLimits limits) override;

 private:
  struct Mount {
    std::string path;
    std::string plugin_id;
    bool read_only = false;
    std::unique_ptr<vfs::FileSystem> fs;
  };
  struct Route {
    Mount* mount;
    std::string relative;  // the path inside the mounted filesystem
  };

  // Index in mounts_ of the mount `path` routes to.
  size_t route_index(std::string_view path) const;
  Route route(std::string_view path);
  // The route of a change: EROFS on a read-only mount.
  ErrorOr<Route> writable_route(std::string_view path);
  // `relative` (a path inside `mount`) as a path of the whole tree.
  static std::string outer_path(const Mount& mount, std::string_view relative);
  Mount& root_mount() { return mounts_.back(); }
  const Mount& root_mount() const { return mounts_.back(); }

  // Longest path first; the root is always last.
  std::vector<Mount> mounts_;
};

}  // namespace se::kernel::mount
