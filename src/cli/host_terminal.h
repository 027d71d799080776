// The CLI's own terminal when it runs a guest on a PTY (`secure-exec run` with stdin and stdout on
// a terminal): its window size, and raw mode for as long as a RawTerminal lives, so that every key
// (^C, ^Z, ^D included) reaches the guest's terminal, which does the line editing and echo.
// Raw mode is undone by the destructor; the CLI takes SIGINT, SIGTERM, SIGHUP and SIGQUIT through a
// signalfd (termination_signals.h), so those end it through the same path.
// Thread-safety: create and destroy on the main thread.
#pragma once

#include <termios.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "base/error.h"

namespace se::cli {

struct HostWindowSize {
  uint16_t rows = 24, cols = 80;
};

// TIOCGWINSZ of `fd`; nullopt when it is not a terminal or reports 0x0.
std::optional<HostWindowSize> host_window_size(int fd);

class RawTerminal {
 public:
  // cfmakeraw on `fd`, remembering the settings to restore.
  static ErrorOr<std::unique_ptr<RawTerminal>> enter(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  RawTerminal(int fd, const termios& saved) : fd_(fd), saved_(saved) {}

  const int fd_;
  const termios saved_;
};

}  // namespace se::cli
