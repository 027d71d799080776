// Runs one guest process with this program's stdio attached: the guest's stdout and stderr are
// written to ours as each ProcessOutputEvent arrives, our stdin is forwarded with WriteStdin whenever
// it is readable (CloseStdin at EOF), and SIGINT/SIGTERM received through TerminationSignals become
// KillProcess requests. The guest never waits on our stdin: its exit ends the relay whatever stdin
// is doing, so a guest that does not read stdin exits as soon as it is done.
// Thread-safety: call from one thread; while it waits it runs one helper thread for stdin and signals.
#pragma once

#include <optional>

#include "cli/host_terminal.h"
#include "cli/termination_signals.h"
#include "client/client.h"

namespace se::cli {

// Starts `request` in `vm` and returns the guest's exit code once its ProcessExitedEvent arrived.
// `terminal`: the guest runs on a PTY of that size (the terminal extension): our stdin is typed at
// it, its screen output comes back as stdout, and SIGWINCH resizes it to our stdout's size.
client::Result<int> relay_process(client::Client& client, const client::VmHandle& vm,
                                  const wire::ExecuteRequest& request, TerminationSignals& signals,
                                  std::optional<HostWindowSize> terminal = std::nullopt);

}  // namespace se::cli
