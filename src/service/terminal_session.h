// One Execute'd process running on a pseudo-terminal (docs/terminal-extension.md): the kernel PTY
// whose slave is the process's descriptors 0/1/2 (its controlling terminal; the process leads its
// own session and is the foreground group) and whose master the host side holds. Host input goes
// through the line discipline into the master; what the process reads from the terminal reaches
// its process.stdin; everything the master yields (program output and echo) goes to `output`.
// Thread-safety: write_input/close_input/resize run on the dispatcher, write_output on the guest's
// thread, the output pump on its own thread; `finish` once, on the guest's thread at exit (or the
// destructor). The kernel serialises the PTY itself.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/error.h"
#include "kernel/proc/process_kernel.h"
#include "runtime/js/js_process.h"

namespace se::service {

class TerminalSession {
 public:
  // Output the master yields, in order, from the pump thread; may block (output back-pressure).
  using OutputSink = std::function<void(std::string_view)>;

  // Puts the process's descriptors 0/1/2 on a new PTY of `size` and starts the output pump.
  // EAGAIN "maximum PTY count reached" (maxPtys).
  static ErrorOr<std::unique_ptr<TerminalSession>> attach(kernel::ProcessKernel& kernel, kernel::Pid pid,
                                                          kernel::WindowSize size, OutputSink output);
  ~TerminalSession();
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  // Host keystrokes into the master (echo, ^C/^Z/^\ signals, canonical editing), then whatever the
  // process can now read from the terminal into its stdin; a ^D end-of-file ends its stdin.
  // Returns how many bytes the terminal took (less than given only when its input buffer is full
  // of input the process does not read).
  ErrorOr<size_t> write_input(std::string_view bytes, runtime::js::JsProcess& process);
  // CloseStdin: the process's stdin ends as after ^D on an empty line; the terminal stays open.
  void close_input(runtime::js::JsProcess& process);
  // TIOCSWINSZ on the master: SIGWINCH to the foreground group when the size changed.
  ErrorOr<void> resize(kernel::WindowSize size);
  // The guest's process.stdout/stderr writes: through the slave's output processing (ONLCR).
  ErrorOr<void> write_output(int fd, std::string_view bytes);
  // After the process exited: drains what it wrote, stops the pump and closes the master.
  void finish();

  const std::string& slave_path() const { return slave_path_; }

 private:
  TerminalSession(kernel::ProcessKernel& kernel, kernel::Pid pid, kernel::HostTerminal terminal, OutputSink output);
  void pump();
  void forward_input(runtime::js::JsProcess& process);

  kernel::ProcessKernel& kernel_;
  kernel::Pid pid_;
  kernel::HostHandle master_;
  std::string slave_path_;
  OutputSink output_;
  std::atomic<bool> finishing_ = false;
  bool stdin_ended_ = false;  // dispatcher only
  std::mutex finish_mutex_;   // finish() from the guest's exit and from the destructor
  bool finished_ = false;     // guarded by finish_mutex_
  std::thread pump_;
};

}  // namespace se::service
