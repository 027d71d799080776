#include "kernel/net/socket_table.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "kernel/proc/process_kernel.h"

namespace se::kernel::net {
namespace {

constexpr std::string_view kAnyIpv4 = "0.0.0.0";
constexpr std::string_view kAnyIpv6 = "::";
constexpr std::string_view kLoopbackIpv4 = "127.0.0.1";
constexpr std::string_view kLoopbackIpv6 = "::1";

std::string name(uint64_t id) {
  return "socket " + std::to_string(id);
}

bool is_inet(SocketDomain domain) {
  return domain == SocketDomain::Inet || domain == SocketDomain::Inet6;
}

// The wildcard a loopback host also answers on ("" when the host is not a loopback address).
std::string_view wildcard_of(std::string_view host) {
  if (host == kLoopbackIpv4) return kAnyIpv4;
  if (host == kLoopbackIpv6) return kAnyIpv6;
  return {};
}

bool hosts_overlap(std::string_view a, std::string_view b) {
  return a == b || (!wildcard_of(a).empty() && wildcard_of(a) == b) || (!wildcard_of(b).empty() && wildcard_of(b) == a);
}

std::string normalise_host(std::string host) {
  std::string lower = host;
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "localhost") return std::string(kLoopbackIpv4);
  return host;
}

// The loopback address a socket bound to `host` is reached at (its local address when connecting).
std::string loopback_for(SocketDomain domain) {
  return std::string(domain == SocketDomain::Inet6 ? kLoopbackIpv6 : kLoopbackIpv4);
}

}  // namespace

std::string SocketAddress::to_string() const {
  if (!path.empty()) return path;
  return host + ":" + std::to_string(port);
}

ErrorOr<SocketTable::Socket*> SocketTable::find(uint64_t id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return fail(ENOENT, "no such socket " + std::to_string(id));
  return &it->second;
}

const SocketTable::Socket* SocketTable::find_const(uint64_t id) const {
  auto it = sockets_.find(id);
  return it == sockets_.end() ? nullptr : &it->second;
}

ErrorOr<void> SocketTable::check_socket_count(uint64_t additional) const {
  if (sockets_.size() + additional > limits_.max_sockets) return fail(EAGAIN, "maximum socket count reached");
  return {};
}

uint64_t SocketTable::connections() const {
  return static_cast<uint64_t>(
      std::ranges::count_if(sockets_, [](const auto& entry) { return entry.second.state == SocketState::Connected; }));
}

ErrorOr<uint64_t> SocketTable::create(SocketDomain domain, SocketType type) {
  if (domain == SocketDomain::Unix && type == SocketType::Datagram) {
    return fail(EAFNOSUPPORT, "Unix datagram sockets are not supported");
  }
  TRY(check_socket_count(1));
  uint64_t id = new_id();
  Socket& socket = sockets_[id];
  socket.id = id;
  socket.domain = domain;
  socket.type = type;
  return id;
}

bool SocketTable::overlaps(const Socket& socket, const SocketAddress& address, SocketType type,
                           const Socket* self) const {
  if (&socket == self || !socket.registered || socket.type != type || !socket.local) return false;
  if (!socket.local->path.empty() || socket.local->port != address.port) return false;
  if (!hosts_overlap(socket.local->host, address.host)) return false;
  if (type == SocketType::Datagram && self != nullptr &&
      ((socket.reuse_addr && self->reuse_addr) || (socket.reuse_port && self->reuse_port))) {
    return false;
  }
  return true;
}

ErrorOr<uint16_t> SocketTable::ephemeral_port(const std::string& host, SocketType type, const Socket* self) {
  constexpr uint32_t kRange = kEphemeralPortLast - kEphemeralPortFirst + 1;
  for (uint32_t tried = 0; tried < kRange; ++tried) {
    auto port = static_cast<uint16_t>(port_cursor_);
    port_cursor_ = port_cursor_ == kEphemeralPortLast ? kEphemeralPortFirst : port_cursor_ + 1;
    SocketAddress candidate{host, port, {}};
    bool taken = std::ranges::any_of(sockets_, [&](const auto& entry) {
      const Socket& other = entry.second;
      // A port any socket of this type holds on any host stays out, so guests never see two
      // ephemeral sockets share a port.
      return &other != self && other.registered && other.type == type && other.local && other.local->path.empty() &&
             other.local->port == port;
    });
    if (!taken && std::ranges::none_of(
                      sockets_, [&](const auto& entry) { return overlaps(entry.second, candidate, type, self); })) {
      return port;
    }
  }
  return fail(EADDRINUSE, "no free ephemeral port");
}

ErrorOr<SocketAddress> SocketTable::bind_inet(uint64_t id, SocketAddress address) {
  Socket& socket = *TRY(find(id));
  if (!is_inet(socket.domain)) return fail(EINVAL, name(id) + " is not an INET socket");
  address.host = normalise_host(std::move(address.host));
  address.path.clear();
  if (socket.state == SocketState::Bound && socket.local == address) return address;
  if (socket.state != SocketState::Created) return fail(EINVAL, "cannot bind " + name(id) + " in its state");
  if (address.port == 0) {
    address.port = TRY(ephemeral_port(address.host, socket.type, &socket));
  } else if (std::ranges::any_of(
                 sockets_, [&](const auto& entry) { return overlaps(entry.second, address, socket.type, &socket); })) {
    return fail(EADDRINUSE, "address " + address.to_string() + " is already bound");
  }
  socket.local = address;
  socket.registered = true;
  socket.state = SocketState::Bound;
  return address;
}

ErrorOr<void> SocketTable::bind_unix(uint64_t id, std::string path) {
  Socket& socket = *TRY(find(id));
  if (socket.domain != SocketDomain::Unix) return fail(EINVAL, name(id) + " is not a Unix socket");
  if (path.empty() || path == "/") return fail(EINVAL, "invalid Unix socket path '" + path + "'");
  if (socket.state != SocketState::Created) return fail(EINVAL, "cannot bind " + name(id) + " in its state");
  bool taken = std::ranges::any_of(sockets_, [&](const auto& entry) {
    return entry.second.registered && entry.second.local && entry.second.local->path == path;
  });
  if (taken) return fail(EADDRINUSE, "address " + path + " is already bound");
  socket.local = SocketAddress{{}, 0, std::move(path)};
  socket.registered = true;
  socket.state = SocketState::Bound;
  return {};
}

ErrorOr<void> SocketTable::listen(uint64_t id, uint32_t backlog) {
  Socket& socket = *TRY(find(id));
  if (backlog == 0) return fail(EINVAL, "backlog must be positive");
  if (socket.type != SocketType::Stream) return fail(EINVAL, name(id) + " is not a stream socket");
  if (socket.state == SocketState::Listening) {
    socket.backlog = backlog;
    return {};
  }
  if (socket.state != SocketState::Bound || !socket.local)
    return fail(EINVAL, name(id) + " must be bound before listen");
  socket.state = SocketState::Listening;
  socket.backlog = backlog;
  return {};
}

SocketTable::Socket* SocketTable::route(const SocketAddress& target, SocketType type, bool unix_path) {
  auto lookup = [&](const SocketAddress& at) -> Socket* {
    for (auto& [id, socket] : sockets_) {
      if (socket.registered && socket.type == type && socket.local && *socket.local == at) return &socket;
    }
    return nullptr;
  };
  if (unix_path) return lookup(target);
  if (Socket* exact = lookup(target)) return exact;
  std::string_view wildcard = wildcard_of(target.host);
  if (wildcard.empty()) return nullptr;
  return lookup(SocketAddress{std::string(wildcard), target.port, {}});
}

ErrorOr<void> SocketTable::connect(uint64_t id, const SocketAddress& raw_target) {
  Socket& client = *TRY(find(id));
  if (client.type != SocketType::Stream) return fail(EINVAL, name(id) + " is not a stream socket");
  if (client.state == SocketState::Connected) return fail(EISCONN, name(id) + " is already connected");
  if (client.state == SocketState::Listening) return fail(EINVAL, name(id) + " is listening");
  SocketAddress target = raw_target;
  const bool unix_path = client.domain == SocketDomain::Unix;
  if (!unix_path) target.host = normalise_host(std::move(target.host));
  Socket* listener = route(target, SocketType::Stream, unix_path);
  if (listener == nullptr || listener->state != SocketState::Listening) {
    return fail(ECONNREFUSED, "no listening socket bound at " + target.to_string());
  }
  if (listener == &client) return fail(EINVAL, name(id) + " cannot connect to itself");
  TRY(check_socket_count(1));
  if (connections() + 2 > limits_.max_connections) return fail(EAGAIN, "maximum connection count reached");
  if (listener->pending.size() >= listener->backlog) return fail(EAGAIN, "listener backlog is full");
  // An unbound client gets an ephemeral loopback port, as Linux's implicit bind does.
  if (!unix_path && !client.local) {
    std::string host = loopback_for(client.domain);
    uint16_t port = TRY(ephemeral_port(host, SocketType::Stream, &client));
    client.local = SocketAddress{host, port, {}};
    client.registered = true;
  }
  uint64_t accepted_id = new_id();
  Socket& accepted = sockets_[accepted_id];
  // `listener` and `client` stay valid: std::map never moves its elements.
  accepted.id = accepted_id;
  accepted.domain = listener->domain;
  accepted.type = SocketType::Stream;
  accepted.state = SocketState::Connected;
  // Linux semantics: both ends name the address the client dialled (127.0.0.1 for a wildcard
  // listener), not the listener's own address.
  accepted.local = unix_path ? listener->local : std::optional<SocketAddress>(target);
  accepted.peer = client.local;
  accepted.peer_id = id;
  accepted.listener = listener->id;
  client.state = SocketState::Connected;
  client.peer = accepted.local;
  client.peer_id = accepted_id;
  listener->pending.push_back(accepted_id);
  return {};
}

ErrorOr<uint64_t> SocketTable::accept(uint64_t id) {
  Socket& listener = *TRY(find(id));
  if (listener.state != SocketState::Listening) return fail(EINVAL, name(id) + " is not listening");
  if (listener.pending.empty()) return fail(EAGAIN, name(id) + " has no pending connections");
  uint64_t accepted = listener.pending.front();
  listener.pending.pop_front();
  sockets_.at(accepted).listener = 0;
  return accepted;
}

ErrorOr<std::string> SocketTable::read(uint64_t id, size_t max_bytes) {
  Socket& socket = *TRY(find(id));
  if (socket.state != SocketState::Connected) return fail(ENOTCONN, name(id) + " is not connected");
  if (max_bytes == 0 || socket.read_shutdown) return std::string();
  if (!socket.received.empty()) {
    std::string data = socket.received.take(max_bytes);
    buffered_bytes_ -= data.size();
    return data;
  }
  if (socket.peer_write_shutdown || socket.peer_id == 0) return std::string();
  return fail(EAGAIN, name(id) + " has no readable data");
}

ErrorOr<size_t> SocketTable::write(uint64_t id, std::string_view data) {
  Socket& socket = *TRY(find(id));
  if (socket.state != SocketState::Connected) return fail(ENOTCONN, name(id) + " is not connected");
  if (socket.write_shutdown) return fail(EPIPE, name(id) + " is shut down for writing");
  if (socket.peer_id == 0) return fail(EPIPE, "peer is closed");
  Socket& peer = sockets_.at(socket.peer_id);
  if (peer.read_shutdown) return fail(EPIPE, "peer is shut down for reading");
  if (data.empty()) return size_t{0};
  uint64_t room =
      buffered_bytes_ >= limits_.max_socket_buffered_bytes ? 0 : limits_.max_socket_buffered_bytes - buffered_bytes_;
  if (room == 0) return fail(EAGAIN, "maximum socket buffered byte limit reached");
  size_t taken = peer.received.append(data.substr(0, std::min<uint64_t>(room, data.size())));
  buffered_bytes_ += taken;
  return taken;
}

ErrorOr<void> SocketTable::shutdown(uint64_t id, ShutdownHow how) {
  Socket& socket = *TRY(find(id));
  if (socket.state != SocketState::Connected) return fail(ENOTCONN, name(id) + " is not connected");
  if (how != ShutdownHow::Write) {
    socket.read_shutdown = true;
    buffered_bytes_ -= socket.received.size();
    socket.received.clear();
  }
  if (how != ShutdownHow::Read) {
    socket.write_shutdown = true;
    if (socket.peer_id != 0) sockets_.at(socket.peer_id).peer_write_shutdown = true;
  }
  return {};
}

void SocketTable::close(uint64_t id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return;
  Socket socket = std::move(it->second);
  sockets_.erase(it);
  buffered_bytes_ -= socket.received.size();
  for (const Datagram& datagram : socket.datagrams) buffered_bytes_ -= datagram.data.size();
  queued_datagrams_ -= socket.datagrams.size();
  if (socket.peer_id != 0) {
    auto peer = sockets_.find(socket.peer_id);
    if (peer != sockets_.end()) {
      peer->second.peer_id = 0;
      peer->second.peer_write_shutdown = true;
    }
  }
  if (socket.listener != 0) {
    auto listener = sockets_.find(socket.listener);
    if (listener != sockets_.end()) std::erase(listener->second.pending, id);
  }
  // Connections nobody accepted die with their listener; their clients see end of file.
  for (uint64_t pending : socket.pending) {
    auto accepted = sockets_.find(pending);
    if (accepted != sockets_.end()) accepted->second.listener = 0;
    close(pending);
  }
}

ErrorOr<void> SocketTable::send_to(uint64_t id, std::string_view data, const SocketAddress& raw_target) {
  Socket& sender = *TRY(find(id));
  if (sender.type != SocketType::Datagram || !is_inet(sender.domain) || sender.state != SocketState::Bound) {
    return fail(EINVAL, name(id) + " must be bound before sending datagrams");
  }
  if (data.size() > kMaxDatagramBytes)
    return fail(EMSGSIZE, "datagram of " + std::to_string(data.size()) + " bytes is too long");
  SocketAddress target = raw_target;
  target.host = normalise_host(std::move(target.host));
  Socket* receiver = nullptr;
  // With several sockets on one address (reuse) the lowest id receives; std::map iterates in id order.
  for (const SocketAddress& at : {target, SocketAddress{std::string(wildcard_of(target.host)), target.port, {}}}) {
    if (at.host.empty()) break;
    for (auto& [other_id, other] : sockets_) {
      if (other.registered && other.type == SocketType::Datagram && other.local && *other.local == at) {
        receiver = &other;
        break;
      }
    }
    if (receiver != nullptr) break;
  }
  if (receiver == nullptr) return fail(ECONNREFUSED, "no UDP socket bound at " + target.to_string());
  if (buffered_bytes_ + data.size() > limits_.max_socket_buffered_bytes) {
    return fail(EAGAIN, "maximum socket buffered byte limit reached");
  }
  if (queued_datagrams_ + 1 > limits_.max_socket_datagram_queue_len) {
    return fail(EAGAIN, "maximum socket datagram queue length reached");
  }
  // A sender bound to a wildcard sends from loopback, as Linux picks the outgoing address.
  SocketAddress from = *sender.local;
  if (from.host == kAnyIpv4) from.host = kLoopbackIpv4;
  if (from.host == kAnyIpv6) from.host = kLoopbackIpv6;
  receiver->datagrams.push_back(Datagram{std::string(data), std::move(from)});
  buffered_bytes_ += data.size();
  ++queued_datagrams_;
  return {};
}

ErrorOr<Datagram> SocketTable::recv_from(uint64_t id, size_t max_bytes) {
  Socket& socket = *TRY(find(id));
  if (socket.type != SocketType::Datagram || socket.state != SocketState::Bound) {
    return fail(EINVAL, name(id) + " is not a bound datagram socket");
  }
  if (socket.datagrams.empty()) return fail(EAGAIN, name(id) + " has no queued datagrams");
  Datagram datagram = std::move(socket.datagrams.front());
  socket.datagrams.pop_front();
  buffered_bytes_ -= datagram.data.size();
  --queued_datagrams_;
  if (datagram.data.size() > max_bytes) datagram.data.resize(max_bytes);
  return datagram;
}

ErrorOr<void> SocketTable::set_option(uint64_t id, SocketOption option, bool value) {
  Socket& socket = *TRY(find(id));
  if (socket.type != SocketType::Datagram || !is_inet(socket.domain)) {
    return fail(EINVAL, name(id) + " is not an INET datagram socket");
  }
  switch (option) {
    case SocketOption::ReuseAddr:
      socket.reuse_addr = value;
      break;
    case SocketOption::ReusePort:
      socket.reuse_port = value;
      break;
    case SocketOption::Broadcast:
      socket.broadcast = value;
      break;
  }
  return {};
}

int16_t SocketTable::poll(uint64_t id, int16_t requested) const {
  const Socket* socket = find_const(id);
  if (socket == nullptr) return kPollNval;
  int16_t events = 0;
  const bool buffer_full = buffered_bytes_ >= limits_.max_socket_buffered_bytes;
  switch (socket->state) {
    case SocketState::Listening:
      if (!socket->pending.empty()) events |= kPollIn;
      break;
    case SocketState::Connected: {
      if (!socket->received.empty() || socket->read_shutdown) events |= kPollIn;
      const bool peer_gone = socket->peer_id == 0;
      if (socket->peer_write_shutdown || peer_gone) events |= kPollHup | kPollIn;
      if ((requested & kPollOut) != 0 && !socket->write_shutdown) {
        const Socket* peer = peer_gone ? nullptr : find_const(socket->peer_id);
        if (peer == nullptr || peer->read_shutdown) {
          events |= kPollErr;
        } else if (!buffer_full) {
          events |= kPollOut;
        }
      }
      break;
    }
    case SocketState::Bound:
      if (socket->type == SocketType::Datagram) {
        if (!socket->datagrams.empty()) events |= kPollIn;
        if (!buffer_full && queued_datagrams_ < limits_.max_socket_datagram_queue_len) events |= kPollOut;
      }
      break;
    case SocketState::Created:
      break;
  }
  return static_cast<int16_t>(events & (requested | kPollErr | kPollHup));
}

ErrorOr<SocketInfo> SocketTable::info(uint64_t id) const {
  const Socket* socket = find_const(id);
  if (socket == nullptr) return fail(ENOENT, "no such socket " + std::to_string(id));
  return SocketInfo{socket->id, socket->domain, socket->type, socket->state, socket->local, socket->peer};
}

SocketUsage SocketTable::usage() const {
  SocketUsage usage;
  usage.sockets = sockets_.size();
  for (const auto& [id, socket] : sockets_) {
    if (socket.state == SocketState::Listening) ++usage.listeners;
    if (socket.state == SocketState::Connected) ++usage.connections;
  }
  usage.buffered_bytes = buffered_bytes_;
  usage.queued_datagrams = queued_datagrams_;
  return usage;
}

}  // namespace se::kernel::net
