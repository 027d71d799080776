// The system calls a JavaScript guest process makes on its VM's kernel (GuestSystem, reached through
// GuestHost::system()): path operations on the VM filesystem, descriptor operations on the process
// kernel, and the working directory. Calls are direct and synchronous on the guest's own thread;
// each enforces the VM's permission policy and limits and fails with the kernel's errno
// (Error::errno_code). Paths are absolute; the guest resolves them against its cwd first.
// Thread-safety: one GuestSystem serves one process and is called from its thread only (one call
// at a time); implementations lock the shared VM state themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/fs_types.h"

namespace se::runtime::js {

// What readdir reports for an entry (the d_type values this VM produces, Linux numbering).
enum class GuestEntryType : uint8_t {
  kUnknown = 0,
  kFifo = 1,
  kCharacterDevice = 2,
  kDirectory = 4,
  kFile = 8,
  kSymlink = 10,
};

struct GuestDirEntry {
  std::string name;
  GuestEntryType type = GuestEntryType::kUnknown;
};

// The process's buffered stdin as the runtime holds it, for blocking reads of descriptor 0.
class StdinSource {
 public:
  virtual ~StdinSource() = default;
  // Blocks until at least one byte or end of input; returns up to `max_bytes` ("" is end of file).
  // EINTR once the process is ending.
  virtual ErrorOr<std::string> read(size_t max_bytes) = 0;
};

class GuestSystem {
 public:
  virtual ~GuestSystem() = default;

  // --- paths (the VM filesystem) ---
  virtual ErrorOr<kernel::FileStat> stat(std::string_view path) = 0;
  virtual ErrorOr<kernel::FileStat> lstat(std::string_view path) = 0;
  // Names sorted byte-wise with their types (lstat semantics).
  virtual ErrorOr<std::vector<GuestDirEntry>> readdir(std::string_view path) = 0;
  // `mode` before the umask. Recursive: the first directory created (nullopt when none was).
  virtual ErrorOr<std::optional<std::string>> mkdir(std::string_view path, uint32_t mode, bool recursive) = 0;
  virtual ErrorOr<void> rmdir(std::string_view path) = 0;
  virtual ErrorOr<void> unlink(std::string_view path) = 0;
  virtual ErrorOr<void> rename(std::string_view from, std::string_view to) = 0;
  virtual ErrorOr<void> symlink(std::string_view target, std::string_view link_path) = 0;
  virtual ErrorOr<std::string> readlink(std::string_view path) = 0;
  virtual ErrorOr<std::string> realpath(std::string_view path) = 0;
  virtual ErrorOr<void> link(std::string_view existing_path, std::string_view new_path) = 0;
  virtual ErrorOr<void> chmod(std::string_view path, uint32_t mode) = 0;
  virtual ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid) = 0;
  virtual ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) = 0;
  virtual ErrorOr<void> truncate(std::string_view path, uint64_t length) = 0;
  // access(2) with F_OK / R_OK / W_OK / X_OK bits.
  virtual ErrorOr<void> access(std::string_view path, uint32_t mode) = 0;
  // The whole file in one call (readFile's fast path).
  virtual ErrorOr<std::string> read_file(std::string_view path) = 0;
  // The whole file in one call: open(2) `flags` decide create / exclusive / truncate-or-append;
  // `mode` (before the umask) applies to a created file.
  virtual ErrorOr<void> write_file(std::string_view path, std::string_view data, uint32_t flags, uint32_t mode) = 0;
  // copyFile; `exclusive` is COPYFILE_EXCL (EEXIST when the destination exists).
  virtual ErrorOr<void> copy_file(std::string_view from, std::string_view to, bool exclusive) = 0;

  // --- descriptors (the process kernel) ---
  virtual ErrorOr<int> open(std::string_view path, uint32_t flags, uint32_t mode) = 0;
  virtual ErrorOr<void> close(int fd) = 0;
  // At most `length` bytes from the descriptor's offset, or from `position` (pread) when given.
  virtual ErrorOr<std::string> read(int fd, size_t length, std::optional<uint64_t> position) = 0;
  virtual ErrorOr<size_t> write(int fd, std::string_view data, std::optional<uint64_t> position) = 0;
  virtual ErrorOr<kernel::FileStat> fstat(int fd) = 0;
  virtual ErrorOr<void> ftruncate(int fd, uint64_t length) = 0;
  // Data is durable as soon as it is written (memory filesystem): only checks the descriptor.
  virtual ErrorOr<void> fsync(int fd) = 0;

  // --- process state ---
  // process.chdir: the directory must exist (ENOENT) and be one (ENOTDIR).
  virtual ErrorOr<void> chdir(std::string_view path) = 0;
  // The runtime hands over its stdin buffer when the process starts (nullptr when it ends), so
  // reads of descriptor 0 take from the same bytes process.stdin would get.
  virtual void attach_stdin(std::shared_ptr<StdinSource> source) = 0;
};

}  // namespace se::runtime::js
