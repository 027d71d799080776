// SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the CLI, routed to a signalfd so that they can be
// forwarded to the guest as KillProcess instead of ending the CLI (which then ends through its
// normal path, restoring a terminal it put in raw mode), and SIGWINCH, which becomes a resize of a
// guest's terminal. Create it on the main thread before the sidecar is spawned
// and before any other thread exists: every thread created afterwards inherits the blocked mask, and
// the sidecar inherits SIGINT ignored (a Ctrl-C in a terminal reaches the whole process group, and the
// sidecar must survive it to deliver the guest's exit).
// The signals stay blocked for the rest of the program: one that arrives after the guest ended is
// dropped rather than ending the CLI while it reports the guest's exit code.
// Thread-safety: construction and destruction on the main thread; take() from one thread at a time.
#pragma once

#include <signal.h>

#include <memory>
#include <optional>

#include "base/error.h"

namespace se::cli {

class TerminationSignals {
 public:
  static ErrorOr<std::unique_ptr<TerminationSignals>> install();

  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;
  ~TerminationSignals();

  // Call once the sidecar has been spawned: SIGINT gets its previous disposition back in this
  // process (it stays blocked, so it still arrives at fd()).
  void sidecar_spawned();

  // Readable when a signal is pending.
  int fd() const { return fd_; }
  // The number of one pending signal, or nullopt when none is pending.
  std::optional<int> take();

 private:
  TerminationSignals(int fd, struct sigaction previous_sigint) : fd_(fd), previous_sigint_(previous_sigint) {}

  const int fd_;
  const struct sigaction previous_sigint_;
  bool sigint_restored_ = false;
};

}  // namespace se::cli
