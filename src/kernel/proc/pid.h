// The process id type of the VM's kernel: 1, 2, ... per VM; 0 stands for "no process" (the host or
// the kernel itself) wherever a caller or parent is named.
// Thread-safety: plain value.
#pragma once

#include <cstdint>

namespace se::kernel {

using Pid = int32_t;

}  // namespace se::kernel
