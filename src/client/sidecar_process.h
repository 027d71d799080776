// A spawned sidecar child process: its stdin pipe (written by the host), its stdout pipe (read by
// the host), an optional stderr redirection, and exit-status collection without busy-waiting.
// Thread-safety: write_all/close_stdin are serialised by an internal mutex; wait_exit/is_alive/
// send_signal may be called from any thread; stdout_fd() is meant for a single reader thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"

namespace se::client {

enum class StderrMode {
  kInherit,  // the sidecar writes to our stderr
  kFile,     // truncated and written to SpawnOptions::stderr_path
  kDiscard,  // /dev/null
};

struct SpawnOptions {
  std::string executable;
  std::vector<std::string> args;               // argv[1..]
  std::map<std::string, std::string> env_set;  // added to / overriding our environment
  std::vector<std::string> env_unset;          // removed from the inherited environment
  StderrMode stderr_mode = StderrMode::kInherit;
  std::string stderr_path;
};

class SidecarProcess {
 public:
  static ErrorOr<std::unique_ptr<SidecarProcess>> spawn(const SpawnOptions& options);

  SidecarProcess(const SidecarProcess&) = delete;
  SidecarProcess& operator=(const SidecarProcess&) = delete;
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~SidecarProcess();

  pid_t pid() const { return pid_; }
  int stdout_fd() const { return stdout_fd_; }

  // Writes every byte to the child's stdin. EPIPE (child gone) is an error, never a SIGPIPE.
  ErrorOr<void> write_all(std::span<const uint8_t> bytes);
  // Closes our end of the child's stdin: the sidecar sees EOF.
  void close_stdin();

  // Exit status once the child has exited: the exit code, or 128 + signal when it was killed.
  // Waits at most `timeout`; nullopt when it is still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool is_alive();
  void send_signal(int signal_number);

 private:
  SidecarProcess(pid_t pid, int stdin_fd, int stdout_fd, int pid_fd);
  // Requires status_mutex_.
  void try_reap_locked();

  const pid_t pid_;
  std::mutex stdin_mutex_;
  int stdin_fd_;  // -1 once closed
  const int stdout_fd_;
  const int pid_fd_;  // -1 when pidfd_open is unavailable
  std::mutex status_mutex_;
  std::optional<int> exit_status_;
};

}  // namespace se::client
