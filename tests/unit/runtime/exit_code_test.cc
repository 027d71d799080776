// Exit codes and fatal-error output: process.exit, exitCode, uncaught exceptions, unhandled
// rejections, syntax errors, the end of the event loop, and how the entry is loaded.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace se::runtime::js::testing {
namespace {

TEST(ExitCode, NormalEndOfTheLoopIsZero) {
  auto result = run_js("console.log('hi')");
  EXPECT_EQ(result.out, "hi\n");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.status.code, 0);
  EXPECT_EQ(result.status.kind, ExitKind::kExited);
}

TEST(ExitCode, ProcessExitAndExitCode) {
  EXPECT_EQ(run_js("process.exit(3)").status.code, 3);
  EXPECT_EQ(run_js("process.exitCode = 4").status.code, 4);
  EXPECT_EQ(run_js("process.exitCode = '5'; process.exit()").status.code, 5);
  EXPECT_EQ(run_js("process.exit(256 + 7)").status.code, 7);
}

TEST(ExitCode, ExitStopsTheProgramAtOnce) {
  auto result = run_js("process.exit(2); console.log('after')");
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.status.code, 2);
}

TEST(ExitCode, ExitInsideATimer) {
  auto result = run_js(R"(setTimeout(() => { console.log('t'); process.exit(5); console.log('no'); }, 1);
setTimeout(() => console.log('never'), 50);)");
  EXPECT_EQ(result.out, "t\n");
  EXPECT_EQ(result.status.code, 5);
}

TEST(ExitCode, ExitBypassesCatchAndFinally) {
  auto sync = run_js("try { process.exit(7) } catch (e) { console.log('caught') } finally { console.log('finally') }");
  EXPECT_EQ(sync.out, "");
  EXPECT_EQ(sync.status.code, 7);
  auto async = run_js(R"((async () => {
  try { await null; process.exit(8); } catch { console.log('caught'); }
})().catch(() => console.log('rejected'));)");
  EXPECT_EQ(async.out, "");
  EXPECT_EQ(async.status.code, 8);
}

TEST(ExitCode, ExitListenersSeeTheCodeAndMayChangeIt) {
  auto result = run_js(R"(process.on('exit', (code) => { console.log('exit', code); process.exitCode = 9; });
process.exitCode = 6;)");
  EXPECT_EQ(result.out, "exit 6\n");
  EXPECT_EQ(result.status.code, 9);
}

TEST(ExitCode, InvalidExitCodeThrows) {
  auto result = run_js("try { process.exitCode = 'x' } catch (e) { console.log(e.code) }");
  EXPECT_EQ(result.out, "ERR_INVALID_ARG_TYPE\n");
}

TEST(ExitCode, BeforeExitCanScheduleMoreWork) {
  auto result = run_js(R"(let n = 0;
process.on('beforeExit', (code) => { if (n++ < 2) setTimeout(() => console.log('more', n, code), 1); });
process.on('exit', () => console.log('exit'));)");
  EXPECT_EQ(result.out, "more 1 0\nmore 2 0\nexit\n");
  EXPECT_EQ(result.status.code, 0);
}

TEST(ExitCode, UncaughtExceptionPrintsLikeNode) {
  auto result = run_js("console.log('a');\nthrow new Error(\"boom\");\n");
  EXPECT_EQ(result.out, "a\n");
  EXPECT_EQ(result.status.code, 1);
  EXPECT_EQ(result.status.kind, ExitKind::kUncaughtException);
  EXPECT_TRUE(
      result.err.starts_with("/workspace/main.js:2\nthrow new Error(\"boom\");\n^\n\nError: boom\n"
                             "    at Object.<anonymous> (/workspace/main.js:2:7)\n"))
      << result.err;
  EXPECT_TRUE(result.err.ends_with("\n\nNode.js v18.20.4\n")) << result.err;
}

TEST(ExitCode, UncaughtExceptionInATimerPointsAtTheLine) {
  auto result = run_js("function f() { null.x; }\nsetTimeout(f, 1);\n");
  EXPECT_EQ(result.status.code, 1);
  EXPECT_TRUE(
      result.err.starts_with("/workspace/main.js:1\nfunction f() { null.x; }\n                    ^\n\n"
                             "TypeError: Cannot read properties of null (reading 'x')\n"))
      << result.err;
}

TEST(ExitCode, ThrownPrimitivesAndObjects) {
  auto primitive = run_js("throw 1;\n");
  EXPECT_EQ(primitive.status.code, 1);
  EXPECT_EQ(primitive.err,
            "\n/workspace/main.js:1\nthrow 1;\n^\n1\n(Use `node --trace-uncaught ...` to show where the exception was "
            "thrown)\n\nNode.js v18.20.4\n");
  auto object = run_js("throw {a:1};\n");
  EXPECT_EQ(object.err, "/workspace/main.js:1\nthrow {a:1};\n^\n{ a: 1 }\n\nNode.js v18.20.4\n");
}

TEST(ExitCode, UncaughtExceptionListenerKeepsTheProcessAlive) {
  auto result = run_js(R"(process.on('uncaughtException', (e, origin) => console.log('caught', e.message, origin));
setTimeout(() => console.log('after'), 1);
throw new Error('x');)");
  EXPECT_EQ(result.out, "caught x uncaughtException\nafter\n");
  EXPECT_EQ(result.status.code, 0);
}

TEST(ExitCode, ThrowingUncaughtExceptionListenerExitsWith7) {
  auto result = run_js(R"(process.on('uncaughtException', () => { throw new Error('again'); });
throw new Error('first');)");
  EXPECT_EQ(result.status.code, 7);
  EXPECT_NE(result.err.find("Error: again"), std::string::npos) << result.err;
}

TEST(ExitCode, UnhandledRejectionOfAnError) {
  auto result = run_js("Promise.reject(new Error(\"rej\"));\n");
  EXPECT_EQ(result.status.code, 1);
  EXPECT_EQ(result.status.kind, ExitKind::kUnhandledRejection);
  EXPECT_TRUE(
      result.err.starts_with("/workspace/main.js:1\nPromise.reject(new Error(\"rej\"));\n"
                             "               ^\n\nError: rej\n"))
      << result.err;
}

TEST(ExitCode, UnhandledRejectionOfAValue) {
  auto result = run_js("Promise.reject(42);");
  EXPECT_EQ(result.status.code, 1);
  EXPECT_NE(result.err.find("UnhandledPromiseRejection: This error originated either by throwing inside of an async "
                            "function without a catch block, or by rejecting a promise which was not handled with "
                            ".catch(). The promise rejected with the reason \"42\"."),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("code: 'ERR_UNHANDLED_REJECTION'"), std::string::npos) << result.err;
}

TEST(ExitCode, RejectionsHandledInTimeAreNotReported) {
  auto result = run_js(R"(const p = Promise.reject(new Error('late'));
p.catch((e) => console.log('handled', e.message));
(async () => { throw new Error('async'); })().catch((e) => console.log('handled', e.message));)");
  EXPECT_EQ(result.out, "handled late\nhandled async\n");
  EXPECT_EQ(result.status.code, 0);
}

TEST(ExitCode, UnhandledRejectionListener) {
  auto result = run_js(R"(process.on('unhandledRejection', (reason, promise) => {
  console.log('unhandled', reason, promise instanceof Promise);
});
Promise.reject(5);)");
  EXPECT_EQ(result.out, "unhandled 5 true\n");
  EXPECT_EQ(result.status.code, 0);
}

TEST(ExitCode, SyntaxErrorExitsWithOne) {
  auto result = run_js("let x = ;\n");
  EXPECT_EQ(result.status.code, 1);
  EXPECT_TRUE(result.err.starts_with("/workspace/main.js:1\nlet x = ;\n        ^\n\nSyntaxError: Unexpected token ';'"))
      << result.err;
}

TEST(ExitCode, EvalAndPrintModes) {
  ProcessOptions eval = file_options("var g = 1 + 1; console.log(g, typeof module)");
  eval.entry = EntryKind::kEval;
  EXPECT_EQ(run(eval).out, "2 object\n");

  ProcessOptions print = file_options("setTimeout(() => console.log('first'), 1); [1 + 2, 'x']");
  print.entry = EntryKind::kPrint;
  EXPECT_EQ(run(print).out, "[ 3, 'x' ]\nfirst\n");

  ProcessOptions syntax = file_options("(");
  syntax.entry = EntryKind::kEval;
  auto failed = run(syntax);
  EXPECT_EQ(failed.status.code, 1);
  EXPECT_TRUE(failed.err.starts_with("[eval]:1\n")) << failed.err;
}

TEST(ExitCode, EntryIsReadThroughTheHostWithItsShebangRemoved) {
  auto host = std::make_shared<RecordingHost>();
  host->add_file("/workspace/tool.js",
                 "#!/usr/bin/env node\nconsole.log(__filename, __dirname, this === module.exports)");
  ProcessOptions options;
  options.filename = "/workspace/tool.js";
  options.argv = {"/usr/bin/node", "/workspace/tool.js"};
  auto process = start(options, host);
  EXPECT_EQ(process->wait().code, 0);
  EXPECT_EQ(host->out(), "/workspace/tool.js /workspace true\n");
}

TEST(ExitCode, MissingEntryFails) {
  ProcessOptions options;
  options.filename = "/workspace/missing.js";
  auto result = run(options);
  EXPECT_EQ(result.status.code, 1);
  EXPECT_EQ(result.status.kind, ExitKind::kStartFailed);
  EXPECT_NE(result.err.find("Cannot find module '/workspace/missing.js'"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace se::runtime::js::testing
