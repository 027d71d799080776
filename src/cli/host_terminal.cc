#include "cli/host_terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace se::cli {

std::optional<HostWindowSize> host_window_size(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return std::nullopt;
  return HostWindowSize{.rows = size.ws_row, .cols = size.ws_col};
}

ErrorOr<std::unique_ptr<RawTerminal>> RawTerminal::enter(int fd) {
  termios saved{};
  if (::tcgetattr(fd, &saved) != 0) return fail(errno, std::string("tcgetattr: ") + std::strerror(errno));
  termios raw = saved;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSAFLUSH, &raw) != 0) return fail(errno, std::string("tcsetattr: ") + std::strerror(errno));
  return std::unique_ptr<RawTerminal>(new RawTerminal(fd, saved));
}

RawTerminal::~RawTerminal() {
  // TCSADRAIN: the guest's last output is shown before the settings change back.
  ::tcsetattr(fd_, TCSADRAIN, &saved_);
}

}  // namespace se::cli
