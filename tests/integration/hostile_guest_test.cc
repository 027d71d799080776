// Hostile guests through the real sidecar: a fork bomb, an fd bomb, a pipe bomb, a disk-fill loop, a
// heap bomb, a symlink loop and `..`/symlink escape attempts each end with the right errno or the
// guest's own termination, and a second VM of the same sidecar keeps answering after every attack.
#include <gtest/gtest.h>

#include <string>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

class HostileGuestTest : public GuestVmTest {
 protected:
  void SetUp() override {
    GuestVmTest::SetUp();
    bystander_ = ASSERT_OK(client().create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  }

  // A VM with an allow-all policy and these limits (the JSON of CreateVmConfig.limits).
  client::VmHandle vm_with_limits(const std::string& limits) {
    std::string config = R"({"permissions":{"fs":"allow","childProcess":"allow","env":"allow"},"limits":)";
    config.append(limits).append("}");
    auto vm = client().create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, config);
    EXPECT_TRUE(vm.has_value()) << vm.error().to_string();
    return vm.value_or(client::VmHandle{});
  }

  client::ProcessResult run_script(const client::VmHandle& vm, const std::string& id, const std::string& source) {
    const std::string path = "/workspace/" + id + ".js";
    write(vm, path, source);
    return run(vm, entrypoint(id, path), 60s);
  }

  // The other VM still runs a guest and answers filesystem calls.
  void expect_bystander_answers(const std::string& id) {
    auto result = run(bystander_, node(id, {"-p", "6 * 7"}));
    EXPECT_EQ(result.stdout_bytes, "42\n") << result.stderr_bytes;
    ASSERT_OK(client().write_file(bystander_, "/tmp/still-here", id));
    EXPECT_EQ(ASSERT_OK(client().read_file(bystander_, "/tmp/still-here")), id);
  }

  client::VmHandle bystander_;
};

TEST_F(HostileGuestTest, ForkBombEndsWithEagainAndTheSidecarStaysUp) {
  auto vm = vm_with_limits(R"({"resources":{"maxProcesses":12}})");
  auto result = run_script(vm, "bomb", R"JS(
const { spawnSync } = require('child_process');
const depth = Number(process.argv[2] || 0);
const child = spawnSync('node', [__filename, String(depth + 1)], { encoding: 'utf8' });
if (child.error) { console.log('EAGAIN at', depth, child.error.code); process.exit(0); }
process.stdout.write(child.stdout);
)JS");
  EXPECT_EQ(result.exit_code, 0) << result.stderr_bytes;
  EXPECT_NE(result.stdout_bytes.find("EAGAIN at"), std::string::npos) << result.stdout_bytes;
  EXPECT_NE(result.stdout_bytes.find(" EAGAIN\n"), std::string::npos) << result.stdout_bytes;
  expect_bystander_answers("after-fork-bomb");
  // The bomb's VM recovers once its processes are gone.
  EXPECT_EQ(run(vm, node("again", {"-p", "'alive'"})).stdout_bytes, "alive\n");
}

TEST_F(HostileGuestTest, FdBombIsEmfileAndClosingRecovers) {
  auto vm = vm_with_limits(R"({"resources":{"maxOpenFds":32}})");
  auto result = run_script(vm, "fds", R"JS(
const fs = require('fs');
fs.writeFileSync('/tmp/f', 'x');
const fds = [];
let error;
try { for (;;) fds.push(fs.openSync('/tmp/f', 'r')); } catch (e) { error = e; }
console.log(error.code, fds.length > 20);
for (const fd of fds) fs.closeSync(fd);
console.log(fs.readFileSync('/tmp/f', 'utf8'));
)JS");
  EXPECT_EQ(result.stdout_bytes, "EMFILE true\nx\n") << result.stderr_bytes;
  expect_bystander_answers("after-fd-bomb");
}

TEST_F(HostileGuestTest, PipeBombIsEagainFromMaxPipes) {
  auto vm = vm_with_limits(R"({"resources":{"maxPipes":6}})");
  auto result = run_script(vm, "pipes", R"JS(
const { spawn } = require('child_process');
const children = [];
function next() {
  const child = spawn('node', ['-e', 'setTimeout(() => {}, 200)']);
  child.on('error', (e) => {
    console.log('spawned', children.length, e.code);
    for (const c of children) c.kill('SIGKILL');
  });
  child.on('spawn', () => { children.push(child); next(); });
}
next();
)JS");
  EXPECT_EQ(result.stdout_bytes, "spawned 2 EAGAIN\n") << result.stderr_bytes;
  expect_bystander_answers("after-pipe-bomb");
}

TEST_F(HostileGuestTest, DiskFillLoopIsEnospcAndDeletingMakesRoom) {
  auto vm = vm_with_limits(R"({"resources":{"maxFilesystemBytes":2097152}})");
  auto result = run_script(vm, "fill", R"JS(
const fs = require('fs');
const chunk = Buffer.alloc(64 * 1024, 120);
let n = 0;
try { for (;;) fs.writeFileSync('/tmp/fill-' + n++, chunk); } catch (e) { console.log(e.code, e.syscall); }
for (let i = 0; i < n - 1; i++) fs.unlinkSync('/tmp/fill-' + i);
fs.writeFileSync('/tmp/after', chunk);
console.log(fs.statSync('/tmp/after').size);
)JS");
  EXPECT_EQ(result.stdout_bytes, "ENOSPC open\n65536\n") << result.stderr_bytes;
  expect_bystander_answers("after-disk-fill");
}

TEST_F(HostileGuestTest, HeapBombEndsOnlyThatProcess) {
  auto vm = vm_with_limits(R"({"jsRuntime":{"v8HeapLimitMb":16}})");
  auto result = run_script(vm, "heap", "const hoard = []; for (;;) hoard.push(new Array(1e5).fill(Math.random()));");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.stderr_bytes.find("heap out of memory"), std::string::npos) << result.stderr_bytes;
  expect_bystander_answers("after-heap-bomb");
  EXPECT_EQ(run(vm, node("again", {"-p", "'alive'"})).stdout_bytes, "alive\n");
}

TEST_F(HostileGuestTest, SymlinkLoopIsEloop) {
  auto result = run_script(vm_, "loop", R"JS(
const fs = require('fs');
fs.symlinkSync('/tmp/b', '/tmp/a');
fs.symlinkSync('/tmp/a', '/tmp/b');
for (const op of [() => fs.readFileSync('/tmp/a'), () => fs.statSync('/tmp/a/x'), () => fs.realpathSync('/tmp/b')]) {
  try { op(); console.log('no error'); } catch (e) { console.log(e.code); }
}
)JS");
  EXPECT_EQ(result.stdout_bytes, "ELOOP\nELOOP\nELOOP\n") << result.stderr_bytes;
  expect_bystander_answers("after-symlink-loop");
}

TEST_F(HostileGuestTest, DotDotAndSymlinkEscapesStayInsideTheVm) {
  ASSERT_OK(client().write_file(vm_, "/etc/hostname", "inside-the-vm\n"));
  auto result = run_script(vm_, "escape", R"JS(
const fs = require('fs');
console.log(fs.readFileSync('/../../../../etc/hostname', 'utf8').trim());
fs.symlinkSync('/', '/tmp/root');
fs.symlinkSync('../../../../../../..', '/tmp/up');
console.log(fs.readFileSync('/tmp/root/../../etc/hostname', 'utf8').trim());
console.log(fs.readFileSync('/tmp/up/etc/hostname', 'utf8').trim());
console.log(fs.realpathSync('/tmp/up'), fs.realpathSync('/..'));
process.chdir('/../..');
console.log(process.cwd(), JSON.stringify(fs.readdirSync('..')) === JSON.stringify(fs.readdirSync('/')));
)JS");
  EXPECT_EQ(result.stdout_bytes, "inside-the-vm\ninside-the-vm\ninside-the-vm\n/ /\n/ true\n") << result.stderr_bytes;
}

}  // namespace
}  // namespace se::integration
