// One VM's sockets (spec/kernel.md s9.1-9.4, limits s11.1): TCP-like stream sockets over loopback
// Inet/Inet6 addresses and Unix paths, and UDP datagram sockets, all VM-internal - nothing here
// ever touches a host socket. The table is the state machine and the loopback router; who may use
// a socket is decided by the process kernel, which holds each socket as an open file description
// in a descriptor table (so sockets count against maxOpenFds, are inherited and duplicated like
// pipes, and close with the last descriptor, e.g. on process exit) and calls close() when the last
// reference goes.
//
// Design decisions (Linux semantics where spec/README.md lets the reference diverge):
// * Port 0 is allocated here, not by the caller: the next free port of the socket's type from a
//   cursor cycling through 49152-65535, so a just-released port is not handed out again at once.
//   A stream client that connects unbound gets an ephemeral local port the same way.
// * Connecting to a bound socket that is not listening is ECONNREFUSED (the reference says EINVAL).
// * A connection's addresses are the dialled ones (a client of a 0.0.0.0 listener sees peer
//   127.0.0.1:P), and a datagram from a wildcard-bound sender comes from loopback, as on Linux.
// * Overlap (EADDRINUSE) follows s9.2 exactly: equal addresses, or 127.0.0.1 vs 0.0.0.0 / ::1 vs
//   ::, per socket type; UDP overlaps are allowed when both sockets set SO_REUSEADDR or both
//   SO_REUSEPORT.
// * Stream writes are partial at maxSocketBufferedBytes (VM-wide, receive buffers plus queued
//   datagrams): as much as fits is taken, and EAGAIN "maximum socket buffered byte limit reached"
//   only when nothing fits - back-pressure a non-blocking writer waits out with POLLOUT.
// * Datagrams: one send is all or nothing; a receive truncates to the reader's size and discards
//   the rest of that datagram.
// Thread-safety: none; the owning ProcessKernel's lock guards every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "config/limits.h"
#include "kernel/proc/byte_queue.h"

namespace se::kernel::net {

enum class SocketDomain : uint8_t { Inet, Inet6, Unix };
enum class SocketType : uint8_t { Stream, Datagram };
enum class SocketState : uint8_t { Created, Bound, Listening, Connected };
enum class ShutdownHow : uint8_t { Read, Write, Both };
enum class SocketOption : uint8_t { ReuseAddr, ReusePort, Broadcast };

// An Inet/Inet6 `host` (normalised: "localhost" -> 127.0.0.1, otherwise verbatim) and `port`, or a
// Unix `path` (non-empty exactly for Unix addresses).
struct SocketAddress {
  std::string host;
  uint16_t port = 0;
  std::string path;

  bool operator==(const SocketAddress&) const = default;
  std::string to_string() const;  // "H:P" or the path
};

struct Datagram {
  std::string data;
  SocketAddress from;
};

struct SocketInfo {
  uint64_t id = 0;
  SocketDomain domain = SocketDomain::Inet;
  SocketType type = SocketType::Stream;
  SocketState state = SocketState::Created;
  std::optional<SocketAddress> local, peer;
};

struct SocketUsage {
  uint64_t sockets = 0, listeners = 0, connections = 0, buffered_bytes = 0, queued_datagrams = 0;
};

// The first and last port port-0 binds allocate (the Linux ephemeral range).
inline constexpr uint16_t kEphemeralPortFirst = 49152;
inline constexpr uint16_t kEphemeralPortLast = 65535;

class SocketTable {
 public:
  explicit SocketTable(const config::ResourceLimits& limits) : limits_(limits) {}

  // EAGAIN "maximum socket count reached" (maxSockets); a Unix datagram socket: EAFNOSUPPORT.
  ErrorOr<uint64_t> create(SocketDomain domain, SocketType type);
  // Binds an Inet/Inet6 socket; port 0 allocates an ephemeral port. Returns the bound address.
  // EINVAL for a Unix socket or a socket past Created; EADDRINUSE "address H:P is already bound";
  // EADDRINUSE "no free ephemeral port" when the range is exhausted.
  ErrorOr<SocketAddress> bind_inet(uint64_t id, SocketAddress address);
  // EINVAL for a non-Unix socket, "/" or ""; EADDRINUSE when another socket holds the path.
  ErrorOr<void> bind_unix(uint64_t id, std::string path);
  // EINVAL "backlog must be positive" / "socket S must be bound before listen".
  ErrorOr<void> listen(uint64_t id, uint32_t backlog);
  // Connects a stream socket to the listener at `target` (Inet: exact, then the wildcard for a
  // loopback target; Unix: the path), queueing the accepted end on the listener. ECONNREFUSED
  // "no listening socket bound at H:P" (also when bound but not listening); EISCONN; EAGAIN
  // "maximum socket count reached" / "maximum connection count reached" / "listener backlog is full".
  ErrorOr<void> connect(uint64_t id, const SocketAddress& target);
  // The next pending connection. EINVAL "socket S is not listening"; EAGAIN "socket S has no
  // pending connections".
  ErrorOr<uint64_t> accept(uint64_t id);
  // Up to `max_bytes`; "" is end of file (peer shut its write side or is gone, or own read side
  // shut). ENOTCONN; EAGAIN "socket S has no readable data".
  ErrorOr<std::string> read(uint64_t id, size_t max_bytes);
  // Returns the bytes taken (maybe fewer than given, see above). ENOTCONN; EPIPE "socket S is shut
  // down for writing" / "peer is closed"; EAGAIN "maximum socket buffered byte limit reached".
  ErrorOr<size_t> write(uint64_t id, std::string_view data);
  ErrorOr<void> shutdown(uint64_t id, ShutdownHow how);
  // Removes the socket: its binding, its pending accepted sockets, and the peer sees end of file.
  void close(uint64_t id);
  // UDP. EINVAL "socket S must be bound before sending datagrams"; ECONNREFUSED "no UDP socket
  // bound at H:P"; EAGAIN for the buffered-byte and datagram-queue limits; EMSGSIZE above 65507.
  ErrorOr<void> send_to(uint64_t id, std::string_view data, const SocketAddress& target);
  // EAGAIN "socket S has no queued datagrams".
  ErrorOr<Datagram> recv_from(uint64_t id, size_t max_bytes);
  // Datagram Inet sockets only (EINVAL otherwise).
  ErrorOr<void> set_option(uint64_t id, SocketOption option, bool value);
  // poll(2) readiness (s9.3) with kPollIn / kPollOut / kPollErr / kPollHup bits.
  int16_t poll(uint64_t id, int16_t requested) const;
  ErrorOr<SocketInfo> info(uint64_t id) const;
  SocketUsage usage() const;

  static constexpr size_t kMaxDatagramBytes = 65507;

 private:
  struct Socket {
    uint64_t id = 0;
    SocketDomain domain = SocketDomain::Inet;
    SocketType type = SocketType::Stream;
    SocketState state = SocketState::Created;
    std::optional<SocketAddress> local, peer;
    bool registered = false;  // `local` is a binding others can conflict with and connect to
    uint32_t backlog = 0;
    std::deque<uint64_t> pending;  // accepted sockets waiting for accept()
    uint64_t listener = 0;         // a pending accepted socket: its listener
    uint64_t peer_id = 0;          // 0: no peer (never had one, or it is gone)
    ByteQueue received{std::numeric_limits<size_t>::max()};
    bool read_shutdown = false, write_shutdown = false, peer_write_shutdown = false;
    std::deque<Datagram> datagrams;
    bool reuse_addr = false, reuse_port = false, broadcast = false;
  };

  ErrorOr<Socket*> find(uint64_t id);
  const Socket* find_const(uint64_t id) const;
  bool overlaps(const Socket& socket, const SocketAddress& address, SocketType type, const Socket* self) const;
  ErrorOr<uint16_t> ephemeral_port(const std::string& host, SocketType type, const Socket* self);
  // The registered socket of `type` at `target`, or at the wildcard for a loopback target.
  Socket* route(const SocketAddress& target, SocketType type, bool unix_path);
  ErrorOr<void> check_socket_count(uint64_t additional) const;
  uint64_t connections() const;
  uint64_t new_id() { return next_id_++; }

  const config::ResourceLimits limits_;
  std::map<uint64_t, Socket> sockets_;
  uint64_t next_id_ = 1;
  uint32_t port_cursor_ = kEphemeralPortFirst;
  uint64_t buffered_bytes_ = 0;  // every receive buffer plus every queued datagram's bytes
  uint64_t queued_datagrams_ = 0;
};

}  // namespace se::kernel::net
