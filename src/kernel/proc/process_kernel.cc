// Locking, blocking waits, driver notices and descriptor bookkeeping shared by the process,
// signal, descriptor, pipe and terminal calls (which live in the process_kernel_*.cc files).
#include "kernel/proc/process_kernel.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "kernel/proc/process_kernel_guard.h"

namespace se::kernel {

ProcessKernel::Guard::~Guard() {
  std::vector<Notice> notices = std::exchange(kernel_.notices_, {});
  lock_.unlock();
  run(notices);
}

void ProcessKernel::Guard::dispatch_notices() {
  std::vector<Notice> notices = std::exchange(kernel_.notices_, {});
  lock_.unlock();
  run(notices);
  lock_.lock();
}

void ProcessKernel::Guard::run(const std::vector<Notice>& notices) {
  for (const Notice& notice : notices) {
    switch (notice.kind) {
      case Notice::Kind::Deliver:
        notice.driver->deliver_signal(notice.pid, notice.signal);
        break;
      case Notice::Kind::Terminate:
        notice.driver->terminate(notice.pid, notice.signal);
        break;
      case Notice::Kind::Stop:
        notice.driver->stop(notice.pid, notice.signal);
        break;
      case Notice::Kind::Resume:
        notice.driver->resume(notice.pid);
        break;
      case Notice::Kind::IoReady:
        notice.driver->io_ready(notice.pid);
        break;
    }
  }
}

ProcessKernel::ProcessKernel(const config::ResourceLimits& limits, KernelOptions options)
    : limits_(limits), options_(std::move(options)) {}

ProcessKernel::~ProcessKernel() {
  shutdown();
  std::unique_lock lock(mutex_);
  waiters_drained_.wait(lock, [this] { return waiters_.empty(); });
}

void ProcessKernel::shutdown() {
  Guard guard(*this);
  if (shut_down_) return;
  shut_down_ = true;
  std::vector<Pid> live;
  for (const auto& [pid, process] : processes_.all()) {
    if (!process->exited()) live.push_back(pid);
  }
  for (Pid pid : live) {
    Process* process = processes_.find(pid);
    if (process != nullptr && !process->exited()) terminate_process(*process, kSigKill);
  }
  for (auto& [handle, description] : std::exchange(host_ends_, {})) release(*description);
  for (Waiter& waiter : waiters_) waiter.cv->notify_all();
  process_state_changed_.notify_all();
  notify_readiness();
}

bool ProcessKernel::is_shut_down() const {
  std::lock_guard lock(mutex_);
  return shut_down_;
}

ResourceUsage ProcessKernel::usage() const {
  std::lock_guard lock(mutex_);
  ResourceUsage usage;
  for (const auto& [pid, process] : processes_.all()) {
    ++usage.processes;
    switch (process->status) {
      case ProcessStatus::Running:
        ++usage.running;
        break;
      case ProcessStatus::Stopped:
        ++usage.stopped;
        break;
      case ProcessStatus::Exited:
        ++usage.zombies;
        break;
    }
  }
  usage.open_fds = open_fds_;
  usage.pipes = counted_pipes_;
  usage.ptys = ptys_.size();
  return usage;
}

ProcessKernel::WaitOutcome ProcessKernel::wait(Guard& guard, std::condition_variable& cv, Pid pid, Deadline deadline,
                                               const std::function<bool()>& ready) {
  auto self = waiters_.insert(waiters_.end(), Waiter{&cv, pid});
  WaitOutcome outcome = WaitOutcome::Ready;
  while (true) {
    // After shutdown every wait ends with an error, and a killed process takes nothing more (data
    // it read would be lost to its siblings); otherwise what we waited for wins over a signal.
    if (shut_down_) {
      outcome = WaitOutcome::ShutDown;
      break;
    }
    if (pid != 0 && !process_alive(pid)) {
      outcome = WaitOutcome::Interrupted;
      break;
    }
    if (ready()) break;
    if (pid != 0 && has_signal_to_handle(pid)) {
      outcome = WaitOutcome::Interrupted;
      break;
    }
    if (!notices_.empty()) {  // never sleep on a callback that could change what we wait for
      guard.dispatch_notices();
      continue;
    }
    if (deadline) {
      if (std::chrono::steady_clock::now() >= *deadline) {
        outcome = WaitOutcome::TimedOut;
        break;
      }
      cv.wait_until(guard.lock(), *deadline);
    } else {
      cv.wait(guard.lock());
    }
  }
  waiters_.erase(self);
  if (waiters_.empty()) waiters_drained_.notify_all();
  return outcome;
}

Error ProcessKernel::wait_error(WaitOutcome outcome, std::string_view timeout_message) {
  switch (outcome) {
    case WaitOutcome::Interrupted:
      return Error::from_errno(EINTR, "interrupted system call");
    case WaitOutcome::TimedOut:
      return Error::from_errno(EAGAIN, std::string(timeout_message));
    case WaitOutcome::ShutDown:
    case WaitOutcome::Ready:
      break;
  }
  return Error::from_errno(EINVAL, "kernel VM is disposed");
}

bool ProcessKernel::process_alive(Pid pid) {
  Process* process = processes_.find(pid);
  return process != nullptr && !process->exited();
}

bool ProcessKernel::has_signal_to_handle(Pid pid) {
  return !processes_.find(pid)->deliverable.empty();
}

void ProcessKernel::wake_waiters_of(Pid pid) {
  for (Waiter& waiter : waiters_) {
    if (waiter.pid == pid) waiter.cv->notify_all();
  }
}

void ProcessKernel::notify_readiness() {
  ++readiness_generation_;
  readiness_changed_.notify_all();
  for (const auto& [pid, watcher] : io_watchers_) {
    const bool pending = std::any_of(notices_.begin(), notices_.end(), [&](const Notice& notice) {
      return notice.kind == Notice::Kind::IoReady && notice.pid == pid;
    });
    if (!pending) notices_.push_back(Notice{watcher.driver, pid, 0, Notice::Kind::IoReady});
  }
}

void ProcessKernel::process_state_changed() {
  ++process_state_generation_;
  process_state_changed_.notify_all();
}

ErrorOr<void> ProcessKernel::check_alive() const {
  if (shut_down_) return fail(EINVAL, "kernel VM is disposed");
  return {};
}

ErrorOr<Process*> ProcessKernel::live_process(Pid pid) {
  TRY(check_alive());
  Process* process = processes_.find(pid);
  if (process == nullptr || process->exited()) return fail(ESRCH, "no such process " + std::to_string(pid));
  return process;
}

ErrorOr<FdEntry*> ProcessKernel::lookup_fd(Process& process, int fd) {
  FdEntry* entry = process.fds.find(fd);
  if (entry == nullptr) return fail(EBADF, "bad file descriptor " + std::to_string(fd));
  return entry;
}

ProcessKernel::DescriptionPtr ProcessKernel::new_description(FileKind kind, uint32_t status_flags, std::string path) {
  auto description = std::make_shared<OpenFileDescription>();
  description->id = next_description_id_++;
  description->kind = kind;
  description->status_flags = status_flags & (kOpenAccessMask | kOpenAppend | kOpenNonBlock);
  description->path = std::move(path);
  return description;
}

uint64_t ProcessKernel::vm_fd_limit() const {
  if (options_.max_vm_open_fds != 0) return options_.max_vm_open_fds;
  uint64_t per_process = limits_.max_open_fds;
  if (limits_.max_processes != 0 && per_process > std::numeric_limits<uint64_t>::max() / limits_.max_processes) {
    return std::numeric_limits<uint64_t>::max();
  }
  return per_process * limits_.max_processes;
}

ErrorOr<void> ProcessKernel::check_fd_capacity(const Process& process, size_t additional) const {
  if (process.fds.size() + additional > process.fds.max_fds()) return fail(EMFILE, "too many open files");
  if (open_fds_ + additional > vm_fd_limit()) return fail(ENFILE, "maximum open file descriptor limit reached");
  return {};
}

ErrorOr<int> ProcessKernel::install_fd(Process& process, DescriptionPtr description, bool close_on_exec, int min_fd) {
  std::optional<int> fd = process.fds.lowest_free(min_fd);
  if (!fd) return fail(EMFILE, "too many open files");
  if (open_fds_ + 1 > vm_fd_limit()) return fail(ENFILE, "maximum open file descriptor limit reached");
  retain(*description);
  process.fds.install(*fd, FdEntry{std::move(description), close_on_exec});
  ++open_fds_;
  return *fd;
}

ErrorOr<void> ProcessKernel::install_fd_at(Process& process, int fd, DescriptionPtr description, bool close_on_exec) {
  if (fd < 0 || static_cast<size_t>(fd) >= process.fds.max_fds()) {
    return fail(EBADF, "bad file descriptor " + std::to_string(fd));
  }
  bool replacing = process.fds.find(fd) != nullptr;
  if (!replacing && open_fds_ + 1 > vm_fd_limit()) {
    return fail(ENFILE, "maximum open file descriptor limit reached");
  }
  retain(*description);  // before the old entry goes, in case both name the same description
  if (replacing) close_fd(process, fd);
  process.fds.install(fd, FdEntry{std::move(description), close_on_exec});
  ++open_fds_;
  return {};
}

void ProcessKernel::close_fd(Process& process, int fd) {
  std::optional<FdEntry> entry = process.fds.remove(fd);
  if (!entry) return;
  --open_fds_;
  release(*entry->description);
}

void ProcessKernel::retain(OpenFileDescription& description) {
  if (description.references++ > 0) return;
  switch (description.kind) {
    case FileKind::PipeReadEnd:
      ++description.pipe->read_ends;
      break;
    case FileKind::PipeWriteEnd:
      ++description.pipe->write_ends;
      break;
    case FileKind::PtyMaster:
      ++description.pty->master_ends;
      break;
    case FileKind::PtySlave:
      ++description.pty->slave_ends;
      break;
    case FileKind::RegularFile:
    case FileKind::Directory:
    case FileKind::Device:
    case FileKind::Socket:
      break;
  }
}

void ProcessKernel::release(OpenFileDescription& description) {
  if (--description.references > 0) return;
  switch (description.kind) {
    case FileKind::PipeReadEnd:
    case FileKind::PipeWriteEnd:
      close_pipe_end(*description.pipe, description.kind == FileKind::PipeReadEnd);
      break;
    case FileKind::PtyMaster:
    case FileKind::PtySlave:
      close_pty_end(*description.pty, description.kind == FileKind::PtyMaster);
      break;
    case FileKind::Socket:
      sockets_.close(description.socket_id);
      notify_readiness();
      break;
    case FileKind::RegularFile:
    case FileKind::Directory:
    case FileKind::Device:
      break;
  }
}

ProcessKernel::Deadline ProcessKernel::deadline_after(std::chrono::milliseconds timeout) {
  // Beyond a year the wait is effectively unbounded; this also keeps time_point arithmetic finite.
  constexpr auto kUnbounded = std::chrono::hours(24 * 365);
  if (timeout >= kUnbounded) return std::nullopt;
  return std::chrono::steady_clock::now() + std::max(timeout, std::chrono::milliseconds(0));
}

}  // namespace se::kernel
