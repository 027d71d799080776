// Guest processes of one VM as the wire sees them (spec/protocol.md s3.11-3.14): Execute,
// WriteStdin, CloseStdin, KillProcess and GetProcessSnapshot over the VM's process kernel and the
// JavaScript engine. Output and exit events are emitted asynchronously, from the guest's own
// thread, through an EventRouter that keeps them after the response that caused them.
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

class Vm;

// Receives frames produced outside request handling (process output and exits).
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void send(const std::vector<wire::ProtocolFrame>& frames) = 0;
};

// Routes a VM's asynchronous events: to the sink normally, or into a buffer while a request that
// must order them after its response (DisposeVm) is being handled.
class EventRouter {
 public:
  EventRouter(FrameSink* sink, wire::OwnershipScope vm_scope) : sink_(sink), vm_scope_(std::move(vm_scope)) {}
  void emit(wire::EventPayload event);
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
  // The VM's /proc and /dev (kernel/special/special_files.h says how to route paths to it). Call it
  // without holding the VM lock.
  kernel::special::SpecialFiles& special_files() { return *special_files_; }

  // DisposeVm: SIGTERM, 100 ms grace, SIGKILL; returns the events the processes produced meanwhile.
  std::vector<wire::EventPayload> terminate_all();

 private:
  struct Running;
  class Host;

  Handled<Running*> active(const std::string& process_id);
  // A ProcessOutputEvent, from the guest's thread (process.stdout or descriptors 1/2).
  void emit_output(const std::string& process_id, runtime::js::OutputStream stream, std::string_view bytes);

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
};

}  // namespace se::service
