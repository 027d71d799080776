// Guests on a pseudo-terminal through the secure-exec.terminal.v1 extension
// (docs/terminal-extension.md): isTTY and the tty builtin, echo and canonical input, ^C / ^D,
// resize, raw mode, the maxPtys limit and the extension's rejections.
#include <gtest/gtest.h>

#include <string>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

class TerminalTest : public GuestVmTest {
 protected:
  // Writes `source` and starts it on a fresh 24x80 terminal as process `id`.
  void start_on_terminal(const std::string& id, const std::string& source) {
    write("/workspace/" + id + ".js", source);
    ASSERT_OK(client().open_terminal(vm_, id, 24, 80));
    ASSERT_OK(client().execute(vm_, entrypoint(id, "/workspace/" + id + ".js")));
  }

  // Output of `id` accumulated into seen_ until it contains `text`; false when it never does.
  bool wait_for(const std::string& id, const std::string& text) {
    while (seen_.find(text) == std::string::npos) {
      std::string chunk = next_output(id);
      if (chunk.empty()) return false;
      seen_ += chunk;
    }
    return true;
  }

  void type(const std::string& id, const std::string& keys) {
    auto written = client().write_stdin(vm_, id, wire::Bytes(keys.begin(), keys.end()));
    ASSERT_TRUE(written.has_value()) << written.error().to_string();
    EXPECT_EQ(written->accepted_bytes, keys.size());
  }

  // The rest of the process's output and its exit code.
  client::ProcessResult finish(const std::string& id) {
    auto result = client().wait_process(vm_, id, 30s);
    EXPECT_TRUE(result.has_value()) << result.error().to_string();
    if (!result) return {};
    seen_ += result->stdout_bytes;
    return *result;
  }

  std::string seen_;
};

constexpr const char* kDescribeStdio = R"JS(
const tty = require('tty');
const fs = require('fs');
console.log(JSON.stringify({
  stdin: process.stdin.isTTY, stdout: process.stdout.isTTY, stderr: process.stderr.isTTY,
  columns: process.stdout.columns ?? null, rows: process.stdout.rows ?? null,
  isatty: [tty.isatty(0), tty.isatty(1), tty.isatty(2)],
  rawMode: typeof process.stdin.setRawMode,
  fd1: fs.readlinkSync('/proc/self/fd/1'),
  self: fs.readlinkSync('/proc/self') === String(process.pid),
}));
try {
  console.log(new tty.WriteStream(1).isTTY, new tty.ReadStream(0).isTTY);
} catch (error) {
  console.log(error.code);
}
)JS";

TEST_F(TerminalTest, StdioAreTerminalsOnlyOnAPty) {
  start_on_terminal("t", kDescribeStdio);
  auto result = finish("t");
  EXPECT_EQ(result.exit_code, 0);
  // ONLCR: the terminal shows "\r\n" for the guest's "\n".
  EXPECT_EQ(seen_, R"({"stdin":true,"stdout":true,"stderr":true,"columns":80,"rows":24,"isatty":[true,true,true],)"
                   R"("rawMode":"function","fd1":"/dev/pts/0","self":true})"
                   "\r\ntrue true\r\n");

  write("/workspace/plain.js", kDescribeStdio);
  auto plain = run(entrypoint("plain", "/workspace/plain.js"));
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_TRUE(plain.stdout_bytes.starts_with(
      R"({"stdin":false,"stdout":false,"stderr":false,"columns":null,"rows":null,"isatty":[false,false,false],)"
      R"("rawMode":"undefined","fd1":"pipe:[)"))
      << plain.stdout_bytes;
  EXPECT_TRUE(plain.stdout_bytes.ends_with(R"(","self":true})"
                                           "\nERR_TTY_INIT_FAILED\n"))
      << plain.stdout_bytes;
}

TEST_F(TerminalTest, TypedLinesAreEchoedAndReadWhole) {
  start_on_terminal("echo", R"JS(
process.stdin.setEncoding('utf8');
process.stdin.on('data', (line) => {
  console.log('got ' + JSON.stringify(line));
  if (line.startsWith('bye')) process.exit(0);
});
console.log('ready');
)JS");
  ASSERT_TRUE(wait_for("echo", "ready\r\n"));
  type("echo", "hel");
  type("echo", "lo\x7f!\n");  // DEL erases the "o"
  ASSERT_TRUE(wait_for("echo", "got \"hell!\\n\"\r\n"));
  type("echo", "bye\n");
  EXPECT_EQ(finish("echo").exit_code, 0);
  EXPECT_EQ(seen_, "ready\r\nhello\b \b!\r\ngot \"hell!\\n\"\r\nbye\r\ngot \"bye\\n\"\r\n");
}

TEST_F(TerminalTest, ControlCInterruptsTheForegroundProcess) {
  start_on_terminal("handled", R"JS(
process.on('SIGINT', () => { console.log('caught SIGINT'); process.exit(7); });
setInterval(() => {}, 1000);
console.log('ready');
)JS");
  ASSERT_TRUE(wait_for("handled", "ready\r\n"));
  type("handled", "\x03");
  EXPECT_EQ(finish("handled").exit_code, 7);
  EXPECT_EQ(seen_, "ready\r\n^Ccaught SIGINT\r\n");

  seen_.clear();
  start_on_terminal("plain", "setInterval(() => {}, 1000); console.log('ready');");
  ASSERT_TRUE(wait_for("plain", "ready\r\n"));
  type("plain", "\x03");
  EXPECT_EQ(finish("plain").exit_code, 130);
}

TEST_F(TerminalTest, ControlDEndsALineReader) {
  start_on_terminal("reader", R"JS(
let lines = 0;
process.stdin.on('data', (chunk) => { lines += String(chunk).split('\n').length - 1; });
process.stdin.on('end', () => console.log(`end after ${lines} lines`));
)JS");
  type("reader", "one\ntwo\n");
  type("reader", "\x04");
  EXPECT_EQ(finish("reader").exit_code, 0);
  EXPECT_EQ(seen_, "one\r\ntwo\r\nend after 2 lines\r\n");
}

TEST_F(TerminalTest, CloseStdinEndsInputLikeControlD) {
  start_on_terminal("closer", "process.stdin.on('end', () => console.log('ended')); process.stdin.resume();");
  ASSERT_OK(client().close_stdin(vm_, "closer"));
  EXPECT_EQ(finish("closer").exit_code, 0);
  EXPECT_EQ(seen_, "ended\r\n");
}

TEST_F(TerminalTest, ResizeRaisesTheResizeEvent) {
  start_on_terminal("resize", R"JS(
process.stdout.on('resize', () => {
  console.log(`resized to ${process.stdout.columns}x${process.stdout.rows}`);
  process.exit(0);
});
setInterval(() => {}, 1000);
console.log('ready');
)JS");
  ASSERT_TRUE(wait_for("resize", "ready\r\n"));
  ASSERT_OK(client().resize_terminal(vm_, "resize", 40, 132));
  EXPECT_EQ(finish("resize").exit_code, 0);
  EXPECT_EQ(seen_, "ready\r\nresized to 132x40\r\n");
}

TEST_F(TerminalTest, RawModeStopsEchoAndLineBuffering) {
  start_on_terminal("raw", R"JS(
process.stdin.setRawMode(true);
process.stdin.on('data', (bytes) => {
  process.stdout.write(`[${[...bytes].join(',')}]`);
  if (bytes.includes(0x71)) { process.stdin.setRawMode(false); process.exit(0); }
});
process.stdout.write('ready');
)JS");
  ASSERT_TRUE(wait_for("raw", "ready"));
  type("raw", "ab");  // no newline: readable at once in raw mode
  ASSERT_TRUE(wait_for("raw", "[97,98]"));
  type("raw", "\x03q");  // ISIG is off too: ^C is a byte
  EXPECT_EQ(finish("raw").exit_code, 0);
  EXPECT_EQ(seen_, "ready[97,98][3,113]");
}

TEST_F(TerminalTest, MaxPtysRejectsAnotherTerminalAndTheVmKeepsWorking) {
  auto vm = ASSERT_OK(client().create_vm(
      wire::GuestRuntimeKind::JAVA_SCRIPT,
      R"({"permissions":{"fs":"allow","childProcess":"allow","env":"allow"},"limits":{"resources":{"maxPtys":1}}})"));
  ASSERT_OK(client().open_terminal(vm, "first", 24, 80));
  EXPECT_REJECTED(client().open_terminal(vm, "second", 24, 80), "kernel_error", "EAGAIN: maximum PTY count reached");
  write(vm, "/workspace/first.js", "console.log(process.stdout.isTTY)");
  ASSERT_OK(client().execute(vm, entrypoint("first", "/workspace/first.js")));
  auto first = ASSERT_OK(client().wait_process(vm, "first", 30s));
  EXPECT_EQ(first.stdout_bytes, "true\r\n");
  EXPECT_EQ(run(vm, node("after", {"-p", "process.stdout.isTTY"})).stdout_bytes, "false\n");
}

TEST_F(TerminalTest, BadRequestsAreRejectedWithClearCodes) {
  EXPECT_REJECTED(client().terminal_request(vm_, "{not json"), "invalid_payload",
                  "terminal request payload must be a JSON object");
  EXPECT_REJECTED(client().terminal_request(vm_, R"({"op":"close","processId":"p","rows":1,"cols":1})"),
                  "unknown_operation", "unknown terminal operation \"close\" (expected open or resize)");
  EXPECT_REJECTED(client().terminal_request(vm_, R"({"op":"open","processId":"p","rows":0,"cols":80})"),
                  "invalid_payload", "terminal request field \"rows\" must be an integer from 1 to 65535");
  EXPECT_REJECTED(client().resize_terminal(vm_, "nobody", 10, 10), "invalid_state",
                  "VM vm-1 has no active process nobody");
  wire::ExtEnvelope other;
  other.namespace_ = "acme.other";
  EXPECT_REJECTED(client().call(vm_.ownership(), other), "unknown_extension",
                  "no extension registered for namespace acme.other");
  // A running process without a terminal cannot get one afterwards.
  write("/workspace/idle.js", "setInterval(() => {}, 1000)");
  ASSERT_OK(client().execute(vm_, entrypoint("idle", "/workspace/idle.js")));
  EXPECT_REJECTED(client().open_terminal(vm_, "idle", 24, 80), "invalid_state",
                  "VM vm-1 already has an active process with id idle; open its terminal before Execute");
  EXPECT_REJECTED(client().resize_terminal(vm_, "idle", 24, 80), "invalid_state",
                  "process idle does not run on a terminal");
  ASSERT_OK(client().kill_process(vm_, "idle", "SIGKILL"));
  ASSERT_OK(client().wait_process(vm_, "idle", 30s));
}

}  // namespace
}  // namespace se::integration
