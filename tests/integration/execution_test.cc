// Execute and the process lifecycle of JavaScript guests over the wire (spec/protocol.md
// s3.11-3.14), against the real sidecar binary.
#include <gtest/gtest.h>

#include <chrono>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;
using wire::GuestRuntimeKind;

class ExecutionTest : public GuestVmTest {
 protected:
  // Writes `source` to `path`; the Execute request that runs it as process `process_id`.
  wire::ExecuteRequest script(std::string process_id, const std::string& path, const std::string& source) {
    write(path, source);
    return entrypoint(std::move(process_id), path);
  }
};

TEST_F(ExecutionTest, ConsoleLogReachesStdoutAndExitsZero) {
  auto request = script("p1", "/workspace/hi.js", "console.log('hi')");
  auto started = ASSERT_OK(client().execute(vm_, request));
  EXPECT_EQ(started.process_id, "p1");
  EXPECT_EQ(started.pid, std::optional<uint32_t>(1));
  auto result = ASSERT_OK(client().wait_process(vm_, "p1", 10s));
  EXPECT_EQ(result.stdout_bytes, "hi\n");
  EXPECT_EQ(result.stderr_bytes, "");
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(ExecutionTest, StdoutStderrAndExitCodeAsInTheReferenceSession) {
  auto result = run(script("p1", "/w/hi.js", "console.log(\"hi\"); console.error(\"err\"); process.exit(3)"));
  EXPECT_EQ(result.stdout_bytes, "hi\n");
  EXPECT_EQ(result.stderr_bytes, "err\n");
  EXPECT_EQ(result.exit_code, 3);
}

TEST_F(ExecutionTest, ExitCodesOfEveryEnding) {
  EXPECT_EQ(run(script("a", "/w/a.js", "process.exitCode = 9")).exit_code, 9);
  auto thrown = run(script("b", "/w/b.js", "throw new Error('boom')"));
  EXPECT_EQ(thrown.exit_code, 1);
  EXPECT_NE(thrown.stderr_bytes.find("Error: boom"), std::string::npos) << thrown.stderr_bytes;
  EXPECT_EQ(run(script("c", "/w/c.js", "Promise.reject(new Error('async boom'))")).exit_code, 1);
  auto syntax = run(script("d", "/w/d.js", "this is not javascript"));
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_NE(syntax.stderr_bytes.find("SyntaxError"), std::string::npos) << syntax.stderr_bytes;
}

TEST_F(ExecutionTest, NodeEvalPrintAndArgv) {
  EXPECT_EQ(run(node("e", {"-e", "console.log(1 + 1)"})).stdout_bytes, "2\n");
  EXPECT_EQ(run(node("p", {"-p", "6 * 7"})).stdout_bytes, "42\n");
  ASSERT_OK(client().write_file(vm_, "/workspace/argv.js", "console.log(JSON.stringify(process.argv.slice(1)))"));
  EXPECT_EQ(run(node("f", {"argv.js", "a1", "a b"})).stdout_bytes, "[\"/workspace/argv.js\",\"a1\",\"a b\"]\n");
}

TEST_F(ExecutionTest, StdinIsDeliveredAndClosed) {
  auto request = script("s", "/w/echo.js", "process.stdin.on('data', d => process.stdout.write(d))");
  ASSERT_OK(client().execute(vm_, request));
  auto written = ASSERT_OK(client().write_stdin(vm_, "s", wire::Bytes{'p', 'i', 'n', 'g', '\n'}));
  EXPECT_EQ(written.accepted_bytes, 5u);
  ASSERT_OK(client().close_stdin(vm_, "s"));
  auto result = ASSERT_OK(client().wait_process(vm_, "s", 10s));
  EXPECT_EQ(result.stdout_bytes, "ping\n");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_REJECTED(client().write_stdin(vm_, "s", wire::Bytes{'x'}), "invalid_state", "VM vm-1 has no active process s");
}

TEST_F(ExecutionTest, KillStopsABusyLoopAndHandlersRun) {
  ASSERT_OK(client().execute(vm_, script("busy", "/w/busy.js", "for (;;) {}")));
  ASSERT_OK(client().kill_process(vm_, "busy", "SIGTERM"));
  EXPECT_EQ(ASSERT_OK(client().wait_process(vm_, "busy", 10s)).exit_code, 143);

  ASSERT_OK(client().execute(vm_, script("busy9", "/w/busy9.js", "for (;;) {}")));
  ASSERT_OK(client().kill_process(vm_, "busy9", "9"));
  EXPECT_EQ(ASSERT_OK(client().wait_process(vm_, "busy9", 10s)).exit_code, 137);

  ASSERT_OK(client().execute(vm_, script("h", "/w/h.js",
                                         "process.on('SIGTERM', () => { console.log('bye'); process.exit(42) });"
                                         "setInterval(() => {}, 1000); console.log('ready')")));
  // Signal only once the handler is registered.
  auto ready = client().connection().wait_event(
      [](const wire::EventFrame& event) { return std::holds_alternative<wire::ProcessOutputEvent>(event.payload); },
      10s);
  ASSERT_TRUE(ready.has_value());
  ASSERT_OK(client().kill_process(vm_, "h", "TERM"));
  auto handled = ASSERT_OK(client().wait_process(vm_, "h", 10s));
  EXPECT_EQ(handled.stdout_bytes, "bye\n");
  EXPECT_EQ(handled.exit_code, 42);
}

TEST_F(ExecutionTest, RejectionsNameTheProblem) {
  wire::ExecuteRequest nothing;
  nothing.process_id = "x";
  EXPECT_REJECTED(client().execute(vm_, nothing), "invalid_state", "execute requires either command or runtime");
  wire::ExecuteRequest missing;
  missing.process_id = "x";
  missing.runtime = GuestRuntimeKind::JAVA_SCRIPT;
  missing.entrypoint = "/tmp/nope.js";
  EXPECT_REJECTED(client().execute(vm_, missing), "kernel_error", "ENOENT: no such file: /tmp/nope.js");
  EXPECT_REJECTED(client().kill_process(vm_, "x", "BOGUS"), "invalid_state", "unsupported kill_process signal BOGUS");
  EXPECT_REJECTED(client().kill_process(vm_, "k1", "SIGTERM"), "invalid_state", "VM vm-1 has no active process k1");

  ASSERT_OK(client().execute(vm_, script("dup", "/w/wait.js", "setInterval(() => {}, 1000)")));
  EXPECT_REJECTED(client().execute(vm_, script("dup", "/w/wait.js", "setInterval(() => {}, 1000)")), "invalid_state",
                  "VM vm-1 already has an active process with id dup");
  ASSERT_OK(client().kill_process(vm_, "dup", "SIGKILL"));
  EXPECT_EQ(ASSERT_OK(client().wait_process(vm_, "dup", 10s)).exit_code, 137);
  // An id may be reused once its process exited.
  EXPECT_EQ(run(script("dup", "/w/ok.js", "console.log('again')")).stdout_bytes, "again\n");
}

TEST_F(ExecutionTest, OneLargeWriteIsSplitIntoEventsOfAtMostTheEventPayloadLimit) {
  auto vm = ASSERT_OK(client().create_vm(
      GuestRuntimeKind::JAVA_SCRIPT,
      R"({"permissions":{"fs":"allow","childProcess":"allow"},"limits":{"jsRuntime":{"eventPayloadLimitBytes":1000}}})"));
  ASSERT_OK(client().write_file(vm, "/w/big.js", "process.stdout.write('a'.repeat(2500)); console.log('!')"));
  wire::ExecuteRequest request;
  request.process_id = "big";
  request.runtime = GuestRuntimeKind::JAVA_SCRIPT;
  request.entrypoint = "/w/big.js";
  ASSERT_OK(client().execute(vm, request));
  std::vector<size_t> sizes;
  std::string output;
  for (;;) {
    auto event = client().connection().wait_event(
        [&](const wire::EventFrame& frame) {
          return client::event_is_for_vm(frame, vm.vm_id) &&
                 (std::holds_alternative<wire::ProcessOutputEvent>(frame.payload) ||
                  std::holds_alternative<wire::ProcessExitedEvent>(frame.payload));
        },
        10s);
    ASSERT_TRUE(event.has_value());
    auto* chunk = std::get_if<wire::ProcessOutputEvent>(&event->payload);
    if (chunk == nullptr) break;
    sizes.push_back(chunk->chunk.size());
    output.append(chunk->chunk.begin(), chunk->chunk.end());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{1000, 1000, 500, 2}));
  EXPECT_EQ(output, std::string(2500, 'a') + "!\n");
}

TEST_F(ExecutionTest, ChildProcessPolicyDeniesExecute) {
  auto vm = ASSERT_OK(
      client().create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"permissions":{"fs":"allow","childProcess":"deny"}})"));
  ASSERT_OK(client().write_file(vm, "/w/a.js", "console.log(1)"));
  wire::ExecuteRequest request;
  request.process_id = "a";
  request.runtime = GuestRuntimeKind::JAVA_SCRIPT;
  request.entrypoint = "/w/a.js";
  EXPECT_REJECTED(client().execute(vm, request), "kernel_error",
                  "EACCES: permission denied, spawn 'node': blocked by child_process.spawn policy");
}

TEST_F(ExecutionTest, SnapshotListsRunningAndExitedProcesses) {
  run(script("done", "/w/done.js", "process.exit(5)"));
  ASSERT_OK(client().execute(vm_, script("live", "/w/live.js", "setInterval(() => {}, 1000)")));
  auto snapshot = ASSERT_OK(client().get_process_snapshot(vm_));
  ASSERT_EQ(snapshot.processes.size(), 2u);
  EXPECT_EQ(snapshot.processes[0].process_id, "done");
  EXPECT_EQ(snapshot.processes[0].status, wire::ProcessSnapshotStatus::EXITED);
  EXPECT_EQ(snapshot.processes[0].exit_code, std::optional<int32_t>(5));
  EXPECT_EQ(snapshot.processes[1].process_id, "live");
  EXPECT_EQ(snapshot.processes[1].pid, 2u);
  EXPECT_EQ(snapshot.processes[1].status, wire::ProcessSnapshotStatus::RUNNING);
  EXPECT_EQ(snapshot.processes[1].cwd, "/workspace");
  EXPECT_EQ(snapshot.processes[1].driver, "secure-exec-sidecar-execution");
}

TEST_F(ExecutionTest, DisposeEndsRunningProcessesBetweenDisposingAndDisposed) {
  ASSERT_OK(client().execute(vm_, script("live", "/w/live.js", "setInterval(() => {}, 1000)")));
  ASSERT_OK(client().dispose_vm(vm_));
  EXPECT_EQ(vm_.lifecycle.back(), wire::VmLifecycleState::DISPOSED);
  auto result = ASSERT_OK(client().wait_process(vm_, "live", 5s));
  EXPECT_EQ(result.exit_code, 143);
}

}  // namespace
}  // namespace se::integration
