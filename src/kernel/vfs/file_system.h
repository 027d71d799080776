// The interface every VM filesystem implements: the in-memory inode store and the overlay of
// shared lower layers plus a writable upper. Paths are validated and normalised by the caller
// (vfs/path.h); implementations resolve symlinks with Linux semantics and report errors in the
// vocabulary of vfs/fs_errors.h. Permission checks and read-only locking live above (VmFilesystem).
// Thread-safety: implementations are not thread-safe; the owning VM serialises calls.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/fs_types.h"

namespace se::kernel::vfs {

// Whether a create may make missing parent directories (the host API's reference behaviour) or
// must find them, as a Linux system call does (ENOENT otherwise).
enum class Parents { MustExist, Create };

// Capacity of a filesystem; usage may reach a limit exactly but never pass it.
struct FsLimits {
  uint64_t max_bytes = std::numeric_limits<uint64_t>::max();
  uint64_t max_inodes = std::numeric_limits<uint64_t>::max();
};

// Bytes = file sizes plus symlink target lengths; inodes = live inodes, the root included.
struct FsUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Resolution. realpath follows every symlink and needs the entry to exist. resolve_destination
  // resolves the path as far as it exists and appends the rest lexically: the subject of
  // create-type permission checks (spec/kernel.md s10.2). With `follow_final` a final symlink is
  // followed too, so a write through a dangling link is judged on the file it would create.
  virtual ErrorOr<std::string> realpath(std::string_view path) = 0;
  virtual ErrorOr<std::string> resolve_destination(std::string_view path, bool follow_final) = 0;

  // Metadata. `follow` selects stat (true) or lstat (false) semantics for the final component.
  virtual ErrorOr<FileStat> stat(std::string_view path, bool follow) = 0;
  virtual ErrorOr<std::string> read_link(std::string_view path) = 0;
  // Sorted byte-wise, without "." and ".."; more than `max_entries` names -> ENOMEM.
  virtual ErrorOr<std::vector<std::string>> read_dir(std::string_view path, uint64_t max_entries) = 0;

  // File data.
  virtual ErrorOr<std::string> read_file(std::string_view path) = 0;
  virtual ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) = 0;
  // Replaces the contents of the file `path` resolves to, creating it (mode 0644) if missing.
  virtual ErrorOr<void> write_file(std::string_view path, std::string_view data, Parents parents) = 0;
  // Writes `data` at `offset` of the existing file `path` resolves to, extending it (with zero
  // bytes past the old end) as needed; costs O(data), not O(file). ENOENT when missing, EISDIR for
  // a directory, EFBIG when the end would pass what one file can hold.
  virtual ErrorOr<void> pwrite(std::string_view path, uint64_t offset, std::string_view data) = 0;
  virtual ErrorOr<void> truncate(std::string_view path, uint64_t length) = 0;

  // Namespace. mkdir with `exist_ok` accepts an existing directory (mkdir -p); otherwise an
  // existing entry is EEXIST "file exists: {path}".
  virtual ErrorOr<void> mkdir(std::string_view path, Parents parents, bool exist_ok) = 0;
  virtual ErrorOr<void> symlink(std::string_view target, std::string_view link_path, Parents parents) = 0;
  virtual ErrorOr<void> link(std::string_view existing_path, std::string_view new_path, Parents parents) = 0;
  virtual ErrorOr<void> remove_file(std::string_view path) = 0;
  virtual ErrorOr<void> remove_dir(std::string_view path, bool recursive) = 0;
  virtual ErrorOr<void> rename(std::string_view from, std::string_view to, Parents parents) = 0;

  // Attributes. chmod keeps the type bits and sets the 07777 bits; chown sets both ids.
  virtual ErrorOr<void> chmod(std::string_view path, uint32_t mode, bool follow) = 0;
  virtual ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) = 0;
  virtual ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) = 0;

  // The whole tree depth-first from "/" with sorted children, "/" first (snapshot export). Reads
  // nothing but metadata and data; no timestamps change.
  virtual std::vector<FsEntry> export_entries() const = 0;

  // Accounting: counters are kept incrementally; every growth past a limit fails with ENOSPC
  // "maximum filesystem size limit reached" / "maximum inode count limit reached" and changes
  // nothing.
  virtual FsUsage usage() const = 0;
  virtual void set_limits(FsLimits limits) = 0;
};

}  // namespace se::kernel::vfs
