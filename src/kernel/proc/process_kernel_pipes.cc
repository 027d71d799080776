// Pipes (spec/kernel.md s8.1 with POSIX semantics) and host-held stdio ends: 64 KiB buffers,
// blocking and non-blocking reads and writes, EOF once every writer closed, EPIPE and SIGPIPE once
// every reader closed, writes up to PIPE_BUF atomic and larger ones split.
#include "kernel/proc/process_kernel.h"
#include "kernel/proc/process_kernel_guard.h"

namespace se::kernel {

std::shared_ptr<Pipe> ProcessKernel::new_pipe(bool counts_toward_limit) {
  auto pipe = std::make_shared<Pipe>();
  pipe->id = next_pipe_id_++;
  pipe->counts_toward_limit = counts_toward_limit;
  if (counts_toward_limit) ++counted_pipes_;
  return pipe;
}

ProcessKernel::DescriptionPtr ProcessKernel::pipe_end_description(const std::shared_ptr<Pipe>& pipe, bool read_end,
                                                                  uint32_t flags) {
  auto description = new_description(read_end ? FileKind::PipeReadEnd : FileKind::PipeWriteEnd,
                                     (read_end ? kOpenReadOnly : kOpenWriteOnly) | (flags & kOpenNonBlock),
                                     "pipe:[" + std::to_string(pipe->id) + "]");
  description->pipe = pipe;
  return description;
}

void ProcessKernel::close_pipe_end(Pipe& pipe, bool read_end) {
  if (read_end) {
    --pipe.read_ends;
    pipe.writable.notify_all();  // blocked writers now fail with EPIPE
  } else {
    --pipe.write_ends;
    pipe.readable.notify_all();  // blocked readers now see EOF
  }
  if (pipe.read_ends == 0 && pipe.write_ends == 0 && pipe.counts_toward_limit) --counted_pipes_;
  notify_readiness();
}

ErrorOr<PipeFds> ProcessKernel::pipe(Pid pid, uint32_t flags) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  if (counted_pipes_ >= limits_.max_pipes) return fail(EAGAIN, "maximum pipe count reached");
  TRY(check_fd_capacity(*process, 2));
  auto pipe = new_pipe(true);
  bool close_on_exec = (flags & kOpenCloseOnExec) != 0;
  PipeFds fds;
  fds.read_fd = TRY(install_fd(*process, pipe_end_description(pipe, true, flags), close_on_exec));
  fds.write_fd = TRY(install_fd(*process, pipe_end_description(pipe, false, flags), close_on_exec));
  return fds;
}

ErrorOr<std::string> ProcessKernel::pipe_read(OpenFileDescription& description, Guard& guard, Pid pid, size_t max_bytes,
                                              Deadline deadline, bool nonblocking) {
  std::shared_ptr<Pipe> pipe = description.pipe;
  if (max_bytes == 0) return std::string();
  while (true) {
    if (!pipe->buffer.empty()) {
      std::string data = pipe->buffer.take(max_bytes);
      pipe->writable.notify_all();
      notify_readiness();
      return data;
    }
    if (pipe->write_ends == 0) return std::string();
    if (nonblocking) return fail(EAGAIN, "pipe read would block");
    WaitOutcome outcome =
        wait(guard, pipe->readable, pid, deadline, [&] { return !pipe->buffer.empty() || pipe->write_ends == 0; });
    if (outcome != WaitOutcome::Ready) return fail(wait_error(outcome, "pipe read timed out"));
  }
}

ErrorOr<size_t> ProcessKernel::pipe_write(OpenFileDescription& description, Guard& guard, Pid pid,
                                          std::string_view data, bool nonblocking) {
  std::shared_ptr<Pipe> pipe = description.pipe;
  // A zero-length write is a no-op (kernel.md s14 #22), as on Linux.
  bool atomic = data.size() <= Pipe::kAtomicWriteBytes;
  size_t written = 0;
  while (written < data.size()) {
    if (pipe->read_ends == 0) {
      if (written > 0) return written;  // the next write reports EPIPE
      if (Process* writer = processes_.find(pid); writer != nullptr) send_signal(*writer, kSigPipe);
      return fail(EPIPE, "broken pipe: read end closed");
    }
    size_t remaining = data.size() - written;
    auto has_room = [&] { return atomic ? pipe->buffer.free_space() >= remaining : pipe->buffer.free_space() > 0; };
    if (has_room()) {
      written += pipe->buffer.append(data.substr(written));
      pipe->readable.notify_all();
      notify_readiness();
      continue;
    }
    if (nonblocking) {
      if (written > 0) return written;
      return fail(EAGAIN, "pipe buffer full");
    }
    WaitOutcome outcome =
        wait(guard, pipe->writable, pid, std::nullopt, [&] { return pipe->read_ends == 0 || has_room(); });
    if (outcome != WaitOutcome::Ready) {
      if (outcome == WaitOutcome::Interrupted && written > 0) return written;
      return fail(wait_error(outcome, ""));
    }
  }
  return written;
}

HostHandle ProcessKernel::add_host_end(DescriptionPtr description) {
  retain(*description);
  HostHandle handle = next_host_handle_++;
  host_ends_.emplace(handle, std::move(description));
  return handle;
}

ErrorOr<ProcessKernel::DescriptionPtr> ProcessKernel::host_description(HostHandle handle) {
  TRY(check_alive());
  auto it = host_ends_.find(handle);
  if (it == host_ends_.end()) return fail(EBADF, "bad host handle " + std::to_string(handle));
  return it->second;
}

ErrorOr<HostHandle> ProcessKernel::attach_host_pipe(Pid pid, int fd, HostPipeDirection direction) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  if (fd < 0 || static_cast<size_t>(fd) >= process->fds.max_fds()) {
    return fail(EBADF, "bad file descriptor " + std::to_string(fd));
  }
  auto pipe = new_pipe(false);
  bool process_reads = direction == HostPipeDirection::ToProcess;
  TRY(install_fd_at(*process, fd, pipe_end_description(pipe, process_reads, 0), false));
  return add_host_end(pipe_end_description(pipe, !process_reads, 0));
}

ErrorOr<std::string> ProcessKernel::host_read(HostHandle handle, size_t max_bytes,
                                              std::optional<std::chrono::milliseconds> timeout) {
  Guard guard(*this);
  DescriptionPtr description = TRY(host_description(handle));
  if (!description->readable()) return fail(EBADF, "host handle " + std::to_string(handle) + " is not readable");
  Deadline deadline = timeout ? deadline_after(*timeout) : std::nullopt;
  return read_description(*description, guard, 0, max_bytes, deadline, false);
}

ErrorOr<size_t> ProcessKernel::host_write(HostHandle handle, std::string_view data, bool nonblocking) {
  Guard guard(*this);
  DescriptionPtr description = TRY(host_description(handle));
  if (!description->writable()) return fail(EBADF, "host handle " + std::to_string(handle) + " is not writable");
  TRY(check_write_size(data.size()));
  return write_description(*description, guard, 0, data, nonblocking);
}

ErrorOr<void> ProcessKernel::host_close(HostHandle handle) {
  Guard guard(*this);
  DescriptionPtr description = TRY(host_description(handle));
  host_ends_.erase(handle);
  release(*description);
  return {};
}

}  // namespace se::kernel
