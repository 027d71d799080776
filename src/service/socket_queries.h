// FindListener / FindBoundUdp (spec/protocol.md s3.15): the first socket of the VM's live processes,
// in process id order, that matches the host's query. Hosts match exactly, a wildcard (0.0.0.0, ::)
// matches the other wildcard and any loopback address, and `localhost` matches loopback addresses;
// an absent host or port matches anything. Pure functions over a kernel snapshot.
#pragma once

#include <optional>
#include <vector>

#include "kernel/proc/process_kernel.h"
#include "wire/protocol.h"

namespace se::service {

// A listening TCP socket (or, with `path`, a listening Unix socket bound there).
std::optional<wire::SocketStateEntry> find_listener(const std::vector<kernel::ProcessKernel::SocketOwner>& sockets,
                                                    const wire::FindListenerRequest& query);
// A bound UDP socket.
std::optional<wire::SocketStateEntry> find_bound_udp(const std::vector<kernel::ProcessKernel::SocketOwner>& sockets,
                                                     const wire::FindBoundUdpRequest& query);

}  // namespace se::service
