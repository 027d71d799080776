'use strict';
// The `net` builtin over the VM's kernel sockets (net_natives.cc): TCP over loopback and Unix
// stream sockets between processes of one VM; nothing reaches the host network. A connect to a
// host outside loopback fails with ENETUNREACH naming that policy.
// Readiness: every socket is a non-blocking kernel descriptor. While any socket or server of this
// process is open, the process watches the kernel's readiness (netWatch) and the loop's io-ready
// event runs onReady() of each (a handler registered with internal.addIoReadyHandler), which
// accepts, reads and flushes what it can without blocking.
// A read that finds nothing, or a write the kernel cannot take yet (maxSocketBufferedBytes is
// VM-wide), simply waits for the next event - back-pressure instead of memory growth.
// Keep-alive: an open, ref'd socket or listening server holds the loop (internal.refHandle).
// Divergences: listen() without a host binds 0.0.0.0 (Node: '::' dual-stack), since the kernel's
// IPv4 and IPv6 wildcards do not overlap; names other than localhost are not resolved (no DNS).

const {
  netSocket, netListen, netConnect, netAccept, netRead, netWrite, netShutdown, netInfo, netWatch, fsClose,
} = native;
const { codedError, invalidArgType, EventEmitter } = internal;

const KIND_TCP4 = 0;
const KIND_TCP6 = 1;
const KIND_UNIX = 2;
const READ_CHUNK = 65536;
const DEFAULT_BACKLOG = 511;

// ---- readiness -----------------------------------------------------------------------------------

const openHandles = new Set();  // sockets and servers with an open descriptor
let watching = false;

function updateWatch() {
  const wanted = openHandles.size > 0;
  if (wanted === watching) return;
  watching = wanted;
  netWatch(wanted);
}

function onIoReady() {
  for (const handle of [...openHandles]) {
    try {
      handle.onReady();
    } catch (error) {
      internal.reportUncaught(error);
    }
  }
  updateWatch();
}

// Registers readiness handlers of net and dgram: `onReady()` runs on every io-ready event while
// the handle is open.
internal.net = {
  __proto__: null,
  open(handle) {
    openHandles.add(handle);
    updateWatch();
  },
  close(handle) {
    openHandles.delete(handle);
    updateWatch();
  },
};

internal.addIoReadyHandler(onIoReady);

// ---- addresses and errors ------------------------------------------------------------------------

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv4(input) {
  return typeof input === 'string' && ipv4Pattern.test(input);
}

function isIPv6(input) {
  if (typeof input !== 'string' || input.length < 2 || input.length > 45) return false;
  let text = input;
  const zone = text.indexOf('%');
  if (zone !== -1) {
    if (zone === text.length - 1) return false;
    text = text.slice(0, zone);
  }
  let groups = text.split(':');
  const last = groups[groups.length - 1];
  let width = 8;
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    groups = groups.slice(0, -1);
    width = 6;
    if (groups.length > 0 && groups[groups.length - 1] === '') groups.push('');
  }
  const compressed = text.indexOf('::');
  if (compressed !== -1 && text.indexOf('::', compressed + 1) !== -1) return false;
  const hex = /^[0-9a-fA-F]{1,4}$/;
  if (compressed === -1) return groups.length === width && groups.every((group) => hex.test(group));
  const nonEmpty = groups.filter((group) => group !== '');
  return nonEmpty.length < width && nonEmpty.every((group) => hex.test(group));
}

function isIP(input) {
  if (isIPv4(input)) return 4;
  if (isIPv6(input)) return 6;
  return 0;
}

// libuv's descriptions of the codes a socket call reports.
const descriptions = {
  __proto__: null,
  EACCES: 'permission denied',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EAGAIN: 'resource temporarily unavailable',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
  ENETUNREACH: 'network is unreachable',
  ENFILE: 'file table overflow',
  ENOTCONN: 'socket is not connected',
  EPIPE: 'broken pipe',
};

// Node's error from a failed socket call: "connect ECONNREFUSED 127.0.0.1:9" with code, errno,
// syscall, address and port. Where the kernel names a reason libuv has no text for (a VM limit,
// the loopback-only policy, a permission rule), the message carries it.
function socketError(error, syscall, address, port) {
  if (error === null || typeof error !== 'object' || typeof error.code !== 'string' ||
      typeof error.errno !== 'number') {
    return error;
  }
  const { code } = error;
  const kernelText = typeof error.message === 'string' && error.message.startsWith(`${code}: `)
    ? error.message.slice(code.length + 2) : '';
  let detail = '';
  if (code === 'EAGAIN' || code === 'EACCES' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' ||
      code === 'EMFILE' || code === 'ENFILE' || code === 'EINVAL') {
    detail = kernelText || descriptions[code] || '';
  } else if (syscall !== 'connect') {
    detail = descriptions[code] ?? kernelText;
  }
  let message = detail ? `${syscall} ${code}: ${detail}` : `${syscall} ${code}`;
  if (address !== undefined) message += port !== undefined && port !== -1 ? ` ${address}:${port}` : ` ${address}`;
  const converted = new Error(message);
  for (const [name, value] of [['errno', error.errno], ['code', code], ['syscall', syscall]]) {
    internal.definePlain(converted, name, value);
  }
  if (address !== undefined) internal.definePlain(converted, 'address', address);
  if (port !== undefined && port !== -1) internal.definePlain(converted, 'port', port);
  return converted;
}

function validatePort(port, name = 'options.port') {
  if (typeof port === 'string' && port.trim() !== '' && !Number.isNaN(Number(port))) port = Number(port);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw codedError(RangeError, 'ERR_SOCKET_BAD_PORT',
                     `${name} should be >= 0 and < 65536. Received ${internal.inspect(port)}.`);
  }
  return port;
}

function resolveSocketPath(path) {
  return internal.kernel.resolvePath(internal.cwd, path);
}

// The family of the socket a connect to `host` needs.
function kindForHost(host) {
  return isIPv6(host) ? KIND_TCP6 : KIND_TCP4;
}

function family(host) {
  return isIPv6(host) ? 'IPv6' : 'IPv4';
}

function closeFd(fd) {
  try {
    fsClose(fd);
  } catch {
    // Already closed with its process table entry: nothing is left to release.
  }
}

// ---- the classes, built on the bundled readable-stream at the first require ----------------------

function createNet() {
  const { Duplex } = internal.requireBuiltin('stream');

  // Holds the loop while open and ref'd.
  class LoopHold {
    #held = false;
    refed = true;

    update(open) {
      const wanted = open && this.refed;
      if (wanted === this.#held) return;
      this.#held = wanted;
      if (wanted) internal.refHandle();
      else internal.unrefHandle();
    }
  }

  class Socket extends Duplex {
    #fd = -1;
    #hold = new LoopHold();
    #reading = false;
    #pendingWrite = null;  // { data: Buffer, callback }
    #pendingFinal = null;
    #local = undefined;
    #remote = undefined;
    #path = undefined;
    #timeout = 0;
    #timer = null;
    bytesRead = 0;
    #bytesWritten = 0;
    connecting = false;

    constructor(options) {
      if (options !== undefined && (options === null || typeof options !== 'object')) {
        throw invalidArgType('options', 'of type object', options);
      }
      const opts = options ?? {};
      super({
        allowHalfOpen: opts.allowHalfOpen === true,
        emitClose: false,
        autoDestroy: true,
        decodeStrings: true,
        readableHighWaterMark: opts.readableHighWaterMark,
        writableHighWaterMark: opts.writableHighWaterMark,
      });
      if (typeof opts.fd === 'number') this.#attach(opts.fd);
    }

    // An accepted or freshly connected descriptor.
    #attach(fd) {
      this.#fd = fd;
      this.connecting = false;
      try {
        const [local, peer] = netInfo(fd);
        this.#local = local;
        this.#remote = peer;
      } catch {
        // The descriptor stays usable; only its addresses are unknown.
      }
      internal.net.open(this);
      this.#hold.update(true);
      this.#touch();
      // Like Node, start reading at once (up to the high-water mark) so end of file is seen even
      // by a socket nobody reads from.
      this.read(0);
    }

    get readyState() {
      if (this.connecting) return 'opening';
      if (this.readable && this.writable) return 'open';
      if (this.readable) return 'readOnly';
      if (this.writable) return 'writeOnly';
      return 'closed';
    }

    get pending() {
      return this.#fd < 0 || this.connecting;
    }

    get bytesWritten() {
      return this.#bytesWritten;
    }

    get remoteAddress() {
      if (this.#remote === undefined || this.#remote[2] !== '') return undefined;
      return this.#remote[0];
    }

    get remotePort() {
      if (this.#remote === undefined || this.#remote[2] !== '') return undefined;
      return this.#remote[1];
    }

    get remoteFamily() {
      const address = this.remoteAddress;
      return address === undefined ? undefined : family(address);
    }

    get localAddress() {
      if (this.#local === undefined || this.#local[2] !== '') return undefined;
      return this.#local[0];
    }

    get localPort() {
      if (this.#local === undefined || this.#local[2] !== '') return undefined;
      return this.#local[1];
    }

    get localFamily() {
      const address = this.localAddress;
      return address === undefined ? undefined : family(address);
    }

    address() {
      if (this.#local === undefined) return {};
      if (this.#local[2] !== '') return this.#local[2];
      return { address: this.#local[0], family: family(this.#local[0]), port: this.#local[1] };
    }

    setNoDelay() {
      return this;
    }

    setKeepAlive() {
      return this;
    }

    setTimeout(timeout, callback) {
      if (typeof timeout !== 'number' || !(timeout >= 0)) {
        throw codedError(RangeError, 'ERR_OUT_OF_RANGE',
                         `The value of "timeout" is out of range. It must be a non-negative finite number. Received ${timeout}`);
      }
      this.#timeout = timeout;
      if (typeof callback === 'function') {
        if (timeout === 0) this.removeListener('timeout', callback);
        else this.once('timeout', callback);
      }
      this.#touch();
      return this;
    }

    get timeout() {
      return this.#timeout;
    }

    // Restarts the inactivity timer (an unref'd timer: it never keeps the process alive).
    #touch() {
      if (this.#timer !== null) {
        internal.timers.clearTimeout(this.#timer);
        this.#timer = null;
      }
      if (this.#timeout > 0 && !this.destroyed) {
        this.#timer = internal.timers.setTimeout(() => {
          this.#timer = null;
          this.emit('timeout');
        }, this.#timeout);
        this.#timer.unref?.();
      }
    }

    ref() {
      this.#hold.refed = true;
      this.#hold.update(this.#fd >= 0);
      return this;
    }

    unref() {
      this.#hold.refed = false;
      this.#hold.update(this.#fd >= 0);
      return this;
    }

    connect(...args) {
      const [options, callback] = normalizeConnectArgs(args);
      if (this.#fd >= 0 || this.connecting) {
        throw codedError(Error, 'ERR_SOCKET_CONNECTION_ALREADY_OPEN', 'Socket is already open');
      }
      if (typeof callback === 'function') this.once('connect', callback);
      let host;
      let port;
      let path;
      if (typeof options.path === 'string') {
        path = resolveSocketPath(options.path);
      } else {
        port = validatePort(options.port);
        host = options.host === undefined || options.host === null || options.host === '' ? 'localhost' : options.host;
        if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
      }
      if (options.timeout !== undefined) this.setTimeout(options.timeout);
      this.connecting = true;
      this.#path = path;
      // Node connects asynchronously: errors and 'connect' arrive after connect() returns.
      internal.nextTick(() => this.#connectNow(host, port, path));
      return this;
    }

    #connectNow(host, port, path) {
      if (this.destroyed) return;
      let fd = -1;
      try {
        fd = netSocket(path !== undefined ? KIND_UNIX : kindForHost(host));
        netConnect(fd, host ?? '', port ?? 0, path ?? '');
      } catch (error) {
        if (fd >= 0) closeFd(fd);
        this.connecting = false;
        const shownHost = host === 'localhost' ? '127.0.0.1' : host;
        this.destroy(socketError(error, 'connect', path ?? shownHost, path === undefined ? port : undefined));
        return;
      }
      this.#attach(fd);
      this.emit('connect');
      this.emit('ready');
      this.#flushPending();
      if (this.#reading) this.#pump();
    }

    // Reads until nothing is readable, end of file, or the stream's buffer is full.
    #pump() {
      while (this.#fd >= 0 && this.#reading) {
        let chunk;
        try {
          chunk = netRead(this.#fd, READ_CHUNK);
        } catch (error) {
          this.destroy(socketError(error, 'read'));
          return;
        }
        if (chunk === null) return;
        this.#touch();
        if (chunk.length === 0) {
          this.#reading = false;
          this.push(null);
          this.read(0);  // with nothing buffered, 'end' follows even if nobody reads (as in Node)
          return;
        }
        this.bytesRead += chunk.length;
        if (!this.push(internal.bufferFromBytes(chunk))) this.#reading = false;
      }
    }

    // Writes what the kernel takes now; the rest waits for readiness.
    #flushPending() {
      while (this.#pendingWrite !== null && this.#fd >= 0) {
        const pending = this.#pendingWrite;
        let written;
        try {
          written = netWrite(this.#fd, pending.data);
        } catch (error) {
          this.#pendingWrite = null;
          pending.callback(socketError(error, 'write'));
          return;
        }
        if (written === 0) return;
        this.#bytesWritten += written;
        this.#touch();
        if (written < pending.data.length) {
          pending.data = pending.data.subarray(written);
          continue;
        }
        this.#pendingWrite = null;
        pending.callback();
      }
      if (this.#pendingWrite === null && this.#pendingFinal !== null) {
        const callback = this.#pendingFinal;
        this.#pendingFinal = null;
        this.#shutdown(callback);
      }
    }

    #shutdown(callback) {
      try {
        netShutdown(this.#fd);
      } catch (error) {
        // The peer already went away: there is no write side left to close.
        if (error?.code !== 'ENOTCONN') return callback(socketError(error, 'shutdown'));
      }
      callback();
    }

    onReady() {
      if (this.#fd < 0) return;
      if (this.#pendingWrite !== null || this.#pendingFinal !== null) this.#flushPending();
      if (this.#reading) this.#pump();
    }

    _read() {
      this.#reading = true;
      if (this.#fd >= 0) this.#pump();
    }

    _write(chunk, encoding, callback) {
      this.#pendingWrite = { data: chunk, callback };
      if (this.#fd >= 0) this.#flushPending();
    }

    _final(callback) {
      if (this.#fd < 0 && !this.connecting) return callback();
      this.#pendingFinal = callback;
      if (this.#fd >= 0) this.#flushPending();
    }

    _destroy(error, callback) {
      this.connecting = false;
      if (this.#timer !== null) {
        internal.timers.clearTimeout(this.#timer);
        this.#timer = null;
      }
      if (this.#fd >= 0) {
        closeFd(this.#fd);
        this.#fd = -1;
        internal.net.close(this);
      }
      this.#hold.update(false);
      const pending = this.#pendingWrite;
      this.#pendingWrite = null;
      if (pending !== null) pending.callback(error ?? codedError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed'));
      callback(error);
      internal.nextTick(() => this.emit('close', error !== null && error !== undefined));
    }

    // Node's socket.end() returns the socket; destroySoon ends then destroys.
    destroySoon() {
      if (this.writable) this.end();
      if (this.writableFinished) this.destroy();
      else this.once('finish', () => this.destroy());
    }

    resetAndDestroy() {
      return this.destroy();
    }
  }

  class Server extends EventEmitter {
    #fd = -1;
    #hold = new LoopHold();
    #address = undefined;
    #connections = new Set();
    #closing = false;
    #closeCallbacks = [];
    maxConnections = undefined;

    constructor(options, connectionListener) {
      super();
      if (typeof options === 'function') {
        connectionListener = options;
        options = {};
      }
      this.allowHalfOpen = options?.allowHalfOpen === true;
      if (typeof connectionListener === 'function') this.on('connection', connectionListener);
    }

    get listening() {
      return this.#fd >= 0;
    }

    listen(...args) {
      const [options, callback] = normalizeListenArgs(args);
      if (this.#fd >= 0) throw codedError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
      if (typeof callback === 'function') this.once('listening', callback);
      const backlog = options.backlog === undefined ? DEFAULT_BACKLOG : Math.max(1, Number(options.backlog) | 0);
      let fd = -1;
      let host;
      let port;
      let path;
      if (typeof options.path === 'string') {
        path = resolveSocketPath(options.path);
      } else {
        port = validatePort(options.port ?? 0);
        host = options.host === undefined || options.host === null || options.host === '' ? '0.0.0.0' : options.host;
        if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
      }
      try {
        fd = netSocket(path !== undefined ? KIND_UNIX : kindForHost(host));
        this.#address = netListen(fd, host ?? '', port ?? 0, path ?? '', backlog);
      } catch (error) {
        if (fd >= 0) closeFd(fd);
        const shownHost = host === 'localhost' ? '127.0.0.1' : host;
        const converted = socketError(error, 'listen', path ?? shownHost, path === undefined ? port : undefined);
        internal.nextTick(() => this.emit('error', converted));
        return this;
      }
      this.#fd = fd;
      this.#closing = false;
      internal.net.open(this);
      this.#hold.update(true);
      internal.nextTick(() => {
        if (this.#fd === fd) this.emit('listening');
      });
      return this;
    }

    address() {
      if (this.#fd < 0 || this.#address === undefined) return null;
      const [host, port, path] = this.#address;
      if (path !== '') return path;
      return { address: host, family: family(host), port };
    }

    onReady() {
      while (this.#fd >= 0) {
        let fd;
        try {
          fd = netAccept(this.#fd);
        } catch (error) {
          this.emit('error', socketError(error, 'accept'));
          return;
        }
        if (fd === null) return;
        if (this.maxConnections !== undefined && this.#connections.size >= this.maxConnections) {
          closeFd(fd);
          this.emit('drop', {});
          continue;
        }
        const socket = new Socket({ fd, allowHalfOpen: this.allowHalfOpen });
        socket.server = this;
        this.#connections.add(socket);
        socket.once('close', () => {
          this.#connections.delete(socket);
          this.#maybeClosed();
        });
        this.emit('connection', socket);
      }
    }

    getConnections(callback) {
      const count = this.#connections.size;
      if (typeof callback === 'function') internal.nextTick(() => callback(null, count));
      return this;
    }

    close(callback) {
      if (typeof callback === 'function') {
        if (this.#fd < 0 && !this.#closing) {
          internal.nextTick(() => callback(codedError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.')));
        } else {
          this.#closeCallbacks.push(callback);
        }
      }
      if (this.#fd >= 0) {
        closeFd(this.#fd);
        this.#fd = -1;
        this.#closing = true;
        internal.net.close(this);
        this.#hold.update(false);
        this.#maybeClosed();
      }
      return this;
    }

    #maybeClosed() {
      if (!this.#closing || this.#connections.size > 0) return;
      this.#closing = false;
      const callbacks = this.#closeCallbacks;
      this.#closeCallbacks = [];
      internal.nextTick(() => {
        for (const callback of callbacks) callback();
        this.emit('close');
      });
    }

    ref() {
      this.#hold.refed = true;
      this.#hold.update(this.#fd >= 0);
      return this;
    }

    unref() {
      this.#hold.refed = false;
      this.#hold.update(this.#fd >= 0);
      return this;
    }

    [Symbol.asyncDispose]() {
      return new Promise((resolve) => this.close(() => resolve()));
    }
  }

  // (port, host, cb) | (path, cb) | (options, cb) -> [options, cb]
  function normalizeConnectArgs(args) {
    let options = {};
    let index = 0;
    const first = args[0];
    if (first !== null && typeof first === 'object') {
      options = { ...first };
      index = 1;
    } else if (typeof first === 'string' && Number.isNaN(Number(first))) {
      options = { path: first };
      index = 1;
    } else {
      options = { port: first };
      index = 1;
      if (typeof args[1] === 'string') {
        options.host = args[1];
        index = 2;
      }
    }
    const callback = typeof args[index] === 'function' ? args[index] : undefined;
    if (options.path === undefined && options.port === undefined) {
      throw codedError(TypeError, 'ERR_MISSING_ARGS', 'The "options" or "port" or "path" argument must be specified');
    }
    return [options, callback];
  }

  // (port, host, backlog, cb) | (path, backlog, cb) | (options, cb) | (cb) -> [options, cb]
  function normalizeListenArgs(args) {
    const last = args[args.length - 1];
    const callback = typeof last === 'function' ? last : undefined;
    const rest = callback === undefined ? args : args.slice(0, -1);
    const first = rest[0];
    if (first !== null && typeof first === 'object') return [{ ...first }, callback];
    if (typeof first === 'string' && Number.isNaN(Number(first))) return [{ path: first, backlog: rest[1] }, callback];
    const options = { port: first };
    if (typeof rest[1] === 'string') {
      options.host = rest[1];
      options.backlog = rest[2];
    } else if (typeof rest[1] === 'number') {
      options.backlog = rest[1];
    }
    return [options, callback];
  }

  function createServer(options, connectionListener) {
    return new Server(options, connectionListener);
  }

  function connect(...args) {
    const [options] = normalizeConnectArgs(args);
    const socket = new Socket(options);
    return socket.connect(...args);
  }

  return {
    Socket, Stream: Socket, Server, createServer, connect, createConnection: connect, isIP, isIPv4, isIPv6,
    getDefaultAutoSelectFamily: () => false, setDefaultAutoSelectFamily() {},
  };
}

internal.defineBuiltin('net', createNet);
