#include "kernel/proc/process_table.h"

#include <limits>

namespace se::kernel {

ErrorOr<Pid> ProcessTable::allocate_pid() {
  constexpr Pid kMaxPid = std::numeric_limits<Pid>::max();
  Pid start = next_pid_;
  Pid candidate = start;
  while (processes_.contains(candidate)) {
    candidate = candidate == kMaxPid ? 1 : candidate + 1;
    if (candidate == start) return fail(EAGAIN, "process id space exhausted");
  }
  next_pid_ = candidate == kMaxPid ? 1 : candidate + 1;
  return candidate;
}

Process& ProcessTable::insert(std::unique_ptr<Process> process) {
  Pid pid = process->pid;
  return *processes_.insert_or_assign(pid, std::move(process)).first->second;
}

Process* ProcessTable::find(Pid pid) {
  auto it = processes_.find(pid);
  return it == processes_.end() ? nullptr : it->second.get();
}

}  // namespace se::kernel
