#include "runtime/js/process_control.h"

#include <v8-isolate.h>

#include <algorithm>
#include <csignal>

namespace se::runtime::js {
namespace {

constexpr uint64_t signal_bit(int signal) {
  return uint64_t{1} << (signal - 1);
}

// Default disposition "ignore" (signal(7)); SIGSTOP cannot be caught and stopping is not modelled.
constexpr uint64_t kIgnoredByDefault = signal_bit(SIGCHLD) | signal_bit(SIGCONT) | signal_bit(SIGURG) |
                                       signal_bit(SIGWINCH) | signal_bit(SIGSTOP) | signal_bit(SIGTSTP) |
                                       signal_bit(SIGTTIN) | signal_bit(SIGTTOU);

}  // namespace

void ProcessControl::end_locked(const ExitStatus& status) {
  if (end.has_value()) return;
  end = status;
  ending.store(true);
  if (isolate != nullptr) isolate->TerminateExecution();
  wake.notify_all();
}

void ProcessControl::end_with(const ExitStatus& status) {
  std::lock_guard lock(mutex);
  end_locked(status);
}

ErrorOr<void> queue_stdin(ProcessControl& control, std::string_view bytes) {
  {
    std::lock_guard lock(control.mutex);
    if (control.end.has_value() || control.finished) return fail(ESRCH, "the process has exited");
    if (control.stdin_closed) return fail(EPIPE, "stdin is closed");
    if (bytes.size() > control.stdin_limit_bytes - std::min(control.pending_stdin_bytes, control.stdin_limit_bytes)) {
      return fail(ENOBUFS, "guest stdin buffer exceeded " + std::to_string(control.stdin_limit_bytes) + " bytes");
    }
    if (bytes.empty()) return {};
    control.events.push_back(InboundEvent{InboundEvent::Kind::kStdinData, std::string(bytes), 0});
    control.pending_stdin_bytes += bytes.size();
  }
  control.wake.notify_all();
  return {};
}

ErrorOr<void> queue_stdin_end(ProcessControl& control) {
  {
    std::lock_guard lock(control.mutex);
    if (control.end.has_value() || control.finished) return fail(ESRCH, "the process has exited");
    if (control.stdin_closed) return {};
    control.stdin_closed = true;
    control.events.push_back(InboundEvent{InboundEvent::Kind::kStdinEnd, {}, 0});
  }
  control.wake.notify_all();
  return {};
}

ErrorOr<std::string> read_stdin(ProcessControl& control, size_t max_bytes,
                                std::optional<std::chrono::milliseconds> timeout) {
  auto is_data = [](const InboundEvent& event) { return event.kind == InboundEvent::Kind::kStdinData; };
  std::unique_lock lock(control.mutex);
  auto ready = [&] {
    return control.end.has_value() || control.stdin_closed ||
           std::any_of(control.events.begin(), control.events.end(), is_data);
  };
  if (!timeout) {
    control.wake.wait(lock, ready);
  } else if (!control.wake.wait_for(lock, *timeout, ready)) {
    return fail(EAGAIN, "pipe read timed out");
  }
  if (control.end.has_value()) return fail(EINTR, "interrupted system call");
  std::string bytes;
  for (auto event = control.events.begin(); event != control.events.end() && bytes.size() < max_bytes;) {
    if (!is_data(*event)) {
      ++event;
      continue;
    }
    size_t take = std::min(max_bytes - bytes.size(), event->bytes.size());
    bytes.append(event->bytes, 0, take);
    control.pending_stdin_bytes -= std::min(take, control.pending_stdin_bytes);
    if (take == event->bytes.size()) {
      event = control.events.erase(event);
    } else {
      event->bytes.erase(0, take);
      break;
    }
  }
  return bytes;
}

void queue_io_ready(ProcessControl& control) {
  {
    std::lock_guard lock(control.mutex);
    if (control.end.has_value() || control.finished || control.io_ready_queued) return;
    control.io_ready_queued = true;
    control.events.push_back(InboundEvent{InboundEvent::Kind::kIoReady, {}, 0});
  }
  control.wake.notify_all();
}

ErrorOr<void> deliver_signal(ProcessControl& control, int signal) {
  if (signal < 0 || signal > 64) return fail(EINVAL, "invalid signal " + std::to_string(signal));
  std::lock_guard lock(control.mutex);
  if (control.end.has_value() || control.finished) return fail(ESRCH, "the process has exited");
  if (signal == 0) return {};
  if (signal == SIGKILL) {
    control.end_locked(ExitStatus{128 + SIGKILL, SIGKILL, ExitKind::kSignaled});
  } else if ((control.handled_signals.load() & signal_bit(signal)) != 0) {
    // Like POSIX signals, one that is already pending is not queued twice.
    bool pending = std::any_of(control.events.begin(), control.events.end(), [&](const InboundEvent& event) {
      return event.kind == InboundEvent::Kind::kSignal && event.signal == signal;
    });
    if (!pending) control.events.push_back(InboundEvent{InboundEvent::Kind::kSignal, {}, signal});
    control.wake.notify_all();
  } else if (signal > 31 || (kIgnoredByDefault & signal_bit(signal)) == 0) {
    control.end_locked(ExitStatus{128 + signal, signal, ExitKind::kSignaled});
  }
  return {};
}

}  // namespace se::runtime::js
