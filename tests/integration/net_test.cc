// Guest `net`, `dgram` and `http` over the VM's kernel sockets: processes of one VM talk over loopback,
// large transfers survive back-pressure, errors carry Node's codes, nothing reaches the host
// network, and each socket limit (limits.resources) fails a guest call with EAGAIN naming it while
// the VM keeps working.
#include <gtest/gtest.h>

#include <string>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

class NetTest : public GuestVmTest {
 protected:
  // Runs `source` in a fresh VM with these limits.resources, then checks the VM still runs guests
  // that use sockets.
  client::ProcessResult run_limited(const std::string& resources, const std::string& source) {
    std::string config = R"({"permissions":{"fs":"allow","network":"allow","childProcess":"allow","env":"allow"},)";
    config.append(R"("limits":{"resources":)").append(resources).append("}}");
    auto vm = client().create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, config);
    EXPECT_TRUE(vm.has_value()) << vm.error().to_string();
    if (!vm) return {};
    write(*vm, "/workspace/limit.js", source);
    client::ProcessResult result = run(*vm, entrypoint("limit", "/workspace/limit.js"));
    write(*vm, "/workspace/after.js", kEchoOnce);
    client::ProcessResult after = run(*vm, entrypoint("after", "/workspace/after.js"));
    EXPECT_EQ(after.stdout_bytes, "echo: still works\n") << after.stderr_bytes;
    return result;
  }

  static constexpr const char* kEchoOnce = R"JS(
const net = require('net');
const server = net.createServer((socket) => socket.pipe(socket));
server.listen(0, '127.0.0.1', () => {
  const client = net.connect(server.address().port, '127.0.0.1', () => client.end('still works'));
  client.setEncoding('utf8');
  let text = '';
  client.on('data', (chunk) => { text += chunk; });
  client.on('end', () => { console.log('echo: ' + text); server.close(); });
});
)JS";
};

// FindListener / FindBoundUdp (spec/protocol.md s3.15) see the guest's sockets while they exist.
TEST_F(NetTest, TheHostFindsListenersAndBoundUdpSockets) {
  write("/workspace/serve.js", R"JS(
const net = require('net');
const dgram = require('dgram');
const tcp = net.createServer().listen(4100, '0.0.0.0', () => {
  const unix = net.createServer().listen('/tmp/app.sock', () => {
    const udp = dgram.createSocket('udp4');
    udp.bind(5300, '127.0.0.1', () => {
      console.log('ready');
      process.stdin.on('end', () => { tcp.close(); unix.close(); udp.close(); });
      process.stdin.resume();
    });
  });
});
)JS");
  ASSERT_OK(client().execute(vm_, entrypoint("server", "/workspace/serve.js")));
  ASSERT_EQ(next_output("server"), "ready\n");

  auto listener = [&](std::optional<std::string> host, std::optional<uint16_t> port,
                      std::optional<std::string> path = std::nullopt) -> std::optional<wire::SocketStateEntry> {
    auto response = client().find_listener(vm_, wire::FindListenerRequest{.host = host, .port = port, .path = path});
    EXPECT_TRUE(response.has_value()) << response.error().to_string();
    return response ? response->listener : std::nullopt;
  };
  auto found = listener(std::nullopt, 4100);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->process_id, "server");
  EXPECT_EQ(found->host, "0.0.0.0");
  EXPECT_EQ(found->port, 4100);
  EXPECT_TRUE(listener("127.0.0.1", 4100).has_value());  // a wildcard listener serves loopback
  EXPECT_TRUE(listener("localhost", std::nullopt).has_value());
  EXPECT_FALSE(listener(std::nullopt, 4101).has_value());
  EXPECT_FALSE(listener("10.0.0.1", 4100).has_value());
  auto unix_socket = listener(std::nullopt, std::nullopt, "/tmp/app.sock");
  ASSERT_TRUE(unix_socket.has_value());
  EXPECT_EQ(unix_socket->path, "/tmp/app.sock");
  EXPECT_FALSE(unix_socket->port.has_value());
  EXPECT_FALSE(listener(std::nullopt, 5300).has_value());  // the UDP socket is not a listener

  auto udp = ASSERT_OK(client().find_bound_udp(vm_, wire::FindBoundUdpRequest{.host = "0.0.0.0", .port = 5300})).socket;
  ASSERT_TRUE(udp.has_value());
  EXPECT_EQ(udp->host, "127.0.0.1");
  EXPECT_EQ(udp->port, 5300);

  ASSERT_OK(client().close_stdin(vm_, "server"));
  ASSERT_OK(client().wait_process(vm_, "server", 30s));
  EXPECT_FALSE(listener(std::nullopt, 4100).has_value());
  EXPECT_FALSE(ASSERT_OK(client().find_bound_udp(vm_, wire::FindBoundUdpRequest{})).socket.has_value());
}

TEST_F(NetTest, EchoServerAndClientInOneProcess) {
  auto result = run_file("echo", "/workspace/echo.js", R"JS(
const net = require('net');
const server = net.createServer((socket) => {
  console.log('server sees', socket.remoteAddress, typeof socket.remotePort, socket.localPort === server.address().port);
  socket.on('data', (data) => socket.write(data.toString().toUpperCase()));
  socket.on('end', () => socket.end());
});
server.on('listening', () => console.log('listening', server.address().family, server.address().port >= 49152));
server.listen(0, () => {
  const client = net.createConnection({ port: server.address().port }, () => {
    console.log('connected', client.remoteAddress, client.remotePort === server.address().port);
    client.write('hello ', () => console.log('write callback'));
    client.end('world');
  });
  client.setEncoding('utf8');
  let received = '';
  client.on('data', (chunk) => { received += chunk; });
  client.on('close', (hadError) => {
    console.log('client closed', received, hadError);
    server.close(() => console.log('server closed'));
  });
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes,
            "listening IPv4 true\n"
            "connected 127.0.0.1 true\n"
            "write callback\n"
            "server sees 127.0.0.1 number true\n"
            "client closed HELLO WORLD false\n"
            "server closed\n")
      << result.stderr_bytes;
}

TEST_F(NetTest, ServerInOneProcessClientInAChildProcess) {
  write("/workspace/client.js", R"JS(
const net = require('net');
const socket = net.connect(Number(process.argv[2]), 'localhost');
socket.on('connect', () => socket.end('from child ' + process.pid));
socket.on('data', (data) => process.stdout.write('child got ' + data));
)JS");
  auto result = run_file("parent", "/workspace/parent.js", R"JS(
const net = require('net');
const { spawn } = require('child_process');
const server = net.createServer((socket) => {
  socket.once('data', (data) => {
    console.log('server got', data.toString().replace(/\d+$/, 'PID'));
    socket.end('bye\n');
  });
});
server.listen(0, '127.0.0.1', () => {
  const child = spawn('node', ['/workspace/client.js', String(server.address().port)]);
  child.stdout.on('data', (data) => process.stdout.write(data));
  child.on('close', (code) => {
    console.log('child exited', code);
    server.close();
  });
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes, "server got from child PID\nchild got bye\nchild exited 0\n") << result.stderr_bytes;
}

TEST_F(NetTest, OneMebibyteArrivesIntactUnderBackPressure) {
  // The VM buffers at most 64 KiB across all sockets, so the transfer must wait for the reader.
  auto result = run_limited(R"({"maxSocketBufferedBytes":65536})", R"JS(
const net = require('net');
const crypto = require('crypto');
const payload = Buffer.alloc(1024 * 1024);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 10)) & 0xff;
const server = net.createServer((socket) => {
  const chunks = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('end', () => {
    const all = Buffer.concat(chunks);
    console.log('received', all.length, all.equals(payload));
    socket.end();
    server.close();
  });
});
server.listen(0, () => {
  const client = net.connect(server.address().port, '127.0.0.1', () => {
    console.log('write returned', client.write(payload));
  });
  client.on('drain', () => {
    console.log('drain');
    client.end();
  });
  client.resume();
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes, "write returned false\ndrain\nreceived 1048576 true\n") << result.stderr_bytes;
}

TEST_F(NetTest, ConnectionRefusedAndAddressInUseAreNodeErrors) {
  auto result = run_file("errors", "/workspace/errors.js", R"JS(
const net = require('net');
const client = net.connect(9, '127.0.0.1');
client.on('error', (error) => {
  console.log(error.code, error.syscall, error.address, error.port, error.message);
  const first = net.createServer().listen(4000, '127.0.0.1', () => {
    const second = net.createServer();
    second.on('error', (e) => {
      console.log(e.code, e.syscall, e.message);
      const wildcard = net.createServer().listen(4000, '0.0.0.0');
      wildcard.on('error', (e2) => {
        console.log('wildcard', e2.code);
        first.close();
      });
    });
    second.listen(4000, 'localhost');
  });
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes,
            "ECONNREFUSED connect 127.0.0.1 9 connect ECONNREFUSED 127.0.0.1:9\n"
            "EADDRINUSE listen listen EADDRINUSE: address already in use 127.0.0.1:4000\n"
            "wildcard EADDRINUSE\n")
      << result.stderr_bytes;
}

TEST_F(NetTest, NonLoopbackHostsAreUnreachableAndNeverTouchTheHost) {
  auto result = run_file("egress", "/workspace/egress.js", R"JS(
const net = require('net');
const socket = net.connect(80, '93.184.216.34');
socket.on('error', (error) => {
  console.log(error.code, error.message);
  const server = net.createServer().listen(8080, '10.0.0.1');
  server.on('error', (e) => console.log(e.code, e.message));
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes,
            "ENETUNREACH connect ENETUNREACH: guest networking is VM-internal loopback only; 93.184.216.34 is "
            "not a loopback address 93.184.216.34:80\n"
            "EACCES listen EACCES: TCP listeners must bind to loopback or unspecified addresses, got 10.0.0.1 "
            "10.0.0.1:8080\n")
      << result.stderr_bytes;
}

TEST_F(NetTest, NetworkPolicyDeniesListenAndConnect) {
  auto vm = client().create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT,
                               R"({"permissions":{"fs":"allow","network":"deny","childProcess":"allow"}})");
  ASSERT_TRUE(vm.has_value()) << vm.error().to_string();
  write(*vm, "/workspace/denied.js", R"JS(
const net = require('net');
net.createServer().listen(3000).on('error', (e) => {
  console.log('listen', e.code);
  net.connect(3000).on('error', (e2) => console.log('connect', e2.code));
});
)JS");
  auto result = run(*vm, entrypoint("denied", "/workspace/denied.js"));
  EXPECT_EQ(result.stdout_bytes, "listen EACCES\nconnect EACCES\n") << result.stderr_bytes;
}

TEST_F(NetTest, UnixSocketPathsAndHalfClose) {
  auto result = run_file("unix", "/workspace/unix.js", R"JS(
const net = require('net');
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  let text = '';
  socket.on('data', (d) => { text += d; });
  socket.on('end', () => socket.end('got ' + text));  // the half-closed socket can still answer
});
server.listen('app.sock', () => {
  console.log('address', server.address());
  const client = net.connect('/workspace/app.sock');
  client.end('request');
  client.on('data', (d) => console.log(String(d)));
  client.on('close', () => server.close());
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes, "address /workspace/app.sock\ngot request\n") << result.stderr_bytes;
}

TEST_F(NetTest, OpenSocketsKeepTheProcessAliveUntilClosedOrUnrefed) {
  auto result = run_file("alive", "/workspace/alive.js", R"JS(
const net = require('net');
const idle = net.createServer().listen(0);
idle.unref();
const server = net.createServer().listen(0, () => {
  setTimeout(() => { console.log('closing'); server.close(); }, 20);
});
process.on('exit', () => console.log('exit'));
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes, "closing\nexit\n") << result.stderr_bytes;
}

TEST_F(NetTest, MaxSocketsIsEagainAndTheVmRecovers) {
  auto result = run_limited(R"({"maxSockets":3})", R"JS(
const net = require('net');
const server = net.createServer().listen(0, () => {
  const first = net.connect(server.address().port, () => {
    const second = net.connect(server.address().port);
    second.on('error', (e) => {
      console.log(e.code, e.message.includes('maximum socket count reached'));
      first.destroy();
      server.close();
    });
  });
});
)JS");
  EXPECT_EQ(result.stdout_bytes, "EAGAIN true\n") << result.stderr_bytes;
}

TEST_F(NetTest, MaxConnectionsIsEagainAndTheVmRecovers) {
  auto result = run_limited(R"({"maxConnections":2})", R"JS(
const net = require('net');
const server = net.createServer().listen(0, () => {
  const first = net.connect(server.address().port, () => {
    net.connect(server.address().port).on('error', (e) => {
      console.log(e.code, e.message);
      first.destroy();
      server.close();
    });
  });
});
)JS");
  EXPECT_EQ(result.stdout_bytes.rfind("EAGAIN connect EAGAIN: maximum connection count reached 127.0.0.1:", 0), 0u)
      << result.stdout_bytes << result.stderr_bytes;
}

TEST_F(NetTest, MaxSocketBufferedBytesIsEagainForDatagramsAndBackPressureForStreams) {
  auto result = run_limited(R"({"maxSocketBufferedBytes":1000})", R"JS(
const dgram = require('dgram');
const net = require('net');
const receiver = dgram.createSocket('udp4');
receiver.bind(0, '127.0.0.1', () => {
  const sender = dgram.createSocket('udp4');
  const port = receiver.address().port;
  sender.send(Buffer.alloc(600), port, '127.0.0.1', (error) => {
    console.log('first', error);
    sender.send(Buffer.alloc(600), port, '127.0.0.1', (e) => {
      console.log('second', e.code, e.message.includes('maximum socket buffered byte limit reached'));
      sender.close();
      receiver.close();
      // A stream writer at the limit waits instead of failing.
      const server = net.createServer((s) => setTimeout(() => s.resume(), 10)).listen(0, () => {
        const client = net.connect(server.address().port, () => {
          console.log('stream write accepted', client.write(Buffer.alloc(20000)));
          client.end(() => { console.log('stream finished'); server.close(); });
        });
      });
    });
  });
});
)JS");
  EXPECT_EQ(result.stdout_bytes, "first null\nsecond EAGAIN true\nstream write accepted false\nstream finished\n")
      << result.stderr_bytes;
}

TEST_F(NetTest, DgramEcho) {
  auto result = run_file("dgram", "/workspace/dgram.js", R"JS(
const dgram = require('dgram');
const server = dgram.createSocket('udp4');
server.on('message', (msg, rinfo) => {
  console.log('server got', String(msg), rinfo.address, rinfo.family, rinfo.size);
  server.send(msg.toString().toUpperCase(), rinfo.port, rinfo.address);
});
server.bind(41234, () => {
  const client = dgram.createSocket('udp4');
  client.on('message', (msg, rinfo) => {
    console.log('client got', String(msg), rinfo.port);
    client.close();
    server.close(() => console.log('closed'));
  });
  client.send('ping', 41234, 'localhost');
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes, "server got ping 127.0.0.1 IPv4 4\nclient got PING 41234\nclosed\n")
      << result.stderr_bytes;
}

TEST_F(NetTest, HttpServerAndClientWithLengthAndChunkedBodies) {
  auto result = run_file("http", "/workspace/http.js", R"JS(
const http = require('http');
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.url === '/chunked') {
      res.setHeader('X-Kind', 'chunked');
      res.write('part one, ');
      res.end('part two');
    } else {
      res.writeHead(201, { 'Content-Type': 'text/plain' });
      res.end(`${req.method} ${req.url} ${req.headers['x-test']} body=${body}`);
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const req = http.request({ port, method: 'POST', path: '/length', headers: { 'X-Test': 'yes' } }, (res) => {
    let text = '';
    res.on('data', (chunk) => { text += chunk; });
    res.on('end', () => {
      console.log(res.statusCode, res.headers['content-type'], res.headers['content-length'], text);
      http.get(`http://localhost:${port}/chunked`, (res2) => {
        let text2 = '';
        res2.on('data', (chunk) => { text2 += chunk; });
        res2.on('end', () => {
          console.log(res2.statusCode, res2.headers['transfer-encoding'], res2.headers['x-kind'], text2);
          server.close();
        });
      });
    });
  });
  req.write('hello ');  // no Content-Length: the request body is chunked
  req.end('server');
});
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_EQ(result.stdout_bytes,
            "201 text/plain 34 POST /length yes body=hello server\n"
            "200 chunked chunked part one, part two\n")
      << result.stderr_bytes;
}

}  // namespace
}  // namespace se::integration
