#include "service/socket_queries.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace se::service {
namespace {

using kernel::ProcessKernel;
using kernel::net::SocketDomain;
using kernel::net::SocketState;
using kernel::net::SocketType;

bool is_wildcard(std::string_view host) {
  return host == "0.0.0.0" || host == "::";
}

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool host_matches(const std::optional<std::string>& wanted, const std::string& bound) {
  if (!wanted) return true;
  if (*wanted == bound) return true;
  if (is_wildcard(*wanted)) return is_wildcard(bound) || is_loopback(bound);
  if (is_wildcard(bound)) return is_loopback(*wanted);
  return *wanted == "localhost" && is_loopback(bound);
}

// The reference keeps processes in a map keyed by process id; the first match in that order wins.
std::vector<const ProcessKernel::SocketOwner*> in_process_id_order(
    const std::vector<ProcessKernel::SocketOwner>& sockets) {
  std::vector<const ProcessKernel::SocketOwner*> ordered;
  for (const auto& owner : sockets) ordered.push_back(&owner);
  std::ranges::stable_sort(ordered, [](const auto* a, const auto* b) { return a->process_id < b->process_id; });
  return ordered;
}

template <typename Matches>
std::optional<wire::SocketStateEntry> first_match(const std::vector<ProcessKernel::SocketOwner>& sockets,
                                                  Matches matches) {
  for (const auto* owner : in_process_id_order(sockets)) {
    const auto& socket = owner->socket;
    if (!socket.local || !matches(socket)) continue;
    wire::SocketStateEntry entry;
    entry.process_id = owner->process_id;
    if (socket.domain == SocketDomain::Unix) {
      entry.path = socket.local->path;
    } else {
      entry.host = socket.local->host;
      entry.port = socket.local->port;
    }
    return entry;
  }
  return std::nullopt;
}

bool inet_matches(const kernel::net::SocketInfo& socket, const std::optional<std::string>& host,
                  std::optional<uint16_t> port) {
  return socket.domain != SocketDomain::Unix && host_matches(host, socket.local->host) &&
         (!port || *port == socket.local->port);
}

}  // namespace

std::optional<wire::SocketStateEntry> find_listener(const std::vector<ProcessKernel::SocketOwner>& sockets,
                                                    const wire::FindListenerRequest& query) {
  return first_match(sockets, [&](const kernel::net::SocketInfo& socket) {
    if (socket.type != SocketType::Stream || socket.state != SocketState::Listening) return false;
    if (query.path) return socket.domain == SocketDomain::Unix && socket.local->path == *query.path;
    return inet_matches(socket, query.host, query.port);
  });
}

std::optional<wire::SocketStateEntry> find_bound_udp(const std::vector<ProcessKernel::SocketOwner>& sockets,
                                                     const wire::FindBoundUdpRequest& query) {
  return first_match(sockets, [&](const kernel::net::SocketInfo& socket) {
    return socket.type == SocketType::Datagram && socket.state == SocketState::Bound &&
           inet_matches(socket, query.host, query.port);
  });
}

}  // namespace se::service
