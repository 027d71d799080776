// A running JavaScript guest process: its own isolate, context and event loop on its own thread,
// talking to the outside only through its GuestHost. Created by JsEngine::start. An interface: the
// implementation lives with V8 (in the engine module for the sidecar, see js_engine.h).
// Thread-safety: every method may be called from any thread, concurrently with the guest.
// Destroying the handle ends a still-running process (as SIGKILL) and joins its thread; do not
// destroy it from inside GuestHost::on_exit.
#pragma once

#include <csignal>
#include <optional>
#include <string_view>

#include "base/error.h"
#include "runtime/js/guest_host.h"

namespace se::runtime::js {

class JsProcess {
 public:
  virtual ~JsProcess() = default;
  JsProcess(const JsProcess&) = delete;
  JsProcess& operator=(const JsProcess&) = delete;

  // Bytes for process.stdin. Errors: EPIPE after close_stdin, ESRCH after exit, ENOBUFS when
  // more than ProcessOptions::stdin_buffer_limit_bytes are waiting to be consumed.
  virtual ErrorOr<void> write_stdin(std::string_view bytes) = 0;
  // Ends process.stdin ('end' fires once buffered data is read). Idempotent; ESRCH after exit.
  virtual ErrorOr<void> close_stdin() = 0;
  // Linux signal numbers 0..64. Listened-for signals run the guest's process.on(...) handlers
  // from its event loop; otherwise the default disposition applies at once, interrupting
  // running JavaScript (a busy loop included): SIGCHLD/SIGCONT/SIGURG/SIGWINCH and the stop
  // signals are ignored, everything else ends the process with 128 + signal. SIGKILL always
  // ends it. EINVAL for a bad number, ESRCH after exit.
  virtual ErrorOr<void> deliver_signal(int signal) = 0;
  // Ends the process now, as killed by `signal` (exit code 128 + signal; SIGKILL: 137) whatever
  // its listeners. No-op once it has exited.
  virtual void terminate(int signal = SIGKILL) = 0;
  // Whether the guest listens for `signal` (deliver_signal then runs its handlers).
  virtual bool handles_signal(int signal) const = 0;
  // A descriptor of its VM may have become ready: its event loop polls its child_process pipes
  // and children (GuestProcesses::set_io_watch). Coalesced; a no-op once it has exited.
  virtual void notify_io_ready() = 0;

  // Blocks until the process has exited and its isolate is gone.
  virtual ExitStatus wait() = 0;
  // The exit status once the process is fully gone.
  virtual std::optional<ExitStatus> exit_status() const = 0;

 protected:
  JsProcess() = default;
};

}  // namespace se::runtime::js
