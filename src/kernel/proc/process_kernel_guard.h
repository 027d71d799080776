// Internal to the process kernel: the scoped VM-wide lock every ProcessKernel call takes. Driver
// notices collected while it is held run after it is released (and before any blocking wait), so
// a runtime's callback may call back into the kernel without deadlocking.
// Thread-safety: one Guard per call, owned by the calling thread.
#pragma once

#include <mutex>
#include <vector>

#include "kernel/proc/process_kernel.h"

namespace se::kernel {

class ProcessKernel::Guard {
 public:
  explicit Guard(ProcessKernel& kernel) : kernel_(kernel), lock_(kernel.mutex_) {}
  ~Guard();
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  std::unique_lock<std::mutex>& lock() { return lock_; }
  // Runs the pending notices without the lock, then takes it again.
  void dispatch_notices();

 private:
  static void run(const std::vector<Notice>& notices);

  ProcessKernel& kernel_;
  std::unique_lock<std::mutex> lock_;
};

}  // namespace se::kernel
