// The guest event loop: ordering of ticks, microtasks, immediates and timers; timer semantics
// (clear, ref/unref, refresh, intervals); errors inside callbacks.
#include <gtest/gtest.h>

#include <chrono>

#include "runtime_test_support.h"

namespace se::runtime::js::testing {
namespace {

TEST(EventLoop, MicrotasksBeforeImmediatesBeforeTimeouts) {
  auto result = run_js(R"(const log = (s) => process.stdout.write(s + ' ');
setTimeout(() => log('timeout'), 0);
setImmediate(() => log('immediate'));
Promise.resolve().then(() => log('promise'));
queueMicrotask(() => log('micro'));
process.nextTick(() => log('tick'));
log('sync');)");
  EXPECT_EQ(result.out, "sync tick promise micro immediate timeout ");
}

TEST(EventLoop, TicksAndMicrotasksRunBetweenCallbacks) {
  auto result = run_js(R"(const log = (s) => process.stdout.write(s + ' ');
setImmediate(() => { log('i1'); process.nextTick(() => log('t1')); Promise.resolve().then(() => log('p1')); });
setImmediate(() => log('i2'));
setTimeout(() => {
  log('a'); setImmediate(() => log('imm-from-timer')); setTimeout(() => log('timeout-from-timer'), 0);
}, 5);)");
  EXPECT_EQ(result.out, "i1 t1 p1 i2 a imm-from-timer timeout-from-timer ");
}

TEST(EventLoop, TimersFireInDeadlineThenInsertionOrder) {
  auto result = run_js(R"(const log = (s) => process.stdout.write(s + ' ');
setTimeout(() => log('20'), 20); setTimeout(() => log('10'), 10); setTimeout(() => log('0a'), 0);
setTimeout(() => log('0b'), 0); setTimeout(() => log('neg'), -5); setTimeout(() => log('nan'), 'x');)");
  EXPECT_EQ(result.out, "0a 0b neg nan 10 20 ");
}

TEST(EventLoop, TimeoutsWaitAtLeastTheirDelay) {
  auto result = run_js(R"(const start = performance.now();
setTimeout(() => console.log(performance.now() - start >= 30), 30);)");
  EXPECT_EQ(result.out, "true\n");
}

TEST(EventLoop, IntervalsRepeatUntilCleared) {
  auto result = run_js(R"(let n = 0;
const id = setInterval((a, b) => { console.log(++n, a, b); if (n === 3) clearInterval(id); }, 1, 'x', 'y');)");
  EXPECT_EQ(result.out, "1 x y\n2 x y\n3 x y\n");
}

TEST(EventLoop, ClearingTimersAndImmediates) {
  auto result = run_js(R"(const t = setTimeout(() => console.log('no timeout'), 1);
clearTimeout(t);
clearTimeout(+setTimeout(() => console.log('no numeric'), 1));
clearImmediate(setImmediate(() => console.log('no immediate')));
setTimeout(() => console.log('yes'), 2);
clearTimeout(undefined); clearInterval(null);)");
  EXPECT_EQ(result.out, "yes\n");
}

TEST(EventLoop, UnrefedTimersDoNotKeepTheProcessAlive) {
  auto started = std::chrono::steady_clock::now();
  auto result = run_js(R"(const t = setTimeout(() => console.log('never'), 10000);
t.unref();
console.log(t.hasRef());
setImmediate(() => console.log('imm')).unref();)");
  EXPECT_EQ(result.out, "false\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(EventLoop, UnrefedTimersStillFireWhileSomethingElseKeepsTheLoop) {
  auto result = run_js(R"(setTimeout(() => console.log('unrefed'), 5).unref();
setTimeout(() => console.log('refed'), 30);)");
  EXPECT_EQ(result.out, "unrefed\nrefed\n");
}

TEST(EventLoop, RefreshPushesTheDeadline) {
  auto result = run_js(R"(const start = performance.now();
const t = setTimeout(() => console.log(performance.now() - start >= 40), 30);
setTimeout(() => t.refresh(), 15);)");
  EXPECT_EQ(result.out, "true\n");
}

TEST(EventLoop, AsyncFunctionsAndAwaitedTimers) {
  auto result = run_js(R"(const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => { for (let i = 0; i < 3; i++) { await sleep(1); console.log('step', i); } })();)");
  EXPECT_EQ(result.out, "step 0\nstep 1\nstep 2\n");
}

TEST(EventLoop, ErrorsInCallbacksReachUncaughtExceptionListeners) {
  auto result = run_js(R"(let n = 0;
process.on('uncaughtException', (e) => console.log('caught', e.message));
const id = setInterval(() => { n++; if (n === 3) clearInterval(id); throw new Error('tick ' + n); }, 1);
queueMicrotask(() => { throw new Error('micro'); });
process.nextTick(() => { throw new Error('next'); });
setImmediate(() => { throw new Error('imm'); });
setImmediate(() => console.log('second immediate'));)");
  EXPECT_EQ(result.out,
            "caught next\ncaught micro\ncaught imm\nsecond immediate\ncaught tick 1\ncaught tick 2\ncaught tick 3\n");
  EXPECT_EQ(result.status.code, 0);
}

TEST(EventLoop, ErrorInAMicrotaskIsFatalWithoutListeners) {
  auto result =
      run_js("queueMicrotask(() => { throw new TypeError('in micro'); });\nsetTimeout(() => console.log('no'), 5);");
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.status.code, 1);
  EXPECT_NE(result.err.find("TypeError: in micro"), std::string::npos) << result.err;
}

TEST(EventLoop, CallbacksMustBeFunctions) {
  auto result = run_js(R"(for (const f of [setTimeout, setInterval, setImmediate, queueMicrotask, process.nextTick]) {
  try { f(1); } catch (e) { console.log(e.code, e.name); }
})");
  std::string line = "ERR_INVALID_ARG_TYPE TypeError\n";
  EXPECT_EQ(result.out, line + line + line + line + line);
}

}  // namespace
}  // namespace se::runtime::js::testing

namespace se::runtime::js::testing {
namespace {

// A module exporting add(a, b) = a + b.
constexpr char kAddModule[] =
    "new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,"
    "1,106,11])";

TEST(EventLoop, AsyncWebAssemblyCompilationKeepsTheLoopAlive) {
  auto result = run_js(std::string("const bytes = ") + kAddModule + R"(;
WebAssembly.instantiate(bytes).then(({ instance }) => console.log('instantiate', instance.exports.add(2, 3)));
WebAssembly.compile(bytes).then((module) => WebAssembly.instantiate(module))
  .then((instance) => console.log('compile', instance.exports.add(4, 5)));
(async () => {
  const { instance } = await WebAssembly.instantiate(bytes);
  console.log('await', instance.exports.add(1, 1));
})();)");
  EXPECT_EQ(result.status.code, 0) << result.err;
  EXPECT_NE(result.out.find("instantiate 5\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("compile 9\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("await 2\n"), std::string::npos) << result.out;
}

TEST(EventLoop, FailedWebAssemblyCompilationStillRejects) {
  auto handled = run_js("WebAssembly.compile(new Uint8Array([1, 2, 3])).catch((e) => console.log(e.name));");
  EXPECT_EQ(handled.out, "CompileError\n");
  auto unhandled = run_js("WebAssembly.instantiate(new Uint8Array([1, 2, 3]));");
  EXPECT_EQ(unhandled.status.kind, ExitKind::kUnhandledRejection);
  EXPECT_NE(unhandled.err.find("CompileError"), std::string::npos) << unhandled.err;
}

}  // namespace
}  // namespace se::runtime::js::testing
