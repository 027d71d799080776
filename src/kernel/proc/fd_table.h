// Open file descriptions and per-process descriptor tables (spec/kernel.md s7, with Linux
// semantics where the reference departs): descriptors are allocated lowest-free; a description is
// shared by dup/dup2/fcntl(F_DUPFD) and by inheritance at spawn, and carries the offset and the
// status flags (access mode, O_APPEND, O_NONBLOCK); FD_CLOEXEC belongs to the descriptor.
// Thread-safety: none; the kernel lock guards every table and description.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "kernel/proc/file_backend.h"

namespace se::kernel {

// open(2) flags (Linux x86-64 values).
inline constexpr uint32_t kOpenReadOnly = 0;
inline constexpr uint32_t kOpenWriteOnly = 1;
inline constexpr uint32_t kOpenReadWrite = 2;
inline constexpr uint32_t kOpenAccessMask = 3;
inline constexpr uint32_t kOpenCreate = 0100;
inline constexpr uint32_t kOpenExclusive = 0200;
inline constexpr uint32_t kOpenTruncate = 01000;
inline constexpr uint32_t kOpenAppend = 02000;
inline constexpr uint32_t kOpenNonBlock = 04000;
inline constexpr uint32_t kOpenCloseOnExec = 02000000;
// fcntl(2) commands and the descriptor flag.
inline constexpr int kFcntlDupFd = 0;
inline constexpr int kFcntlGetFd = 1;
inline constexpr int kFcntlSetFd = 2;
inline constexpr int kFcntlGetFl = 3;
inline constexpr int kFcntlSetFl = 4;
inline constexpr int kFcntlDupFdCloseOnExec = 1030;
inline constexpr int kFdCloseOnExec = 1;
// lseek(2) whence.
inline constexpr int kSeekSet = 0;
inline constexpr int kSeekCur = 1;
inline constexpr int kSeekEnd = 2;

enum class FileKind { RegularFile, Directory, PipeReadEnd, PipeWriteEnd, PtyMaster, PtySlave, Device, Socket };

struct Pipe;
struct Pty;

struct OpenFileDescription {
  uint64_t id = 0;  // unique within the VM, one allocator for every kind
  FileKind kind = FileKind::RegularFile;
  uint32_t status_flags = 0;  // access mode | O_APPEND | O_NONBLOCK
  uint64_t offset = 0;        // regular files and directories
  std::string path;           // backend path, "pipe:[id]", "socket:[id]", "/dev/ptmx", "/dev/pts/N" or a device path
  std::shared_ptr<Pipe> pipe;
  std::shared_ptr<Pty> pty;
  std::shared_ptr<CharacterDevice> device;  // Device; null behaves like /dev/null
  uint64_t socket_id = 0;                   // Socket: its id in the kernel's SocketTable
  uint32_t references = 0;                  // descriptors in every table plus host handles

  uint32_t access_mode() const { return status_flags & kOpenAccessMask; }
  bool readable() const { return access_mode() != kOpenWriteOnly; }
  bool writable() const { return access_mode() != kOpenReadOnly; }
  bool nonblocking() const { return (status_flags & kOpenNonBlock) != 0; }
};

struct FdEntry {
  std::shared_ptr<OpenFileDescription> description;
  bool close_on_exec = false;
};

class FdTable {
 public:
  explicit FdTable(size_t max_fds) : max_fds_(max_fds) {}

  size_t size() const { return entries_.size(); }
  size_t max_fds() const { return max_fds_; }
  // The lowest unused descriptor >= min_fd below max_fds, or nullopt (EMFILE for the caller).
  std::optional<int> lowest_free(int min_fd = 0) const;
  FdEntry* find(int fd);
  const FdEntry* find(int fd) const;
  // Installs at a free descriptor < max_fds (the caller checked).
  void install(int fd, FdEntry entry) { entries_[fd] = std::move(entry); }
  std::optional<FdEntry> remove(int fd);
  const std::map<int, FdEntry>& entries() const { return entries_; }

 private:
  std::map<int, FdEntry> entries_;
  size_t max_fds_;
};

}  // namespace se::kernel
