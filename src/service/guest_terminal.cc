// The terminal system calls of a guest process (isatty, window size, raw mode) on its kernel's PTYs,
// and the signal dispositions through which the signals a terminal raises reach its handlers.
// Thread-safety: as KernelGuestSystem (the process's own thread; the kernel locks itself).
#include "kernel/proc/terminal.h"
#include "service/guest_system.h"

namespace se::service {

ErrorOr<bool> KernelGuestSystem::isatty(int fd) {
  return kernel_.isatty(pid_, fd);
}

ErrorOr<runtime::js::GuestWindowSize> KernelGuestSystem::window_size(int fd) {
  kernel::WindowSize size = TRY(kernel_.get_window_size(pid_, fd));
  return runtime::js::GuestWindowSize{.rows = size.rows, .cols = size.cols};
}

// Node's setRawMode(false) returns to the mode the terminal had before; this kernel has no saved
// mode per process, so cooked mode turns the default input, output and local flags back on (and
// the default VMIN/VTIME), keeping every other setting.
ErrorOr<void> KernelGuestSystem::set_raw_mode(int fd, bool raw) {
  kernel::Termios termios = TRY(kernel_.tcgetattr(pid_, fd));
  if (raw) {
    termios = kernel::Termios::raw(termios);
  } else {
    const kernel::Termios defaults = kernel::Termios::defaults();
    termios.iflag |= defaults.iflag;
    termios.oflag |= defaults.oflag;
    termios.lflag |= defaults.lflag;
    termios.cflag = defaults.cflag;
    termios.cc[kernel::tty::kVmin] = defaults.cc[kernel::tty::kVmin];
    termios.cc[kernel::tty::kVtime] = defaults.cc[kernel::tty::kVtime];
  }
  return kernel_.tcsetattr(pid_, fd, termios);
}

ErrorOr<void> KernelGuestSystem::catch_signal(int signal, bool caught) {
  kernel::SignalDisposition disposition;
  disposition.action = caught ? kernel::SignalAction::User : kernel::SignalAction::Default;
  TRY(kernel_.sigaction(pid_, signal, disposition));
  return {};
}

void KernelGuestSystem::take_delivered_signals() {
  for (;;) {
    ErrorOr<std::optional<kernel::DequeuedSignal>> taken = kernel_.dequeue_signal(pid_);
    if (!taken || !*taken) return;
  }
}

}  // namespace se::service
