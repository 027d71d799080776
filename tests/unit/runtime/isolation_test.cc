// A guest cannot reach the bootstrap's native bindings or any host API, and a hostile guest
// (heap bomb, ArrayBuffer bomb, deep recursion) ends only itself.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace se::runtime::js::testing {
namespace {

TEST(Isolation, NativeBindingsAreNotReachable) {
  auto result = run_js(R"(const names = Object.getOwnPropertyNames(globalThis);
console.log(typeof globalThis.__native, typeof native, typeof internal, names.includes('native'),
            names.includes('internal'), Function('return typeof native + typeof internal')(),
            (function () {}).constructor('return this')() === globalThis, names.filter((n) => n.startsWith('_')));
for (const call of [() => process.binding('fs'), () => process._linkedBinding('x'), () => process.dlopen({}, 'x')]) {
  try { call(); } catch (e) { console.log(e.code); }
}
try { require('fs').watch('/'); } catch (e) { console.log(e.code); })");
  EXPECT_EQ(result.out,
            "undefined undefined undefined false false undefinedundefined true []\n"
            "ERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nERR_NOT_IMPLEMENTED\n");
}

TEST(Isolation, StackFramesDoNotExposeBootstrapFunctions) {
  auto result = run_js(R"(const leaked = [];
Error.prepareStackTrace = (error, frames) => {
  for (const frame of frames) {
    if (!String(frame.getFileName()).startsWith('se:guest/')) continue;
    frames.seen = true;
    if (frame.getFunction() !== undefined) leaked.push('function in ' + frame.getFileName());
    if (frame.getThis() !== undefined) leaked.push('receiver in ' + frame.getFileName());
  }
  if (frames.seen) leaked.bootstrapFrames = (leaked.bootstrapFrames ?? 0) + 1;
  return '';
};
function probe() { return new Error('probe').stack; }
setTimeout(probe, 1);
setImmediate(probe);
process.nextTick(probe);
queueMicrotask(probe);
process.on('exit', () => {
  probe();
  Error.prepareStackTrace = undefined;
  console.log(JSON.stringify(leaked), leaked.bootstrapFrames >= 4);
});)");
  EXPECT_EQ(result.out, "[] true\n");
}

TEST(Isolation, SloppyCallbacksCannotSeeTheirCallers) {
  auto result = run_js(R"(const callers = [];
function sloppy() { callers.push(sloppy.caller === null || sloppy.caller === undefined); }
setTimeout(sloppy, 1);
setImmediate(sloppy);
process.nextTick(sloppy);
process.on('exit', sloppy);
process.on('exit', () => console.log(callers.join(',')));)");
  EXPECT_EQ(result.out, "true,true,true,true\n");
}

TEST(Isolation, PrototypeTrapsSeeNothingInternal) {
  auto result = run_js(R"(const seen = [];
for (const name of ['host', 'native', 'internal', 'write', 'exit', 'drain', 'tick', 'callback', 'args', 'timer']) {
  Object.defineProperty(Object.prototype, name, {
    configurable: true,
    get() { seen.push('get ' + name); return undefined; },
    set(v) { seen.push('set ' + name); },
  });
}
setTimeout(() => {}, 1);
setImmediate(() => {});
process.nextTick(() => {});
queueMicrotask(() => {});
console.log('x');
process.on('exit', () => { process.stdout.write(JSON.stringify(seen) + '\n'); });)");
  EXPECT_EQ(result.out, "x\n[]\n");
}

TEST(Isolation, HeapBombEndsOnlyThatProcess) {
  ProcessOptions options = file_options(R"(const hoard = [];
console.log('start');
for (;;) hoard.push(new Array(100000).fill({ some: 'object' }));)");
  options.heap_limit_mib = 32;
  auto result = run(options);
  EXPECT_EQ(result.out, "start\n");
  EXPECT_NE(result.status.code, 0);
  EXPECT_EQ(result.status.kind, ExitKind::kHeapLimit);
  EXPECT_NE(result.err.find("JavaScript heap out of memory"), std::string::npos) << result.err;

  ProcessOptions next = file_options("console.log('still fine')");
  next.heap_limit_mib = 32;
  EXPECT_EQ(run(next).out, "still fine\n");
}

TEST(Isolation, StringBombEndsOnlyThatProcess) {
  ProcessOptions options = file_options(R"(let s = 'x'.repeat(1 << 20); const parts = [];
for (;;) parts.push(s + parts.length);)");
  options.heap_limit_mib = 32;
  auto result = run(options);
  EXPECT_EQ(result.status.kind, ExitKind::kHeapLimit);
}

TEST(Isolation, ArrayBuffersCountAgainstTheLimit) {
  ProcessOptions options = file_options(R"(const kept = [];
try { for (;;) kept.push(new ArrayBuffer(1 << 20)); } catch (e) { console.log(e.name, kept.length < 64); })");
  options.heap_limit_mib = 32;
  auto result = run(options);
  EXPECT_EQ(result.out, "RangeError true\n");
  EXPECT_EQ(result.status.code, 0);
}

TEST(Isolation, DeepRecursionIsACatchableRangeError) {
  auto result = run_js("function f() { return f() + 1; }\ntry { f() } catch (e) { console.log(e.name, e.message) }");
  EXPECT_EQ(result.out, "RangeError Maximum call stack size exceeded\n");
}

}  // namespace
}  // namespace se::runtime::js::testing
