// The process records of one VM and their pid allocation (spec/kernel.md s6.2-6.3): pids 1, 2, ...
// scanning upward past live and zombie entries, wrapping at INT32_MAX, so a pid is reused only
// after its entry was reaped and the counter came round. Ordered by pid, so scans are ascending.
// Thread-safety: none; the kernel lock guards the table and every record.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "kernel/proc/fd_table.h"
#include "kernel/proc/pid.h"
#include "kernel/proc/signals.h"

namespace se::kernel {

using Environment = std::vector<std::pair<std::string, std::string>>;

enum class ProcessStatus { Running, Stopped, Exited };

// Implemented by the runtime that executes a process (one per guest runtime kind). The kernel
// calls it after releasing its lock, from whichever thread caused the event, so implementations
// must be thread-safe and may call back into the kernel.
class ProcessDriver {
 public:
  virtual ~ProcessDriver() = default;
  // A signal whose disposition is a USER handler arrived for `pid`: interrupt the guest (V8
  // RequestInterrupt) and, on the process's own thread, call ProcessKernel::dequeue_signal until it
  // returns nothing, running the handlers. Until then the process's blocking calls fail with EINTR.
  virtual void deliver_signal(Pid pid, int signal) = 0;
  // The process was killed by `signal` (its default action, SIGKILL, or VM shutdown): stop running
  // guest code (V8 TerminateExecution). The kernel already recorded the exit as 128 + signal and
  // closed the process's descriptors; its later calls fail with ESRCH.
  virtual void terminate(Pid pid, int signal) = 0;
  // Job control: the process was stopped by `signal`; park its thread in
  // ProcessKernel::wait_while_stopped, which returns once it is continued or killed.
  virtual void stop(Pid /*pid*/, int /*signal*/) {}
  // The process was continued by SIGCONT.
  virtual void resume(Pid /*pid*/) {}
  // The process watches I/O readiness (ProcessKernel::set_io_watch) and a descriptor of the VM may
  // have become readable, writable or hung up: an event loop polls its descriptors without
  // blocking. Coalesced per kernel call; spurious wake-ups are possible.
  virtual void io_ready(Pid /*pid*/) {}
};

struct Process {
  explicit Process(size_t max_fds) : fds(max_fds) {}

  Pid pid = 0, ppid = 0, pgid = 0, sid = 0;
  uint32_t uid = 0, gid = 0, umask = 022;
  std::string process_id;   // wire id: the host's, or "<parent id>/child-<n>"
  std::string driver_name;  // e.g. "secure-exec-sidecar-execution"
  std::string command;
  std::vector<std::string> args;  // argv without argv[0] (= command)
  Environment env;
  std::string cwd;

  ProcessStatus status = ProcessStatus::Running;
  int exit_code = 0;                   // when Exited: the code, or 128 + term_signal
  int term_signal = 0;                 // the signal that killed it; 0 for a normal exit
  std::optional<int> unreported_stop;  // waitpid(WUNTRACED) has not reported this stop yet
  bool unreported_continue = false;    // waitpid(WCONTINUED) has not reported the continue yet
  bool reparented = false;             // its parent exited; an orphaned zombie is reaped by its timer
  bool detached = false;               // the parent ignores SIGCHLD: never waitable, removed at the next sweep
  std::optional<std::chrono::steady_clock::time_point> zombie_deadline;  // the zombie reaping timer

  SignalSet blocked;      // sigprocmask
  SignalSet pending;      // generated while blocked
  SignalSet deliverable;  // handed to the driver, not yet taken by dequeue_signal
  std::array<SignalDisposition, kMaxSignal + 1> dispositions{};

  FdTable fds;
  std::shared_ptr<ProcessDriver> driver;
  uint32_t spawned_children = 0;  // numbers "<id>/child-<n>"

  bool exited() const { return status == ProcessStatus::Exited; }
};

class ProcessTable {
 public:
  // EAGAIN "process id space exhausted" when every pid is taken.
  ErrorOr<Pid> allocate_pid();
  Process& insert(std::unique_ptr<Process> process);
  Process* find(Pid pid);
  void erase(Pid pid) { processes_.erase(pid); }
  size_t size() const { return processes_.size(); }
  const std::map<Pid, std::unique_ptr<Process>>& all() const { return processes_; }

 private:
  std::map<Pid, std::unique_ptr<Process>> processes_;
  Pid next_pid_ = 1;
};

}  // namespace se::kernel
