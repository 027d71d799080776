'use strict';
// Text and binary encodings: TextEncoder/TextDecoder (UTF-8 with streaming, UTF-16LE, latin1),
// atob/btoa and DOMException. Buffer is npm's `buffer` from the polyfill bundle (internal.Buffer).

const { encodeUtf8, encodeUtf8Into, decodeUtf8 } = native;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const TypedArraySubarray = TypedArrayPrototype.subarray;
const call = (fn, receiver, ...args) => internal.callGuest(fn, receiver, args);

const domExceptionCodes = {
  __proto__: null,
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
  InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15, TypeMismatchError: 17,
  SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21, QuotaExceededError: 22,
  TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

class DOMException extends Error {
  constructor(message = '', options = 'Error') {
    super(message);
    const name = typeof options === 'object' && options !== null ? String(options.name ?? 'Error') : String(options);
    internal.defineHidden(this, 'name', name);
    if (typeof options === 'object' && options !== null && 'cause' in options) {
      internal.defineHidden(this, 'cause', options.cause);
    }
  }

  get code() {
    return domExceptionCodes[this.name] ?? 0;
  }
}

function toBytes(input, name) {
  if (input instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && input instanceof SharedArrayBuffer)) {
    return new Uint8Array(input);
  }
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw internal.invalidArgType(name, 'an instance of ArrayBuffer or ArrayBufferView', input);
}

class TextEncoder {
  get encoding() {
    return 'utf-8';
  }

  encode(input = '') {
    return encodeUtf8(`${input}`);
  }

  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) throw internal.invalidArgType('dest', 'an instance of Uint8Array', destination);
    const [read, written] = encodeUtf8Into(`${source}`, destination);
    return { read, written };
  }
}

const encodingLabels = {
  __proto__: null,
  'utf-8': 'utf-8', utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
  'utf-16le': 'utf-16le', 'utf-16': 'utf-16le', ucs2: 'utf-16le', 'ucs-2': 'utf-16le',
  latin1: 'windows-1252', 'iso-8859-1': 'windows-1252', 'windows-1252': 'windows-1252', ascii: 'windows-1252',
  'us-ascii': 'windows-1252',
};

// Bytes at the end of `bytes` that start a UTF-8 sequence the chunk does not complete.
function incompleteUtf8Tail(bytes) {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back];
    if ((byte & 0xc0) === 0x80) continue;  // continuation byte: keep looking for the lead
    let needed = 0;
    if ((byte & 0xe0) === 0xc0) needed = 2;
    else if ((byte & 0xf0) === 0xe0) needed = 3;
    else if ((byte & 0xf8) === 0xf0) needed = 4;
    return needed > back ? back : 0;
  }
  return 0;
}

function latin1Decode(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode.apply(null, call(TypedArraySubarray, bytes, i, Math.min(i + 8192, bytes.length)));
  }
  return text;
}

function utf16leDecode(bytes) {
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
  return text;
}

class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #pending = null;
  #bomSeen = false;

  constructor(label = 'utf-8', options = {}) {
    const encoding = encodingLabels[`${label}`.trim().toLowerCase()];
    if (encoding === undefined) {
      throw internal.codedError(RangeError, 'ERR_ENCODING_NOT_SUPPORTED', `The "${label}" encoding is not supported`);
    }
    this.#encoding = encoding;
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }

  get encoding() {
    return this.#encoding;
  }

  get fatal() {
    return this.#fatal;
  }

  get ignoreBOM() {
    return this.#ignoreBOM;
  }

  decode(input = new Uint8Array(0), options = {}) {
    let bytes = toBytes(input, 'input');
    const stream = Boolean(options?.stream);
    if (this.#pending !== null) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending, 0);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    let text;
    if (this.#encoding === 'utf-8') {
      const tail = stream ? incompleteUtf8Tail(bytes) : 0;
      if (tail > 0) {
        this.#pending = bytes.slice(bytes.length - tail);
        bytes = call(TypedArraySubarray, bytes, 0, bytes.length - tail);
      }
      text = decodeUtf8(bytes, this.#fatal);
    } else if (this.#encoding === 'utf-16le') {
      if (stream && bytes.length % 2 === 1) {
        this.#pending = bytes.slice(bytes.length - 1);
        bytes = call(TypedArraySubarray, bytes, 0, bytes.length - 1);
      } else if (bytes.length % 2 === 1) {
        if (this.#fatal) throw internal.codedError(TypeError, 'ERR_ENCODING_INVALID_ENCODED_DATA',
                                                   'The encoded data was not valid for encoding utf-16le');
      }
      text = utf16leDecode(bytes) + (!stream && bytes.length % 2 === 1 ? '\ufffd' : '');
    } else {
      text = latin1Decode(bytes);
    }
    if (!this.#ignoreBOM && !this.#bomSeen && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff && this.#encoding !== 'windows-1252') text = text.slice(1);
      this.#bomSeen = true;
    }
    if (!stream) this.#bomSeen = false;
    return text;
  }
}

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64Values = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) base64Values[base64Alphabet.charCodeAt(i)] = i;

function encodeBase64(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += base64Alphabet[n >> 18] + base64Alphabet[(n >> 12) & 63] + base64Alphabet[(n >> 6) & 63] + base64Alphabet[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((i + 1 < bytes.length ? bytes[i + 1] : 0) << 8);
    out += base64Alphabet[n >> 18] + base64Alphabet[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += base64Alphabet[(n >> 6) & 63];
    out += i + 1 < bytes.length ? '=' : '==';
  }
  return out;
}

// Decodes text that atob() has validated (alphabet only, padding removed).
function decodeBase64(text) {
  const out = new Uint8Array(Math.ceil(text.length * 3 / 4));
  let length = 0;
  let accumulator = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const value = base64Values[text.charCodeAt(i)];
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[length++] = (accumulator >> bits) & 0xff;
    }
  }
  return out.subarray(0, length);
}

function invalidCharacter(message) {
  return new DOMException(message, 'InvalidCharacterError');
}

function btoa(input) {
  if (arguments.length === 0) throw internal.codedError(TypeError, 'ERR_MISSING_ARGS', 'The "data" argument must be specified');
  const text = `${input}`;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw invalidCharacter('Invalid character');
    bytes[i] = code;
  }
  return encodeBase64(bytes);
}

// The WHATWG forgiving-base64 decode.
function atob(input) {
  if (arguments.length === 0) throw internal.codedError(TypeError, 'ERR_MISSING_ARGS', 'The "data" argument must be specified');
  let text = `${input}`.replace(/[\t\n\f\r ]/g, '');
  if (text.length % 4 === 0) text = text.replace(/==?$/, '');
  if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
    throw invalidCharacter('The string to be decoded is not correctly encoded.');
  }
  return latin1Decode(decodeBase64(text));
}

internal.DOMException = DOMException;
internal.TextEncoder = TextEncoder;
internal.TextDecoder = TextDecoder;
internal.atob = atob;
internal.btoa = btoa;
// Bytes the host hands in (stdin chunks) as a Buffer over the same memory.
const { Buffer } = internal;
internal.bufferFromBytes = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
