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

TEST_F(ChildProcessTest, UnknownCommandsFailLikeMissingPrograms) {
  auto result = run_script("p", R"js(
const { spawn, exec, execSync, spawnSync } = require('child_process');
spawn('no-such-tool', ['x']).on('error', (error) => console.log('error', error.message, error.code, error.syscall))
  .on('close', (code) => console.log('close', code));
console.log(spawnSync('no-such-tool').error.message);
try { execSync('node -e 1 | no-such-tool', { stdio: 'pipe' }); } catch (error) { console.log(error.status, JSON.stringify(error.stderr.toString())); }
exec('no-such-tool x', (error, stdout, stderr) => console.log('exec', error.code, JSON.stringify(stderr)));
)js");
  EXPECT_EQ(result.stdout_bytes,
            "spawnSync no-such-tool ENOENT\n"
            "127 \"sh: 1: no-such-tool: not found\\n\"\n"
            "error spawn no-such-tool ENOENT ENOENT spawn no-such-tool\n"
            "close -2\n"
            "exec 127 \"sh: 1: no-such-tool: not found\\n\"\n");
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
console.log(argv[0], argv[1], fs.readlinkSync('/proc/self').split('/').pop() === String(process.pid), fs.readFileSync('/dev/null').length);
`], { encoding: 'utf8' });
process.stdout.write(out);
)js");
  EXPECT_EQ(result.stdout_bytes, "node -e true 0\n") << result.stderr_bytes;
}

TEST_F(ChildProcessTest, TheShellOptionAndExecRunTheVmShell) {
  auto result = run_script("p", R"js(
const { spawn, exec, execSync, spawnSync } = require('child_process');
console.log(execSync('echo hi | node -e "process.stdin.pipe(process.stdout)"').toString().trim());
console.log(execSync('echo $X && exit 0', { env: { ...process.env, X: 'from env' }, encoding: 'utf8' }).trim());
console.log('status', spawnSync('exit 5', { shell: true }).status);
const child = spawn('echo', ['$0', '"quoted  arg"'], { shell: true });
child.stdout.on('data', (chunk) => process.stdout.write(`spawn ${chunk}`));
child.on('close', (code) => {
  console.log('close', code, child.spawnfile, JSON.stringify(child.spawnargs));
  exec('node -e "process.exit(2)" || echo recovered $?', (error, stdout) => console.log('exec', error, stdout.trim()));
});
)js");
  EXPECT_EQ(result.stdout_bytes,
            "hi\nfrom env\nstatus 5\nspawn sh quoted  arg\n"
            "close 0 /bin/sh [\"/bin/sh\",\"-c\",\"echo $0 \\\"quoted  arg\\\"\"]\nexec null recovered 2\n")
      << result.stderr_bytes;
}

TEST_F(ChildProcessTest, CommandsAreLookedUpOnPath) {
  auto result = run_script("p", R"js(
const fs = require('fs');
const { spawnSync, spawn } = require('child_process');
fs.mkdirSync('/usr/local/bin', { recursive: true });
fs.mkdirSync('/opt/tools', { recursive: true });
fs.writeFileSync('/usr/local/bin/hello', '#!/usr/bin/env node\nconsole.log("hello", process.argv.slice(2).join(","))\n', { mode: 0o755 });
fs.writeFileSync('/opt/tools/shtool', '#!/bin/sh\necho "shtool $1"\n', { mode: 0o755 });
fs.writeFileSync('/opt/tools/noexec', '#!/usr/bin/env node\nconsole.log("ran")\n', { mode: 0o644 });
console.log(spawnSync('hello', ['a', 'b']).stdout.toString().trim());
console.log(spawnSync('shtool', ['x'], { env: { PATH: '/opt/tools' } }).stdout.toString().trim());
const missing = spawnSync('hello', ['c'], { env: { PATH: '/opt/tools' } }).error;
console.log(missing.code, missing.path, JSON.stringify(missing.spawnargs));
console.log(spawnSync('noexec', [], { env: { PATH: '/opt/tools' } }).error.code);
spawn('nope', ['z']).on('error', (e) => console.log('async', e.message, e.code, e.errno, e.path, JSON.stringify(e.spawnargs)));
)js");
  EXPECT_EQ(result.stdout_bytes,
            "hello a,b\nshtool x\nENOENT hello [\"c\"]\nEACCES\nasync spawn nope ENOENT ENOENT -2 nope [\"z\"]\n")
      << result.stderr_bytes;
}

TEST_F(ChildProcessTest, ProcessKillSignalsAnotherProcessOfTheVm) {
  // The killer is a sibling of its target: both are children of this script.
  auto result = run_script("p", R"js(
const { spawn } = require('child_process');
function target(code, then) {
  const child = spawn('node', ['-e', code]);
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (out === 'ready\n') spawn('node', ['-e', 'process.kill(Number(process.argv[1]), "SIGTERM")', String(child.pid)]);
  });
  child.on('close', (exitCode, signal) => then(exitCode, signal, out));
}
target('process.on("SIGTERM", () => { console.log("handler ran"); process.exit(0); }); console.log("ready"); setInterval(() => {}, 1000);',
       (code, signal, out) => {
  console.log('with handler', code, signal, JSON.stringify(out));
  target('console.log("ready"); setInterval(() => {}, 1000);', (code2, signal2) => {
    console.log('without handler', code2, signal2);
    console.log('self exists', process.kill(process.pid, 0));
    try { process.kill(999999, 0); } catch (e) { console.log(e.message, e.code, e.errno, e.syscall); }
    try { process.kill(999999, 'SIGTERM'); } catch (e) { console.log(e.code); }
  });
});
)js");
  EXPECT_EQ(result.stdout_bytes,
            "with handler 0 null \"ready\\nhandler ran\\n\"\nwithout handler null SIGTERM\nself exists true\n"
            "kill ESRCH ESRCH -3 kill\nESRCH\n")
      << result.stderr_bytes;
}

TEST_F(ChildProcessTest, AChildReadsItsPipedStdinThroughDescriptorZero) {
  auto result = run_script("p", R"js(
const { execFileSync } = require('child_process');
process.stdout.write(execFileSync('node', ['-e', `
const fs = require('fs');
const head = Buffer.alloc(3);
const count = fs.readSync(0, head);
console.log(count, head.toString(), JSON.stringify(fs.readFileSync(0, 'utf8')));
`], { input: 'abcdef\n', encoding: 'utf8' }));
process.stdout.write(execFileSync('node', ['-e', 'console.log(JSON.stringify(require("fs").readFileSync("/dev/stdin", "utf8")))'],
                                  { input: 'by name' }));
)js");
  EXPECT_EQ(result.stdout_bytes, "3 abc \"def\\n\"\n\"by name\"\n") << result.stderr_bytes;
}

TEST_F(ChildProcessTest, ForkExchangesMessagesOverItsChannel) {
  write("/workspace/worker.js", R"js(
console.log('worker args', process.argv.slice(2).join(','), process.connected, process.env.NODE_CHANNEL_FD);
process.on('message', (message) => {
  if (message.stop) {
    process.send({ bye: true }, () => process.disconnect());
    return;
  }
  process.send({ doubled: message.n * 2, text: `${message.text}!` });
});
)js");
  auto result = run_script("p", R"js(
const { fork } = require('child_process');
// Before the child exists, so the two processes' output cannot interleave.
try { fork('/workspace/worker.js', { serialization: 'advanced' }); } catch (e) { console.log(e.code); }
const child = fork('/workspace/worker.js', ['a', 'b']);
const seen = [];
child.on('message', (message) => {
  seen.push(JSON.stringify(message));
  if (message.doubled === 4) child.send({ stop: true });
});
child.on('disconnect', () => seen.push('disconnect'));
child.on('exit', (code) => setTimeout(() => console.log(seen.join(' '), 'exit', code, child.connected), 10));
child.send({ n: 1, text: 'héllo' });
child.send({ n: 2, text: 'two' });
)js");
  EXPECT_EQ(
      result.stdout_bytes,
      "ERR_NOT_IMPLEMENTED\nworker args a,b true undefined\n"
      "{\"doubled\":2,\"text\":\"héllo!\"} {\"doubled\":4,\"text\":\"two!\"} {\"bye\":true} disconnect exit 0 false\n")
      << result.stderr_bytes;
}

TEST_F(ChildProcessTest, AForkedChildWithoutListenersEndsByItself) {
  write("/workspace/quiet.js", "process.send('hello from quiet');\n");
  auto result = run_script("p", R"js(
const child = require('child_process').fork('/workspace/quiet.js', { silent: true });
child.on('message', (message) => console.log('message', message));
child.on('exit', (code) => console.log('exit', code));
)js");
  EXPECT_EQ(result.stdout_bytes, "message hello from quiet\nexit 0\n") << result.stderr_bytes;
}

}  // namespace
}  // namespace se::integration
