// Pseudo-terminals (spec/kernel.md s8.2-8.5 with Linux semantics): pairs numbered like /dev/pts/N
// (lowest free index), blocking reads and writes through the line discipline, ISIG signals and
// SIGWINCH to the foreground process group, and hangup (SIGHUP + SIGCONT to the foreground group)
// when the master's last descriptor closes.
#include "kernel/proc/process_kernel.h"
#include "kernel/proc/process_kernel_guard.h"

namespace se::kernel {
namespace {

bool is_terminal(FileKind kind) {
  return kind == FileKind::PtyMaster || kind == FileKind::PtySlave;
}

}  // namespace

std::shared_ptr<Pty> ProcessKernel::new_pty() {
  int index = 0;
  for (const auto& [used, pty] : ptys_) {
    if (used != index) break;
    ++index;
  }
  auto pty = std::make_shared<Pty>();
  pty->index = index;
  ptys_.emplace(index, pty);
  return pty;
}

ProcessKernel::DescriptionPtr ProcessKernel::pty_end_description(const std::shared_ptr<Pty>& pty, bool master,
                                                                 uint32_t flags) {
  auto description = new_description(master ? FileKind::PtyMaster : FileKind::PtySlave, flags,
                                     master ? std::string("/dev/ptmx") : pty->slave_path());
  description->pty = pty;
  return description;
}

void ProcessKernel::close_pty_end(Pty& pty, bool master) {
  if (master) {
    --pty.master_ends;
    if (pty.master_ends == 0 && pty.foreground_pgid > 0 && !shut_down_) {
      signal_group(pty.foreground_pgid, kSigHup);
      signal_group(pty.foreground_pgid, kSigCont);
    }
  } else {
    --pty.slave_ends;
  }
  pty.input_changed.notify_all();
  pty.output_changed.notify_all();
  notify_readiness();
  if (pty.master_ends == 0 && pty.slave_ends == 0) ptys_.erase(pty.index);
}

ErrorOr<PtyFds> ProcessKernel::open_pty(Pid pid, uint32_t flags) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  if (ptys_.size() >= limits_.max_ptys) return fail(EAGAIN, "maximum PTY count reached");
  TRY(check_fd_capacity(*process, 2));
  std::shared_ptr<Pty> pty = new_pty();
  bool close_on_exec = (flags & kOpenCloseOnExec) != 0;
  PtyFds fds;
  fds.master_fd = TRY(install_fd(*process, pty_end_description(pty, true, flags), close_on_exec));
  fds.slave_fd = TRY(install_fd(*process, pty_end_description(pty, false, flags), close_on_exec));
  fds.slave_path = pty->slave_path();
  return fds;
}

ErrorOr<int> ProcessKernel::open_pty_slave(Pid pid, int index, uint32_t flags) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  auto it = ptys_.find(index);
  if (it == ptys_.end() || it->second->master_ends == 0) {
    return fail(ENOENT, "no such PTY: /dev/pts/" + std::to_string(index));
  }
  return install_fd(*process, pty_end_description(it->second, false, flags), (flags & kOpenCloseOnExec) != 0);
}

std::vector<int> ProcessKernel::pty_indexes() const {
  std::lock_guard lock(mutex_);
  std::vector<int> indexes;
  for (const auto& [index, pty] : ptys_) {
    if (pty->master_ends > 0) indexes.push_back(index);
  }
  return indexes;
}

ErrorOr<HostTerminal> ProcessKernel::attach_host_terminal(Pid pid, std::vector<int> fds) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  if (fds.empty()) return fail(EINVAL, "a host terminal needs at least one descriptor");
  size_t added = 0;
  for (int fd : fds) {
    if (fd < 0 || static_cast<size_t>(fd) >= process->fds.max_fds()) {
      return fail(EBADF, "bad file descriptor " + std::to_string(fd));
    }
    if (process->fds.find(fd) == nullptr) ++added;
  }
  if (ptys_.size() >= limits_.max_ptys) return fail(EAGAIN, "maximum PTY count reached");
  if (open_fds_ + added > vm_fd_limit()) return fail(ENFILE, "maximum open file descriptor limit reached");
  std::shared_ptr<Pty> pty = new_pty();
  DescriptionPtr slave = pty_end_description(pty, false, kOpenReadWrite);
  for (int fd : fds) TRY(install_fd_at(*process, fd, slave, false));
  pty->foreground_pgid = process->pgid;
  pty->session = process->sid;
  HostTerminal terminal;
  terminal.master = add_host_end(pty_end_description(pty, true, kOpenReadWrite));
  terminal.slave_path = pty->slave_path();
  return terminal;
}

ErrorOr<std::string> ProcessKernel::pty_read(OpenFileDescription& description, Guard& guard, Pid pid, size_t max_bytes,
                                             Deadline deadline, bool nonblocking) {
  std::shared_ptr<Pty> pty = description.pty;
  bool master = description.kind == FileKind::PtyMaster;
  if (max_bytes == 0) return std::string();
  // The master reads what the slave wrote (EOF once no slave is open); the slave reads the line
  // discipline's input (EOF after hangup).
  auto readable = [&] {
    return master ? pty->terminal.output_readable() || pty->slave_ends == 0
                  : pty->terminal.input_readable() || pty->master_ends == 0;
  };
  while (true) {
    if (master && pty->terminal.output_readable()) {
      std::string data = pty->terminal.read_output(max_bytes);
      pty->output_changed.notify_all();
      notify_readiness();
      return data;
    }
    if (!master) {
      if (std::optional<std::string> data = pty->terminal.read_input(max_bytes)) {
        pty->input_changed.notify_all();
        notify_readiness();
        return *data;
      }
    }
    if (master ? pty->slave_ends == 0 : pty->master_ends == 0) return std::string();
    if (nonblocking) return fail(EAGAIN, "PTY read would block");
    WaitOutcome outcome = wait(guard, master ? pty->output_changed : pty->input_changed, pid, deadline, readable);
    if (outcome != WaitOutcome::Ready) return fail(wait_error(outcome, "PTY read timed out"));
  }
}

ErrorOr<size_t> ProcessKernel::pty_write(OpenFileDescription& description, Guard& guard, Pid pid, std::string_view data,
                                         bool nonblocking) {
  std::shared_ptr<Pty> pty = description.pty;
  bool master = description.kind == FileKind::PtyMaster;
  size_t written = 0;
  while (written < data.size()) {
    if (master ? pty->slave_ends == 0 : pty->master_ends == 0) {
      if (written > 0) return written;
      return fail(EIO, master ? "slave closed" : "master closed");
    }
    size_t consumed = 0;
    if (master) {
      Terminal::InputResult result = pty->terminal.write_input(data.substr(written));
      consumed = result.consumed;
      for (int signal : result.signals) raise_terminal_signal(*pty, signal);
    } else {
      consumed = pty->terminal.write_output(data.substr(written));
    }
    written += consumed;
    pty->input_changed.notify_all();
    pty->output_changed.notify_all();
    notify_readiness();
    if (written == data.size()) break;
    if (consumed > 0) continue;  // a partial step; try again before deciding to wait
    if (nonblocking) {
      if (written > 0) return written;
      return fail(EAGAIN, master ? "PTY input buffer full" : "PTY output buffer full");
    }
    size_t free_before = master ? pty->terminal.input_free() : pty->terminal.output_free();
    auto progress = [&] {
      if (master ? pty->slave_ends == 0 : pty->master_ends == 0) return true;
      return (master ? pty->terminal.input_free() : pty->terminal.output_free()) > free_before;
    };
    WaitOutcome outcome = wait(guard, master ? pty->input_changed : pty->output_changed, pid, std::nullopt, progress);
    if (outcome != WaitOutcome::Ready) {
      if (outcome == WaitOutcome::Interrupted && written > 0) return written;
      return fail(wait_error(outcome, ""));
    }
  }
  return written;
}

void ProcessKernel::raise_terminal_signal(Pty& pty, int signal) {
  if (pty.foreground_pgid > 0) signal_group(pty.foreground_pgid, signal);
}

void ProcessKernel::resize_terminal(Pty& pty, const WindowSize& size) {
  if (pty.terminal.set_window_size(size)) raise_terminal_signal(pty, kSigWinch);
}

ErrorOr<std::shared_ptr<Pty>> ProcessKernel::terminal_of(Pid pid, int fd) {
  Process* process = TRY(live_process(pid));
  const OpenFileDescription& description = *TRY(lookup_fd(*process, fd))->description;
  if (!is_terminal(description.kind)) return fail(ENOTTY, "not a terminal");
  return description.pty;
}

ErrorOr<bool> ProcessKernel::isatty(Pid pid, int fd) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  return is_terminal(TRY(lookup_fd(*process, fd))->description->kind);
}

ErrorOr<std::string> ProcessKernel::ptsname(Pid pid, int fd) {
  Guard guard(*this);
  return TRY(terminal_of(pid, fd))->slave_path();
}

ErrorOr<Termios> ProcessKernel::tcgetattr(Pid pid, int fd) {
  Guard guard(*this);
  return TRY(terminal_of(pid, fd))->terminal.termios();
}

ErrorOr<void> ProcessKernel::tcsetattr(Pid pid, int fd, const Termios& termios) {
  Guard guard(*this);
  std::shared_ptr<Pty> pty = TRY(terminal_of(pid, fd));
  pty->terminal.set_termios(termios);
  pty->input_changed.notify_all();  // leaving canonical mode can make a partial line readable
  notify_readiness();
  return {};
}

ErrorOr<Pid> ProcessKernel::tcgetpgrp(Pid pid, int fd) {
  Guard guard(*this);
  return TRY(terminal_of(pid, fd))->foreground_pgid;
}

ErrorOr<void> ProcessKernel::tcsetpgrp(Pid pid, int fd, Pid pgid) {
  Guard guard(*this);
  std::shared_ptr<Pty> pty = TRY(terminal_of(pid, fd));
  Process* process = TRY(live_process(pid));
  if (pgid <= 0) return fail(EINVAL, "invalid process group " + std::to_string(pgid));
  if (pty->session != 0 && pty->session != process->sid) {
    return fail(ENOTTY, "not the controlling terminal of the caller's session");
  }
  if (!group_has_live_member(pgid)) return fail(ESRCH, "no such process group " + std::to_string(pgid));
  if (!group_has_live_member(pgid, process->sid)) {
    return fail(EPERM, "cannot set foreground process group in different session");
  }
  pty->session = process->sid;
  pty->foreground_pgid = pgid;
  return {};
}

ErrorOr<WindowSize> ProcessKernel::get_window_size(Pid pid, int fd) {
  Guard guard(*this);
  return TRY(terminal_of(pid, fd))->terminal.window_size();
}

ErrorOr<void> ProcessKernel::set_window_size(Pid pid, int fd, WindowSize size) {
  Guard guard(*this);
  std::shared_ptr<Pty> pty = TRY(terminal_of(pid, fd));
  resize_terminal(*pty, size);
  return {};
}

ErrorOr<void> ProcessKernel::host_set_window_size(HostHandle handle, WindowSize size) {
  Guard guard(*this);
  DescriptionPtr description = TRY(host_description(handle));
  if (!is_terminal(description->kind)) return fail(ENOTTY, "not a terminal");
  resize_terminal(*description->pty, size);
  return {};
}

}  // namespace se::kernel
