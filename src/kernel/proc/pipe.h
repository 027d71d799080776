// A kernel pipe: its 64 KiB buffer, how many open file descriptions refer to each end, and the
// condition variables its blocked readers and writers wait on. The semantics (blocking, EOF,
// EPIPE, PIPE_BUF atomicity) live in ProcessKernel, which owns every Pipe through descriptions.
// Thread-safety: guarded by the kernel lock.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>

#include "kernel/proc/byte_queue.h"

namespace se::kernel {

struct Pipe {
  static constexpr size_t kCapacity = 65536;
  static constexpr size_t kAtomicWriteBytes = 4096;  // PIPE_BUF

  uint64_t id = 0;
  ByteQueue buffer{kCapacity};
  uint32_t read_ends = 0;            // open descriptions of the read end
  uint32_t write_ends = 0;           // open descriptions of the write end
  bool counts_toward_limit = true;   // host stdio pipes do not count toward maxPipes
  std::condition_variable readable;  // data arrived or the last writer closed
  std::condition_variable writable;  // space freed or the last reader closed
};

}  // namespace se::kernel
