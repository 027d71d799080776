// Process lifecycle: spawn, exit, waitpid, zombies and their reaping timers, reparenting,
// orphaned process groups, process groups and sessions (spec/kernel.md s6.2-6.6, s6.8).
#include <algorithm>
#include <set>

#include "kernel/proc/process_kernel.h"
#include "kernel/proc/process_kernel_guard.h"

namespace se::kernel {
namespace {

uint64_t argv_bytes(const std::string& command, const std::vector<std::string>& args) {
  uint64_t total = command.size() + 1;
  for (const std::string& arg : args) total += arg.size() + 1;
  return total;
}

uint64_t env_bytes(const Environment& env) {
  uint64_t total = 0;
  for (const auto& [key, value] : env) total += key.size() + 1 + value.size() + 1;
  return total;
}

bool selector_matches(const Process& child, Pid selector, Pid waiter_pgid) {
  if (selector > 0) return child.pid == selector;
  if (selector == -1) return true;
  if (selector == 0) return child.pgid == waiter_pgid;
  return child.pgid == -selector;
}

}  // namespace

int WaitResult::status() const {
  switch (event) {
    case WaitEvent::Exited:
      return (exit_code & 0xff) << 8;
    case WaitEvent::Signaled:
      return signal & 0x7f;
    case WaitEvent::Stopped:
      return (signal & 0xff) << 8 | 0x7f;
    case WaitEvent::Continued:
      return 0xffff;
  }
  return 0;
}

ErrorOr<Pid> ProcessKernel::spawn(const SpawnRequest& request) {
  Guard guard(*this);
  TRY(check_alive());
  Process* parent = nullptr;
  if (request.parent != 0) parent = TRY(live_process(request.parent));

  uint64_t argv_size = argv_bytes(request.command, request.args);
  if (argv_size > limits_.max_process_argv_bytes) {
    return fail(E2BIG, "process argv payload " + std::to_string(argv_size) + " bytes exceeds configured limit " +
                           std::to_string(limits_.max_process_argv_bytes));
  }
  const Environment& env = request.env ? *request.env : parent != nullptr ? parent->env : options_.default_env;
  uint64_t env_size = env_bytes(env);
  if (env_size > limits_.max_process_env_bytes) {
    return fail(E2BIG, "process environment payload " + std::to_string(env_size) + " bytes exceeds configured limit " +
                           std::to_string(limits_.max_process_env_bytes));
  }

  sweep_zombie_timers();
  if (counted_processes() >= limits_.max_processes) return fail(EAGAIN, "maximum process limit reached");

  // The child's descriptors: inherited ones without FD_CLOEXEC, then the requested dup2s; or a
  // top-level process's fresh stdio.
  std::map<int, DescriptionPtr> descriptors;
  if (parent != nullptr) {
    for (const auto& [fd, entry] : parent->fds.entries()) {
      if (!entry.close_on_exec) descriptors[fd] = entry.description;
    }
    for (const FdMapping& mapping : request.fd_mappings) {
      const FdEntry* source = parent->fds.find(mapping.parent_fd);
      if (source == nullptr) return fail(EBADF, "bad file descriptor " + std::to_string(mapping.parent_fd));
      if (mapping.child_fd < 0 || static_cast<uint64_t>(mapping.child_fd) >= limits_.max_open_fds) {
        return fail(EBADF, "bad file descriptor " + std::to_string(mapping.child_fd));
      }
      descriptors[mapping.child_fd] = source->description;
    }
  } else {
    static constexpr const char* kStdioPaths[3] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
    for (int fd = 0; fd < 3; ++fd) {
      auto description = new_description(FileKind::Device, fd == 0 ? kOpenReadOnly : kOpenWriteOnly, kStdioPaths[fd]);
      description->device = request.stdio[fd];
      descriptors[fd] = std::move(description);
    }
  }
  if (open_fds_ + descriptors.size() > vm_fd_limit()) {
    return fail(ENFILE, "maximum open file descriptor limit reached");
  }

  Pid pid = TRY(processes_.allocate_pid());
  auto process = std::make_unique<Process>(limits_.max_open_fds);
  process->pid = pid;
  process->driver_name = request.driver_name;
  process->command = request.command;
  process->args = request.args;
  process->env = env;
  process->driver = request.driver;
  if (parent != nullptr) {
    process->ppid = parent->pid;
    process->pgid = parent->pgid;
    process->sid = parent->sid;
    process->uid = parent->uid;
    process->gid = parent->gid;
    process->umask = parent->umask;
    process->cwd = request.cwd ? *request.cwd : parent->cwd;
    process->blocked = parent->blocked;
    // exec keeps ignored dispositions and resets handlers to DEFAULT.
    for (int signal = 1; signal <= kMaxSignal; ++signal) {
      if (parent->dispositions[signal].action == SignalAction::Ignore) {
        process->dispositions[signal].action = SignalAction::Ignore;
      }
    }
    process->process_id = !request.process_id.empty()
                              ? request.process_id
                              : parent->process_id + "/child-" + std::to_string(++parent->spawned_children);
  } else {
    process->pgid = pid;
    process->sid = pid;
    process->uid = options_.uid;
    process->gid = options_.gid;
    process->cwd = request.cwd ? *request.cwd : options_.default_cwd;
    process->process_id = request.process_id.empty() ? std::to_string(pid) : request.process_id;
  }
  Process& child = processes_.insert(std::move(process));
  for (auto& [fd, description] : descriptors) {
    retain(*description);
    child.fds.install(fd, FdEntry{std::move(description), false});
    ++open_fds_;
  }
  process_state_changed();
  return pid;
}

ErrorOr<void> ProcessKernel::exit_process(Pid pid, int code, int term_signal) {
  Guard guard(*this);
  if (term_signal < 0 || term_signal > kMaxSignal) {
    return fail(EINVAL, "invalid signal " + std::to_string(term_signal));
  }
  Process* process = processes_.find(pid);
  if (process != nullptr && process->exited()) return {};
  process = TRY(live_process(pid));
  if (term_signal != 0) {
    mark_exited(*process, exit_code_for_signal(term_signal), term_signal);
  } else {
    mark_exited(*process, code & 0xff, 0);
  }
  return {};
}

void ProcessKernel::mark_exited(Process& process, int exit_code, int term_signal) {
  // Groups that may become orphaned: the exiting process's and its children's.
  std::set<Pid> groups = {process.pgid};
  for (const auto& [pid, other] : processes_.all()) {
    if (other->ppid == process.pid && !other->exited()) groups.insert(other->pgid);
  }
  std::set<Pid> orphaned_before;
  for (Pid pgid : groups) {
    if (group_is_orphaned(pgid)) orphaned_before.insert(pgid);
  }

  process.status = ProcessStatus::Exited;
  process.exit_code = exit_code;
  process.term_signal = term_signal;
  process.unreported_stop.reset();
  process.unreported_continue = false;
  process.pending = SignalSet();
  process.deliverable = SignalSet();
  io_watchers_.erase(process.pid);
  close_all_fds(process);
  reparent_children(process);

  if (!shut_down_) {
    for (Pid pgid : groups) {
      if (orphaned_before.contains(pgid) || !group_is_orphaned(pgid)) continue;
      bool has_stopped = std::ranges::any_of(processes_.all(), [pgid](const auto& entry) {
        return entry.second->pgid == pgid && entry.second->status == ProcessStatus::Stopped;
      });
      if (!has_stopped) continue;
      signal_group(pgid, kSigHup);
      signal_group(pgid, kSigCont);
    }

    auto now = std::chrono::steady_clock::now();
    process.zombie_deadline = now + options_.zombie_ttl;
    Process* parent = processes_.find(process.ppid);
    if (parent == nullptr || parent->exited()) {
      // Nobody can wait for it (a process Execute started: the host learnt its exit from the exit
      // event). It stays only as a retained exit for snapshots, briefly, and out of maxProcesses.
      process.zombie_deadline =
          now + std::min<std::chrono::steady_clock::duration>(options_.zombie_ttl, kOrphanRetention);
    } else {
      const SignalDisposition& chld = parent->dispositions[kSigChld];
      if (chld.action == SignalAction::Ignore || (chld.flags & kSaNoCldWait) != 0) {
        // The parent asked for no zombies: the entry goes at the next sweep and is never waitable.
        process.detached = true;
        process.zombie_deadline = now;
      } else {
        send_signal(*parent, kSigChld);
      }
    }
  }
  wake_waiters_of(process.pid);
  process_state_changed();
  notify_readiness();
}

void ProcessKernel::close_all_fds(Process& process) {
  std::vector<int> fds;
  for (const auto& [fd, entry] : process.fds.entries()) fds.push_back(fd);
  for (int fd : fds) close_fd(process, fd);
}

void ProcessKernel::reparent_children(Process& exiting) {
  Process* init = processes_.find(1);
  Pid adopter = init != nullptr && !init->exited() && exiting.pid != 1 ? 1 : 0;
  for (const auto& [pid, child] : processes_.all()) {
    if (child->ppid != exiting.pid) continue;
    child->ppid = adopter;
    child->reparented = true;
  }
}

bool ProcessKernel::group_is_orphaned(Pid pgid) {
  // POSIX: orphaned when no member has a parent in the same session but another group.
  for (const auto& [pid, member] : processes_.all()) {
    if (member->pgid != pgid || member->exited()) continue;
    Process* parent = processes_.find(member->ppid);
    if (parent == nullptr || parent->exited()) continue;
    if (parent->pgid != pgid && parent->sid == member->sid) return false;
  }
  return true;
}

bool ProcessKernel::group_has_live_member(Pid pgid, std::optional<Pid> session) {
  return std::ranges::any_of(processes_.all(), [&](const auto& entry) {
    const Process& member = *entry.second;
    return member.pgid == pgid && !member.exited() && (!session || member.sid == *session);
  });
}

size_t ProcessKernel::counted_processes() {
  // Linux counts a zombie against its parent's RLIMIT_NPROC until it is waited for; one whose
  // parent is gone would be reaped by init at once, so it holds no slot here either.
  size_t count = 0;
  for (const auto& [pid, process] : processes_.all()) {
    if (!process->exited()) {
      ++count;
      continue;
    }
    Process* parent = processes_.find(process->ppid);
    if (parent != nullptr && !parent->exited() && !process->detached) ++count;
  }
  return count;
}

void ProcessKernel::sweep_zombie_timers() {
  auto now = std::chrono::steady_clock::now();
  std::vector<Pid> expired;
  for (const auto& [pid, process] : processes_.all()) {
    if (process->exited() && process->zombie_deadline && *process->zombie_deadline <= now) expired.push_back(pid);
  }
  for (Pid pid : expired) {
    Process* zombie = processes_.find(pid);
    Process* parent = processes_.find(zombie->ppid);
    bool parent_waits = parent != nullptr && !parent->exited();
    if (zombie->detached || zombie->reparented || !parent_waits) {
      processes_.erase(pid);
    } else {
      zombie->zombie_deadline = now + options_.zombie_ttl;
    }
  }
  if (!expired.empty()) process_state_changed();
}

uint64_t ProcessKernel::zombie_timer_count() {
  Guard guard(*this);
  sweep_zombie_timers();
  return std::ranges::count_if(processes_.all(), [](const auto& entry) {
    return entry.second->exited() && entry.second->zombie_deadline.has_value();
  });
}

std::optional<WaitResult> ProcessKernel::collect_child(Pid waiter, Pid waiter_pgid, Pid selector, int options,
                                                       bool& any_match) {
  for (const auto& [pid, child] : processes_.all()) {
    if (child->ppid != waiter || child->detached || !selector_matches(*child, selector, waiter_pgid)) continue;
    any_match = true;
    if (child->exited()) {
      WaitResult result;
      result.pid = pid;
      result.exit_code = child->exit_code;
      result.signal = child->term_signal;
      result.event = child->term_signal != 0 ? WaitEvent::Signaled : WaitEvent::Exited;
      processes_.erase(pid);
      process_state_changed();
      return result;
    }
    if ((options & kWaitUntraced) != 0 && child->unreported_stop) {
      WaitResult result{pid, WaitEvent::Stopped, 0, *child->unreported_stop};
      child->unreported_stop.reset();
      return result;
    }
    if ((options & kWaitContinued) != 0 && child->unreported_continue) {
      child->unreported_continue = false;
      return WaitResult{pid, WaitEvent::Continued, 0, kSigCont};
    }
  }
  return std::nullopt;
}

ErrorOr<std::optional<WaitResult>> ProcessKernel::waitpid(Pid waiter, Pid selector, int options,
                                                          std::optional<std::chrono::milliseconds> timeout) {
  Guard guard(*this);
  const Deadline deadline = timeout ? deadline_after(*timeout) : std::nullopt;
  TRY(check_alive());
  if ((options & ~(kWaitNoHang | kWaitUntraced | kWaitContinued)) != 0) {
    return fail(EINVAL, "invalid waitpid options " + std::to_string(options));
  }
  if (waiter == 0 && selector == 0) return fail(EINVAL, "the host has no process group to wait for");
  while (true) {
    Pid waiter_pgid = 0;
    if (waiter != 0) waiter_pgid = TRY(live_process(waiter))->pgid;
    bool any_match = false;
    std::optional<WaitResult> result = collect_child(waiter, waiter_pgid, selector, options, any_match);
    if (result) return result;
    if (!any_match) return fail(ECHILD, "no child processes");
    if ((options & kWaitNoHang) != 0) return std::optional<WaitResult>();
    uint64_t seen = process_state_generation_;
    WaitOutcome outcome =
        wait(guard, process_state_changed_, waiter, deadline, [&] { return process_state_generation_ != seen; });
    if (outcome == WaitOutcome::TimedOut) return std::optional<WaitResult>();
    if (outcome != WaitOutcome::Ready) return fail(wait_error(outcome, ""));
  }
}

ErrorOr<void> ProcessKernel::wait_while_stopped(Pid pid) {
  Guard guard(*this);
  TRY(check_alive());
  if (processes_.find(pid) == nullptr) return fail(ESRCH, "no such process " + std::to_string(pid));
  // Handlers do not run while stopped, so only SIGCONT, death or shutdown end this wait.
  WaitOutcome outcome = wait(guard, process_state_changed_, 0, std::nullopt, [&] {
    Process* process = processes_.find(pid);
    return process == nullptr || process->status != ProcessStatus::Stopped;
  });
  if (outcome != WaitOutcome::Ready) return fail(wait_error(outcome, ""));
  return {};
}

ProcessInfo ProcessKernel::describe(const Process& process) const {
  ProcessInfo info;
  info.pid = process.pid;
  info.ppid = process.ppid;
  info.pgid = process.pgid;
  info.sid = process.sid;
  info.uid = process.uid;
  info.gid = process.gid;
  info.umask = process.umask;
  info.process_id = process.process_id;
  info.driver_name = process.driver_name;
  info.command = process.command;
  info.args = process.args;
  info.env = process.env;
  info.cwd = process.cwd;
  info.status = process.status;
  if (process.exited()) info.exit_code = process.exit_code;
  info.term_signal = process.term_signal;
  return info;
}

ErrorOr<ProcessInfo> ProcessKernel::process_info(Pid pid) {
  Guard guard(*this);
  Process* process = processes_.find(pid);
  if (process == nullptr) return fail(ESRCH, "no such process " + std::to_string(pid));
  return describe(*process);
}

std::vector<ProcessInfo> ProcessKernel::snapshot() {
  Guard guard(*this);
  sweep_zombie_timers();
  std::vector<ProcessInfo> infos;
  for (const auto& [pid, process] : processes_.all()) infos.push_back(describe(*process));
  return infos;
}

ErrorOr<Pid> ProcessKernel::getpgid(Pid caller, Pid target) {
  Guard guard(*this);
  TRY(check_alive());
  Process* process = processes_.find(target == 0 ? caller : target);
  if (process == nullptr) return fail(ESRCH, "no such process " + std::to_string(target == 0 ? caller : target));
  return process->pgid;
}

ErrorOr<Pid> ProcessKernel::getsid(Pid caller, Pid target) {
  Guard guard(*this);
  TRY(check_alive());
  Process* process = processes_.find(target == 0 ? caller : target);
  if (process == nullptr) return fail(ESRCH, "no such process " + std::to_string(target == 0 ? caller : target));
  return process->sid;
}

ErrorOr<void> ProcessKernel::setpgid(Pid caller, Pid target, Pid pgid) {
  Guard guard(*this);
  Process* self = TRY(live_process(caller));
  if (target == 0) target = caller;
  Process* process = processes_.find(target);
  if (process == nullptr || process->exited() || (target != caller && process->ppid != caller)) {
    return fail(ESRCH, "no such process " + std::to_string(target));
  }
  if (pgid < 0) return fail(EINVAL, "invalid process group " + std::to_string(pgid));
  if (pgid == 0) pgid = target;
  if (process->sid == process->pid) return fail(EPERM, "process " + std::to_string(target) + " is a session leader");
  if (process->sid != self->sid) return fail(EPERM, "cannot change the process group of a process in another session");
  if (pgid != target && !group_has_live_member(pgid, self->sid)) {
    return fail(EPERM, "no such process group " + std::to_string(pgid) + " in the session");
  }
  process->pgid = pgid;
  return {};
}

ErrorOr<Pid> ProcessKernel::setsid(Pid pid) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  bool leads_a_group = std::ranges::any_of(
      processes_.all(), [pid](const auto& entry) { return entry.second->pgid == pid && !entry.second->exited(); });
  if (leads_a_group) return fail(EPERM, "process " + std::to_string(pid) + " is already a process group leader");
  process->sid = pid;
  process->pgid = pid;
  return pid;
}

ErrorOr<void> ProcessKernel::set_cwd(Pid pid, std::string cwd) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  process->cwd = std::move(cwd);
  return {};
}

ErrorOr<uint32_t> ProcessKernel::set_umask(Pid pid, uint32_t mask) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  return std::exchange(process->umask, mask & 0777);
}

}  // namespace se::kernel
