// The two things the process kernel reads and writes through descriptors but does not own:
// regular files (FileBackend, bound by the VM to its filesystem so this layer does not depend on
// the overlay implementation) and character devices such as a process's stdout sink
// (CharacterDevice, provided by a runtime or the service).
// Thread-safety: FileBackend methods are called with the kernel lock held, so a backend used only
// through the kernel needs no locking of its own, and must never call back into the kernel.
// CharacterDevice methods are called without the kernel lock, possibly from several process
// threads at once; implementations synchronise themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "kernel/proc/pid.h"

namespace se::kernel {

class CharacterDevice;

struct FileOpenResult {
  std::string path;  // the name later calls pass back (normally the resolved path)
  bool is_directory = false;
};

// What open(2) of a synthetic path (/dev, /proc) yields, decided before the FileBackend is asked
// (KernelOptions::synthetic_files).
struct SyntheticOpen {
  enum class Kind {
    File,         // an ordinary file after all (a /proc symlink to one): the FileBackend opens `path`
    Device,       // `device`, reported as `path` (a /dev device, or a /proc file's rendered text)
    Directory,    // a synthetic directory: fstat and close only
    DuplicateFd,  // the caller's descriptor `number` (/dev/stdin, /dev/fd/N): a new fd on its file
    PtySlave,     // the slave of PTY `number` (/dev/pts/N, /dev/tty)
  };
  Kind kind = Kind::File;
  std::string path;
  std::shared_ptr<CharacterDevice> device;
  int number = -1;
};

class FileBackend {
 public:
  virtual ~FileBackend() = default;

  // The filesystem half of open(2) on behalf of `pid`: permission checks, O_CREAT / O_EXCL /
  // O_TRUNC with `mode` (the process umask already applied) and the errno a Linux open reports
  // (ENOENT, EEXIST, EACCES, EROFS, ENOSPC, ...). Access-mode checks on later I/O are the kernel's.
  virtual ErrorOr<FileOpenResult> open(Pid pid, std::string_view path, uint32_t flags, uint32_t mode) = 0;
  // Bytes [offset, offset + length) clipped to the file; "" at or past the end.
  virtual ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) = 0;
  // Writes `data` at `offset` (extending the file with zeros as needed); returns the bytes written.
  virtual ErrorOr<uint64_t> pwrite(std::string_view path, uint64_t offset, std::string_view data) = 0;
  virtual ErrorOr<uint64_t> size(std::string_view path) = 0;
  virtual ErrorOr<void> truncate(std::string_view path, uint64_t length) = 0;
};

class CharacterDevice {
 public:
  virtual ~CharacterDevice() = default;

  // Up to `max_bytes`; "" is end of file; EAGAIN when nothing is available now. A device should not
  // block for long: a blocking input stream belongs in a host pipe (ProcessKernel::attach_host_pipe),
  // whose reads signals and shutdown can interrupt.
  virtual ErrorOr<std::string> read(size_t max_bytes) = 0;
  // Returns the bytes accepted.
  virtual ErrorOr<size_t> write(std::string_view bytes) = 0;
};

}  // namespace se::kernel
