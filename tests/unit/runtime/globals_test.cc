// Guest globals: process identity, encoders, base64, structuredClone, performance, crypto.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace se::runtime::js::testing {
namespace {

TEST(Globals, ProcessIdentityComesFromTheOptions) {
  ProcessOptions options = file_options(R"(console.log(JSON.stringify([process.argv, process.argv0, process.execPath,
  process.cwd(), process.pid, process.ppid, process.platform, process.arch, process.version, process.env.GREETING,
  process.env.EMPTY, Object.keys(process.env).length, process.execArgv, process.title]));
console.log(process.versions.v8.startsWith('10.2.'), process.versions.node);)");
  options.argv = {"/usr/bin/node", "/workspace/main.js", "--flag", "x y"};
  options.env = {{"GREETING", "hello"}, {"EMPTY", ""}};
  options.cwd = "/home/user";
  options.pid = 42;
  options.ppid = 7;
  auto result = run(options);
  EXPECT_EQ(result.out,
            "[[\"/usr/bin/node\",\"/workspace/main.js\",\"--flag\",\"x y\"],\"node\",\"/usr/bin/node\","
            "\"/home/user\",42,7,\"linux\",\"x64\",\"v18.20.4\",\"hello\",\"\",2,[],\"node\"]\n"
            "true 18.20.4\n");
}

TEST(Globals, ProcessClocksAndMemory) {
  auto result = run_js(R"(const [s, ns] = process.hrtime();
const diff = process.hrtime([s, ns]);
const big = process.hrtime.bigint();
const usage = process.memoryUsage();
console.log(typeof s, ns < 1e9, diff[0] >= 0, typeof big, process.hrtime.bigint() >= big);
console.log(['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'].every((k) => usage[k] >= 0),
            usage.heapUsed <= usage.heapTotal, process.memoryUsage.rss() > 0);
console.log(process.uptime() >= 0 && process.uptime() < 10, typeof process.cpuUsage().user);
const t0 = performance.now(); const n0 = Date.now();
console.log(t0 >= 0 && t0 < 10000, Math.abs(performance.timeOrigin + t0 - n0) < 1000);)");
  EXPECT_EQ(result.out, "number true true bigint true\ntrue true true\ntrue number\ntrue true\n");
}

TEST(Globals, EmitWarningGoesToStderrOnce) {
  auto result = run_js(R"(process.on('warning', (w) => console.log('event', w.name, w.message));
process.emitWarning('careful');
process.emitWarning('old', 'DeprecationWarning', 'DEP0999');)");
  EXPECT_EQ(result.out, "event Warning careful\nevent DeprecationWarning old\n");
  EXPECT_EQ(result.err,
            "(node:1) Warning: careful\n(Use `node --trace-warnings ...` to show where the warning was created)\n"
            "(node:1) [DEP0999] DeprecationWarning: old\n");
}

TEST(Globals, TextEncoderAndDecoder) {
  auto result = run_js(R"(const enc = new TextEncoder();
console.log(Array.from(enc.encode('a€😀')), enc.encode('\ud800').join(','));
const target = new Uint8Array(4);
console.log(JSON.stringify(enc.encodeInto('a😀b', target)), Array.from(target));
const dec = new TextDecoder();
const bytes = enc.encode('x€y');
console.log(dec.decode(bytes.subarray(0, 2), { stream: true }) + '|' + dec.decode(bytes.subarray(2)));
console.log(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xff])));
try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xc3])); } catch (e) { console.log(e.name); }
console.log(new TextDecoder('utf-16le').decode(new Uint8Array([104, 0, 105, 0])),
            new TextDecoder('latin1').decode(new Uint8Array([233])), new TextDecoder().encoding);)");
  EXPECT_EQ(result.out,
            "[\n   97, 226, 130,\n  172, 240, 159,\n  152, 128\n] 239,191,189\n"
            "{\"read\":1,\"written\":1} [ 97, 0, 0, 0 ]\n"
            "x|€y\n"
            "A\xEF\xBF\xBD\n"
            "TypeError\n"
            "hi \xC3\xA9 utf-8\n");
}

TEST(Globals, Base64) {
  auto result = run_js(R"(console.log(btoa('hello'), atob('aGVsbG8='), atob(' aGVs bG8 '), btoa(''));
for (const bad of [() => btoa('€'), () => atob('a')]) {
  try { bad(); } catch (e) { console.log(e.name, e.code, e instanceof DOMException); }
})");
  EXPECT_EQ(result.out, "aGVsbG8= hello hello \nInvalidCharacterError 5 true\nInvalidCharacterError 5 true\n");
}

TEST(Globals, StructuredCloneCopiesDeeply) {
  auto result = run_js(R"(const original = { d: new Date(0), m: new Map([[1, { x: [1, 2] }]]), s: new Set(['a']),
  u: new Uint8Array([1, 2]), big: 10n, re: /a/g };
original.self = original;
const copy = structuredClone(original);
console.log(copy !== original, copy.self === copy, copy.d instanceof Date, copy.m.get(1).x[1], copy.s.has('a'),
            copy.u[1], copy.big, copy.re.source, copy.m.get(1) !== original.m.get(1));
try { structuredClone({ f() {} }); } catch (e) { console.log(e.name); }
try { structuredClone(); } catch (e) { console.log(e.code); })");
  EXPECT_EQ(result.out, "true true true 2 true 2 10n a true\nDataCloneError\nERR_MISSING_ARGS\n");
}

TEST(Globals, CryptoRandomness) {
  auto result = run_js(R"(const a = crypto.getRandomValues(new Uint8Array(32));
const b = crypto.getRandomValues(new Uint32Array(8));
console.log(a.some((x) => x !== 0), b.some((x) => x !== 0));
console.log(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));
try { crypto.getRandomValues(new Float64Array(1)); } catch (e) { console.log(e.name); }
try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { console.log(e.name); })");
  EXPECT_EQ(result.out, "true true\ntrue\nTypeError\nQuotaExceededError\n");
}

TEST(Globals, MathRandomDiffersBetweenProcesses) {
  auto first = run_js("console.log(Math.random())");
  auto second = run_js("console.log(Math.random())");
  EXPECT_NE(first.out, second.out);
}

TEST(Globals, BufferBasics) {
  auto result = run_js(R"(const b = Buffer.from('héllo');
console.log(b.length, b.toString(), b.toString('hex'), b.toString('base64'), Buffer.from('aGk=', 'base64').toString());
console.log(Buffer.concat([Buffer.from('a'), Buffer.from('b')]).toString(), Buffer.isBuffer(b), b instanceof Uint8Array,
            Buffer.alloc(3, 'ab').toString(), Buffer.byteLength('€'));)");
  EXPECT_EQ(result.out, "6 héllo 68c3a96c6c6f aMOpbGxv hi\nab true true aba 3\n");
}

TEST(Globals, GlobalNamesLikeNode) {
  auto result = run_js(R"(console.log(global === globalThis, typeof setTimeout, typeof structuredClone,
  typeof TextEncoder, typeof performance.now, typeof queueMicrotask, Object.keys(globalThis).includes('console'));)");
  EXPECT_EQ(result.out, "true function function function function function false\n");
}

}  // namespace
}  // namespace se::runtime::js::testing
