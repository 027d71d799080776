// The process operations a JavaScript guest makes on its VM's kernel for child_process
// (GuestProcesses, reached through GuestHost::processes()): start a guest program as a child
// process with its stdio wired to pipes, the caller's own descriptors or nothing; wait for children;
// signal them; create pipes (a shell's pipelines); poll descriptors; and ask for I/O readiness notices while the event
// loop sleeps. The pipe ends a spawn hands back are read, written and closed with the GuestSystem descriptor calls.
// Failures carry the kernel's errno (Error::errno_code): EACCES when the VM's child_process policy forbids the command,
// ENOENT for an unknown command, EAGAIN at maxProcesses or maxPipes. Thread-safety: one GuestProcesses serves one
// process and is called from its thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace se::runtime::js {

// What one of a child's descriptors 0, 1 and 2 is connected to.
struct ChildStdio {
  enum class Kind {
    kPipe,     // a new pipe; the caller keeps the other end (non-blocking, close-on-exec)
    kInherit,  // the caller's own descriptor with the same number
    kIgnore,   // a /dev/null device
    kFd,       // the caller's descriptor `fd`
  };
  Kind kind = Kind::kPipe;
  int fd = -1;  // kFd only
};

struct ChildSpawnOptions {
  std::string command;            // "node", a path to node, or a script with a node #! line
  std::vector<std::string> args;  // after the command
  std::string cwd;                // absolute
  std::vector<std::pair<std::string, std::string>> env;
  std::array<ChildStdio, 3> stdio;
  // More descriptors for the child beyond 0-2 (a fork's IPC channel): {child fd, caller's fd}.
  std::vector<std::pair<int, int>> extra_fds;
};

struct SpawnedChild {
  int pid = 0;
  // The caller's end of each kPipe descriptor (stdin: the write end; stdout/stderr: the read end);
  // -1 for the others.
  std::array<int, 3> fds{-1, -1, -1};
};

struct ChildExit {
  int pid = 0;
  int exit_code = 0;  // 128 + signal when killed
  int signal = 0;     // the signal that killed it; 0 when it exited by itself
};

struct ChildPoll {
  int fd = -1;
  int16_t events = 0;   // poll(2) bits: POLLIN 0x1, POLLOUT 0x4
  int16_t revents = 0;  // filled by poll (POLLERR 0x8, POLLHUP 0x10, POLLNVAL 0x20 too)
};

class GuestProcesses {
 public:
  virtual ~GuestProcesses() = default;
  // Starts `options.command` as a child of this process. The child runs concurrently; its exit is
  // collected with wait.
  virtual ErrorOr<SpawnedChild> spawn(const ChildSpawnOptions& options) = 0;
  // waitpid(2) for exits only: `pid` a child or -1 for any. nullopt when none has exited and
  // `no_hang` is set, or when `timeout` passed first. ECHILD when there is nothing to wait for.
  virtual ErrorOr<std::optional<ChildExit>> wait(int pid, bool no_hang,
                                                 std::optional<std::chrono::milliseconds> timeout) = 0;
  // kill(2) of a process of this VM (pid > 0), this process's group (0), every process (-1) or a
  // group (< -1); a JavaScript process's listeners see the signal as on Linux. Signal 0 only checks
  // that the target exists (ESRCH) and may be signalled (EPERM).
  virtual ErrorOr<void> kill(int pid, int signal) = 0;
  // pipe2(2) with O_CLOEXEC, blocking ends: {read fd, write fd}. The caller ignores SIGPIPE from
  // then on (like spawn), so a write to a reader that is gone fails with EPIPE. EAGAIN at maxPipes.
  // `nonblocking` makes both ends non-blocking (an IPC channel both sides read from their loops).
  virtual ErrorOr<std::array<int, 2>> pipe(bool nonblocking) = 0;
  // poll(2); nullopt timeout waits without limit. Returns how many entries have revents.
  virtual ErrorOr<size_t> poll(std::vector<ChildPoll>& fds, std::optional<std::chrono::milliseconds> timeout) = 0;
  // While on, every readiness change in the VM (data in a pipe, a child's exit) wakes the event
  // loop, which then reads without blocking (ProcessControl's io-ready event).
  virtual ErrorOr<void> set_io_watch(bool watching) = 0;
};

}  // namespace se::runtime::js
