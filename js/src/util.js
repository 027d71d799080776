// The `util` builtin. Formatting is the bootstrap's Node-exact internal.inspect/format; types
// come from V8's own value checks (a guest cannot spoof them with Symbol.toStringTag);
// isDeepStrictEqual is assert's comparison. Also what the bundled polyfills import as `util`.
const { valueKind } = native;

// Kind numbers of native.valueKind (native_bindings.cc's ValueKind).
const kind = {
  __proto__: null,
  Map: 1, Set: 2, WeakMap: 3, WeakSet: 4, Date: 5, RegExp: 6, NativeError: 7, Promise: 8, ArrayBuffer: 9,
  SharedArrayBuffer: 10, TypedArray: 11, DataView: 12, NumberObject: 13, StringObject: 14, BooleanObject: 15,
  BigIntObject: 16, SymbolObject: 17, MapIterator: 18, SetIterator: 19, GeneratorObject: 20, ModuleNamespace: 21,
  AsyncFunction: 22, GeneratorFunction: 23, ArgumentsObject: 24,
};
const TypedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype),
                                                      Symbol.toStringTag).get;
const isKind = (number) => (value) => valueKind(value) === number;
const isTypedArrayOf = (name) => (value) => internal.callGuest(TypedArrayTag, value, []) === name;

const types = {
  isMap: isKind(kind.Map),
  isSet: isKind(kind.Set),
  isWeakMap: isKind(kind.WeakMap),
  isWeakSet: isKind(kind.WeakSet),
  isDate: isKind(kind.Date),
  isRegExp: isKind(kind.RegExp),
  isNativeError: isKind(kind.NativeError),
  isPromise: isKind(kind.Promise),
  isArrayBuffer: isKind(kind.ArrayBuffer),
  isSharedArrayBuffer: isKind(kind.SharedArrayBuffer),
  isAnyArrayBuffer: (value) => {
    const k = valueKind(value);
    return k === kind.ArrayBuffer || k === kind.SharedArrayBuffer;
  },
  isTypedArray: isKind(kind.TypedArray),
  isDataView: isKind(kind.DataView),
  isArrayBufferView: (value) => ArrayBuffer.isView(value),
  isNumberObject: isKind(kind.NumberObject),
  isStringObject: isKind(kind.StringObject),
  isBooleanObject: isKind(kind.BooleanObject),
  isBigIntObject: isKind(kind.BigIntObject),
  isSymbolObject: isKind(kind.SymbolObject),
  isBoxedPrimitive: (value) => {
    const k = valueKind(value);
    return k >= kind.NumberObject && k <= kind.SymbolObject;
  },
  isMapIterator: isKind(kind.MapIterator),
  isSetIterator: isKind(kind.SetIterator),
  isGeneratorObject: isKind(kind.GeneratorObject),
  isModuleNamespaceObject: isKind(kind.ModuleNamespace),
  isAsyncFunction: isKind(kind.AsyncFunction),
  isGeneratorFunction: isKind(kind.GeneratorFunction),
  isArgumentsObject: isKind(kind.ArgumentsObject),
  isProxy: () => false,
  isExternal: () => false,
};
for (const name of ['Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'Int8Array', 'Int16Array',
                    'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
  types[`is${name}`] = isTypedArrayOf(name);
}

const customPromisify = Symbol.for('nodejs.util.promisify.custom');

function promisify(original) {
  if (typeof original !== 'function') throw internal.invalidArgType('original', 'of type function', original);
  if (original[customPromisify]) {
    const fn = original[customPromisify];
    if (typeof fn !== 'function') {
      throw internal.invalidArgType('util.promisify.custom', 'of type function', fn);
    }
    return Object.defineProperty(fn, customPromisify, { __proto__: null, value: fn, configurable: true });
  }
  function fn(...args) {
    return new Promise((resolve, reject) => {
      args.push((error, ...values) => {
        if (error) reject(error);
        else resolve(values[0]);
      });
      internal.callGuest(original, this, args);
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, customPromisify, { __proto__: null, value: fn, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = customPromisify;

function callbackify(original) {
  if (typeof original !== 'function') throw internal.invalidArgType('original', 'of type function', original);
  function callbackified(...args) {
    const callback = args.pop();
    if (typeof callback !== 'function') throw internal.invalidArgType('last argument', 'of type function', callback);
    const onRejected = (reason) => {
      if (!reason) {
        const error = internal.codedError(Error, 'ERR_FALSY_VALUE_REJECTION', 'Promise was rejected with falsy value');
        error.reason = reason;
        reason = error;
      }
      callback(reason);
    };
    internal.callGuest(original, this, args).then(
        (value) => internal.nextTick(callback, null, value),
        (reason) => internal.nextTick(onRejected, reason));
  }
  Object.setPrototypeOf(callbackified, Object.getPrototypeOf(original));
  Object.defineProperties(callbackified, Object.getOwnPropertyDescriptors(original));
  return callbackified;
}

function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw internal.invalidArgType('ctor', 'of type function', ctor);
  if (superCtor === undefined || superCtor === null) {
    throw internal.invalidArgType('superCtor', 'of type function', superCtor);
  }
  if (superCtor.prototype === undefined) {
    throw internal.invalidArgType('superCtor.prototype', 'of type object', superCtor.prototype);
  }
  Object.defineProperty(ctor, 'super_', { __proto__: null, value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warnedCodes = new Set();
function deprecate(fn, message, code) {
  if (typeof fn !== 'function') throw internal.invalidArgType('fn', 'of type function', fn);
  let warned = false;
  function deprecated(...args) {
    const process = internal.process;
    if (!warned && !process.noDeprecation) {
      warned = true;
      if (code === undefined || !warnedCodes.has(code)) {
        if (code !== undefined) warnedCodes.add(code);
        process.emitWarning(message, 'DeprecationWarning', code);
      }
    }
    return new.target ? Reflect.construct(fn, args, new.target) : internal.callGuest(fn, this, args);
  }
  Object.setPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

function debuglog() {
  const log = () => {};
  log.enabled = false;
  return log;
}

function isDeepStrictEqual(a, b) {
  return internal.loadChunk('assert').isDeepStrictEqual(a, b);
}

function stripVTControlCharacters(text) {
  if (typeof text !== 'string') throw internal.invalidArgType('str', 'of type string', text);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, '');
}

function toUSVString(text) {
  return `${text}`.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

module.exports = {
  format: (...args) => internal.format(...args),
  formatWithOptions: (options, ...args) => internal.formatWithOptions(options, ...args),
  inspect: internal.inspect,
  types,
  promisify,
  callbackify,
  inherits,
  deprecate,
  debuglog,
  debug: debuglog,
  isDeepStrictEqual,
  stripVTControlCharacters,
  toUSVString,
  isArray: Array.isArray,
  isBoolean: (value) => typeof value === 'boolean',
  isBuffer: (value) => internal.Buffer.isBuffer(value),
  isDate: types.isDate,
  isError: (value) => types.isNativeError(value) || value instanceof Error,
  isFunction: (value) => typeof value === 'function',
  isNull: (value) => value === null,
  isNullOrUndefined: (value) => value === null || value === undefined,
  isNumber: (value) => typeof value === 'number',
  isObject: (value) => value !== null && typeof value === 'object',
  isPrimitive: (value) => value === null || (typeof value !== 'object' && typeof value !== 'function'),
  isRegExp: types.isRegExp,
  isString: (value) => typeof value === 'string',
  isSymbol: (value) => typeof value === 'symbol',
  isUndefined: (value) => value === undefined,
  get TextEncoder() {
    return internal.TextEncoder;
  },
  get TextDecoder() {
    return internal.TextDecoder;
  },
};
