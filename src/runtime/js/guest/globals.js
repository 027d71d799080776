'use strict';
// Installs the guest-visible globals and assembles the host-entry object the native event loop
// calls (stored in the snapshot's context data, never reachable from guest code). modules.js,
// evaluated after this file, adds the module system's entries (runMain, prepareEval, importDynamic).

const { now, structuredClone: nativeStructuredClone } = native;
const { timers, process, console, defineHidden, definePlain } = internal;
const { defineProperty: ObjectDefineProperty } = Object;

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

// getRandomValues and randomUUID; `subtle` throws ERR_NOT_IMPLEMENTED (guest/crypto.js).
const crypto = internal.webCrypto();

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
// The URL classes live in the url chunk, compiled on first use: until then each global is an
// accessor that loads it and replaces itself with the plain value property (also when assigned).
// While the chunk loads they read as undefined: core-js probes the globals for a native URL.
for (const name of ['URL', 'URLSearchParams']) {
  ObjectDefineProperty(globalThis, name, {
    __proto__: null,
    configurable: true,
    enumerable: false,
    get() {
      if (internal.chunkLoading('url')) return undefined;
      const value = internal.loadChunk('url')[name];
      defineHidden(globalThis, name, value);
      return value;
    },
    set(value) {
      defineHidden(globalThis, name, value);
    },
  });
}
for (const name of ['AbortController', 'AbortSignal', 'EventTarget', 'Event']) {
  defineHidden(globalThis, name, internal.web[name]);
}

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

// `node -p`: print the script's completion value (with the console the bootstrap made, even if
// the script replaced console.log).
const consoleLog = console.log;
function printResult(value) {
  consoleLog(value);
}

// Kernel I/O readiness (child process pipes, sockets): each family registers its handler during
// the bootstrap and every io-ready event runs them all. Index loops only: guest code may replace
// Array.prototype's iterator or push later.
const ioReadyHandlers = [];
internal.addIoReadyHandler = function addIoReadyHandler(handler) {
  ioReadyHandlers[ioReadyHandlers.length] = handler;
};
function onIoReady() {
  for (let i = 0; i < ioReadyHandlers.length; i++) ioReadyHandlers[i]();
}

internal.host = {
  __proto__: null,
  ...internal.processHost,
  start(config) {
    internal.processHost.start(config);
    holdLoopForWebAssembly();
  },
  printResult,
  drain: internal.drain,
  tick: internal.tick,
  nextWake: internal.nextWake,
  onUncaught: internal.onUncaught,
  onIoReady,
};
