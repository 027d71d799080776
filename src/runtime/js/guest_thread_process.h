// Internal to the engine: the JsProcess of one guest thread (process_control.h), which runs the
// process's isolate and event loop.
// Thread-safety: as JsProcess.
#pragma once

#include <memory>
#include <thread>

#include "runtime/js/js_process.h"

namespace se::runtime::js {

struct ProcessControl;

class GuestThreadProcess final : public JsProcess {
 public:
  // Takes over a guest thread that was handed its ProcessOptions and host.
  GuestThreadProcess(std::shared_ptr<ProcessControl> control, std::thread thread);
  ~GuestThreadProcess() override;

  ErrorOr<void> write_stdin(std::string_view bytes) override;
  ErrorOr<void> close_stdin() override;
  ErrorOr<void> deliver_signal(int signal) override;
  void terminate(int signal) override;
  bool handles_signal(int signal) const override;
  void notify_io_ready() override;
  ExitStatus wait() override;
  std::optional<ExitStatus> exit_status() const override;

 private:
  std::shared_ptr<ProcessControl> control_;
  std::thread thread_;
};

}  // namespace se::runtime::js
