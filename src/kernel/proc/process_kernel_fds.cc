// Descriptor calls (spec/kernel.md s7 with Linux semantics): open through the FileBackend, read /
// write dispatched on the description kind with access modes enforced, offsets shared through the
// description, dup / dup2 / fcntl, and poll.
#include <limits>

#include "kernel/proc/process_kernel.h"
#include "kernel/proc/process_kernel_guard.h"

namespace se::kernel {
namespace {

Error bad_fd(int fd) {
  return Error::from_errno(EBADF, "bad file descriptor " + std::to_string(fd));
}

bool seekable(FileKind kind) {
  return kind == FileKind::RegularFile || kind == FileKind::Directory;
}

FdInfo fd_info_of(int fd, const FdEntry& entry) {
  const OpenFileDescription& description = *entry.description;
  return FdInfo{fd,
                description.kind,
                description.path,
                description.status_flags,
                entry.close_on_exec,
                description.id,
                description.offset};
}

}  // namespace

ErrorOr<void> ProcessKernel::check_write_size(size_t size) const {
  if (size > limits_.max_fd_write_bytes) {
    return fail(EINVAL, "write size " + std::to_string(size) + " exceeds configured limit " +
                            std::to_string(limits_.max_fd_write_bytes));
  }
  return {};
}

ErrorOr<void> ProcessKernel::check_read_size(size_t size) const {
  if (size > limits_.max_pread_bytes) {
    return fail(EINVAL, "pread length " + std::to_string(size) + " exceeds configured limit " +
                            std::to_string(limits_.max_pread_bytes));
  }
  return {};
}

ErrorOr<int> ProcessKernel::open(Pid pid, std::string_view path, uint32_t flags, uint32_t mode) {
  std::string reopened;
  if (options_.synthetic_files) {
    std::optional<SyntheticOpen> special = TRY(options_.synthetic_files(pid, path, flags));
    if (special && special->kind != SyntheticOpen::Kind::File) return open_synthetic(pid, *special, flags);
    if (special) {
      reopened = std::move(special->path);
      path = reopened;
    }
  }
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  if (!options_.files) return fail(ENOSYS, "no filesystem is bound to the process kernel");
  // Descriptor limits first, so a failing open creates or truncates nothing.
  TRY(check_fd_capacity(*process, 1));
  FileOpenResult opened =
      TRY(options_.files->open(pid, path, flags & ~kOpenCloseOnExec, mode & ~process->umask & 07777));
  uint32_t access = flags & kOpenAccessMask;
  if (opened.is_directory && access != kOpenReadOnly) {
    return fail(EISDIR, "illegal operation on a directory, open '" + std::string(path) + "'");
  }
  auto description =
      new_description(opened.is_directory ? FileKind::Directory : FileKind::RegularFile, flags, std::move(opened.path));
  return install_fd(*process, std::move(description), (flags & kOpenCloseOnExec) != 0);
}

ErrorOr<int> ProcessKernel::open_synthetic(Pid pid, const SyntheticOpen& special, uint32_t flags) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  TRY(check_fd_capacity(*process, 1));
  const bool close_on_exec = (flags & kOpenCloseOnExec) != 0;
  switch (special.kind) {
    case SyntheticOpen::Kind::Device: {
      auto description = new_description(FileKind::Device, flags, special.path);
      description->device = special.device;
      return install_fd(*process, std::move(description), close_on_exec);
    }
    case SyntheticOpen::Kind::Directory:
      return install_fd(*process, new_description(FileKind::Directory, flags, special.path), close_on_exec);
    case SyntheticOpen::Kind::DuplicateFd: {
      // Linux opens the same pipe / terminal / device again; sharing the description is the
      // closest this kernel has (regular files never get here: they are reopened by path).
      DescriptionPtr description = TRY(lookup_fd(*process, special.number))->description;
      return install_fd(*process, std::move(description), close_on_exec);
    }
    case SyntheticOpen::Kind::PtySlave: {
      auto it = ptys_.find(special.number);
      if (it == ptys_.end() || it->second->master_ends == 0) {
        return fail(ENOENT, "no such PTY: /dev/pts/" + std::to_string(special.number));
      }
      return install_fd(*process, pty_end_description(it->second, false, flags), close_on_exec);
    }
    case SyntheticOpen::Kind::File:
      break;
  }
  return fail(EINVAL, "synthetic open of " + special.path + " needs the file backend");
}

ErrorOr<int> ProcessKernel::open_device(Pid pid, std::string path, std::shared_ptr<CharacterDevice> device,
                                        uint32_t flags) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  auto description = new_description(FileKind::Device, flags, std::move(path));
  description->device = std::move(device);
  return install_fd(*process, std::move(description), (flags & kOpenCloseOnExec) != 0);
}

ErrorOr<std::string> ProcessKernel::read_description(OpenFileDescription& description, Guard& guard, Pid pid,
                                                     size_t max_bytes, Deadline deadline, bool nonblocking) {
  switch (description.kind) {
    case FileKind::RegularFile: {
      TRY(check_read_size(max_bytes));
      std::string data = TRY(options_.files->pread(description.path, description.offset, max_bytes));
      description.offset += data.size();
      return data;
    }
    case FileKind::Directory:
      return fail(EISDIR, "illegal operation on a directory, read");
    case FileKind::PipeReadEnd:
      return pipe_read(description, guard, pid, max_bytes, deadline, nonblocking);
    case FileKind::PtyMaster:
    case FileKind::PtySlave:
      return pty_read(description, guard, pid, max_bytes, deadline, nonblocking);
    case FileKind::Socket:
      return socket_read(description, guard, pid, max_bytes, deadline, nonblocking);
    case FileKind::PipeWriteEnd:
    case FileKind::Device:
      break;
  }
  return fail(EBADF, "descriptor is not open for reading");
}

ErrorOr<size_t> ProcessKernel::write_description(OpenFileDescription& description, Guard& guard, Pid pid,
                                                 std::string_view data, bool nonblocking) {
  switch (description.kind) {
    case FileKind::RegularFile: {
      if (data.empty()) return size_t{0};
      uint64_t offset = description.offset;
      if ((description.status_flags & kOpenAppend) != 0) offset = TRY(options_.files->size(description.path));
      uint64_t written = TRY(options_.files->pwrite(description.path, offset, data));
      description.offset = offset + written;
      return static_cast<size_t>(written);
    }
    case FileKind::PipeWriteEnd:
      return pipe_write(description, guard, pid, data, nonblocking);
    case FileKind::PtyMaster:
    case FileKind::PtySlave:
      return pty_write(description, guard, pid, data, nonblocking);
    case FileKind::Socket:
      return socket_write(description, guard, pid, data, nonblocking);
    case FileKind::Directory:
    case FileKind::PipeReadEnd:
    case FileKind::Device:
      break;
  }
  return fail(EBADF, "descriptor is not open for writing");
}

ErrorOr<std::string> ProcessKernel::read(Pid pid, int fd, size_t max_bytes,
                                         std::optional<std::chrono::milliseconds> timeout) {
  Deadline deadline = deadline_after(timeout.value_or(std::chrono::milliseconds(limits_.max_blocking_read_ms)));
  std::shared_ptr<CharacterDevice> device;
  {
    Guard guard(*this);
    Process* process = TRY(live_process(pid));
    DescriptionPtr description = TRY(lookup_fd(*process, fd))->description;
    if (!description->readable()) return fail(bad_fd(fd));
    if (description->kind != FileKind::Device) {
      return read_description(*description, guard, pid, max_bytes, deadline, description->nonblocking());
    }
    device = description->device;
  }
  if (!device || max_bytes == 0) return std::string();
  TRY(check_read_size(max_bytes));  // a device fills what it is asked for (/dev/zero)
  return device->read(max_bytes);
}

ErrorOr<size_t> ProcessKernel::write(Pid pid, int fd, std::string_view data) {
  std::shared_ptr<CharacterDevice> device;
  {
    Guard guard(*this);
    Process* process = TRY(live_process(pid));
    DescriptionPtr description = TRY(lookup_fd(*process, fd))->description;
    if (!description->writable()) return fail(bad_fd(fd));
    TRY(check_write_size(data.size()));
    if (description->kind != FileKind::Device) {
      return write_description(*description, guard, pid, data, description->nonblocking());
    }
    device = description->device;
  }
  if (!device || data.empty()) return data.size();
  return device->write(data);
}

ErrorOr<std::string> ProcessKernel::pread(Pid pid, int fd, size_t max_bytes, uint64_t offset) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  const OpenFileDescription& description = *TRY(lookup_fd(*process, fd))->description;
  if (!description.readable()) return fail(bad_fd(fd));
  if (description.kind == FileKind::Directory) return fail(EISDIR, "illegal operation on a directory, read");
  if (!seekable(description.kind)) return fail(ESPIPE, "illegal seek");
  TRY(check_read_size(max_bytes));
  return options_.files->pread(description.path, offset, max_bytes);
}

ErrorOr<size_t> ProcessKernel::pwrite(Pid pid, int fd, std::string_view data, uint64_t offset) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  const OpenFileDescription& description = *TRY(lookup_fd(*process, fd))->description;
  if (!description.writable()) return fail(bad_fd(fd));
  TRY(check_write_size(data.size()));
  if (!seekable(description.kind)) return fail(ESPIPE, "illegal seek");
  if (data.empty()) return size_t{0};
  // Linux appends for pwrite on an O_APPEND descriptor, whatever the offset.
  if ((description.status_flags & kOpenAppend) != 0) offset = TRY(options_.files->size(description.path));
  return static_cast<size_t>(TRY(options_.files->pwrite(description.path, offset, data)));
}

ErrorOr<uint64_t> ProcessKernel::lseek(Pid pid, int fd, int64_t offset, int whence) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  OpenFileDescription& description = *TRY(lookup_fd(*process, fd))->description;
  if (!seekable(description.kind)) return fail(ESPIPE, "illegal seek");
  int64_t base = 0;
  switch (whence) {
    case kSeekSet:
      break;
    case kSeekCur:
      base = static_cast<int64_t>(description.offset);
      break;
    case kSeekEnd:
      if (description.kind == FileKind::RegularFile) {
        base = static_cast<int64_t>(TRY(options_.files->size(description.path)));
      }
      break;
    default:
      return fail(EINVAL, "invalid whence " + std::to_string(whence));
  }
  if ((offset > 0 && base > std::numeric_limits<int64_t>::max() - offset) || base + offset < 0) {
    return fail(EINVAL, "invalid seek position");
  }
  description.offset = static_cast<uint64_t>(base + offset);
  return description.offset;
}

ErrorOr<void> ProcessKernel::ftruncate(Pid pid, int fd, uint64_t length) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  const OpenFileDescription& description = *TRY(lookup_fd(*process, fd))->description;
  if (description.kind != FileKind::RegularFile || !description.writable()) {
    return fail(EINVAL, "descriptor " + std::to_string(fd) + " is not a regular file open for writing");
  }
  return options_.files->truncate(description.path, length);
}

ErrorOr<void> ProcessKernel::close(Pid pid, int fd) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  TRY(lookup_fd(*process, fd));
  close_fd(*process, fd);
  return {};
}

ErrorOr<int> ProcessKernel::dup(Pid pid, int fd) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  DescriptionPtr description = TRY(lookup_fd(*process, fd))->description;
  return install_fd(*process, std::move(description), false);
}

ErrorOr<int> ProcessKernel::dup2(Pid pid, int old_fd, int new_fd, std::optional<bool> close_on_exec) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  DescriptionPtr description = TRY(lookup_fd(*process, old_fd))->description;
  if (new_fd < 0 || static_cast<size_t>(new_fd) >= process->fds.max_fds()) return fail(bad_fd(new_fd));
  if (old_fd == new_fd) {
    if (close_on_exec) return fail(EINVAL, "dup3 needs two different descriptors");
    return new_fd;
  }
  TRY(install_fd_at(*process, new_fd, std::move(description), close_on_exec.value_or(false)));
  return new_fd;
}

ErrorOr<int> ProcessKernel::fcntl(Pid pid, int fd, int command, int arg) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  FdEntry* entry = TRY(lookup_fd(*process, fd));
  switch (command) {
    case kFcntlDupFd:
    case kFcntlDupFdCloseOnExec:
      if (arg < 0 || static_cast<size_t>(arg) >= process->fds.max_fds()) {
        return fail(EINVAL, "fd " + std::to_string(arg) + " exceeds process fd limit");
      }
      return install_fd(*process, entry->description, command == kFcntlDupFdCloseOnExec, arg);
    case kFcntlGetFd:
      return entry->close_on_exec ? kFdCloseOnExec : 0;
    case kFcntlSetFd:
      entry->close_on_exec = (arg & kFdCloseOnExec) != 0;
      return 0;
    case kFcntlGetFl:
      return static_cast<int>(entry->description->status_flags);
    case kFcntlSetFl: {
      constexpr uint32_t kChangeable = kOpenAppend | kOpenNonBlock;
      uint32_t& flags = entry->description->status_flags;
      flags = (flags & ~kChangeable) | (static_cast<uint32_t>(arg) & kChangeable);
      return 0;
    }
    default:
      return fail(EINVAL, "unsupported fcntl command " + std::to_string(command));
  }
}

ErrorOr<FdInfo> ProcessKernel::fd_info(Pid pid, int fd) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  return fd_info_of(fd, *TRY(lookup_fd(*process, fd)));
}

ErrorOr<std::vector<FdInfo>> ProcessKernel::list_fds(Pid pid) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  std::vector<FdInfo> infos;
  for (const auto& [fd, entry] : process->fds.entries()) infos.push_back(fd_info_of(fd, entry));
  return infos;
}

ErrorOr<void> ProcessKernel::set_io_watch(Pid pid, bool watching, IoWatchClient client) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  if (!process->driver) return {};
  const auto bit = static_cast<uint8_t>(client);
  IoWatcher& watcher = io_watchers_[pid];
  watcher.driver = process->driver;
  watcher.clients = static_cast<uint8_t>(watching ? watcher.clients | bit : watcher.clients & ~bit);
  if (watcher.clients == 0) io_watchers_.erase(pid);
  return {};
}

int16_t ProcessKernel::poll_events(const OpenFileDescription& description, int16_t requested) const {
  int16_t events = 0;
  switch (description.kind) {
    case FileKind::RegularFile:
    case FileKind::Directory:
    case FileKind::Device:
      if (description.readable()) events |= kPollIn;
      if (description.writable()) events |= kPollOut;
      break;
    case FileKind::PipeReadEnd:
      if (!description.pipe->buffer.empty()) events |= kPollIn;
      if (description.pipe->write_ends == 0) events |= kPollHup;
      break;
    case FileKind::PipeWriteEnd:
      if (description.pipe->read_ends == 0) {
        events |= kPollErr;
      } else if (description.pipe->buffer.free_space() >= Pipe::kAtomicWriteBytes) {
        events |= kPollOut;
      }
      break;
    case FileKind::PtyMaster: {
      const Pty& pty = *description.pty;
      if (pty.terminal.output_readable()) events |= kPollIn;
      if (pty.slave_ends == 0) {
        events |= kPollHup;
      } else if (pty.terminal.input_free() > 0) {
        events |= kPollOut;
      }
      break;
    }
    case FileKind::Socket:
      events |= sockets_.poll(description.socket_id, requested);
      break;
    case FileKind::PtySlave: {
      const Pty& pty = *description.pty;
      if (pty.terminal.input_readable()) events |= kPollIn;
      if (pty.master_ends == 0) {
        events |= kPollHup;
      } else if (pty.terminal.output_writable()) {
        events |= kPollOut;
      }
      break;
    }
  }
  return static_cast<int16_t>(events & (requested | kPollErr | kPollHup));
}

ErrorOr<size_t> ProcessKernel::poll(Pid pid, std::vector<PollFd>& fds,
                                    std::optional<std::chrono::milliseconds> timeout) {
  Guard guard(*this);
  Deadline deadline = timeout ? deadline_after(*timeout) : std::nullopt;
  while (true) {
    Process* process = TRY(live_process(pid));
    size_t ready = 0;
    for (PollFd& poll_fd : fds) {
      poll_fd.revents = 0;
      if (poll_fd.fd < 0) continue;
      const FdEntry* entry = process->fds.find(poll_fd.fd);
      poll_fd.revents = entry == nullptr ? kPollNval : poll_events(*entry->description, poll_fd.events);
      if (poll_fd.revents != 0) ++ready;
    }
    if (ready > 0) return ready;
    uint64_t seen = readiness_generation_;
    WaitOutcome outcome = wait(guard, readiness_changed_, pid, deadline, [&] { return readiness_generation_ != seen; });
    if (outcome == WaitOutcome::TimedOut) return size_t{0};
    if (outcome != WaitOutcome::Ready) return fail(wait_error(outcome, ""));
  }
}

}  // namespace se::kernel
