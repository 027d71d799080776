// The synthetic half of one VM's file namespace: /proc (proc_fs.h) and /dev (dev_fs.h) as path
// operations and as open(2), seen by a calling process (`caller`: its /proc/self, its descriptors
// behind /dev/stdin and /dev/fd/N, its terminal behind /dev/tty) or by the host (caller 0: no
// /proc/self, so /dev/stdin.. and /dev/fd dangle; terminals and pipes cannot be read by path).
//
// How to use it: route every path operation whose path handles() accepts here instead of to
// VmFilesystem (for rename and link: when either path is special, call change() with the special
// one, the source if both are), and set KernelOptions::synthetic_files to call open(), so
// ProcessKernel::open yields device descriptors for /dev/null & co and /proc files. VmFilesystem
// itself refuses to create anything under /dev, /proc or /sys, so nothing synthetic is ever stored
// in a snapshot.
//
// Semantics (spec/kernel.md s5, Linux where the reference departs, see docs in the .cc): reads of
// /proc check the fs policy ("read"/"stat"/"readdir") on the guest-visible path; every change under
// /proc is the policy's "write" check, then EROFS "read-only filesystem: {path}"; under /dev
// unlink/rename/link/rmdir are EPERM, creating a new name EACCES, chmod/chown/utimes/truncate of a
// device a no-op; writes to null/zero/random/urandom are discarded and to full fail with ENOSPC.
// A symlink that leaves the synthetic trees (/proc/self/cwd, /proc/<pid>/fd/N of a file) continues
// in VmFilesystem; a symlink stored in VmFilesystem that points into /proc is not followed there.
//
// Thread-safety: thread-safe. Call it holding neither the VM lock nor the kernel lock: it calls
// the ProcessKernel's thread-safe queries and takes the VM lock itself only around VmFilesystem
// calls (lock order kernel -> VM is kept: it never holds the VM lock while calling the kernel).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "config/limits.h"
#include "kernel/permission_engine.h"
#include "kernel/proc/process_kernel.h"
#include "kernel/special/dev_fs.h"
#include "kernel/special/proc_fs.h"
#include "kernel/vm_filesystem.h"

namespace se::kernel::special {

// Changes to the namespace or to attributes, routed through SpecialFiles::change.
enum class Change { CreateDir, Mkdir, Remove, RemoveDir, Rename, Symlink, Link, Chmod, Chown, Utimes, Truncate };

class SpecialFiles {
 public:
  // `fs` and `fs_lock` are the VM's filesystem and the lock that serialises it; all are borrowed
  // and must outlive this object.
  SpecialFiles(ProcessKernel& kernel, VmFilesystem& fs, std::mutex& fs_lock, const PermissionEngine& permissions,
               const config::ResourceLimits& limits, MachineInfo machine);

  // True when `path` (normalised lexically, as VmFilesystem does) is /proc, /dev or below them.
  static bool handles(std::string_view path);

  ErrorOr<std::string> read_file(Pid caller, std::string_view path);
  // EINVAL "pread length {n} exceeds configured limit {m}" above maxPreadBytes; ESPIPE for a pipe
  // or terminal.
  ErrorOr<std::string> pread(Pid caller, std::string_view path, uint64_t offset, uint64_t length);
  ErrorOr<void> write_file(Pid caller, std::string_view path, std::string_view data);
  ErrorOr<bool> exists(Pid caller, std::string_view path);
  ErrorOr<FileStat> stat(Pid caller, std::string_view path);
  ErrorOr<FileStat> lstat(Pid caller, std::string_view path);
  // More than maxReaddirEntries names is ENOMEM, as for every directory.
  ErrorOr<std::vector<std::string>> read_dir(Pid caller, std::string_view path);
  ErrorOr<std::string> realpath(Pid caller, std::string_view path);
  ErrorOr<std::string> read_link(Pid caller, std::string_view path);
  ErrorOr<void> change(Pid caller, Change change, std::string_view path);

  // KernelOptions::synthetic_files. nullopt for a relative path or one outside /proc and /dev.
  ErrorOr<std::optional<SyntheticOpen>> open(Pid caller, std::string_view path, uint32_t flags);

 private:
  // Where a path leads: a synthetic node, or an ordinary path VmFilesystem resolves further.
  struct Resolved {
    std::optional<Node> node;
    std::string ordinary;
  };

  ErrorOr<Node> lookup(Pid caller, const std::string& path) const;
  ErrorOr<Resolved> resolve(Pid caller, std::string path, bool follow_final) const;
  ErrorOr<void> authorize(std::string_view op, std::string_view capability, const std::string& path) const;
  ErrorOr<std::string> read_stream(Pid caller, const std::string& path);
  ErrorOr<void> write_stream(Pid caller, const std::string& path, std::string_view data);
  FileStat stat_of(const Node& node) const;
  ErrorOr<std::optional<SyntheticOpen>> open_node(Pid caller, const Node& node, uint32_t flags);

  ProcessKernel& kernel_;
  VmFilesystem& fs_;
  std::mutex& fs_lock_;
  const PermissionEngine& permissions_;
  uint64_t max_readdir_entries_;
  uint64_t max_pread_bytes_;
  ProcFs proc_;
  DevFs dev_;
};

}  // namespace se::kernel::special
