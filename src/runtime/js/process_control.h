// Internal: the state a guest process's thread shares with its JsProcess handle and the engine
// (assignment, inbound events, forced ends, final status), and the thread's entry point.
// Thread-safety: every member is guarded by `mutex` unless it is atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "runtime/js/guest_host.h"

namespace v8 {
class Isolate;
}

namespace se::runtime::js {

struct InboundEvent {
  // kIoReady: a descriptor of the VM may have become ready (GuestProcesses::set_io_watch).
  enum class Kind { kStdinData, kStdinEnd, kSignal, kIoReady } kind;
  std::string bytes;  // kStdinData
  int signal = 0;     // kSignal
};

struct ProcessControl {
  std::mutex mutex;
  std::condition_variable wake;     // the guest thread sleeps on this
  std::condition_variable stopped;  // JsProcess::wait sleeps on this

  // Engine -> thread.
  std::optional<ProcessOptions> options;
  std::shared_ptr<GuestHost> host;
  bool shutdown = false;       // an idle pool thread is told to leave
  bool isolate_ready = false;  // the thread finished restoring its isolate

  // Inbound events, delivered in order by the guest's loop.
  std::deque<InboundEvent> events;
  size_t pending_stdin_bytes = 0;
  size_t stdin_limit_bytes = 0;
  bool stdin_closed = false;
  bool tasks_posted = false;     // V8 posted a foreground task
  bool io_ready_queued = false;  // a kIoReady event waits in `events` (they coalesce)

  // Signals the guest listens for (bit n-1 for signal n); decides default dispositions.
  std::atomic<uint64_t> handled_signals{0};

  // The first decided end wins: process.exit()/a fatal error on the guest thread, or a forced end
  // (signal default disposition, SIGKILL, heap limit) from any thread.
  std::optional<ExitStatus> end;
  std::atomic<bool> ending{false};
  v8::Isolate* isolate = nullptr;  // set while guest JavaScript may run; TerminateExecution target

  // Final state, published after the isolate is gone.
  bool finished = false;
  std::optional<ExitStatus> exit_status;

  // Records `status` as the end unless one is recorded; stops running JavaScript. Lock held.
  void end_locked(const ExitStatus& status);
  void end_with(const ExitStatus& status);
};

// Queues stdin bytes for the guest (EPIPE once closed, ESRCH once ended, ENOBUFS over the limit).
ErrorOr<void> queue_stdin(ProcessControl& control, std::string_view bytes);
ErrorOr<void> queue_stdin_end(ProcessControl& control);
// A blocking read of stdin on the guest's own thread (fs.readSync(0)): takes up to `max_bytes` of
// the queued stdin bytes the loop has not delivered yet, waiting until there are some or stdin is
// closed ("" then). EINTR once the process is ending; with a `timeout`, EAGAIN "pipe read timed out"
// when nothing came by then.
ErrorOr<std::string> read_stdin(ProcessControl& control, size_t max_bytes,
                                std::optional<std::chrono::milliseconds> timeout = std::nullopt);
// Queues one kIoReady event unless one is already waiting; a no-op once the process ended.
void queue_io_ready(ProcessControl& control);
// Applies a signal: queued for the guest's listeners, or its default disposition (ignore, or end
// with 128 + signal). SIGKILL always ends the process; SIGSTOP is not modelled and ignored.
ErrorOr<void> deliver_signal(ProcessControl& control, int signal);

// Starts a guest thread that restores an isolate (heap capped at heap_limit_mib) and then waits
// for ProcessControl::options (runs that process) or shutdown.
std::thread spawn_guest_thread(std::shared_ptr<ProcessControl> control, size_t heap_limit_mib);

}  // namespace se::runtime::js
