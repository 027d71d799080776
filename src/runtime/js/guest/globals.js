'use strict';
// Installs the guest-visible globals and assembles the host-entry object the native event loop
// calls (stored in the snapshot's context data, never reachable from guest code). Runs last.

const { now, structuredClone: nativeStructuredClone, getRandomValues: nativeGetRandomValues } = native;
const { timers, process, console, defineHidden, definePlain } = internal;

let timeOrigin = 0;
internal.startTimeOrigin = (origin) => {
  timeOrigin = origin;
};

const performance = {
  now: () => now(),
  get timeOrigin() {
    return timeOrigin;
  },
  toJSON() {
    return { timeOrigin, nowMs: now() };
  },
};

function structuredClone(value, options) {
  if (arguments.length === 0) {
    throw internal.codedError(TypeError, 'ERR_MISSING_ARGS', 'The "value" argument must be specified');
  }
  if (options?.transfer !== undefined && options.transfer.length > 0) {
    throw internal.notImplemented('structuredClone() with a transfer list');
  }
  return nativeStructuredClone(value);
}

function getRandomValues(array) {
  return nativeGetRandomValues(array);
}

function randomUUID() {
  const bytes = nativeGetRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let hex = '';
  for (let i = 0; i < 16; i++) hex += bytes[i].toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const crypto = { getRandomValues, randomUUID };

// Node's own enumerable globals.
for (const name of ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
                    'queueMicrotask']) {
  definePlain(globalThis, name, timers[name]);
}
definePlain(globalThis, 'global', globalThis);
definePlain(globalThis, 'structuredClone', structuredClone);
definePlain(globalThis, 'atob', internal.atob);
definePlain(globalThis, 'btoa', internal.btoa);
definePlain(globalThis, 'performance', performance);
definePlain(globalThis, 'crypto', crypto);
defineHidden(globalThis, 'console', console);
defineHidden(globalThis, 'process', process);
defineHidden(globalThis, 'Buffer', internal.Buffer);
defineHidden(globalThis, 'TextEncoder', internal.TextEncoder);
defineHidden(globalThis, 'TextDecoder', internal.TextDecoder);
defineHidden(globalThis, 'DOMException', internal.DOMException);

// V8 finishes asynchronous WebAssembly compilation on worker threads and then posts a task to this
// isolate; nothing in the loop would wait for that, so each pending compile holds the loop open.
// The guest gets a promise of its own, so an unhandled rejection is still reported.
const PromiseCtor = Promise;
const PromisePrototypeThen = Promise.prototype.then;
function holdLoopUntilSettled(pending) {
  internal.refHandle();
  return new PromiseCtor((resolve, reject) => {
    internal.callGuest(PromisePrototypeThen, pending, [
      (value) => {
        internal.unrefHandle();
        resolve(value);
      },
      (error) => {
        internal.unrefHandle();
        reject(error);
      },
    ]);
  });
}
// V8 adds the WebAssembly namespace to contexts made from a snapshot, so this runs per process.
function holdLoopForWebAssembly() {
  const wasm = globalThis.WebAssembly;
  if (typeof wasm !== 'object' || wasm === null) return;
  for (const name of ['compile', 'instantiate']) {
    const original = wasm[name];
    const wrapper = {
      [name](...args) {
        return holdLoopUntilSettled(internal.callGuest(original, wasm, args));
      },
    }[name];
    Object.defineProperty(wrapper, 'length', { __proto__: null, value: original.length });
    defineHidden(wasm, name, wrapper);
  }
}

function notYetRequire(specifier) {
  throw internal.notImplemented(`require('${specifier}'): module loading`);
}

// Runs the main module's compiled function with CommonJS arguments.
function runMain(main, filename, dirname) {
  const module = { id: '.', path: dirname, exports: {}, filename, loaded: false, children: [], paths: [] };
  const require = (specifier) => notYetRequire(specifier);
  require.main = module;
  internal.callGuest(main, module.exports, [module.exports, require, module, filename, dirname]);
  module.loaded = true;
}

// `node -p`: print the script's completion value (with the console the bootstrap made, even if
// the script replaced console.log).
const consoleLog = console.log;
function printResult(value) {
  consoleLog(value);
}

internal.host = {
  __proto__: null,
  ...internal.processHost,
  start(config) {
    internal.processHost.start(config);
    holdLoopForWebAssembly();
  },
  runMain,
  printResult,
  drain: internal.drain,
  tick: internal.tick,
  nextWake: internal.nextWake,
  onUncaught: internal.onUncaught,
};
