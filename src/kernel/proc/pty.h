// A pseudo-terminal pair: the terminal data path, how many open file descriptions refer to the
// master and the slave (/dev/pts/<index>), the foreground process group and session, and the
// condition variables blocked readers and writers wait on. Semantics live in ProcessKernel.
// Thread-safety: guarded by the kernel lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <string>

#include "kernel/proc/pid.h"
#include "kernel/proc/terminal.h"

namespace se::kernel {

struct Pty {
  int index = 0;
  Terminal terminal;
  uint32_t master_ends = 0;
  uint32_t slave_ends = 0;
  Pid foreground_pgid = 0;                 // 0 until tcsetpgrp
  Pid session = 0;                         // session of the first foreground group set
  std::condition_variable input_changed;   // master -> slave data, space, or a side closed
  std::condition_variable output_changed;  // slave -> master data, space, or a side closed

  std::string slave_path() const { return "/dev/pts/" + std::to_string(index); }
};

}  // namespace se::kernel
