// The filesystem one VM exposes to the host API (GuestFilesystemCall, bootstrap, snapshots) and to
// its guests: the root filesystem and the filesystems mounted beside it (mount/mount_table.h),
// wrapped in path validation, the VM's fs permission policy, read-only locking and resource limits.
// Error messages follow the reference (spec/peer-behaviour.md s7); the errno is Error::errno_code.
// Thread-safety: not thread-safe; the owning VM serialises calls. The PermissionEngine passed to
// create() is borrowed and must outlive this object (the VM owns both).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "config/limits.h"
#include "config/root_filesystem.h"
#include "kernel/fs_types.h"
#include "kernel/mount/mount_table.h"
#include "kernel/permission_engine.h"
#include "kernel/root_entries.h"
#include "kernel/vfs/file_system.h"

namespace se::kernel {

class VmFilesystem {
 public:
  // Builds the root, an overlay (vfs/overlay_file_system.h) of immutable layers shared with every VM
  // configured alike: lowers (index 0 highest precedence; a lower may be the bundled base), then the
  // bundled base as the lowest layer unless disable_default_base_layer (disabled and no lowers: the
  // minimal skeleton); the bootstrap entries go into the VM's private upper (entries at or below
  // /dev, /proc and /sys are skipped). Too large a descriptor fails with a plain error "root filesystem: root
  // filesystem descriptor contains {n} entries, exceeding limit {l}" (or "{n} bytes"). A read-only root locks every
  // later mutation (EROFS "read-only filesystem: {path}").
  static ErrorOr<std::unique_ptr<VmFilesystem>> create(const config::RootFilesystemConfig& config,
                                                       const config::ResourceLimits& limits,
                                                       const PermissionEngine& permissions);

  ErrorOr<std::string> read_file(std::string_view path);
  // Bytes [offset, offset + length) clipped to the file; "" past the end. A length above
  // maxPreadBytes is EINVAL "pread length {n} exceeds configured limit {m}".
  ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length);
  // Creates missing parent directories (the reference's behaviour).
  ErrorOr<void> write_file(std::string_view path, std::string_view data);
  // Writes `data` at `offset` of an existing file (a guest descriptor write): fs.write permission,
  // read-only root and maxFilesystemBytes apply; an empty `data` checks them and changes nothing.
  ErrorOr<void> pwrite(std::string_view path, uint64_t offset, std::string_view data);
  // Both create missing parents; an existing path is EEXIST "file exists: {path}" except for
  // mkdir(recursive) of an existing directory.
  ErrorOr<void> create_dir(std::string_view path);
  ErrorOr<void> mkdir(std::string_view path, bool recursive);
  // Follows symlinks: a dangling symlink does not exist.
  ErrorOr<bool> exists(std::string_view path);
  ErrorOr<FileStat> stat(std::string_view path);
  ErrorOr<FileStat> lstat(std::string_view path);
  // Sorted byte-wise, no "." / ".."; more than maxReaddirEntries names is ENOMEM.
  ErrorOr<std::vector<std::string>> read_dir(std::string_view path);
  ErrorOr<void> remove_file(std::string_view path);
  ErrorOr<void> remove_dir(std::string_view path, bool recursive);
  // Linux rules: a file cannot replace a directory (EISDIR) nor a directory a file (ENOTDIR), a
  // directory only an empty one, never into its own subtree (EINVAL). Missing destination parents
  // are created (the reference's behaviour).
  ErrorOr<void> rename(std::string_view from, std::string_view to);
  ErrorOr<std::string> realpath(std::string_view path);
  ErrorOr<void> symlink(std::string_view target, std::string_view link_path);
  ErrorOr<std::string> read_link(std::string_view path);
  ErrorOr<void> link(std::string_view existing_path, std::string_view new_path);
  ErrorOr<void> chmod(std::string_view path, uint32_t mode);
  ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid);
  ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms);
  ErrorOr<void> truncate(std::string_view path, uint64_t length);

  // Host-side, no permission check. apply_entries is BootstrapRootFilesystem: entries in order,
  // conflicts fail like the system calls they map to; EROFS on a read-only root.
  ErrorOr<void> apply_entries(const std::vector<FsEntry>& entries);
  // The merged tree depth-first from "/" with sorted children, "/" first (protocol.md s3.8).
  ErrorOr<std::vector<FsEntry>> snapshot() const;
  // Writes /bin/{name} = "#!/bin/sh\n# kernel command stub\n" (0755) unless /bin/{name} exists.
  // Part of VM construction: no permission check, and allowed on a read-only root (the reference
  // registers commands before it locks the root). A name that is empty, "." or "..", or contains
  // '/' or a control byte is EINVAL "invalid command name: {name}".
  ErrorOr<void> install_command_stub(std::string_view name);

  // Host-side (ConfigureVm), no permission check: the client configures mounts. Rules and errors of
  // mount::MountTable; bootstrap, snapshots and usage stay the root's.
  ErrorOr<void> mount(std::string_view path, std::unique_ptr<vfs::FileSystem> fs, std::string plugin_id,
                      bool read_only);
  ErrorOr<void> unmount(std::string_view path);
  // Longest path first, the root last. Safe from any thread (/proc/mounts reads it without the VM
  // lock), and the reader stays valid after the filesystem is gone.
  std::vector<mount::MountInfo> mounts() const { return mount_list_->read(); }
  std::function<std::vector<mount::MountInfo>()> mount_list_reader() const {
    return [list = mount_list_] { return list->read(); };
  }

  uint64_t used_bytes() const { return root_->usage().bytes; }
  uint64_t used_inodes() const { return root_->usage().inodes; }

 private:
  // What a permission check judges (spec/kernel.md s10.2).
  enum class Subject {
    Resolved,               // realpath: the entry must exist
    ExistingOrDestination,  // realpath when the entry exists, else the destination form (a final
                            // dangling symlink is followed to the path it would create)
    Destination,            // parent resolved as far as it exists, final component not followed
  };

  VmFilesystem(std::unique_ptr<vfs::FileSystem> root, const config::ResourceLimits& limits,
               const PermissionEngine& permissions, bool read_only);

  // True when the root is read-only and `path` routes to it.
  bool root_locked(std::string_view path) const;

  ErrorOr<std::string> subject_of(Subject subject, const std::string& path);
  // EACCES "permission denied, {op} '{subject}': {reason}" when fs.{capability} is not allowed.
  ErrorOr<void> authorize(std::string_view op, std::string_view capability, Subject subject, const std::string& path);
  ErrorOr<void> authorize_subject(std::string_view op, std::string_view capability, const std::string& subject) const;
  ErrorOr<void> ensure_writable(std::string_view path) const;
  ErrorOr<void> locked_mkdir(const std::string& path, bool exist_ok);

  // Every path operation goes through the mount table; root_ (owned by it) is the root alone.
  std::unique_ptr<mount::MountTable> mounts_;
  // A copy of mounts_->mounts() that other threads may read, refreshed on every mount change.
  struct MountList {
    mutable std::mutex mutex;
    std::vector<mount::MountInfo> list;
    std::vector<mount::MountInfo> read() const {
      std::lock_guard lock(mutex);
      return list;
    }
  };
  std::shared_ptr<MountList> mount_list_ = std::make_shared<MountList>();
  void publish_mounts();
  vfs::FileSystem* root_;
  const PermissionEngine* permissions_;
  uint64_t max_readdir_entries_;
  uint64_t max_pread_bytes_;
  bool writes_locked_;
};

}  // namespace se::kernel
