#include "runtime/js/guest_thread_process.h"

#include <csignal>

#include "runtime/js/process_control.h"

namespace se::runtime::js {

GuestThreadProcess::GuestThreadProcess(std::shared_ptr<ProcessControl> control, std::thread thread)
    : control_(std::move(control)), thread_(std::move(thread)) {}

GuestThreadProcess::~GuestThreadProcess() {
  terminate(SIGKILL);
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // destroyed from its own on_exit: the thread is finishing anyway
  } else {
    thread_.join();
  }
}

ErrorOr<void> GuestThreadProcess::write_stdin(std::string_view bytes) {
  return queue_stdin(*control_, bytes);
}

ErrorOr<void> GuestThreadProcess::close_stdin() {
  return queue_stdin_end(*control_);
}

ErrorOr<void> GuestThreadProcess::deliver_signal(int signal) {
  return js::deliver_signal(*control_, signal);
}

void GuestThreadProcess::terminate(int signal) {
  if (signal < 1 || signal > 64) signal = SIGKILL;
  control_->end_with(ExitStatus{128 + signal, signal, ExitKind::kSignaled});
}

bool GuestThreadProcess::handles_signal(int signal) const {
  if (signal < 1 || signal > 64) return false;
  return (control_->handled_signals.load() & (uint64_t{1} << (signal - 1))) != 0;
}

void GuestThreadProcess::notify_io_ready() {
  queue_io_ready(*control_);
}

ExitStatus GuestThreadProcess::wait() {
  std::unique_lock lock(control_->mutex);
  control_->stopped.wait(lock, [&] { return control_->finished; });
  return *control_->exit_status;
}

std::optional<ExitStatus> GuestThreadProcess::exit_status() const {
  std::lock_guard lock(control_->mutex);
  return control_->exit_status;
}

}  // namespace se::runtime::js
