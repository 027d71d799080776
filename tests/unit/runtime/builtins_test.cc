// The builtin modules a guest reaches with require(): the npm polyfills bundled into the snapshot
// (path, util, events, buffer, string_decoder, assert, url, querystring, stream, timers), crypto
// on OpenSSL, os, and the web globals. Expected output is what Node prints for the same program
// unless a test says otherwise.
#include <gtest/gtest.h>

#include "runtime_test_support.h"

namespace se::runtime::js::testing {
namespace {

TEST(Crypto, HashesHmacsRandomAndErrors) {
  auto result = run_js(R"JS(const crypto = require('crypto');
console.log(crypto.createHash('sha256').update('abc').digest('hex'));
console.log(crypto.createHash('md5').update('').digest('hex'));
console.log(crypto.createHash('SHA1').update('ab').update(Buffer.from('c')).digest('base64'));
console.log(crypto.createHash('sha512').update('616263', 'hex').digest('hex').slice(0, 32));
const h = crypto.createHash('sha256').update('a'); const c = h.copy(); c.update('bc');
console.log(h.digest('hex').slice(0, 16), c.digest('hex').slice(0, 16));
try { h.update('x'); } catch (e) { console.log(e.code, e.message); }
console.log(crypto.createHmac('sha256', Buffer.alloc(20, 0x0b)).update('Hi There').digest('hex'));
console.log(crypto.createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex'));
console.log(crypto.createHmac('sha1', '').update('').digest('hex'));
try { crypto.createHash('nope'); } catch (e) { console.log(e.message); }
try { crypto.createHmac('nope', 'k'); } catch (e) { console.log(e.code, e.message); }
const r1 = crypto.randomBytes(16), r2 = crypto.randomBytes(16);
console.log(r1.length, Buffer.isBuffer(r1), r1.equals(r2));
crypto.randomBytes(8, (err, b) => console.log('async', err, b.length));
try { crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')); } catch (e) { console.log(e.code, e.message); }
console.log(crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')), crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ac')));
try { crypto.randomBytes(-1); } catch (e) { console.log(e.code); }
const n = crypto.randomInt(10); console.log(n >= 0 && n < 10, /^[0-9a-f-]{36}$/.test(crypto.randomUUID()));
console.log(crypto.getHashes().includes('sha256'), crypto.randomFillSync(new Uint8Array(4)).length);)JS");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
            "d41d8cd98f00b204e9800998ecf8427e\n"
            "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=\n"
            "ddaf35a193617abacc417349ae204131\n"
            "ca978112ca1bbdca ba7816bf8f01cfea\n"
            "ERR_CRYPTO_HASH_FINALIZED Digest already called\n"
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7\n"
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\n"
            "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d\n"
            "Digest method not supported\n"
            "ERR_CRYPTO_INVALID_DIGEST Invalid digest: nope\n"
            "16 true false\n"
            "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH Input buffers must have the same byte length\n"
            "true false\n"
            "ERR_OUT_OF_RANGE\n"
            "true true\n"
            "true 4\n"
            "async null 8\n");
}

TEST(Builtins, PathUtilEvents) {
  auto result = run_js(R"JS(const path = require('path');
console.log(path.join('/a/b', '../c', './d'), path.resolve('/x', 'y', '..', 'z'), path.relative('/a/b/c', '/a/d'),
            path.basename('/p/q.txt', '.txt'), path.extname('f.tar.gz'), path.posix === path, require('path/posix').sep);
const util = require('util');
console.log(util.format('%s=%d %j', 'x', 42, { a: 1 }), util.inspect({ a: [1, { b: new Map([[1, 2]]) }] }));
console.log(util.types.isPromise(Promise.resolve()), util.types.isRegExp(/x/), util.isDeepStrictEqual({ a: [1] }, { a: [1] }),
            util.isDeepStrictEqual([1], ['1']));
const sleep = util.promisify((ms, cb) => setTimeout(() => cb(null, ms * 2), ms));
sleep(1).then((v) => console.log('promisified', v));
util.callbackify(async () => 'cb')((err, v) => console.log('callbackified', err, v));
function Base() {} function Derived() { Base.call(this); } util.inherits(Derived, Base);
console.log(new Derived() instanceof Base, Derived.super_ === Base);
const EventEmitter = require('events');
const e = new EventEmitter();
e.once('x', (v) => console.log('once', v)); e.emit('x', 1); e.emit('x', 2);
try { e.emit('error', new Error('boom')); } catch (err) { console.log('thrown', err.message); }
try { e.emit('error', 'str'); } catch (err) { console.log(err.code, err.message); }
EventEmitter.once(e, 'ready').then(([v]) => console.log('events.once', v)); e.emit('ready', 'go');
console.log(process instanceof EventEmitter, process.stdout instanceof EventEmitter, EventEmitter.EventEmitter === EventEmitter);)JS");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "/a/c/d /x/z ../../d q .gz true /\n"
            "x=42 {\"a\":1} { a: [ 1, { b: [Map] } ] }\n"
            "true true true false\n"
            "true true\n"
            "once 1\n"
            "thrown boom\n"
            "ERR_UNHANDLED_ERROR Unhandled error. ('str')\n"
            "true true true\n"
            "events.once go\n"
            "callbackified null cb\n"
            "promisified 2\n");
}

TEST(Builtins, BufferAndStringDecoder) {
  auto result = run_js(R"JS(const { Buffer: B2, kMaxLength, constants } = require('buffer');
console.log(B2 === Buffer, kMaxLength === constants.MAX_LENGTH);
const b = Buffer.from('héllo wörld');
console.log(b.length, b.toString('hex'), b.toString('base64'), Buffer.from('aGk=', 'base64').toString());
console.log(Buffer.concat([Buffer.from([1, 2]), Buffer.from([3])]), Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]).readUInt32LE(4));
console.log(b.slice(0, 2).toString('latin1'), Buffer.from('abc').equals(Buffer.from('abc')), Buffer.alloc(3, 'ab'));
const w = Buffer.alloc(4); w.writeUInt16BE(0x1234, 0); console.log(w, Buffer.byteLength('€'), Buffer.compare(Buffer.from('a'), Buffer.from('b')));
console.log(JSON.stringify(Buffer.from('hi')), Buffer.from('ff00', 'hex'), Buffer.from('\u00e9', 'latin1'));
const { StringDecoder } = require('string_decoder');
const d = new StringDecoder('utf8'); console.log(d.write(Buffer.from([0xe2, 0x82])) + '|' + d.write(Buffer.from([0xac])) + '|' + d.end());)JS");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "true true\n"
            "13 68c3a96c6c6f2077c3b6726c64 aMOpbGxvIHfDtnJsZA== hi\n"
            "<Buffer 01 02 03> 2\n"
            "hÃ true <Buffer 61 62 61>\n"
            "<Buffer 12 34 00 00> 3 -1\n"
            "{\"type\":\"Buffer\",\"data\":[104,105]} <Buffer ff 00> <Buffer e9>\n"
            "|€|\n");
}

TEST(Builtins, AssertUrlQuerystring) {
  auto result = run_js(R"JS(const assert = require('assert');
try { assert.deepStrictEqual({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] }); } catch (e) {
  console.log(e.name, e.code, e instanceof assert.AssertionError, e.generatedMessage);
  console.log(e.message);
}
try { assert.strictEqual(1, 2); } catch (e) { console.log(e.message); }
try { require('assert/strict').equal(1, '1'); } catch (e) { console.log(e.code); }
assert.throws(() => { throw new TypeError('bad'); }, TypeError); assert.ok(true); assert.deepEqual([1], ['1']);
const u = new URL('https://user:pw@example.com:8080/p/a/t/h?query=string&a=1#hash');
console.log(u.host, u.pathname, u.search, u.hash, u.username, u.port, u.origin, u.searchParams.get('a'));
u.searchParams.append('b', 'x y'); console.log(u.href);
console.log(new URLSearchParams({ q: 'a&b', n: '1' }).toString(), [...new URLSearchParams('x=1&x=2').getAll('x')]);
const url = require('url');
console.log(url.URL === URL, url.fileURLToPath('file:///tmp/a%20b'), url.pathToFileURL('/tmp/a b#c').href);
const legacy = url.parse('http://h.com:81/p?x=1&y=2#f', true);
console.log(legacy.hostname, legacy.port, legacy.pathname, legacy.query.y, url.format({ protocol: 'http', host: 'a.com', pathname: '/x' }),
            url.resolve('http://a.com/b/c', '../d'));
try { new URL('not a url'); } catch (e) { console.log(e.name, e.code); }
const qs = require('querystring');
console.log(qs.parse('a=1&b=2&a=3'), qs.stringify({ x: [1, 2], y: 'z w' }), qs.escape('a b&'), qs.unescape('a%20b'));)JS");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "AssertionError ERR_ASSERTION true true\n"
            "Expected values to be strictly deep-equal:\n"
            "+ actual - expected\n"
            "\n"
            "  {\n"
            "    a: 1,\n"
            "    b: [\n"
            "      1,\n"
            "+     2\n"
            "-     3\n"
            "    ]\n"
            "  }\n"
            "Expected values to be strictly equal:\n"
            "\n"
            "1 !== 2\n"
            "\n"
            "ERR_ASSERTION\n"
            "example.com:8080 /p/a/t/h ?query=string&a=1 #hash user 8080 https://example.com:8080 1\n"
            "https://user:pw@example.com:8080/p/a/t/h?query=string&a=1&b=x+y#hash\n"
            "q=a%26b&n=1 [ '1', '2' ]\n"
            "true /tmp/a b file:///tmp/a%20b%23c\n"
            "h.com 81 /p 2 http://a.com/x http://a.com/d\n"
            "TypeError ERR_INVALID_URL\n"
            "[Object: null prototype] { a: [ '1', '3' ], b: '2' } x=1&x=2&y=z%20w a%20b%26 a b\n");
}

TEST(Builtins, StreamsTimersAbortOs) {
  auto result = run_js(R"JS(const { Readable, Transform, Writable, PassThrough, pipeline } = require('stream');
const chunks = [];
const upper = new Transform({ transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()); } });
const sink = new Writable({ write(chunk, enc, cb) { chunks.push(chunk.toString()); cb(); } });
pipeline(Readable.from(['a', 'b', 'c']), upper, new PassThrough(), sink, (err) => console.log('pipeline', err, chunks.join('')));
require('stream/promises').pipeline(Readable.from(['x']), new PassThrough(), new Writable({ write(c, e, cb) { cb(); } }))
  .then(() => console.log('promises pipeline done'));
const tp = require('timers/promises');
(async () => {
  console.log('timeout', await tp.setTimeout(2, 'v'));
  console.log('immediate', await tp.setImmediate('i'));
  let n = 0;
  for await (const v of tp.setInterval(1, 'tick')) { if (++n === 3) { console.log('interval', v, n); break; } }
  const ac = new AbortController();
  const p = tp.setTimeout(1000, null, { signal: ac.signal });
  ac.abort();
  try { await p; } catch (e) { console.log(e.name, e.code); }
})();
const ac = new AbortController();
ac.signal.addEventListener('abort', (ev) => console.log('abort event', ev.type, ac.signal.aborted, ac.signal.reason.name));
ac.abort();
console.log(AbortSignal.abort('r').reason, typeof AbortSignal.timeout, new Event('x').type);
const t = new EventTarget(); t.addEventListener('ping', (e) => console.log('ping', e instanceof Event)); t.dispatchEvent(new Event('ping'));
const os = require('os');
console.log(os.platform(), os.arch(), JSON.stringify(os.EOL), os.cpus().length, os.totalmem() > 0, typeof os.uptime());
console.log(typeof crypto.randomUUID(), typeof crypto.getRandomValues);
console.log(require('timers').setTimeout === setTimeout, typeof require('timers').promises.setTimeout);)JS");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.out,
            "abort event abort true AbortError\n"
            "r function x\n"
            "ping true\n"
            "linux x64 \"\\n\" 1 true number\n"
            "string function\n"
            "true function\n"
            "pipeline undefined ABC\n"
            "promises pipeline done\n"
            "timeout v\n"
            "immediate i\n"
            "interval tick 3\n"
            "AbortError ABORT_ERR\n");
}

TEST(Crypto, UnsupportedApisNameThemselves) {
  auto result = run_js(R"JS(const crypto = require('crypto');
for (const call of [() => crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16)),
                    () => crypto.pbkdf2Sync('p', 's', 1, 32, 'sha256'), () => crypto.subtle, () => globalThis.crypto.subtle]) {
  try { call(); } catch (e) { console.log(e.code, e.message); }
}
console.log(globalThis.crypto.getRandomValues(new Uint8Array(4)).length, require('crypto').webcrypto.randomUUID().length);)JS");
  EXPECT_EQ(result.out,
            "ERR_NOT_IMPLEMENTED crypto.createCipheriv() is not implemented in this runtime\n"
            "ERR_NOT_IMPLEMENTED crypto.pbkdf2Sync() is not implemented in this runtime\n"
            "ERR_NOT_IMPLEMENTED crypto.subtle (Web Crypto) is not implemented in this runtime\n"
            "ERR_NOT_IMPLEMENTED crypto.subtle (Web Crypto) is not implemented in this runtime\n"
            "4 36\n");
}

// Without a VM filesystem (this host provides no system calls) the hostname is the fixed virtual
// name, never the machine's; tests/integration/builtins_test.cc checks the VM's /etc/hostname.
TEST(Builtins, OsIdentityIsVirtual) {
  ProcessOptions options = file_options(R"JS(const os = require('os');
console.log(os.hostname(), os.homedir(), os.tmpdir(), os.userInfo().username, os.totalmem(), os.freemem(), os.type());)JS");
  options.env = {{"HOME", "/home/guest"}, {"USER", "guest"}};
  auto result = run(options);
  EXPECT_EQ(result.out, "sandbox /home/guest /tmp guest 1073741824 536870912 Linux\n");
}

// Many unfinished hashes are freed with their isolate (the ASan lane checks for leaks).
TEST(Crypto, UnfinishedHashesAreReleased) {
  auto result = run_js(R"JS(const crypto = require('crypto');
const kept = [];
for (let i = 0; i < 2000; i++) kept.push(crypto.createHash('sha256').update('x'), crypto.createHmac('md5', 'k'));
for (let i = 0; i < 20000; i++) crypto.createHash('sha1').update('garbage');
console.log(kept.length, kept[0].copy().digest('hex').slice(0, 8));)JS");
  EXPECT_EQ(result.out, "4000 2d711642\n");
}
}  // namespace
}  // namespace se::runtime::js::testing
