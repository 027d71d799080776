'use strict';
// The `crypto` builtin on OpenSSL (crypto_natives.cc): random bytes/ints/UUIDs, createHash and
// createHmac (incremental, copyable), timingSafeEqual, getHashes, webcrypto.getRandomValues.
// Everything else Node's crypto has throws ERR_NOT_IMPLEMENTED naming the API. Also the global
// `crypto` object (getRandomValues, randomUUID; `subtle` throws).

const {
  cryptoHashNames, cryptoHashNew, cryptoHashUpdate, cryptoHashDigest, cryptoHashCopy, cryptoRandomFill,
  cryptoTimingSafeEqual, getRandomValues: nativeGetRandomValues,
} = native;
const { Buffer } = internal;
const kMaxRandomSize = 2 ** 31 - 1;

function outOfRange(name, range, value) {
  return internal.codedError(RangeError, 'ERR_OUT_OF_RANGE',
                             `The value of "${name}" is out of range. It must be ${range}. Received ${value}`);
}

function checkFunction(name, value) {
  if (typeof value !== 'function') throw internal.invalidArgType(name, 'of type function', value);
}

function checkSize(size) {
  if (typeof size !== 'number') throw internal.invalidArgType('size', 'of type number', size);
  if (!(size >= 0 && size <= kMaxRandomSize) || !Number.isInteger(size)) {
    throw outOfRange('size', `>= 0 && <= ${kMaxRandomSize}`, size);
  }
}

// Node's callback-style crypto work finishes on a later turn of the loop.
function later(callback, ...args) {
  internal.timers.setImmediate(() => internal.callGuest(callback, undefined, args));
}

function randomBytes(size, callback) {
  checkSize(size);
  if (callback !== undefined) checkFunction('callback', callback);
  const bytes = Buffer.alloc(size);
  cryptoRandomFill(bytes);
  if (callback === undefined) return bytes;
  later(callback, null, bytes);
  return undefined;
}

function viewOf(buffer, name) {
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  throw internal.invalidArgType(name, 'an instance of ArrayBuffer or ArrayBufferView', buffer);
}

function fillRange(buffer, offset, size) {
  const bytes = viewOf(buffer, 'buf');
  const elementSize = ArrayBuffer.isView(buffer) ? (buffer.BYTES_PER_ELEMENT ?? 1) : 1;
  const length = bytes.length / elementSize;
  if (typeof offset !== 'number') throw internal.invalidArgType('offset', 'of type number', offset);
  if (!(offset >= 0 && offset <= length) || !Number.isInteger(offset)) {
    throw outOfRange('offset', `>= 0 && <= ${length}`, offset);
  }
  if (size === undefined) size = length - offset;
  if (typeof size !== 'number') throw internal.invalidArgType('size', 'of type number', size);
  if (!(size >= 0 && size <= length - offset) || !Number.isInteger(size)) {
    throw outOfRange('size', `>= 0 && <= ${length - offset}`, size);
  }
  cryptoRandomFill(bytes.subarray(offset * elementSize, (offset + size) * elementSize));
  return buffer;
}

function randomFillSync(buffer, offset = 0, size = undefined) {
  return fillRange(buffer, offset, size);
}

function randomFill(buffer, offset, size, callback) {
  if (typeof offset === 'function') [callback, offset, size] = [offset, 0, undefined];
  else if (typeof size === 'function') [callback, size] = [size, undefined];
  checkFunction('callback', callback);
  fillRange(buffer, offset, size);
  later(callback, null, buffer);
}

// A uniform integer in [min, max) by rejection sampling over 48 random bits.
function randomInt(min, max, callback) {
  if (max === undefined || typeof max === 'function') [callback, max, min] = [max, min, 0];
  for (const [name, value] of [['min', min], ['max', max]]) {
    if (!Number.isSafeInteger(value)) {
      throw internal.invalidArgType(name, 'a safe integer', value);
    }
  }
  if (max <= min) {
    throw outOfRange('max', `greater than the value of "min" (${min})`, max);
  }
  const range = max - min;
  if (range > 2 ** 48) throw outOfRange('max - min', `<= ${2 ** 48}`, range);
  if (callback !== undefined) checkFunction('callback', callback);
  const limit = 2 ** 48 - (2 ** 48 % range);
  const bytes = new Uint8Array(6);
  let value;
  do {
    cryptoRandomFill(bytes);
    value = bytes[0] * 2 ** 40 + bytes[1] * 2 ** 32 + bytes[2] * 2 ** 24 + bytes[3] * 2 ** 16 + bytes[4] * 2 ** 8 +
            bytes[5];
  } while (value >= limit);
  const result = min + (value % range);
  if (callback === undefined) return result;
  later(callback, null, result);
  return undefined;
}

function randomUUID(options) {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw internal.invalidArgType('options', 'of type object', options);
  }
  const bytes = new Uint8Array(16);
  cryptoRandomFill(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let hex = '';
  for (let i = 0; i < 16; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function getRandomValues(array) {
  return nativeGetRandomValues(array);
}

function inputBytes(data, encoding, name) {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (ArrayBuffer.isView(data)) return data;
  throw internal.invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

function finalized() {
  return internal.codedError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
}

function output(bytes, encoding) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding === undefined || encoding === 'buffer' ? buffer : buffer.toString(encoding);
}

// Hash and Hmac share the incremental machinery; `#handle` is the native state (never guest
// visible), null once digest() ran.
// Set only by Hash#copy() right before it constructs the copy: a guest can never hand the
// constructor a handle of its own.
let copiedHandle = null;

class Hash {
  #handle;

  constructor(algorithm) {
    let handle = copiedHandle;
    copiedHandle = null;
    if (handle === null) {
      if (typeof algorithm !== 'string') throw internal.invalidArgType('algorithm', 'of type string', algorithm);
      handle = cryptoHashNew(algorithm.toLowerCase(), undefined);
      if (handle === undefined) throw new Error('Digest method not supported');
    }
    this.#handle = handle;
  }

  update(data, inputEncoding) {
    if (this.#handle === null) throw finalized();
    cryptoHashUpdate(this.#handle, inputBytes(data, inputEncoding, 'data'));
    return this;
  }

  digest(outputEncoding) {
    if (this.#handle === null) throw finalized();
    const bytes = cryptoHashDigest(this.#handle);
    this.#handle = null;
    return output(bytes, outputEncoding);
  }

  copy() {
    if (this.#handle === null) throw finalized();
    copiedHandle = cryptoHashCopy(this.#handle);
    return new Hash();
  }
}

class Hmac {
  #handle;

  constructor(algorithm, key) {
    if (typeof algorithm !== 'string') throw internal.invalidArgType('hmac', 'of type string', algorithm);
    const keyBytes = typeof key === 'string' ? Buffer.from(key) : key;
    if (!ArrayBuffer.isView(keyBytes)) {
      throw internal.invalidArgType('key',
                                    'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, ' +
                                    'KeyObject, or CryptoKey', key);
    }
    const handle = cryptoHashNew(algorithm.toLowerCase(), keyBytes);
    if (handle === undefined) {
      throw internal.codedError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${algorithm}`);
    }
    this.#handle = handle;
  }

  update(data, inputEncoding) {
    if (this.#handle === null) throw finalized();
    cryptoHashUpdate(this.#handle, inputBytes(data, inputEncoding, 'data'));
    return this;
  }

  digest(outputEncoding) {
    // Node: a second digest() of an Hmac returns an empty result rather than throwing.
    if (this.#handle === null) return output(new Uint8Array(0), outputEncoding);
    const bytes = cryptoHashDigest(this.#handle);
    this.#handle = null;
    return output(bytes, outputEncoding);
  }
}

function timingSafeEqual(buf1, buf2) {
  for (const [name, value] of [['buf1', buf1], ['buf2', buf2]]) {
    if (!ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
      throw internal.invalidArgType(name, 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', value);
    }
  }
  const a = viewOf(buf1, 'buf1');
  const b = viewOf(buf2, 'buf2');
  if (a.byteLength !== b.byteLength) {
    throw internal.codedError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH',
                              'Input buffers must have the same byte length');
  }
  return cryptoTimingSafeEqual(a, b);
}

function subtleMissing() {
  throw internal.notImplemented('crypto.subtle (Web Crypto)');
}

function webcrypto() {
  const object = { getRandomValues, randomUUID };
  Object.defineProperty(object, 'subtle', { __proto__: null, enumerable: true, configurable: true, get: subtleMissing });
  return object;
}

const unsupported = [
  'createCipheriv', 'createDecipheriv', 'createCipher', 'createDecipher', 'createSign', 'createVerify', 'sign',
  'verify', 'createECDH', 'createDiffieHellman', 'createDiffieHellmanGroup', 'getDiffieHellman', 'generateKeyPair',
  'generateKeyPairSync', 'generateKey', 'generateKeySync', 'createPublicKey', 'createPrivateKey', 'createSecretKey',
  'publicEncrypt', 'publicDecrypt', 'privateEncrypt', 'privateDecrypt', 'pbkdf2', 'pbkdf2Sync', 'scrypt', 'scryptSync',
  'hkdf', 'hkdfSync', 'generatePrime', 'generatePrimeSync', 'checkPrime', 'checkPrimeSync', 'getCiphers',
  'getCurves', 'diffieHellman', 'secureHeapUsed', 'setEngine', 'X509Certificate', 'Certificate', 'KeyObject',
];

function load() {
  const crypto = {
    randomBytes,
    pseudoRandomBytes: randomBytes,
    prng: randomBytes,
    rng: randomBytes,
    randomFill,
    randomFillSync,
    randomInt,
    randomUUID,
    getRandomValues,
    createHash: (algorithm) => new Hash(algorithm),
    createHmac: (algorithm, key) => new Hmac(algorithm, key),
    Hash,
    Hmac,
    timingSafeEqual,
    getHashes: () => cryptoHashNames(),
    getFips: () => 0,
    constants: {},
    webcrypto: webcrypto(),
  };
  for (const name of unsupported) {
    crypto[name] = function unsupportedApi() {
      throw internal.notImplemented(`crypto.${name}()`);
    };
  }
  Object.defineProperty(crypto, 'subtle', { __proto__: null, enumerable: true, configurable: true, get: subtleMissing });
  return crypto;
}

internal.defineBuiltin('crypto', load);
internal.webCrypto = webcrypto;
