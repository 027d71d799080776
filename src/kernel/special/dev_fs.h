// The VM's /dev (spec/kernel.md s5.2, with Linux's layout where the reference departs): the
// character devices null, zero, full, random, urandom and tty; /dev/pts/N for the VM's open
// terminals; and /dev/stdin, /dev/stdout, /dev/stderr and /dev/fd as symlinks into /proc/self/fd,
// so that each process sees its own descriptors. Nothing here is ever stored in the filesystem.
// Thread-safety: thread-safe; the devices synchronise themselves (random reads use getrandom(2)).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/proc/file_backend.h"
#include "kernel/proc/process_kernel.h"
#include "kernel/special/special_node.h"

namespace se::kernel::special {

// st_dev of every /dev node (devtmpfs).
inline constexpr uint64_t kDevDevice = 0x5;

// Bytes a whole-file read of an endless device (zero, full, random, urandom) returns: the
// reference's read_file answer, where Linux would never reach end of file.
inline constexpr size_t kEndlessDeviceReadBytes = 4096;

class DevFs {
 public:
  explicit DevFs(ProcessKernel& kernel);

  // The node at `path` (at or below /dev). ENOENT "no such file or directory, stat '{path}'".
  ErrorOr<Node> lookup(std::string_view path) const;
  // A Directory node's names, sorted byte-wise.
  ErrorOr<std::vector<std::string>> list(const Node& node) const;
  // The device behind null, zero, full, random or urandom; null for every other node.
  std::shared_ptr<CharacterDevice> device(const Node& node) const;

 private:
  ProcessKernel& kernel_;
  std::shared_ptr<CharacterDevice> null_, zero_, full_, random_;
};

// Fills `length` bytes from the kernel's CSPRNG (getrandom(2)); EIO if it fails.
ErrorOr<std::string> random_bytes(size_t length);

}  // namespace se::kernel::special
