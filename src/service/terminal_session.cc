#include "service/terminal_session.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

namespace se::service {
namespace {

constexpr size_t kPumpReadBytes = 64 * 1024;
// How often the pump looks up from a quiet master to see whether the process has finished (a
// child still holding the terminal keeps it from ever reading end-of-file).
constexpr std::chrono::milliseconds kPumpPoll{50};
// A write interrupted by a handled signal the runtime has not taken yet (it takes it between
// tasks, after this write returns) is retried after this pause instead of spinning.
constexpr std::chrono::milliseconds kInterruptedWriteRetry{1};

}  // namespace

ErrorOr<std::unique_ptr<TerminalSession>> TerminalSession::attach(kernel::ProcessKernel& kernel, kernel::Pid pid,
                                                                  kernel::WindowSize size, OutputSink output) {
  kernel::HostTerminal terminal = TRY(kernel.attach_host_terminal(pid, {0, 1, 2}));
  // Before the process runs: no one is in the foreground group to receive SIGWINCH yet.
  if (auto sized = kernel.host_set_window_size(terminal.master, size); !sized) {
    [[maybe_unused]] auto closed = kernel.host_close(terminal.master);
    return fail(sized.error());
  }
  std::unique_ptr<TerminalSession> session(new TerminalSession(kernel, pid, std::move(terminal), std::move(output)));
  session->pump_ = std::thread([raw = session.get()] { raw->pump(); });
  return session;
}

TerminalSession::TerminalSession(kernel::ProcessKernel& kernel, kernel::Pid pid, kernel::HostTerminal terminal,
                                 OutputSink output)
    : kernel_(kernel),
      pid_(pid),
      master_(terminal.master),
      slave_path_(std::move(terminal.slave_path)),
      output_(std::move(output)) {}

TerminalSession::~TerminalSession() {
  finish();
}

void TerminalSession::pump() {
  for (;;) {
    ErrorOr<std::string> data = kernel_.host_read(master_, kPumpReadBytes, kPumpPoll);
    if (!data) {
      if (data.error().errno_code == EAGAIN && !finishing_) continue;
      return;  // finished and quiet, or the VM was disposed
    }
    if (data->empty()) return;  // every slave descriptor is closed
    output_(*data);
  }
}

ErrorOr<size_t> TerminalSession::write_input(std::string_view bytes, runtime::js::JsProcess& process) {
  size_t taken = 0;
  while (taken < bytes.size()) {
    ErrorOr<size_t> written = kernel_.host_write(master_, bytes.substr(taken), true);
    if (!written && written.error().errno_code != EAGAIN) return fail(written.error());
    const size_t step = written ? *written : 0;
    taken += step;
    forward_input(process);
    if (step == 0) {
      // Full even after the process's stdin took what it could read: the rest is not accepted.
      ErrorOr<size_t> retried = kernel_.host_write(master_, bytes.substr(taken), true);
      if (!retried || *retried == 0) break;
      taken += *retried;
      forward_input(process);
    }
  }
  return taken;
}

// Reads the terminal as the process would (descriptor 0, without waiting) into its stdin.
void TerminalSession::forward_input(runtime::js::JsProcess& process) {
  for (;;) {
    ErrorOr<std::string> data = kernel_.read(pid_, 0, kPumpReadBytes, std::chrono::milliseconds(0));
    if (!data) return;           // nothing more to read now (EAGAIN), or the process is gone
    if (stdin_ended_) continue;  // the host closed stdin: later input is read and dropped
    if (data->empty()) {
      // VEOF on an empty line.
      stdin_ended_ = true;
      [[maybe_unused]] auto closed = process.close_stdin();
      continue;
    }
    [[maybe_unused]] auto delivered = process.write_stdin(*data);
  }
}

void TerminalSession::close_input(runtime::js::JsProcess& process) {
  if (stdin_ended_) return;
  stdin_ended_ = true;
  [[maybe_unused]] auto closed = process.close_stdin();
}

ErrorOr<void> TerminalSession::resize(kernel::WindowSize size) {
  return kernel_.host_set_window_size(master_, size);
}

ErrorOr<void> TerminalSession::write_output(int fd, std::string_view bytes) {
  const size_t step_limit = static_cast<size_t>(kernel_.limits().max_fd_write_bytes);
  while (!bytes.empty()) {
    ErrorOr<size_t> written = kernel_.write(pid_, fd, bytes.substr(0, std::max<size_t>(1, step_limit)));
    if (!written) {
      if (written.error().errno_code != EINTR) return fail(written.error());
      ErrorOr<kernel::ProcessInfo> info = kernel_.process_info(pid_);
      if (!info || info->status == kernel::ProcessStatus::Exited) return fail(written.error());
      std::this_thread::sleep_for(kInterruptedWriteRetry);
      continue;
    }
    bytes.remove_prefix(*written);
  }
  return {};
}

void TerminalSession::finish() {
  std::lock_guard lock(finish_mutex_);
  if (finished_) return;
  finished_ = true;
  finishing_ = true;
  if (pump_.joinable()) pump_.join();
  [[maybe_unused]] auto closed = kernel_.host_close(master_);
}

}  // namespace se::service
