// Kernel sockets as descriptors (spec/kernel.md s9.1-9.4, limits s11.1): bind overlap rules and
// ephemeral ports, listen/connect/accept, data, EOF and EPIPE, shutdown, UDP, the socket /
// connection / buffered-byte / datagram-queue limits, readiness, and cleanup on process exit.
#include <gtest/gtest.h>

#include "proc_test_support.h"

namespace se::kernel::testing {
namespace {

using net::SocketAddress;
using net::SocketDomain;
using net::SocketType;

SocketAddress inet(std::string host, uint16_t port) {
  return SocketAddress{std::move(host), port, {}};
}

struct SocketFixture : KernelFixture {
  explicit SocketFixture(config::ResourceLimits limits = {}) : KernelFixture(limits) { pid = spawn_top(); }

  int tcp(SocketDomain domain = SocketDomain::Inet) {
    auto fd = kernel->socket(pid, domain, SocketType::Stream, kOpenNonBlock);
    EXPECT_TRUE(fd) << error_of(fd);
    return fd ? *fd : -1;
  }
  int udp() {
    auto fd = kernel->socket(pid, SocketDomain::Inet, SocketType::Datagram, kOpenNonBlock);
    EXPECT_TRUE(fd) << error_of(fd);
    return fd ? *fd : -1;
  }
  int listener(const SocketAddress& address, uint32_t backlog = 16) {
    int fd = tcp();
    EXPECT_TRUE(kernel->socket_bind(pid, fd, address));
    EXPECT_TRUE(kernel->socket_listen(pid, fd, backlog));
    return fd;
  }
  // A connected pair: {client fd, accepted fd}.
  std::pair<int, int> connected(int listen_fd, const SocketAddress& target) {
    int client = tcp();
    auto connected = kernel->socket_connect(pid, client, target);
    EXPECT_TRUE(connected) << error_of(connected);
    auto accepted = kernel->socket_accept(pid, listen_fd, kOpenNonBlock);
    EXPECT_TRUE(accepted) << error_of(accepted);
    return {client, accepted ? *accepted : -1};
  }
  int16_t revents(int fd, int16_t events) {
    std::vector<PollFd> fds{PollFd{fd, events, 0}};
    EXPECT_TRUE(kernel->poll(pid, fds, 0ms));
    return fds[0].revents;
  }

  Pid pid = 0;
};

TEST(SocketTest, BindOverlapRulesFollowTheLoopbackWildcardPairsOnly) {
  SocketFixture f;
  int wildcard = f.tcp();
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, wildcard, inet("0.0.0.0", 3000)));
  EXPECT_EQ(error_of(f.kernel->socket_bind(f.pid, f.tcp(), inet("127.0.0.1", 3000))),
            "EADDRINUSE: address 127.0.0.1:3000 is already bound");
  EXPECT_EQ(error_of(f.kernel->socket_bind(f.pid, f.tcp(), inet("localhost", 3000))),
            "EADDRINUSE: address 127.0.0.1:3000 is already bound");
  EXPECT_TRUE(f.kernel->socket_bind(f.pid, f.tcp(), inet("127.0.0.2", 3000)));
  EXPECT_TRUE(f.kernel->socket_bind(f.pid, f.tcp(SocketDomain::Inet6), inet("::", 3000)));
  EXPECT_EQ(error_of(f.kernel->socket_bind(f.pid, f.tcp(SocketDomain::Inet6), inet("::1", 3000))),
            "EADDRINUSE: address ::1:3000 is already bound");
  EXPECT_TRUE(f.kernel->socket_bind(f.pid, f.udp(), inet("0.0.0.0", 3000)));  // UDP and TCP never conflict

  // Re-binding to the same address is idempotent; binding elsewhere is not allowed.
  EXPECT_TRUE(f.kernel->socket_bind(f.pid, wildcard, inet("0.0.0.0", 3000)));
  EXPECT_EQ(f.kernel->socket_bind(f.pid, wildcard, inet("0.0.0.0", 3001)).error().errno_code, EINVAL);

  // UDP: overlapping binds need SO_REUSEADDR (or SO_REUSEPORT) on both sockets.
  int first = f.udp(), second = f.udp(), third = f.udp();
  ASSERT_TRUE(f.kernel->socket_set_option(f.pid, first, net::SocketOption::ReuseAddr, true));
  ASSERT_TRUE(f.kernel->socket_set_option(f.pid, second, net::SocketOption::ReuseAddr, true));
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, first, inet("127.0.0.1", 4000)));
  EXPECT_TRUE(f.kernel->socket_bind(f.pid, second, inet("127.0.0.1", 4000)));
  EXPECT_EQ(f.kernel->socket_bind(f.pid, third, inet("127.0.0.1", 4000)).error().errno_code, EADDRINUSE);
  EXPECT_EQ(f.kernel->socket_set_option(f.pid, wildcard, net::SocketOption::ReuseAddr, true).error().errno_code,
            EINVAL);
}

TEST(SocketTest, PortZeroAllocatesDistinctEphemeralPorts) {
  SocketFixture f;
  auto a = f.kernel->socket_bind(f.pid, f.tcp(), inet("127.0.0.1", 0));
  auto b = f.kernel->socket_bind(f.pid, f.tcp(), inet("0.0.0.0", 0));
  ASSERT_TRUE(a && b);
  EXPECT_GE(a->port, net::kEphemeralPortFirst);
  EXPECT_GE(b->port, net::kEphemeralPortFirst);
  EXPECT_NE(a->port, b->port);
  EXPECT_EQ(a->host, "127.0.0.1");
}

TEST(SocketTest, ListenNeedsABoundStreamSocketAndAPositiveBacklog) {
  SocketFixture f;
  int fd = f.tcp();
  EXPECT_EQ(error_of(f.kernel->socket_listen(f.pid, fd, 8)), "EINVAL: socket 1 must be bound before listen");
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, fd, inet("127.0.0.1", 5000)));
  EXPECT_EQ(error_of(f.kernel->socket_listen(f.pid, fd, 0)), "EINVAL: backlog must be positive");
  int datagram = f.udp();
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, datagram, inet("127.0.0.1", 5000)));
  EXPECT_EQ(f.kernel->socket_listen(f.pid, datagram, 8).error().errno_code, EINVAL);
  int pipe_fd = f.kernel->pipe(f.pid)->read_fd;
  EXPECT_EQ(error_of(f.kernel->socket_listen(f.pid, pipe_fd, 8)),
            "ENOTSOCK: descriptor " + std::to_string(pipe_fd) + " is not a socket");
}

TEST(SocketTest, ConnectAcceptAndDataBothWays) {
  SocketFixture f;
  int listen_fd = f.listener(inet("0.0.0.0", 8080));
  EXPECT_EQ(f.revents(listen_fd, kPollIn), 0);
  int client = f.tcp();
  ASSERT_TRUE(f.kernel->socket_connect(f.pid, client, inet("localhost", 8080)));  // the wildcard answers loopback
  EXPECT_EQ(f.revents(listen_fd, kPollIn), kPollIn);
  int server = *f.kernel->socket_accept(f.pid, listen_fd, kOpenNonBlock);
  EXPECT_EQ(error_of(f.kernel->socket_accept(f.pid, listen_fd)), "EAGAIN: socket 1 has no pending connections");

  net::SocketInfo client_info = *f.kernel->socket_info(f.pid, client);
  net::SocketInfo server_info = *f.kernel->socket_info(f.pid, server);
  EXPECT_EQ(client_info.peer, inet("127.0.0.1", 8080));  // the dialled address, as on Linux
  ASSERT_TRUE(client_info.local.has_value());
  EXPECT_EQ(client_info.local->host, "127.0.0.1");
  EXPECT_GE(client_info.local->port, net::kEphemeralPortFirst);
  EXPECT_EQ(server_info.peer, client_info.local);
  EXPECT_EQ(server_info.local, inet("127.0.0.1", 8080));
  EXPECT_EQ(f.kernel->fd_info(f.pid, server)->path, "socket:[" + std::to_string(server_info.id) + "]");

  EXPECT_EQ(error_of(f.kernel->read(f.pid, server, 10)),
            "EAGAIN: socket " + std::to_string(server_info.id) + " has no readable data");
  EXPECT_EQ(f.revents(client, kPollOut), kPollOut);
  EXPECT_EQ(*f.kernel->write(f.pid, client, "ping"), 4u);
  EXPECT_EQ(f.revents(server, kPollIn), kPollIn);
  EXPECT_EQ(*f.kernel->read(f.pid, server, 2), "pi");
  EXPECT_EQ(*f.kernel->read(f.pid, server, 10), "ng");
  EXPECT_EQ(*f.kernel->write(f.pid, server, "pong"), 4u);
  EXPECT_EQ(*f.kernel->read(f.pid, client, 10), "pong");
}

TEST(SocketTest, ConnectionsAreRefusedWithoutAListener) {
  SocketFixture f;
  EXPECT_EQ(error_of(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 9))),
            "ECONNREFUSED: no listening socket bound at 127.0.0.1:9");
  int bound = f.tcp();
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, bound, inet("127.0.0.1", 9)));
  // Linux semantics: bound but not listening refuses too.
  EXPECT_EQ(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 9)).error().errno_code, ECONNREFUSED);
  // A wildcard target does not find a 127.0.0.1 listener.
  f.listener(inet("127.0.0.1", 10));
  EXPECT_EQ(f.kernel->socket_connect(f.pid, f.tcp(), inet("0.0.0.0", 10)).error().errno_code, ECONNREFUSED);
  int listen_fd = f.listener(inet("127.0.0.1", 11), 1);
  ASSERT_TRUE(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 11)));
  EXPECT_EQ(error_of(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 11))),
            "EAGAIN: listener backlog is full");
  ASSERT_TRUE(f.kernel->socket_accept(f.pid, listen_fd));
  EXPECT_TRUE(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 11)));
}

TEST(SocketTest, CloseGivesThePeerEndOfFileThenWritesFailWithEpipe) {
  SocketFixture f;
  int listen_fd = f.listener(inet("127.0.0.1", 7000));
  auto [client, server] = f.connected(listen_fd, inet("127.0.0.1", 7000));
  ASSERT_TRUE(f.kernel->write(f.pid, client, "last words"));
  ASSERT_TRUE(f.kernel->close(f.pid, client));
  EXPECT_EQ(f.revents(server, kPollIn) & kPollHup, kPollHup);
  EXPECT_EQ(*f.kernel->read(f.pid, server, 100), "last words");  // buffered data first
  EXPECT_EQ(*f.kernel->read(f.pid, server, 100), "");
  EXPECT_EQ(error_of(f.kernel->write(f.pid, server, "x")), "EPIPE: peer is closed");
  EXPECT_EQ(f.revents(server, kPollOut) & kPollErr, kPollErr);
  EXPECT_TRUE(f.driver->events().empty());  // no SIGPIPE for sockets
}

TEST(SocketTest, ShutdownHalfClosesEachDirection) {
  SocketFixture f;
  int listen_fd = f.listener(inet("127.0.0.1", 7001));
  auto [client, server] = f.connected(listen_fd, inet("127.0.0.1", 7001));
  ASSERT_TRUE(f.kernel->socket_shutdown(f.pid, client, net::ShutdownHow::Write));
  EXPECT_EQ(*f.kernel->read(f.pid, server, 10), "");  // EOF while the other direction still works
  EXPECT_TRUE(f.kernel->write(f.pid, server, "reply"));
  EXPECT_EQ(*f.kernel->read(f.pid, client, 10), "reply");
  EXPECT_EQ(error_of(f.kernel->write(f.pid, client, "x")), "EPIPE: socket 2 is shut down for writing");
  ASSERT_TRUE(f.kernel->socket_shutdown(f.pid, client, net::ShutdownHow::Read));
  EXPECT_EQ(f.kernel->write(f.pid, server, "x").error().errno_code, EPIPE);
  EXPECT_EQ(f.kernel->socket_shutdown(f.pid, listen_fd, net::ShutdownHow::Both).error().errno_code, ENOTCONN);
}

TEST(SocketTest, BufferedBytesAreBoundedVmWideWithPartialWritesAndPollOut) {
  config::ResourceLimits limits;
  limits.max_socket_buffered_bytes = 100;
  SocketFixture f(limits);
  int listen_fd = f.listener(inet("127.0.0.1", 7002));
  auto [client, server] = f.connected(listen_fd, inet("127.0.0.1", 7002));
  auto [other_client, other_server] = f.connected(listen_fd, inet("127.0.0.1", 7002));
  EXPECT_EQ(*f.kernel->write(f.pid, client, std::string(60, 'a')), 60u);
  EXPECT_EQ(*f.kernel->write(f.pid, other_client, std::string(60, 'b')), 40u);  // the VM-wide room left
  EXPECT_EQ(error_of(f.kernel->write(f.pid, client, "c")), "EAGAIN: maximum socket buffered byte limit reached");
  EXPECT_EQ(f.revents(client, kPollOut), 0);
  EXPECT_EQ(f.kernel->socket_usage().buffered_bytes, 100u);
  EXPECT_EQ(f.kernel->read(f.pid, other_server, 1000)->size(), 40u);
  EXPECT_EQ(f.revents(client, kPollOut), kPollOut);
  EXPECT_EQ(*f.kernel->write(f.pid, client, std::string(50, 'c')), 40u);
  std::string received = *f.kernel->read(f.pid, server, 1000);
  EXPECT_EQ(received, std::string(60, 'a') + std::string(40, 'c'));
}

TEST(SocketTest, SocketCountLimitCoversAcceptedEnds) {
  config::ResourceLimits limits;
  limits.max_sockets = 3;
  SocketFixture f(limits);
  f.listener(inet("127.0.0.1", 7003));
  int client = f.tcp();
  int spare = f.tcp();
  EXPECT_EQ(error_of(f.kernel->socket_connect(f.pid, client, inet("127.0.0.1", 7003))),
            "EAGAIN: maximum socket count reached");  // no room for the accepted end
  ASSERT_TRUE(f.kernel->close(f.pid, spare));
  ASSERT_TRUE(f.kernel->socket_connect(f.pid, client, inet("127.0.0.1", 7003)));
  EXPECT_EQ(f.kernel->socket_usage().sockets, 3u);
  EXPECT_EQ(error_of(f.kernel->socket(f.pid, SocketDomain::Inet, SocketType::Stream)),
            "EAGAIN: maximum socket count reached");
  ASSERT_TRUE(f.kernel->close(f.pid, client));
  EXPECT_TRUE(f.kernel->socket(f.pid, SocketDomain::Inet, SocketType::Stream));
}

TEST(SocketTest, ConnectionCountLimitCountsBothEnds) {
  config::ResourceLimits limits;
  limits.max_connections = 3;
  SocketFixture f(limits);
  int listen_fd = f.listener(inet("127.0.0.1", 7004));
  auto [client, server] = f.connected(listen_fd, inet("127.0.0.1", 7004));
  EXPECT_EQ(error_of(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 7004))),
            "EAGAIN: maximum connection count reached");
  ASSERT_TRUE(f.kernel->close(f.pid, server));
  ASSERT_TRUE(f.kernel->close(f.pid, client));
  EXPECT_TRUE(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 7004)));
}

TEST(SocketTest, UdpDeliversWholeDatagramsAndTruncatesToTheReader) {
  SocketFixture f;
  int receiver = f.udp(), sender = f.udp();
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, receiver, inet("0.0.0.0", 5353)));
  EXPECT_EQ(error_of(f.kernel->socket_send_to(f.pid, sender, "x", inet("127.0.0.1", 5353))),
            "EINVAL: socket 2 must be bound before sending datagrams");
  SocketAddress from = *f.kernel->socket_bind(f.pid, sender, inet("127.0.0.1", 0));
  EXPECT_EQ(f.revents(receiver, kPollIn), 0);
  ASSERT_TRUE(f.kernel->socket_send_to(f.pid, sender, "hello world", inet("127.0.0.1", 5353)));
  ASSERT_TRUE(f.kernel->socket_send_to(f.pid, sender, "second", inet("localhost", 5353)));
  EXPECT_EQ(f.revents(receiver, kPollIn), kPollIn);
  net::Datagram first = *f.kernel->socket_recv_from(f.pid, receiver, 5);
  EXPECT_EQ(first.data, "hello");  // the rest of that datagram is discarded
  EXPECT_EQ(first.from, from);
  EXPECT_EQ(f.kernel->socket_recv_from(f.pid, receiver, 100)->data, "second");
  EXPECT_EQ(error_of(f.kernel->socket_recv_from(f.pid, receiver, 100)), "EAGAIN: socket 1 has no queued datagrams");
  EXPECT_EQ(error_of(f.kernel->socket_send_to(f.pid, sender, "x", inet("127.0.0.1", 5354))),
            "ECONNREFUSED: no UDP socket bound at 127.0.0.1:5354");
  EXPECT_EQ(f.kernel->socket_usage().buffered_bytes, 0u);
}

TEST(SocketTest, DatagramQueueAndBufferedByteLimits) {
  config::ResourceLimits limits;
  limits.max_socket_datagram_queue_len = 2;
  limits.max_socket_buffered_bytes = 10;
  SocketFixture f(limits);
  int receiver = f.udp(), sender = f.udp();
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, receiver, inet("127.0.0.1", 6000)));
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, sender, inet("127.0.0.1", 0)));
  EXPECT_EQ(error_of(f.kernel->socket_send_to(f.pid, sender, std::string(11, 'x'), inet("127.0.0.1", 6000))),
            "EAGAIN: maximum socket buffered byte limit reached");
  ASSERT_TRUE(f.kernel->socket_send_to(f.pid, sender, "a", inet("127.0.0.1", 6000)));
  ASSERT_TRUE(f.kernel->socket_send_to(f.pid, sender, "b", inet("127.0.0.1", 6000)));
  EXPECT_EQ(f.revents(sender, kPollOut), 0);
  EXPECT_EQ(error_of(f.kernel->socket_send_to(f.pid, sender, "c", inet("127.0.0.1", 6000))),
            "EAGAIN: maximum socket datagram queue length reached");
  ASSERT_TRUE(f.kernel->socket_recv_from(f.pid, receiver, 10));
  EXPECT_TRUE(f.kernel->socket_send_to(f.pid, sender, "c", inet("127.0.0.1", 6000)));
}

TEST(SocketTest, UnixStreamSocketsConnectByPath) {
  SocketFixture f;
  int listen_fd = f.tcp(SocketDomain::Unix);
  ASSERT_TRUE(f.kernel->socket_bind(f.pid, listen_fd, SocketAddress{{}, 0, "/tmp/app.sock"}));
  EXPECT_EQ(
      f.kernel->socket_bind(f.pid, f.tcp(SocketDomain::Unix), SocketAddress{{}, 0, "/tmp/app.sock"}).error().errno_code,
      EADDRINUSE);
  ASSERT_TRUE(f.kernel->socket_listen(f.pid, listen_fd, 4));
  auto [client, server] = f.connected(listen_fd, SocketAddress{{}, 0, "/tmp/app.sock"});
  ASSERT_TRUE(f.kernel->write(f.pid, client, "over unix"));
  EXPECT_EQ(*f.kernel->read(f.pid, server, 100), "over unix");
  EXPECT_EQ(f.kernel->socket_connect(f.pid, f.tcp(SocketDomain::Unix), SocketAddress{{}, 0, "/tmp/none.sock"})
                .error()
                .errno_code,
            ECONNREFUSED);
}

TEST(SocketTest, ProcessExitClosesItsSocketsAndThePeerSeesEndOfFile) {
  SocketFixture f;
  int listen_fd = f.listener(inet("127.0.0.1", 7005));
  Pid child = f.spawn_child(f.pid);
  int child_fd = *f.kernel->socket(child, SocketDomain::Inet, SocketType::Stream, kOpenNonBlock);
  ASSERT_TRUE(f.kernel->socket_connect(child, child_fd, inet("127.0.0.1", 7005)));
  ASSERT_TRUE(f.kernel->write(child, child_fd, "bye"));
  int server = *f.kernel->socket_accept(f.pid, listen_fd, kOpenNonBlock);
  EXPECT_EQ(f.kernel->socket_usage().connections, 2u);
  ASSERT_TRUE(f.kernel->set_io_watch(f.pid, true, IoWatchClient::Sockets));
  f.driver->clear();
  ASSERT_TRUE(f.kernel->exit_process(child, 0));
  EXPECT_TRUE(f.driver->saw({"io_ready", f.pid, 0}));
  EXPECT_EQ(*f.kernel->read(f.pid, server, 10), "bye");
  EXPECT_EQ(*f.kernel->read(f.pid, server, 10), "");
  EXPECT_EQ(f.kernel->socket_usage().sockets, 2u);  // the listener and the accepted end
}

TEST(SocketTest, IoWatchClientsAreIndependent) {
  SocketFixture f;
  int listen_fd = f.listener(inet("127.0.0.1", 7006));
  ASSERT_TRUE(f.kernel->set_io_watch(f.pid, true, IoWatchClient::Sockets));
  ASSERT_TRUE(f.kernel->set_io_watch(f.pid, true, IoWatchClient::ChildProcesses));
  ASSERT_TRUE(f.kernel->set_io_watch(f.pid, false, IoWatchClient::ChildProcesses));
  f.driver->clear();
  ASSERT_TRUE(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 7006)));
  EXPECT_TRUE(f.driver->saw({"io_ready", f.pid, 0}));
  ASSERT_TRUE(f.kernel->set_io_watch(f.pid, false, IoWatchClient::Sockets));
  f.driver->clear();
  ASSERT_TRUE(f.kernel->socket_accept(f.pid, listen_fd));
  ASSERT_TRUE(f.kernel->socket_connect(f.pid, f.tcp(), inet("127.0.0.1", 7006)));
  EXPECT_FALSE(f.driver->saw({"io_ready", f.pid, 0}));
}

TEST(SocketTest, ClosingAListenerDropsUnacceptedConnections) {
  SocketFixture f;
  int listen_fd = f.listener(inet("127.0.0.1", 7007));
  int client = f.tcp();
  ASSERT_TRUE(f.kernel->socket_connect(f.pid, client, inet("127.0.0.1", 7007)));
  ASSERT_TRUE(f.kernel->close(f.pid, listen_fd));
  EXPECT_EQ(*f.kernel->read(f.pid, client, 10), "");
  EXPECT_EQ(f.kernel->write(f.pid, client, "x").error().errno_code, EPIPE);
  EXPECT_EQ(f.kernel->socket_usage().sockets, 1u);
  // The port is free again.
  EXPECT_TRUE(f.kernel->socket_bind(f.pid, f.tcp(), inet("127.0.0.1", 7007)));
}

TEST(SocketTest, BlockingReadWaitsForAWriterOnAnotherThread) {
  SocketFixture f;
  int listen_fd = f.listener(inet("127.0.0.1", 7008));
  int client = *f.kernel->socket(f.pid, SocketDomain::Inet, SocketType::Stream);  // blocking
  ASSERT_TRUE(f.kernel->socket_connect(f.pid, client, inet("127.0.0.1", 7008)));
  int server = *f.kernel->socket_accept(f.pid, listen_fd);
  std::thread writer([&] {
    let_thread_block();
    EXPECT_TRUE(f.kernel->write(f.pid, server, "late"));
  });
  auto data = f.kernel->read(f.pid, client, 10, 10s);
  writer.join();
  EXPECT_EQ(data.value_or("<error>"), "late");
}

}  // namespace
}  // namespace se::kernel::testing
