// limits.resources hit from inside a JavaScript guest (spec/protocol.md s6.4): each limit fails the
// guest's call with its errno, the guest sees Node's error code, and the VM keeps working after.
#include <gtest/gtest.h>

#include <string>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

class GuestLimitsTest : public GuestVmTest {
 protected:
  // Runs `source` in a fresh VM whose limits.resources are `resources`, then checks that the VM
  // still runs a program.
  client::ProcessResult run_limited(const std::string& resources, const std::string& source) {
    std::string config = R"({"permissions":{"fs":"allow","childProcess":"allow","env":"allow"},)";
    config.append(R"("limits":{"resources":)").append(resources).append("}}");
    auto vm = client().create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, config);
    EXPECT_TRUE(vm.has_value()) << vm.error().to_string();
    if (!vm) return {};
    write(*vm, "/workspace/limit.js", source);
    client::ProcessResult result = run(*vm, entrypoint("limit", "/workspace/limit.js"));
    EXPECT_EQ(run(*vm, node("after", {"-p", "'ok'"})).stdout_bytes, "ok\n");
    return result;
  }
};

// Prints the code of the error `fn` throws (or "no error").
constexpr const char* kTry = R"JS(
const fs = require('fs');
const { spawnSync } = require('child_process');
function code(fn) { try { fn(); return 'no error'; } catch (e) { return e.code + ' ' + (e.message || ''); } }
)JS";

TEST_F(GuestLimitsTest, MaxInodeCountIsEnospc) {
  auto result = run_limited(R"({"maxInodeCount":400})", std::string(kTry) + R"JS(
let n = 0, error;
try { for (;;) fs.mkdirSync('/tmp/d' + n++); } catch (e) { error = e.code; }
console.log(error, n < 400);
)JS");
  EXPECT_EQ(result.stdout_bytes, "ENOSPC true\n") << result.stderr_bytes;
}

// A read larger than maxPreadBytes is a short read of maxPreadBytes (read(2) may return less than
// asked, so large buffers keep working); a larger single write is EINVAL naming the limit.
TEST_F(GuestLimitsTest, MaxPreadBytesBoundsEachReadAndMaxFdWriteBytesIsEinval) {
  auto result = run_limited(R"({"maxPreadBytes":65536,"maxFdWriteBytes":65536})", std::string(kTry) + R"JS(
fs.writeFileSync('/tmp/f', Buffer.alloc(100000));
const fd = fs.openSync('/tmp/f', 'r+');
console.log(fs.readSync(fd, Buffer.alloc(100000), 0, 100000, 0));
console.log(code(() => fs.writeSync(fd, Buffer.alloc(100000))));
console.log(fs.readSync(fd, Buffer.alloc(1000), 0, 1000, 0), fs.writeSync(fd, 'small'));
)JS");
  EXPECT_EQ(result.stdout_bytes,
            "65536\nEINVAL EINVAL: write size 100000 exceeds configured limit 65536, write\n1000 5\n")
      << result.stderr_bytes;
}

TEST_F(GuestLimitsTest, ArgvAndEnvPayloadLimitsAreE2big) {
  auto result = run_limited(R"({"maxProcessArgvBytes":4096,"maxProcessEnvBytes":4096})", std::string(kTry) + R"JS(
const big = 'x'.repeat(5000);
console.log(spawnSync('node', ['-e', '1', big]).error.code);
console.log(spawnSync('node', ['-e', '1'], { env: { BIG: big } }).error.code);
console.log(spawnSync('node', ['-p', '"fits"'], { env: {}, encoding: 'utf8' }).stdout.trim());
)JS");
  EXPECT_EQ(result.stdout_bytes, "E2BIG\nE2BIG\nfits\n") << result.stderr_bytes;
}

TEST_F(GuestLimitsTest, MaxReaddirEntriesFailsTheListingNotTheDirectory) {
  auto result = run_limited(R"({"maxReaddirEntries":16})", std::string(kTry) + R"JS(
fs.mkdirSync('/tmp/many');
for (let i = 0; i < 20; i++) fs.writeFileSync('/tmp/many/' + i, '');
console.log(code(() => fs.readdirSync('/tmp/many')).split(' ')[0]);
for (let i = 0; i < 10; i++) fs.unlinkSync('/tmp/many/' + i);
console.log(fs.readdirSync('/tmp/many').length);
)JS");
  EXPECT_EQ(result.stdout_bytes, "ENOMEM\n10\n") << result.stderr_bytes;
}

// A blocking read of a pipe that never gets data gives up after maxBlockingReadMs with EAGAIN.
TEST_F(GuestLimitsTest, MaxBlockingReadMsEndsABlockedPipeReadWithEagain) {
  auto result = run_limited(R"({"maxBlockingReadMs":200})", std::string(kTry) + R"JS(
// The child's stdin is a pipe the parent keeps open and never writes.
const child = require('child_process').spawn('node', ['-e', `
  try { require('fs').readSync(0, Buffer.alloc(16)); console.log('read'); }
  catch (e) { console.log(e.code, e.syscall); }`]);
child.stdout.pipe(process.stdout);
child.on('exit', () => child.stdin.end());
)JS");
  EXPECT_EQ(result.stdout_bytes, "EAGAIN read\n") << result.stderr_bytes;
}

// UDP sends into a socket that never reads stop at maxSocketDatagramQueueLen with EAGAIN.
TEST_F(GuestLimitsTest, MaxSocketDatagramQueueLenIsEagain) {
  auto result = run_limited(R"({"maxSocketDatagramQueueLen":3})", R"JS(
const dgram = require('dgram');
const sink = dgram.createSocket('udp4');
sink.bind(0, '127.0.0.1', () => {
  const sender = dgram.createSocket('udp4');
  const results = [];
  let pending = 5;
  for (let i = 0; i < 5; i++) {
    sender.send('x' + i, sink.address().port, '127.0.0.1', (error) => {
      results[i] = error ? error.code : 'sent';
      if (--pending === 0) { console.log(results.join(' ')); sender.close(); sink.close(); }
    });
  }
});
)JS");
  EXPECT_EQ(result.stdout_bytes, "sent sent sent EAGAIN EAGAIN\n") << result.stderr_bytes;
}

// Processes Execute started and that have exited hold no maxProcesses slot: a VM runs commands one
// after another for as long as it lives, while a guest's own unreaped children still count.
TEST_F(GuestLimitsTest, ExitedExecutedProcessesDoNotUseUpMaxProcesses) {
  auto vm =
      client().create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, R"({"permissions":{"fs":"allow","childProcess":"allow"},)"
                                                              R"("limits":{"resources":{"maxProcesses":4}}})");
  ASSERT_TRUE(vm.has_value()) << vm.error().to_string();
  for (int i = 0; i < 12; ++i) {
    const std::string n = std::to_string(i);
    std::string process_id = "p";  // not "p" + n: GCC 12 warns -Wrestrict on that
    process_id += n;
    auto result = run(*vm, node(process_id, {"-p", n}));
    ASSERT_EQ(result.stdout_bytes, n + "\n") << result.stderr_bytes;
  }
  // The guest (1) and three children fill maxProcesses=4; the others fail with EAGAIN.
  auto children = run(*vm, node("children", {"-e", R"JS(
const { spawn } = require('child_process');
const errors = [];
const kids = [];
for (let i = 0; i < 8; i++) {
  const kid = spawn('node', ['-e', 'setInterval(() => {}, 1000)']);
  kid.on('error', (e) => errors.push(e.code));
  kids.push(kid);
}
setImmediate(() => {
  console.log(kids.filter((k) => k.pid !== undefined).length, errors.join(','));
  for (const k of kids) k.kill();
});
)JS"}));
  EXPECT_EQ(children.stdout_bytes, "3 EAGAIN,EAGAIN,EAGAIN,EAGAIN,EAGAIN\n") << children.stderr_bytes;
}

}  // namespace
}  // namespace se::integration
