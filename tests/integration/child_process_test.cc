// child_process in JavaScript guests (spec/execution.md s2.10): children are guest programs run as
// kernel processes of the same VM, wired to their parent through kernel pipes, against the real
// sidecar binary. Each test runs a parent script over the wire and checks what it printed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;
using wire::GuestRuntimeKind;

class ChildProcessTest : public GuestVmTest {
 protected:
  // Starts /workspace/<id>.js holding `source` as process `id`.
  void start_script(const client::VmHandle& vm, const std::string& id, const std::string& source) {
    const std::string path = "/workspace/" + id + ".js";
    write(vm, path, source);
    ASSERT_OK(client_->execute(vm, entrypoint(id, path)));
  }

  client::ProcessResult run_script(const client::VmHandle& vm, const std::string& id, const std::string& source) {
    const std::string path = "/workspace/" + id + ".js";
    write(vm, path, source);
    return run(vm, entrypoint(id, path));
  }

  client::ProcessResult run_script(const std::string& id, const std::string& source) {
    return run_script(vm_, id, source);
  }
};

TEST_F(ChildProcessTest, SpawnedNodeEvalPipesStdoutAndReportsItsExitCode) {
  auto result = run_script("p", R"js(
const { spawn } = require('child_process');
const child = spawn('node', ['-e', 'console.log("hello from child"); process.exit(3)']);
let out = '';
child.stdout.on('data', (chunk) => { out += chunk; });
child.on('spawn', () => console.log('spawned', typeof child.pid));
child.on('exit', (code, signal) => console.log('exit', code, signal));
child.on('close', (code) => console.log('close', code, JSON.stringify(out), child.exitCode));
)js");
  EXPECT_EQ(result.stdout_bytes, "spawned number\nexit 3 null\nclose 3 \"hello from child\\n\" 3\n");
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(ChildProcessTest, StderrIsItsOwnPipe) {
  auto result = run_script("p", R"js(
const child = require('child_process').spawn('node', ['-e', 'console.error("oops"); console.log("fine")']);
let out = '', err = '';
child.stdout.on('data', (chunk) => { out += chunk; });
child.stderr.setEncoding('utf8').on('data', (chunk) => { err += chunk; });
child.on('close', (code) => console.log(JSON.stringify({ code, out, err })));
)js");
  EXPECT_EQ(result.stdout_bytes, "{\"code\":0,\"out\":\"fine\\n\",\"err\":\"oops\\n\"}\n");
}

TEST_F(ChildProcessTest, StdinIsPipedToAChildThatEchoes) {
  auto result = run_script("p", R"js(
const child = require('child_process').spawn('node', ['-e',
  'process.stdin.on("data", (d) => process.stdout.write(String(d).toUpperCase()));' +
  'process.stdin.on("end", () => console.log("<eof>"))']);
let out = '';
child.stdout.on('data', (chunk) => { out += chunk; });
child.on('close', (code) => console.log(code, JSON.stringify(out)));
child.stdin.write('hello ');
child.stdin.end('world\n');
)js");
  EXPECT_EQ(result.stdout_bytes, "0 \"HELLO WORLD\\n<eof>\\n\"\n");
}

TEST_F(ChildProcessTest, ExecSyncReturnsOutputAndThrowsOnFailure) {
  auto result = run_script("p", R"js(
const { execSync } = require('child_process');
console.log(JSON.stringify(execSync('node -e "console.log(40 + 2)"', { encoding: 'utf8' })));
try {
  execSync('node -e "console.error(\'bad thing\'); process.exit(2)"', { stdio: 'pipe' });
  console.log('no throw');
} catch (error) {
  console.log(error.status, error.signal, JSON.stringify(String(error.stderr)));
  console.log(error.message);
}
)js");
  EXPECT_EQ(result.stdout_bytes,
            "\"42\\n\"\n2 null \"bad thing\\n\"\n"
            "Command failed: node -e \"console.error('bad thing'); process.exit(2)\"\nbad thing\n\n");
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(ChildProcessTest, ExecSyncWithoutStdioForwardsTheChildsStderr) {
  auto result = run_script("p", R"js(
try { require('child_process').execSync('node -e "console.error(\'to parent stderr\'); process.exit(1)"'); }
catch (error) { console.log('status', error.status); }
)js");
  EXPECT_EQ(result.stdout_bytes, "status 1\n");
  EXPECT_EQ(result.stderr_bytes, "to parent stderr\n");
}

TEST_F(ChildProcessTest, ExecFileSyncRunsAShebangScriptWithArguments) {
  ASSERT_OK(client().write_file(vm_, "/workspace/tool.js",
                                "#!/usr/bin/env node\nconsole.log(JSON.stringify(process.argv.slice(2)))\n"));
  auto result = run_script("p", R"js(
const { execFileSync } = require('child_process');
console.log(execFileSync('/workspace/tool.js', ['a', 'b c']).toString().trim());
console.log(execFileSync('./tool.js', ['--flag'], { encoding: 'utf8' }).trim());
)js");
  EXPECT_EQ(result.stdout_bytes, "[\"a\",\"b c\"]\n[\"--flag\"]\n");
}

TEST_F(ChildProcessTest, SpawnSyncFeedsInputAndEnforcesMaxBuffer) {
  auto result = run_script("p", R"js(
const { spawnSync } = require('child_process');
const echoed = spawnSync('node', ['-e', 'process.stdin.pipe(process.stdout)'], { input: 'abc'.repeat(50000) });
console.log(echoed.status, echoed.signal, echoed.stdout.length, echoed.stdout.subarray(0, 6).toString());
const flood = spawnSync('node', ['-e', 'process.stdout.write("x".repeat(200000))'], { maxBuffer: 1000 });
console.log(flood.error.code, flood.error.message, flood.stdout.length, flood.signal);
const text = spawnSync('node', ['-p', '"a" + "b"'], { encoding: 'utf8' });
console.log(JSON.stringify(text.stdout), JSON.stringify(text.output));
)js");
  EXPECT_EQ(result.stdout_bytes,
            "0 null 150000 abcabc\n"
            "ERR_CHILD_PROCESS_STDIO_MAXBUFFER stdout maxBuffer length exceeded 1000 SIGTERM\n"
            "\"ab\\n\" [null,\"ab\\n\",\"\"]\n");
}

TEST_F(ChildProcessTest, KillWithSigtermEndsABusyChild) {
  auto result = run_script("p", R"js(
const child = require('child_process').spawn('node', ['-e', 'for (;;) {}']);
child.on('spawn', () => console.log('kill returned', child.kill('SIGTERM')));
child.on('exit', (code, signal) => console.log('exit', code, signal, child.signalCode, child.killed));
)js");
  EXPECT_EQ(result.stdout_bytes, "kill returned true\nexit null SIGTERM SIGTERM true\n");
}

TEST_F(ChildProcessTest, AChildsSignalHandlerRuns) {
  auto result = run_script("p", R"js(
const child = require('child_process').spawn('node', ['-e',
  'process.on("SIGTERM", () => { console.log("handled"); process.exit(7) }); console.log("ready"); setInterval(() => {}, 1000)']);
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  if (out === 'ready\n') child.kill();
});
child.on('close', (code, signal) => console.log(code, signal, JSON.stringify(out)));
)js");
  EXPECT_EQ(result.stdout_bytes, "7 null \"ready\\nhandled\\n\"\n");
}

TEST_F(ChildProcessTest, AnInheritedStdoutIsTheParentsOutput) {
  auto result = run_script("p", R"js(
const child = require('child_process').spawn('node', ['-e', 'console.log("from the child"); console.error("child err")'],
                                             { stdio: 'inherit' });
child.on('close', (code) => console.log('child closed', code, child.stdout));
)js");
  EXPECT_EQ(result.stdout_bytes, "from the child\nchild closed 0 null\n");
  EXPECT_EQ(result.stderr_bytes, "child err\n");
}

TEST_F(ChildProcessTest, TwoStagePipelineThroughTheParent) {
  auto result = run_script("p", R"js(
const { spawn } = require('child_process');
const producer = spawn('node', ['-e', 'for (let i = 0; i < 20000; i++) console.log("line " + i)']);
const counter = spawn('node', ['-e',
  'let n = 0, last = ""; process.stdin.setEncoding("utf8");' +
  'process.stdin.on("data", (d) => { n += d.split("\\n").length - 1; last = d; });' +
  'process.stdin.on("end", () => console.log(n, JSON.stringify(last.trim().split("\\n").pop())))']);
producer.stdout.pipe(counter.stdin);
counter.stdout.on('data', (chunk) => process.stdout.write('counted ' + chunk));
counter.on('close', (code) => console.log('pipeline done', code));
)js");
  EXPECT_EQ(result.stdout_bytes, "counted 20000 \"line 19999\"\npipeline done 0\n");
}

TEST_F(ChildProcessTest, SnapshotShowsTheChildWithItsParent) {
  start_script(vm_, "parent", R"js(
const child = require('child_process').spawn('node', ['-e', 'process.stdin.resume()']);
child.on('spawn', () => console.log('spawned'));
child.on('close', (code) => console.log('child closed', code));
process.stdin.on('data', () => {});
process.stdin.on('end', () => child.stdin.end());
)js");
  EXPECT_EQ(next_output("parent"), "spawned\n");
  auto snapshot = ASSERT_OK(client().get_process_snapshot(vm_));
  const wire::ProcessSnapshotEntry* parent = nullptr;
  const wire::ProcessSnapshotEntry* child = nullptr;
  for (const auto& entry : snapshot.processes) {
    if (entry.process_id == "parent") parent = &entry;
    if (entry.process_id == "parent/child-1") child = &entry;
  }
  ASSERT_NE(parent, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->ppid, parent->pid);
  EXPECT_EQ(child->status, wire::ProcessSnapshotStatus::RUNNING);
  EXPECT_EQ(child->command, "node");
  EXPECT_EQ(child->driver, "secure-exec-sidecar-execution");
  ASSERT_OK(client().close_stdin(vm_, "parent"));
  auto result = ASSERT_OK(client().wait_process(vm_, "parent", 30s));
  EXPECT_EQ(result.stdout_bytes, "child closed 0\n");
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(ChildProcessTest, ChildrenOutliveTheirParentUntilTheVmIsDisposed) {
  auto result = run_script("parent", R"js(
const child = require('child_process').spawn('node', ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
child.unref();
console.log('spawned', child.pid);
)js");
  EXPECT_EQ(result.stdout_bytes, "spawned 2\n");
  EXPECT_EQ(result.exit_code, 0);
  auto snapshot = ASSERT_OK(client().get_process_snapshot(vm_));
  bool found = false;
  for (const auto& entry : snapshot.processes) {
    if (entry.process_id != "parent/child-1") continue;
    found = true;
    EXPECT_EQ(entry.pid, 2u);
    EXPECT_EQ(entry.ppid, 0u);  // reparented: its parent is gone
    EXPECT_EQ(entry.status, wire::ProcessSnapshotStatus::RUNNING);
  }
  EXPECT_TRUE(found);
  ASSERT_OK(client().dispose_vm(vm_));
  EXPECT_EQ(vm_.lifecycle.back(), wire::VmLifecycleState::DISPOSED);
}

TEST_F(ChildProcessTest, KillProcessEndsAParentBlockedInExecSync) {
  start_script(vm_, "stuck", R"js(
console.log('waiting');
require('child_process').execSync('node -e "for (;;) {}"');
console.log('never');
)js");
  EXPECT_EQ(next_output("stuck"), "waiting\n");
  ASSERT_OK(client().kill_process(vm_, "stuck", "SIGTERM"));
  auto result = ASSERT_OK(client().wait_process(vm_, "stuck", 30s));
  EXPECT_EQ(result.stdout_bytes, "");
  EXPECT_EQ(result.exit_code, 143);
  // The busy child is still running; disposing the VM ends it.
  ASSERT_OK(client().dispose_vm(vm_));
  EXPECT_EQ(vm_.lifecycle.back(), wire::VmLifecycleState::DISPOSED);
}

TEST_F(ChildProcessTest, UnknownCommandsAndShellSyntaxFailLikeMissingPrograms) {
  auto result = run_script("p", R"js(
const { spawn, exec, execSync, spawnSync } = require('child_process');
spawn('no-such-tool', ['x']).on('error', (error) => console.log('error', error.message, error.code, error.syscall))
  .on('close', (code) => console.log('close', code));
console.log(spawnSync('no-such-tool').error.message);
try { execSync('node -e 1 | cat'); } catch (error) { console.log(error.message); }
exec('echo $HOME', (error) => console.log('exec', error.code));
)js");
  EXPECT_EQ(result.stdout_bytes,
            "spawnSync no-such-tool ENOENT\n"
            "shell-mode child_process command requires /bin/sh, which is not installed in this VM: node -e 1 | cat\n"
            "error spawn no-such-tool ENOENT ENOENT spawn no-such-tool\n"
            "close -2\n"
            "exec ENOENT\n");
}

TEST_F(ChildProcessTest, PolicyDenialIsEacces) {
  auto vm = ASSERT_OK(client().create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"permissions":{"fs":"allow",
      "childProcess":{"default":"allow","rules":[{"mode":"deny","operations":["spawn"],
                                                  "patterns":["/workspace/tool.js"]}]}}})"));
  ASSERT_OK(client().write_file(vm, "/workspace/tool.js", "#!/usr/bin/env node\nconsole.log('ran')\n"));
  auto result = run_script(vm, "p", R"js(
const { spawn, execFileSync } = require('child_process');
try { execFileSync('/workspace/tool.js'); } catch (error) { console.log(error.code, error.message); }
spawn('/workspace/tool.js').on('error', (error) => console.log('async', error.code, error.errno));
console.log(execFileSync('node', ['-e', 'console.log("node is allowed")']).toString().trim());
)js");
  EXPECT_EQ(result.stdout_bytes, "EACCES spawnSync /workspace/tool.js EACCES\nnode is allowed\nasync EACCES -13\n");
}

TEST_F(ChildProcessTest, AForkBombEndsWithEagainAndTheSidecarKeepsAnswering) {
  auto vm = ASSERT_OK(client().create_vm(
      GuestRuntimeKind::JAVA_SCRIPT,
      R"({"permissions":{"fs":"allow","childProcess":"allow"},"limits":{"resources":{"maxProcesses":5}}})"));
  auto result = run_script(vm, "bomb", R"js(
const { spawn } = require('child_process');
const depth = Number(process.argv[2] ?? 0);
const child = spawn(process.execPath, [__filename, String(depth + 1)], { stdio: 'inherit' });
child.on('error', (error) => console.log('depth', depth, error.code));
child.on('exit', (code) => { if (depth === 0) console.log('bomb defused', code); });
)js");
  EXPECT_EQ(result.stdout_bytes, "depth 4 EAGAIN\nbomb defused 0\n");
  EXPECT_EQ(result.exit_code, 0);
  // The VM and the sidecar still run programs.
  EXPECT_EQ(run_script(vm, "after", "console.log('still here')").stdout_bytes, "still here\n");
  EXPECT_EQ(run_script("other", "console.log('other vm')").stdout_bytes, "other vm\n");
}

TEST_F(ChildProcessTest, ExecAndExecFileCallBackWithOutput) {
  auto result = run_script("p", R"js(
const { exec, execFile } = require('child_process');
const { promisify } = require('util');
exec('node -p "6 * 7"', (error, stdout, stderr) => {
  console.log('exec', error, JSON.stringify(stdout), JSON.stringify(stderr));
  execFile('node', ['-e', 'process.exit(4)'], (failure) => {
    console.log('execFile', failure.code, failure.killed, failure.signal, failure.cmd);
    promisify(exec)('node -e "console.log(\'promised\')"').then(({ stdout: out }) => console.log(out.trim()));
  });
});
)js");
  EXPECT_EQ(result.stdout_bytes, "exec null \"42\\n\" \"\"\nexecFile 4 false null node -e process.exit(4)\npromised\n");
}

TEST_F(ChildProcessTest, AChildSeesItsOwnProcAndDev) {
  auto result = run_script("procself", R"js(
const { execFileSync } = require('child_process');
const out = execFileSync('node', ['-e', `
const fs = require('fs');
const argv = fs.readFileSync('/proc/self/cmdline', 'utf8').split('\\0').filter(Boolean);
console.log(argv[0], argv[1], fs.readlinkSync('/proc/self').endsWith('/' + process.pid), fs.readFileSync('/dev/null').length);
`], { encoding: 'utf8' });
process.stdout.write(out);
)js");
  EXPECT_EQ(result.stdout_bytes, "node -e true 0\n") << result.stderr_bytes;
}

}  // namespace
}  // namespace se::integration
