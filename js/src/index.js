// Entry of the core polyfill bundle (see ../build.mjs): evaluated once into the startup snapshot,
// after internal.js and inspect.js. It provides the full Buffer and the EventEmitter the rest
// of the bootstrap builds on, the web globals, and loaders for the pure-JS builtins. The large,
// rarely used builtins (stream, assert, url, querystring, string_decoder) are chunks outside the
// snapshot, compiled on the first require; module bodies in this bundle also run on first require.
const bufferModule = require('buffer');
const { Buffer } = bufferModule;
const EventEmitter = require('./events.js');
const web = require('./web.js');
const { encodeUtf8, decodeUtf8, compileChunk } = native;

// Node's UTF-8 conversions are the common case and V8 does them natively.
const toStringJs = Buffer.prototype.toString;
internal.defineHidden(Buffer.prototype, 'toString', function toString(encoding, start, end) {
  if ((encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') && start === undefined &&
      end === undefined && this instanceof Uint8Array) {
    return decodeUtf8(this, false);
  }
  return internal.callGuest(toStringJs, this, arguments);
});
const fromJs = Buffer.from;
internal.defineHidden(Buffer, 'from', function from(value, encodingOrOffset, length) {
  if (typeof value === 'string' && (encodingOrOffset === undefined || encodingOrOffset === 'utf8' ||
                                    encodingOrOffset === 'utf-8')) {
    return Object.setPrototypeOf(encodeUtf8(value), Buffer.prototype);
  }
  return internal.callGuest(fromJs, Buffer, arguments);
});

internal.Buffer = Buffer;
internal.EventEmitter = EventEmitter;
internal.web = web;

// What chunks import from this bundle, so there is one Buffer, one EventEmitter, one util.
const sharedModules = {
  __proto__: null,
  buffer: () => bufferModule,
  events: () => EventEmitter,
  util: () => require('./util.js'),
  web: () => web,
  path: () => require('path-browserify'),
};
internal.sharedModule = (name) => sharedModules[name]();

// A chunk's exports, evaluated on first use. compileChunk takes a name from the binary's fixed
// table and returns a fresh `function (internal)`; nothing else ever holds that function.
const chunkExports = { __proto__: null };
const loadingChunks = new Set();
internal.loadChunk = (name) => {
  if (!(name in chunkExports)) {
    loadingChunks.add(name);
    try {
      chunkExports[name] = compileChunk(name)(internal);
    } finally {
      loadingChunks.delete(name);
    }
  }
  return chunkExports[name];
};
internal.chunkLoading = (name) => loadingChunks.has(name);

const { defineBuiltin } = internal;

defineBuiltin('buffer', () => ({
  Buffer,
  SlowBuffer: bufferModule.SlowBuffer,
  INSPECT_MAX_BYTES: bufferModule.INSPECT_MAX_BYTES,
  kMaxLength: bufferModule.kMaxLength,
  kStringMaxLength: 2 ** 29 - 24,
  constants: { MAX_LENGTH: bufferModule.kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 },
  atob: internal.atob,
  btoa: internal.btoa,
}));
defineBuiltin('events', () => EventEmitter);
defineBuiltin('util', () => require('./util.js'));
defineBuiltin('util/types', () => require('./util.js').types);
defineBuiltin('sys', () => require('./util.js'));
defineBuiltin('path', () => require('path-browserify'));
defineBuiltin('path/posix', () => require('path-browserify'));
defineBuiltin('string_decoder', () => internal.loadChunk('string_decoder'));
defineBuiltin('querystring', () => internal.loadChunk('querystring'));
defineBuiltin('url', () => internal.loadChunk('url'));
defineBuiltin('assert', () => internal.loadChunk('assert').assert);
defineBuiltin('assert/strict', () => internal.loadChunk('assert').assert.strict);
defineBuiltin('stream', () => internal.loadChunk('stream').stream);
defineBuiltin('stream/promises', () => internal.loadChunk('stream').promises);
defineBuiltin('timers', () => {
  const timers = require('./timers.js');
  const exports = timers.timers();
  let promises;
  Object.defineProperty(exports, 'promises', {
    __proto__: null, enumerable: true, configurable: true, get: () => (promises ??= timers.promises()),
  });
  return exports;
});
defineBuiltin('timers/promises', () => require('./timers.js').promises());

// This bundle compiles lazily (see snapshot_generator.cc): the snapshot keeps bytecode only for
// functions that ran while it was built. Run the calls nearly every guest makes (process and its
// streams are EventEmitters; fs and stdio convert through Buffer) so they start compiled.
{
  const emitter = new EventEmitter();
  const listener = () => {};
  emitter.on('warm', listener);
  emitter.once('warm', listener);
  emitter.emit('warm', 1);
  emitter.listenerCount('warm');
  emitter.removeListener('warm', listener);
  const bytes = Buffer.concat([Buffer.from('warm'), Buffer.alloc(1), Buffer.allocUnsafe(1)]);
  Buffer.isBuffer(bytes);
  Buffer.byteLength('warm');
  bytes.toString('utf8', 0, 1);
  bytes.toString('hex');
  bytes.toString();
  bytes.slice(1).subarray(1);
}
