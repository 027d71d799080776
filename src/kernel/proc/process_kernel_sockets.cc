// Sockets as descriptors: the process kernel's side of net::SocketTable. The table decides socket
// semantics; this file ties each socket to an open file description, checks the caller's
// descriptor, and wakes pollers and io watchers after every change a peer could be waiting for.
// Blocking reads and writes (a description without O_NONBLOCK) wait for the readiness generation
// to move, like poll.
#include <set>
#include <utility>

#include "kernel/proc/process_kernel.h"
#include "kernel/proc/process_kernel_guard.h"

namespace se::kernel {

ErrorOr<uint64_t> ProcessKernel::socket_of(Pid pid, int fd) {
  Process* process = TRY(live_process(pid));
  const OpenFileDescription& description = *TRY(lookup_fd(*process, fd))->description;
  if (description.kind != FileKind::Socket) {
    return fail(ENOTSOCK, "descriptor " + std::to_string(fd) + " is not a socket");
  }
  return description.socket_id;
}

ErrorOr<int> ProcessKernel::socket(Pid pid, net::SocketDomain domain, net::SocketType type, uint32_t flags) {
  Guard guard(*this);
  Process* process = TRY(live_process(pid));
  TRY(check_fd_capacity(*process, 1));
  uint64_t id = TRY(sockets_.create(domain, type));
  auto description = new_description(FileKind::Socket, kOpenReadWrite | (flags & kOpenNonBlock),
                                     "socket:[" + std::to_string(id) + "]");
  description->socket_id = id;
  return install_fd(*process, std::move(description), (flags & kOpenCloseOnExec) != 0);
}

ErrorOr<net::SocketAddress> ProcessKernel::socket_bind(Pid pid, int fd, net::SocketAddress address) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  net::SocketInfo info = TRY(sockets_.info(id));
  if (info.domain == net::SocketDomain::Unix) {
    TRY(sockets_.bind_unix(id, address.path));
    return address;
  }
  return sockets_.bind_inet(id, std::move(address));
}

ErrorOr<void> ProcessKernel::socket_listen(Pid pid, int fd, uint32_t backlog) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  return sockets_.listen(id, backlog);
}

ErrorOr<void> ProcessKernel::socket_connect(Pid pid, int fd, const net::SocketAddress& target) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  TRY(sockets_.connect(id, target));
  notify_readiness();  // the listener has a pending connection
  return {};
}

ErrorOr<int> ProcessKernel::socket_accept(Pid pid, int fd, uint32_t flags) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  Process* process = TRY(live_process(pid));
  TRY(check_fd_capacity(*process, 1));
  uint64_t accepted = TRY(sockets_.accept(id));
  auto description = new_description(FileKind::Socket, kOpenReadWrite | (flags & kOpenNonBlock),
                                     "socket:[" + std::to_string(accepted) + "]");
  description->socket_id = accepted;
  return install_fd(*process, std::move(description), (flags & kOpenCloseOnExec) != 0);
}

ErrorOr<void> ProcessKernel::socket_shutdown(Pid pid, int fd, net::ShutdownHow how) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  TRY(sockets_.shutdown(id, how));
  notify_readiness();
  return {};
}

ErrorOr<void> ProcessKernel::socket_send_to(Pid pid, int fd, std::string_view data, const net::SocketAddress& target) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  TRY(check_write_size(data.size()));
  TRY(sockets_.send_to(id, data, target));
  notify_readiness();
  return {};
}

ErrorOr<net::Datagram> ProcessKernel::socket_recv_from(Pid pid, int fd, size_t max_bytes) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  net::Datagram datagram = TRY(sockets_.recv_from(id, max_bytes));
  notify_readiness();  // queue space freed
  return datagram;
}

ErrorOr<void> ProcessKernel::socket_set_option(Pid pid, int fd, net::SocketOption option, bool value) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  return sockets_.set_option(id, option, value);
}

ErrorOr<net::SocketInfo> ProcessKernel::socket_info(Pid pid, int fd) {
  Guard guard(*this);
  uint64_t id = TRY(socket_of(pid, fd));
  return sockets_.info(id);
}

net::SocketUsage ProcessKernel::socket_usage() const {
  std::lock_guard lock(mutex_);
  return sockets_.usage();
}

std::vector<ProcessKernel::SocketOwner> ProcessKernel::socket_owners() const {
  std::lock_guard lock(mutex_);
  std::vector<SocketOwner> owners;
  std::set<uint64_t> seen;
  for (const auto& [pid, process] : processes_.all()) {
    if (process->exited()) continue;
    for (const auto& [fd, entry] : process->fds.entries()) {
      const OpenFileDescription& description = *entry.description;
      if (description.kind != FileKind::Socket || !seen.insert(description.socket_id).second) continue;
      auto info = sockets_.info(description.socket_id);
      if (info) owners.push_back(SocketOwner{.pid = pid, .process_id = process->process_id, .socket = *info});
    }
  }
  return owners;
}

ErrorOr<std::string> ProcessKernel::socket_read(OpenFileDescription& description, Guard& guard, Pid pid,
                                                size_t max_bytes, Deadline deadline, bool nonblocking) {
  TRY(check_read_size(max_bytes));
  while (true) {
    ErrorOr<std::string> data = sockets_.read(description.socket_id, max_bytes);
    if (data) {
      if (!data->empty()) notify_readiness();  // buffer space freed for writers
      return data;
    }
    if (data.error().errno_code != EAGAIN || nonblocking) return data;
    uint64_t seen = readiness_generation_;
    WaitOutcome outcome = wait(guard, readiness_changed_, pid, deadline, [&] { return readiness_generation_ != seen; });
    if (outcome != WaitOutcome::Ready) return fail(wait_error(outcome, "socket read timed out"));
  }
}

ErrorOr<size_t> ProcessKernel::socket_write(OpenFileDescription& description, Guard& guard, Pid pid,
                                            std::string_view data, bool nonblocking) {
  size_t written = 0;
  while (true) {
    ErrorOr<size_t> taken = sockets_.write(description.socket_id, data.substr(written));
    if (taken) {
      written += *taken;
      if (*taken > 0) notify_readiness();
      if (written == data.size() || nonblocking) return written;
      continue;
    }
    if (taken.error().errno_code != EAGAIN || nonblocking) {
      if (written > 0) return written;  // the error (EPIPE, the limit) shows on the next write
      return fail(taken.error());
    }
    uint64_t seen = readiness_generation_;
    WaitOutcome outcome =
        wait(guard, readiness_changed_, pid, std::nullopt, [&] { return readiness_generation_ != seen; });
    if (outcome != WaitOutcome::Ready) {
      if (outcome == WaitOutcome::Interrupted && written > 0) return written;
      return fail(wait_error(outcome, ""));
    }
  }
}

}  // namespace se::kernel
