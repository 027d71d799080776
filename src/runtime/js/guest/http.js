'use strict';
// A minimal `http` builtin over guest `net` (so VM-internal loopback only): HTTP/1.1 servers
// (createServer, IncomingMessage, ServerResponse) and clients (request, get, ClientRequest) with
// Content-Length and chunked bodies. One request per connection: every message carries
// `Connection: close` and the connection ends after the response (no keep-alive agent, no
// upgrades, no trailers, no 100-continue).

const { codedError, invalidArgType } = internal;

const MAX_HEADER_BYTES = 16 * 1024;  // Node's default --max-http-header-size

const STATUS_CODES = {
  __proto__: null,
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content',
  206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  418: "I'm a Teapot", 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

function createHttp() {
  const net = internal.requireBuiltin('net');
  const { Readable, Writable } = internal.requireBuiltin('stream');
  const { Buffer } = internal;

  function parseError(message) {
    return codedError(Error, 'HPE_INVALID_CONSTANT', `Parse Error: ${message}`);
  }

  // Incremental HTTP/1.1 message parser: feed() bytes, it calls onHead(head) once and then
  // onBody(chunk) / onEnd() as the body (by Content-Length, chunked, or until close) arrives.
  class MessageParser {
    #buffer = Buffer.alloc(0);
    #state = 'head';
    #remaining = 0;
    #untilClose = false;

    constructor(isRequest, handlers) {
      this.isRequest = isRequest;
      this.handlers = handlers;
    }

    feed(chunk) {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      while (this.#step()) { /* each step consumes what it can */ }
    }

    // The peer closed: a body read until close ends now; anything else is truncated.
    finish() {
      if (this.#state === 'body' && this.#untilClose) {
        this.#state = 'done';
        this.handlers.onEnd();
      } else if (this.#state !== 'done' && !(this.#state === 'head' && this.#buffer.length === 0)) {
        this.handlers.onError(codedError(Error, 'ECONNRESET', 'socket hang up'));
      }
    }

    #step() {
      switch (this.#state) {
        case 'head': return this.#parseHead();
        case 'body': return this.#parseBody();
        case 'chunk-size': return this.#parseChunkSize();
        case 'chunk-data': return this.#parseChunkData();
        case 'chunk-end': return this.#expectCrlf('chunk-size');
        case 'trailer': return this.#parseTrailer();
        default: return false;
      }
    }

    #parseHead() {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (this.#buffer.length > MAX_HEADER_BYTES) throw parseError('header overflow');
        return false;
      }
      const lines = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
      this.#buffer = this.#buffer.subarray(end + 4);
      const first = lines.shift();
      const head = { headers: { __proto__: null }, rawHeaders: [] };
      if (this.isRequest) {
        const match = /^([A-Z]+) (\S+) HTTP\/(\d)\.(\d)$/.exec(first);
        if (match === null) throw parseError('invalid request line');
        head.method = match[1];
        head.url = match[2];
        head.httpVersion = `${match[3]}.${match[4]}`;
      } else {
        const match = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(first);
        if (match === null) throw parseError('invalid status line');
        head.httpVersion = `${match[1]}.${match[2]}`;
        head.statusCode = Number(match[3]);
        head.statusMessage = match[4] ?? '';
      }
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon <= 0) throw parseError('invalid header');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        head.rawHeaders.push(name, value);
        const key = name.toLowerCase();
        if (head.headers[key] === undefined) head.headers[key] = value;
        else if (key === 'set-cookie') head.headers[key] = [].concat(head.headers[key], value);
        else head.headers[key] += `, ${value}`;
      }
      head.headers = { ...head.headers };
      const encoding = head.headers['transfer-encoding'];
      const length = head.headers['content-length'];
      const bodiless = this.isRequest
        ? encoding === undefined && length === undefined
        : head.statusCode === 204 || head.statusCode === 304 || (head.statusCode >= 100 && head.statusCode < 200) ||
          this.handlers.isHeadResponse?.();
      this.handlers.onHead(head);
      if (bodiless) {
        this.#done();
      } else if (encoding !== undefined && /(^|,)\s*chunked\s*$/i.test(encoding)) {
        this.#state = 'chunk-size';
      } else if (length !== undefined) {
        if (!/^\d+$/.test(length)) throw parseError('invalid content-length');
        this.#remaining = Number(length);
        this.#state = 'body';
        if (this.#remaining === 0) this.#done();
      } else {
        this.#untilClose = true;
        this.#state = 'body';
      }
      return true;
    }

    #done() {
      this.#state = 'done';
      this.handlers.onEnd();
    }

    #parseBody() {
      if (this.#buffer.length === 0) return false;
      const take = this.#untilClose ? this.#buffer.length : Math.min(this.#remaining, this.#buffer.length);
      const chunk = this.#buffer.subarray(0, take);
      this.#buffer = this.#buffer.subarray(take);
      this.handlers.onBody(chunk);
      if (!this.#untilClose) {
        this.#remaining -= take;
        if (this.#remaining === 0) this.#done();
      }
      return this.#state !== 'done';
    }

    #parseChunkSize() {
      const end = this.#buffer.indexOf('\r\n');
      if (end === -1) return false;
      const text = this.#buffer.subarray(0, end).toString('latin1').split(';')[0].trim();
      if (!/^[0-9a-fA-F]+$/.test(text)) throw parseError('invalid chunk size');
      this.#buffer = this.#buffer.subarray(end + 2);
      this.#remaining = parseInt(text, 16);
      this.#state = this.#remaining === 0 ? 'trailer' : 'chunk-data';
      return true;
    }

    #parseChunkData() {
      if (this.#buffer.length === 0) return false;
      const take = Math.min(this.#remaining, this.#buffer.length);
      this.handlers.onBody(this.#buffer.subarray(0, take));
      this.#buffer = this.#buffer.subarray(take);
      this.#remaining -= take;
      if (this.#remaining === 0) this.#state = 'chunk-end';
      return true;
    }

    #expectCrlf(next) {
      if (this.#buffer.length < 2) return false;
      if (this.#buffer[0] !== 13 || this.#buffer[1] !== 10) throw parseError('invalid chunk terminator');
      this.#buffer = this.#buffer.subarray(2);
      this.#state = next;
      return true;
    }

    #parseTrailer() {
      const end = this.#buffer.indexOf('\r\n');
      if (end === -1) return false;
      this.#buffer = this.#buffer.subarray(end + 2);
      if (end === 0) this.#done();
      return true;
    }
  }

  class IncomingMessage extends Readable {
    constructor(socket) {
      super();
      this.socket = socket;
      this.headers = {};
      this.rawHeaders = [];
      this.trailers = {};
      this.httpVersion = '1.1';
      this.complete = false;
    }

    _read() {
      this.socket?.resume();
    }

    setTimeout(ms, callback) {
      this.socket?.setTimeout(ms, callback);
      return this;
    }
  }

  function validateHeaderName(name) {
    if (typeof name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw codedError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Header name must be a valid HTTP token ["${name}"]`);
    }
  }

  function validateHeaderValue(name, value) {
    if (value === undefined) {
      throw codedError(TypeError, 'ERR_HTTP_INVALID_HEADER_VALUE', `Invalid value "undefined" for header "${name}"`);
    }
    if (/[\r\n]/.test(String(value))) {
      throw codedError(TypeError, 'ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
    }
  }

  // Headers and body framing shared by ServerResponse and ClientRequest: the head goes out with
  // the first write (chunked unless Content-Length was set, or the whole body at end()).
  class OutgoingMessage extends Writable {
    #headers = new Map();  // lower-case name -> [name, value]
    #chunked = false;
    headersSent = false;

    constructor(socket) {
      // Finishing the message must not destroy it: a request's socket still carries the response.
      super({ decodeStrings: true, autoDestroy: false });
      this.socket = socket;
      this.connection = socket;
    }

    setHeader(name, value) {
      if (this.headersSent) throw codedError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot set headers after they are sent to the client');
      validateHeaderName(name);
      validateHeaderValue(name, value);
      this.#headers.set(name.toLowerCase(), [name, value]);
      return this;
    }

    getHeader(name) {
      return this.#headers.get(String(name).toLowerCase())?.[1];
    }

    getHeaders() {
      const headers = { __proto__: null };
      for (const [key, [, value]] of this.#headers) headers[key] = value;
      return headers;
    }

    getHeaderNames() {
      return [...this.#headers.keys()];
    }

    hasHeader(name) {
      return this.#headers.has(String(name).toLowerCase());
    }

    removeHeader(name) {
      if (this.headersSent) throw codedError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot remove headers after they are sent to the client');
      this.#headers.delete(String(name).toLowerCase());
    }

    // The start line of the message (subclasses).
    startLine() {
      return '';
    }

    hasBody() {
      return true;
    }

    // Sends the head; `bodyLength` is known when the whole body is given at end().
    #sendHead(bodyLength) {
      if (this.headersSent) return;
      if (!this.#headers.has('connection')) this.#headers.set('connection', ['Connection', 'close']);
      if (this.hasBody() && !this.#headers.has('content-length') && !this.#headers.has('transfer-encoding')) {
        if (bodyLength === undefined) {
          this.#headers.set('transfer-encoding', ['Transfer-Encoding', 'chunked']);
        } else {
          this.#headers.set('content-length', ['Content-Length', String(bodyLength)]);
        }
      }
      const encoding = this.#headers.get('transfer-encoding')?.[1];
      this.#chunked = encoding !== undefined && /chunked/i.test(String(encoding));
      let head = this.startLine();
      for (const [, [name, value]] of this.#headers) {
        for (const item of Array.isArray(value) ? value : [value]) head += `${name}: ${item}\r\n`;
      }
      this.headersSent = true;
      this.socket.write(`${head}\r\n`, 'latin1');
    }

    flushHeaders() {
      this.#sendHead(undefined);
    }

    _write(chunk, encoding, callback) {
      this.#sendHead(undefined);
      if (chunk.length === 0 || !this.hasBody()) return callback();
      if (this.#chunked) {
        this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        this.socket.write(chunk);
        this.socket.write('\r\n', 'latin1', () => callback());
      } else {
        this.socket.write(chunk, () => callback());
      }
    }

    _final(callback) {
      this.#sendHead(0);
      if (this.#chunked) this.socket.write('0\r\n\r\n', 'latin1');
      this.messageDone(callback);
    }

    // After the last byte of the message (subclasses).
    messageDone(callback) {
      callback();
    }

    // end(data) with nothing written before sends Content-Length instead of chunks.
    end(chunk, encoding, callback) {
      if (typeof chunk === 'function') return super.end(chunk);
      if (chunk !== undefined && chunk !== null && !this.headersSent && !this.writableLength) {
        const body = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk);
        this.#sendHead(body.length);
        return super.end(body, typeof encoding === 'function' ? encoding : callback);
      }
      return super.end(chunk, encoding, callback);
    }
  }

  class ServerResponse extends OutgoingMessage {
    statusCode = 200;
    statusMessage = undefined;
    #request;

    constructor(request) {
      super(request.socket);
      this.req = request;
      this.#request = request;
      this.sendDate = true;
    }

    writeHead(statusCode, statusMessage, headers) {
      if (typeof statusMessage === 'object' && statusMessage !== null) {
        headers = statusMessage;
        statusMessage = undefined;
      }
      this.statusCode = statusCode;
      if (typeof statusMessage === 'string') this.statusMessage = statusMessage;
      if (Array.isArray(headers)) {
        for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(headers[i], headers[i + 1]);
      } else if (headers) {
        for (const name of Object.keys(headers)) this.setHeader(name, headers[name]);
      }
      return this;
    }

    hasBody() {
      return this.#request.method !== 'HEAD' && this.statusCode !== 204 && this.statusCode !== 304;
    }

    startLine() {
      if (this.sendDate && !this.hasHeader('date')) this.setHeader('Date', new Date().toUTCString());
      const message = this.statusMessage ?? STATUS_CODES[this.statusCode] ?? 'unknown';
      return `HTTP/1.1 ${this.statusCode} ${message}\r\n`;
    }

    messageDone(callback) {
      this.socket.end(() => callback());
    }
  }

  class Server extends net.Server {
    constructor(options, requestListener) {
      if (typeof options === 'function') {
        requestListener = options;
        options = {};
      }
      super({ allowHalfOpen: true });
      if (typeof requestListener === 'function') this.on('request', requestListener);
      this.on('connection', (socket) => this.#serve(socket));
    }

    #serve(socket) {
      let request = null;
      const parser = new MessageParser(true, {
        onHead: (head) => {
          request = new IncomingMessage(socket);
          Object.assign(request, head);
          const response = new ServerResponse(request);
          this.emit('request', request, response);
        },
        onBody: (chunk) => {
          if (!request.push(chunk)) socket.pause();
        },
        onEnd: () => {
          request.complete = true;
          request.push(null);
        },
        onError: () => socket.destroy(),
      });
      socket.on('data', (chunk) => {
        try {
          parser.feed(chunk);
        } catch (error) {
          this.emit('clientError', error, socket);
          if (this.listenerCount('clientError') === 0) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        }
      });
      socket.on('end', () => parser.finish());
      socket.on('error', () => {});
    }

    setTimeout(ms, callback) {
      if (typeof callback === 'function') this.on('timeout', callback);
      return this;
    }
  }

  class ClientRequest extends OutgoingMessage {
    #head;
    #aborted = false;

    constructor(options, callback) {
      const host = options.hostname ?? options.host ?? 'localhost';
      const port = Number(options.port ?? 80);
      const socket = options.socketPath !== undefined
        ? net.connect(options.socketPath) : net.connect({ host: String(host).replace(/^\[|\]$/g, ''), port });
      super(socket);
      this.method = String(options.method ?? 'GET').toUpperCase();
      if (!METHODS.includes(this.method) && !/^[A-Z]+$/.test(this.method)) {
        throw codedError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Method must be a valid HTTP token ["${options.method}"]`);
      }
      this.path = options.path ?? '/';
      this.host = host;
      this.protocol = 'http:';
      if (typeof callback === 'function') this.once('response', callback);
      const headers = options.headers ?? {};
      for (const name of Object.keys(headers)) this.setHeader(name, headers[name]);
      if (!this.hasHeader('host')) this.setHeader('Host', port === 80 ? String(host) : `${host}:${port}`);
      this.#head = `${this.method} ${this.path} HTTP/1.1\r\n`;
      let response = null;
      const parser = new MessageParser(false, {
        isHeadResponse: () => this.method === 'HEAD',
        onHead: (head) => {
          response = new IncomingMessage(socket);
          Object.assign(response, head);
          this.res = response;
          this.emit('response', response);
          if (this.listenerCount('response') === 0) response.resume();
        },
        onBody: (chunk) => {
          if (!response.push(chunk)) socket.pause();
        },
        onEnd: () => {
          response.complete = true;
          response.push(null);
          socket.end();
        },
        onError: (error) => this.#fail(error),
      });
      socket.on('data', (chunk) => {
        try {
          parser.feed(chunk);
        } catch (error) {
          socket.destroy();
          this.#fail(error);
        }
      });
      socket.on('end', () => parser.finish());
      socket.on('error', (error) => this.#fail(error));
      socket.on('connect', () => this.emit('socket', socket));
    }

    #fail(error) {
      if (this.#aborted) return;
      this.#aborted = true;
      if (this.res && !this.res.complete) this.res.destroy(error);
      else if (!this.res) this.emit('error', error);
    }

    // GET and HEAD requests carry a body only when the caller writes one.
    hasBody() {
      return (this.method !== 'GET' && this.method !== 'HEAD') || this.writableLength > 0;
    }

    startLine() {
      return this.#head;
    }

    setTimeout(ms, callback) {
      this.socket.setTimeout(ms, () => {
        if (typeof callback === 'function') callback();
        this.emit('timeout');
      });
      return this;
    }

    abort() {
      this.destroy();
    }

    _destroy(error, callback) {
      this.socket.destroy();
      callback(error);
    }
  }

  // (url | options, [options], [callback])
  function normalizeRequestArgs(input, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    let merged = {};
    const { URL } = internal.requireBuiltin('url');
    if (typeof input === 'string' || input instanceof URL) {
      const url = typeof input === 'string' ? new URL(input) : input;
      if (url.protocol !== 'http:') {
        throw codedError(TypeError, 'ERR_INVALID_PROTOCOL', `Protocol "${url.protocol}" not supported. Expected "http:"`);
      }
      merged = { hostname: url.hostname, port: url.port || 80, path: `${url.pathname}${url.search}` };
    } else if (input !== null && typeof input === 'object') {
      merged = { ...input };
    } else {
      throw invalidArgType('options', 'of type string or object or an instance of URL', input);
    }
    if (options !== undefined && options !== null) merged = { ...merged, ...options };
    return [merged, callback];
  }

  function request(input, options, callback) {
    const [merged, done] = normalizeRequestArgs(input, options, callback);
    return new ClientRequest(merged, done);
  }

  function get(input, options, callback) {
    const req = request(input, options, callback);
    req.end();
    return req;
  }

  return {
    METHODS, STATUS_CODES, Server, ServerResponse, IncomingMessage, ClientRequest, OutgoingMessage,
    createServer: (options, listener) => new Server(options, listener),
    request, get, maxHeaderSize: MAX_HEADER_BYTES, validateHeaderName, validateHeaderValue,
  };
}

internal.defineBuiltin('http', createHttp);
