// Signal generation and delivery (spec/kernel.md s6.7 with Linux semantics): dispositions decide
// between a USER handler (run by the runtime through dequeue_signal), ignoring, and the default
// action (terminate with 128 + n, stop, continue); blocked signals wait in the pending set.
#include <limits>

#include "kernel/proc/process_kernel.h"
#include "kernel/proc/process_kernel_guard.h"

namespace se::kernel {
namespace {

Error invalid_signal(int signal) {
  return Error::from_errno(EINVAL, "invalid signal " + std::to_string(signal));
}

SignalDefaultAction default_action(int signal) {
  return signal_info(signal)->default_action;
}

}  // namespace

void ProcessKernel::notify_driver(const Process& process, Notice::Kind kind, int signal) {
  if (process.driver) notices_.push_back(Notice{process.driver, process.pid, signal, kind});
}

bool ProcessKernel::signal_ignored(const Process& process, int signal) const {
  const SignalDisposition& disposition = process.dispositions[signal];
  if (disposition.action == SignalAction::Ignore) return true;
  if (disposition.action == SignalAction::User) return false;
  SignalDefaultAction action = default_action(signal);
  return action == SignalDefaultAction::Ignore || action == SignalDefaultAction::Continue;
}

void ProcessKernel::send_signal(Process& process, int signal) {
  if (process.exited()) return;
  if (signal == kSigKill) {
    terminate_process(process, kSigKill);
    return;
  }
  // SIGCONT continues a stopped process when generated, even if blocked or ignored, and cancels
  // pending stops; a stop signal cancels a pending SIGCONT.
  if (signal == kSigCont) {
    for (int stop : {kSigStop, kSigTstp, kSigTtin, kSigTtou}) process.pending.remove(stop);
    if (process.status == ProcessStatus::Stopped) continue_process(process);
    if (process.exited()) return;  // a signal left pending while stopped killed it
  } else if (is_stop_signal(signal)) {
    process.pending.remove(kSigCont);
  }
  if (signal == kSigStop) {
    stop_process(process, kSigStop);
    return;
  }
  if (process.blocked.contains(signal)) {
    process.pending.add(signal);
    return;
  }
  if (signal_ignored(process, signal)) return;
  // A stopped process acts on nothing but SIGKILL and SIGCONT until it is continued.
  if (process.status == ProcessStatus::Stopped) {
    process.pending.add(signal);
    return;
  }
  deliver(process, signal);
}

void ProcessKernel::deliver(Process& process, int signal) {
  if (process.dispositions[signal].action == SignalAction::User) {
    process.deliverable.add(signal);
    notify_driver(process, Notice::Kind::Deliver, signal);
    wake_waiters_of(process.pid);
    return;
  }
  switch (default_action(signal)) {
    case SignalDefaultAction::Terminate:
    case SignalDefaultAction::CoreDump:
      terminate_process(process, signal);
      break;
    case SignalDefaultAction::Stop:
      stop_process(process, signal);
      break;
    case SignalDefaultAction::Ignore:
    case SignalDefaultAction::Continue:
      break;
  }
}

void ProcessKernel::terminate_process(Process& process, int signal) {
  if (process.exited()) return;
  notify_driver(process, Notice::Kind::Terminate, signal);
  mark_exited(process, exit_code_for_signal(signal), signal);
}

void ProcessKernel::stop_process(Process& process, int signal) {
  if (process.status != ProcessStatus::Running) return;
  process.status = ProcessStatus::Stopped;
  process.unreported_stop = signal;
  process.unreported_continue = false;
  notify_driver(process, Notice::Kind::Stop, signal);
  process_state_changed();
  notify_parent(process);
}

void ProcessKernel::continue_process(Process& process) {
  process.status = ProcessStatus::Running;
  process.unreported_stop.reset();
  process.unreported_continue = true;
  notify_driver(process, Notice::Kind::Resume, kSigCont);
  process_state_changed();
  notify_parent(process);
  deliver_unblocked(process);
}

void ProcessKernel::notify_parent(Process& child) {
  Process* parent = processes_.find(child.ppid);
  if (parent == nullptr || parent->exited()) return;
  if ((parent->dispositions[kSigChld].flags & kSaNoCldStop) != 0) return;
  send_signal(*parent, kSigChld);
}

void ProcessKernel::deliver_unblocked(Process& process) {
  while (process.status == ProcessStatus::Running) {
    int signal = (process.pending & ~process.blocked).lowest();
    if (signal == 0) return;
    process.pending.remove(signal);
    if (!signal_ignored(process, signal)) deliver(process, signal);
  }
}

void ProcessKernel::signal_group(Pid pgid, int signal) {
  std::vector<Pid> members;
  for (const auto& [pid, process] : processes_.all()) {
    if (process->pgid == pgid && !process->exited()) members.push_back(pid);
  }
  for (Pid pid : members) {
    Process* process = processes_.find(pid);
    if (process != nullptr) send_signal(*process, signal);
  }
}

bool ProcessKernel::group_exists(Pid pgid) {
  for (const auto& [pid, process] : processes_.all()) {
    if (process->pgid == pgid) return true;
  }
  return false;
}

ErrorOr<void> ProcessKernel::kill(Pid sender, Pid target, int signal) {
  Guard guard(*this);
  TRY(check_alive());
  if (signal < 0 || signal > kMaxSignal) return fail(invalid_signal(signal));
  Process* from = nullptr;
  if (sender != 0) from = TRY(live_process(sender));

  if (target > 0) {
    Process* process = processes_.find(target);
    if (process == nullptr) return fail(ESRCH, "no such process " + std::to_string(target));
    if (signal != 0) send_signal(*process, signal);
    return {};
  }
  if (target == -1) {
    std::vector<Pid> targets;
    for (const auto& [pid, process] : processes_.all()) {
      if (pid != 1 && pid != sender && !process->exited()) targets.push_back(pid);
    }
    if (targets.empty()) return fail(ESRCH, "no such process");
    for (Pid pid : targets) {
      Process* process = processes_.find(pid);
      if (process != nullptr && signal != 0) send_signal(*process, signal);
    }
    return {};
  }
  Pid pgid = 0;
  if (target == 0) {
    if (from == nullptr) return fail(ESRCH, "no such process group 0");
    pgid = from->pgid;
  } else if (target == std::numeric_limits<Pid>::min()) {
    return fail(ESRCH, "no such process group");
  } else {
    pgid = -target;
  }
  // Zombies keep a group in existence (signalling it succeeds and does nothing to them).
  if (!group_exists(pgid)) return fail(ESRCH, "no such process group " + std::to_string(pgid));
  if (signal != 0) signal_group(pgid, signal);
  return {};
}

ErrorOr<SignalSet> ProcessKernel::sigprocmask(Pid pid, SigmaskHow how, SignalSet set) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  SignalSet previous = process->blocked;
  SignalSet next;
  switch (how) {
    case SigmaskHow::Block:
      next = previous | set;
      break;
    case SigmaskHow::Unblock:
      next = previous & ~set;
      break;
    case SigmaskHow::SetMask:
      next = set;
      break;
    default:
      return fail(EINVAL, "invalid sigprocmask how " + std::to_string(static_cast<int>(how)));
  }
  next.remove(kSigKill);
  next.remove(kSigStop);
  process->blocked = next;
  deliver_unblocked(*process);
  return previous;
}

ErrorOr<SignalSet> ProcessKernel::sigpending(Pid pid) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  return process->pending;
}

ErrorOr<SignalDisposition> ProcessKernel::sigaction(Pid pid, int signal, std::optional<SignalDisposition> disposition) {
  Guard guard(*this);
  if (signal < 1 || signal > kMaxSignal) return fail(invalid_signal(signal));
  Process* process = TRY(live_process(pid));
  SignalDisposition previous = process->dispositions[signal];
  if (!disposition) return previous;
  if (!signal_is_catchable(signal)) {
    return fail(EINVAL, "signal " + std::to_string(signal) + " cannot be caught or ignored");
  }
  disposition->mask.remove(kSigKill);
  disposition->mask.remove(kSigStop);
  process->dispositions[signal] = *disposition;
  // POSIX: setting a pending signal to be ignored discards it.
  if (signal_ignored(*process, signal)) {
    process->pending.remove(signal);
    process->deliverable.remove(signal);
  }
  return previous;
}

std::map<int, SignalDisposition> ProcessKernel::signal_handlers(Pid pid) {
  Guard guard(*this);
  std::map<int, SignalDisposition> handlers;
  Process* process = processes_.find(pid);
  if (process == nullptr) return handlers;
  for (int signal = 1; signal <= kMaxSignal; ++signal) {
    if (process->dispositions[signal] != SignalDisposition{}) handlers[signal] = process->dispositions[signal];
  }
  return handlers;
}

ErrorOr<std::optional<DequeuedSignal>> ProcessKernel::dequeue_signal(Pid pid) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  while (!process->exited()) {
    int signal = process->deliverable.lowest();
    if (signal == 0) break;
    process->deliverable.remove(signal);
    SignalDisposition handler = process->dispositions[signal];
    if (handler.action == SignalAction::User) {
      if ((handler.flags & kSaResetHand) != 0) process->dispositions[signal] = SignalDisposition{};
      return std::optional<DequeuedSignal>(DequeuedSignal{signal, handler});
    }
    // The disposition changed after the signal was handed over: act on the current one.
    if (!signal_ignored(*process, signal)) deliver(*process, signal);
  }
  return std::optional<DequeuedSignal>();
}

}  // namespace se::kernel
