'use strict';
// Text and binary encodings: TextEncoder/TextDecoder (UTF-8 with streaming, UTF-16LE, latin1),
// atob/btoa, DOMException, and a small Buffer (a Uint8Array subclass with Node's common
// encodings) so byte chunks from stdin print and convert the way Node programs expect.

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
base64Values[45] = 62;  // '-' (base64url)
base64Values[95] = 63;  // '_' (base64url)

function encodeBase64(bytes, url) {
  const alphabet = url ? base64Alphabet.slice(0, 62) + '-_' : base64Alphabet;
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((i + 1 < bytes.length ? bytes[i + 1] : 0) << 8);
    out += alphabet[n >> 18] + alphabet[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += alphabet[(n >> 6) & 63];
    if (!url) out += i + 1 < bytes.length ? '=' : '==';
  }
  return out;
}

// Lenient decoding like Buffer.from(text, 'base64'): skips characters outside the alphabet and
// stops at the first '='.
function decodeBase64Lenient(text) {
  const out = new Uint8Array(Math.ceil(text.length * 3 / 4));
  let length = 0;
  let accumulator = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 61) break;  // '='
    const value = code < 256 ? base64Values[code] : -1;
    if (value < 0) continue;
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
  return encodeBase64(bytes, false);
}

// The WHATWG forgiving-base64 decode.
function atob(input) {
  if (arguments.length === 0) throw internal.codedError(TypeError, 'ERR_MISSING_ARGS', 'The "data" argument must be specified');
  let text = `${input}`.replace(/[\t\n\f\r ]/g, '');
  if (text.length % 4 === 0) text = text.replace(/==?$/, '');
  if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
    throw invalidCharacter('The string to be decoded is not correctly encoded.');
  }
  return latin1Decode(decodeBase64Lenient(text));
}

function normalizeEncoding(encoding) {
  const name = `${encoding ?? 'utf8'}`.toLowerCase();
  switch (name) {
    case 'utf8': case 'utf-8': return 'utf8';
    case 'latin1': case 'binary': return 'latin1';
    case 'ascii': return 'ascii';
    case 'base64': return 'base64';
    case 'base64url': return 'base64url';
    case 'hex': return 'hex';
    case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
    default:
      throw internal.codedError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
  }
}

function stringToBytes(text, encoding) {
  switch (normalizeEncoding(encoding)) {
    case 'utf8': return encodeUtf8(text);
    case 'latin1': case 'ascii': {
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
      return bytes;
    }
    case 'base64': case 'base64url': return decodeBase64Lenient(text);
    case 'hex': {
      const bytes = new Uint8Array(text.length >>> 1);
      let length = 0;
      for (; length < bytes.length; length++) {
        const byte = Number.parseInt(text.substr(length * 2, 2), 16);
        if (Number.isNaN(byte) || !/^[0-9a-fA-F]{2}$/.test(text.substr(length * 2, 2))) break;
        bytes[length] = byte;
      }
      return bytes.subarray(0, length);
    }
    case 'utf16le': {
      const bytes = new Uint8Array(text.length * 2);
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        bytes[i * 2] = code & 0xff;
        bytes[i * 2 + 1] = code >> 8;
      }
      return bytes;
    }
  }
  return encodeUtf8(text);
}

function bytesToString(bytes, encoding) {
  switch (normalizeEncoding(encoding)) {
    case 'utf8': return decodeUtf8(bytes, false);
    case 'latin1': return latin1Decode(bytes);
    case 'ascii': {
      let text = '';
      for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i] & 0x7f);
      return text;
    }
    case 'base64': return encodeBase64(bytes, false);
    case 'base64url': return encodeBase64(bytes, true);
    case 'hex': {
      let text = '';
      for (let i = 0; i < bytes.length; i++) text += bytes[i].toString(16).padStart(2, '0');
      return text;
    }
    case 'utf16le': return utf16leDecode(bytes);
  }
  return decodeUtf8(bytes, false);
}

class Buffer extends Uint8Array {
  static from(value, encodingOrOffset, length) {
    if (typeof value === 'string') {
      const bytes = stringToBytes(value, encodingOrOffset);
      return new Buffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)) {
      const offset = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset);
      return new Buffer(value, offset, length === undefined ? value.byteLength - offset : Number(length));
    }
    if (ArrayBuffer.isView(value) || Array.isArray(value)) {
      const copy = new Buffer(value.length);
      for (let i = 0; i < value.length; i++) copy[i] = value[i];
      return copy;
    }
    if (value !== null && typeof value === 'object' && value.type === 'Buffer' && Array.isArray(value.data)) {
      return Buffer.from(value.data);
    }
    throw internal.invalidArgType('first argument',
                                  'of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object',
                                  value);
  }

  static alloc(size, fill, encoding) {
    const buffer = new Buffer(size);
    if (fill !== undefined && fill !== 0) buffer.fill(fill, 0, size, encoding);
    return buffer;
  }

  static allocUnsafe(size) {
    return new Buffer(size);
  }

  static isBuffer(value) {
    return value instanceof Buffer;
  }

  static isEncoding(encoding) {
    try {
      normalizeEncoding(encoding);
      return typeof encoding === 'string';
    } catch {
      return false;
    }
  }

  static byteLength(value, encoding) {
    if (typeof value === 'string') return stringToBytes(value, encoding).length;
    return value.byteLength;
  }

  static concat(list, totalLength) {
    const total = totalLength ?? list.reduce((sum, item) => sum + item.length, 0);
    const out = Buffer.alloc(total);
    let offset = 0;
    for (const item of list) {
      if (offset >= total) break;
      const part = item.length > total - offset ? item.subarray(0, total - offset) : item;
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  fill(value, offset = 0, end = this.length, encoding) {
    if (typeof value === 'string') {
      const pattern = stringToBytes(value, encoding);
      if (pattern.length === 0) return super.fill(0, offset, end);
      for (let i = offset, j = 0; i < end; i++, j = (j + 1) % pattern.length) this[i] = pattern[j];
      return this;
    }
    return super.fill(value, offset, end);
  }

  toString(encoding, start = 0, end = this.length) {
    return bytesToString(call(TypedArraySubarray, this, start, end), encoding);
  }

  toJSON() {
    return { type: 'Buffer', data: Array.from(this) };
  }

  equals(other) {
    if (!(other instanceof Uint8Array)) throw internal.invalidArgType('otherBuffer', 'an instance of Buffer or Uint8Array', other);
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
    return true;
  }

  write(text, offset = 0, length = this.length - offset, encoding = 'utf8') {
    if (typeof offset === 'string') [encoding, offset, length] = [offset, 0, this.length];
    const bytes = stringToBytes(`${text}`, encoding);
    const count = Math.min(bytes.length, length, this.length - offset);
    this.set(bytes.subarray(0, count), offset);
    return count;
  }

  slice(start, end) {
    return this.subarray(start, end);
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    let hex = '';
    const shown = Math.min(this.length, 50);
    for (let i = 0; i < shown; i++) hex += ` ${this[i].toString(16).padStart(2, '0')}`;
    if (this.length > shown) hex += ` ... ${this.length - shown} more byte${this.length - shown > 1 ? 's' : ''}`;
    return `<Buffer${hex}>`;
  }
}

internal.DOMException = DOMException;
internal.TextEncoder = TextEncoder;
internal.TextDecoder = TextDecoder;
internal.atob = atob;
internal.btoa = btoa;
internal.Buffer = Buffer;
internal.bufferFromBytes = (bytes) => new Buffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
