// Guest processes of one VM as the wire sees them (spec/protocol.md s3.11-3.14): Execute,
// WriteStdin, CloseStdin, KillProcess and GetProcessSnapshot over the VM's process kernel and the
// JavaScript engine. Output and exit events are emitted asynchronously, from the guest's own
// thread, through an EventRouter that keeps them after the response that caused them. Each
// process's output waits for the host once capturedOutputLimitBytes of it are held (OutputBudget);
// a process may run on a PTY (TerminalSession, opened by the terminal extension before Execute).
// Thread-safety: public methods are called by the dispatcher; guest threads call back into the
// router and the kernel, each guarded by its own mutex.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/proc/process_kernel.h"
#include "kernel/special/special_files.h"
#include "runtime/js/js_engine.h"
#include "service/child_processes.h"
#include "service/rejection.h"
#include "wire/protocol.h"

namespace se::service {

class OutputBudget;
class Vm;

// Receives frames produced outside request handling (process output and exits).
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void send(const std::vector<wire::ProtocolFrame>& frames) = 0;
  // Like send; `written` runs once the frame reached the host (or was dropped), so a producer can
  // account for the bytes the sink holds on its behalf.
  virtual void send_tracked(wire::ProtocolFrame frame, std::function<void()> written) {
    send({std::move(frame)});
    written();
  }
};

// Routes a VM's asynchronous events: to the sink normally, or into a buffer while a request that
// must order them after its response (DisposeVm) is being handled.
class EventRouter {
 public:
  EventRouter(FrameSink* sink, wire::OwnershipScope vm_scope) : sink_(sink), vm_scope_(std::move(vm_scope)) {}
  void emit(wire::EventPayload event);
  // `written` runs once the event's frame is written (at once when it is captured).
  void emit_tracked(wire::EventPayload event, std::function<void()> written);
  void begin_capture();
  std::vector<wire::EventPayload> end_capture();

 private:
  std::mutex mutex_;
  FrameSink* sink_;
  wire::OwnershipScope vm_scope_;
  bool capturing_ = false;
  std::vector<wire::EventPayload> captured_;
};

class Execution {
 public:
  Execution(Vm& vm, FrameSink* sink, std::function<ErrorOr<runtime::js::JsEngine*>()> engine);
  ~Execution();

  // Validates and registers the process; `start` (run after the response is written) starts it.
  Handled<wire::ProcessStartedResponse> execute(const wire::ExecuteRequest& request, std::function<void()>& start);
  Handled<wire::StdinWrittenResponse> write_stdin(const wire::WriteStdinRequest& request);
  Handled<wire::StdinClosedResponse> close_stdin(const wire::CloseStdinRequest& request);
  Handled<wire::ProcessKilledResponse> kill(const wire::KillProcessRequest& request);
  wire::ProcessSnapshotResponse snapshot();
  uint64_t zombie_timer_count() { return kernel_.zombie_timer_count(); }
  std::vector<kernel::ProcessKernel::SocketOwner> socket_owners() const { return kernel_.socket_owners(); }

  // The terminal extension (docs/terminal-extension.md). open_terminal: the process `process_id`,
  // not yet started, will run on a PTY of `size` (EAGAIN "maximum PTY count reached" when the
  // VM's PTYs, counting other pending opens, are at maxPtys). resize_terminal: of a pending or
  // running terminal process.
  Handled<void> open_terminal(const std::string& process_id, kernel::WindowSize size);
  Handled<void> resize_terminal(const std::string& process_id, kernel::WindowSize size);
  // The VM's /proc and /dev (kernel/special/special_files.h says how to route paths to it). Call it
  // without holding the VM lock.
  kernel::special::SpecialFiles& special_files() { return *special_files_; }

  // DisposeVm: SIGTERM, 100 ms grace, SIGKILL; returns the events the processes produced meanwhile.
  std::vector<wire::EventPayload> terminate_all();

 private:
  struct Running;
  class Host;

  Handled<Running*> active(const std::string& process_id);
  // ProcessOutputEvents, from the guest's thread (process.stdout or descriptors 1/2) or a terminal's
  // pump; waits while the process's held output is at capturedOutputLimitBytes. `ended` says the
  // writer is gone (its output is then dropped).
  void emit_output(const std::string& process_id, const std::shared_ptr<OutputBudget>& budget,
                   runtime::js::OutputStream stream, std::string_view bytes, const std::function<bool()>& ended);
  // Ends the waits of a process's writers once it has exited (killed, disposed).
  void cancel_output_if_exited(Running& running);
  bool has_exited(kernel::Pid pid);

  Vm& vm_;
  EventRouter events_;
  std::function<ErrorOr<runtime::js::JsEngine*>()> engine_;
  kernel::ProcessKernel kernel_;
  // /proc and /dev over the kernel and the VM's filesystem; the kernel's open() calls it.
  std::unique_ptr<kernel::special::SpecialFiles> special_files_;
  ChildProcesses children_;  // guest-spawned processes; declared after the kernel they use
  std::mutex mutex_;         // guards processes_ and every Running::exited
  std::condition_variable exited_;
  std::map<std::string, std::shared_ptr<Running>> processes_;
  // Terminal sizes opened for processes not yet executed (dispatcher only).
  std::map<std::string, kernel::WindowSize> pending_terminals_;
};

}  // namespace se::service
