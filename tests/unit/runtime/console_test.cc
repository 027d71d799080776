// console and util.format/inspect output, checked against what Node prints for the same calls.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace se::runtime::js::testing {
namespace {

TEST(Console, FormatSpecifiers) {
  auto result = run_js(R"(console.log('%s|%d|%i|%f|%j|%o|%O|%%|%c.', 'a', 42.5, 42.5, '1.5', {a:1}, [1], {b:2}, 'css');
console.log('%s', {a: {b: 1}}, '%s', 5);
console.log('%d items', '0x10', 'extra');)");
  EXPECT_EQ(result.out,
            "a|42.5|42|1.5|{\"a\":1}|[ 1, [length]: 1 ]|{ b: 2 }|%|.\n"
            "{ a: [Object] } %s 5\n"
            "16 items extra\n");
  EXPECT_EQ(result.status.code, 0);
}

TEST(Console, PrimitivesAndCollections) {
  auto result = run_js(R"(console.log('a', 1, true, null, undefined, 2n, Symbol('s'), [1, 'x'], {k: 'v'});
class Point { constructor() { this.x = 1; this.y = 2; } }
const c = {name: 'loop'}; c.self = c;
console.log(new Point(), c, new Map([['k', {v: 1}]]), new Set(['a']), Object.create(null));
console.log([undefined, null, -0, NaN, 'it\'s', "q\"", '\n'], new Uint8Array([1, 2]), [ , 1]);
console.log({ 'key with space': 1, valid_id: 2, 3: 'num' });)");
  EXPECT_EQ(result.out,
            "a 1 true null undefined 2n Symbol(s) [ 1, 'x' ] { k: 'v' }\n"
            "Point { x: 1, y: 2 } <ref *1> { name: 'loop', self: [Circular *1] } Map(1) { 'k' => { v: 1 } } "
            "Set(1) { 'a' } [Object: null prototype] {}\n"
            "[ undefined, null, -0, NaN, \"it's\", 'q\"', '\\n' ] Uint8Array(2) [ 1, 2 ] [ <1 empty item>, 1 ]\n"
            "{ '3': 'num', 'key with space': 1, valid_id: 2 }\n");
}

TEST(Console, BreaksLongOutputLikeNode) {
  auto result = run_js(R"(console.log({a: {b: {c: {d: 1}}}, arr: Array.from({length: 8}, (_, i) => i * 100)});
console.log({ e: 1, f() {}, g: () => {}, h: class K {}, d: new Date(0), r: /x/gi });
console.log(['a'.repeat(20), 'b'.repeat(20), 'c'.repeat(20), 'd'.repeat(20)]);
console.log(Array.from({length: 120}, (_, i) => i % 3));)");
  EXPECT_EQ(result.out,
            "{\n  a: { b: { c: [Object] } },\n  arr: [\n      0, 100, 200, 300,\n    400, 500, 600, 700\n  ]\n}\n"
            "{\n  e: 1,\n  f: [Function: f],\n  g: [Function: g],\n  h: [class K],\n"
            "  d: 1970-01-01T00:00:00.000Z,\n  r: /x/gi\n}\n"
            "[\n  'aaaaaaaaaaaaaaaaaaaa',\n  'bbbbbbbbbbbbbbbbbbbb',\n  'cccccccccccccccccccc',\n"
            "  'dddddddddddddddddddd'\n]\n"
            "[\n"
            "  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n"
            "  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n"
            "  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n"
            "  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n  0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,\n"
            "  0, 1, 2, 0,\n  ... 20 more items\n]\n");
}

TEST(Console, PromisesShowTheirState) {
  auto result = run_js(R"(const rejected = Promise.reject(new RangeError('no'));
rejected.catch(() => {});
console.log(Promise.resolve(4), new Promise(() => {}), rejected);)");
  EXPECT_TRUE(result.out.starts_with("Promise { 4 } Promise { <pending> } Promise {\n  <rejected> RangeError: no\n"))
      << result.out;
}

TEST(Console, ErrorsPrintTheirStackAndExtraProperties) {
  auto result = run_js(R"(const e = new Error('bad'); e.code = 'E_BAD';
console.log(e);)");
  EXPECT_TRUE(result.out.starts_with("Error: bad\n    at ")) << result.out;
  EXPECT_TRUE(result.out.ends_with(" {\n  code: 'E_BAD'\n}\n")) << result.out;
}

TEST(Console, StreamsAndHelpers) {
  auto result = run_js(R"(console.error('e1'); console.warn('w1'); console.info('i1'); console.debug('d1');
console.group('G'); console.log('in\nner'); console.groupEnd(); console.log('out');
console.count(); console.count(); console.count('a');
console.assert(true, 'never'); console.assert(false, 'bad %s', 'x'); console.assert(false);
console.trace('tr', 1);
console.dir({ a: { b: { c: {} } } }, { depth: 0 });)");
  EXPECT_EQ(result.out, "i1\nd1\nG\n  in\n  ner\nout\ndefault: 1\ndefault: 2\na: 1\n{ a: [Object] }\n");
  EXPECT_TRUE(result.err.starts_with("e1\nw1\nAssertion failed: bad x\nAssertion failed\nTrace: tr 1\n    at "))
      << result.err;
}

TEST(Console, TimeReportsMilliseconds) {
  auto result = run_js("console.time('t'); console.timeEnd('t');");
  EXPECT_TRUE(result.out.starts_with("t: ")) << result.out;
  EXPECT_TRUE(result.out.ends_with("ms\n")) << result.out;
}

TEST(Console, TableMatchesNode) {
  auto result = run_js("console.table([{a: 1, b: 'Y'}, {a: 'Z', b: 2}]); console.table(['x', 'y']);");
  EXPECT_EQ(result.out,
            "┌─────────┬─────┬─────┐\n"
            "│ (index) │ a   │ b   │\n"
            "├─────────┼─────┼─────┤\n"
            "│ 0       │ 1   │ 'Y' │\n"
            "│ 1       │ 'Z' │ 2   │\n"
            "└─────────┴─────┴─────┘\n"
            "┌─────────┬────────┐\n"
            "│ (index) │ Values │\n"
            "├─────────┼────────┤\n"
            "│ 0       │ 'x'    │\n"
            "│ 1       │ 'y'    │\n"
            "└─────────┴────────┘\n");
}

TEST(Console, StdoutWriteTakesBytesAndCallsBack) {
  auto result = run_js(R"(process.stdout.write('a');
process.stdout.write(new Uint8Array([98, 10]), () => process.stdout.write('done\n'));
process.stderr.write('to err\n');
console.log(Buffer.from('hi'));)");
  EXPECT_EQ(result.out, "ab\n<Buffer 68 69>\ndone\n");
  EXPECT_EQ(result.err, "to err\n");
}

TEST(Console, ReplacedStdoutWriteSeesConsoleOutput) {
  auto result = run_js(R"(const original = process.stdout.write;
const seen = [];
process.stdout.write = (chunk) => { seen.push(chunk); return true; };
console.log('captured');
process.stdout.write = original;
console.log(JSON.stringify(seen));)");
  EXPECT_EQ(result.out, "[\"captured\\n\"]\n");
}

}  // namespace
}  // namespace se::runtime::js::testing
