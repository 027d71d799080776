'use strict';
// The `dgram` builtin over the VM's kernel UDP sockets (net_natives.cc): datagrams between
// processes of one VM over loopback; nothing reaches the host network. Receiving uses the same
// readiness registry as net (internal.net, guest/net.js): while a bound socket is open the loop's
// io-ready event drains its queue into 'message' events. A send the kernel cannot queue (VM limits
// maxSocketBufferedBytes / maxSocketDatagramQueueLen) fails with EAGAIN naming the limit.

const { netSocket, netBind, netSend, netReceive, fsClose } = native;
const { codedError, invalidArgType, EventEmitter } = internal;

const KIND_UDP4 = 3;
const KIND_UDP6 = 4;
const MAX_DATAGRAM = 65507;

// "send EAGAIN: maximum socket buffered byte limit reached 127.0.0.1:41234" with code, errno,
// syscall, address and port.
function datagramError(error, syscall, address, port) {
  if (error === null || typeof error !== 'object' || typeof error.code !== 'string' ||
      typeof error.errno !== 'number') {
    return error;
  }
  const { code } = error;
  const detail = typeof error.message === 'string' && error.message.startsWith(`${code}: `)
    ? error.message.slice(code.length + 2) : '';
  let message = detail ? `${syscall} ${code}: ${detail}` : `${syscall} ${code}`;
  if (address !== undefined) message += ` ${address}:${port}`;
  const converted = new Error(message);
  internal.definePlain(converted, 'errno', error.errno);
  internal.definePlain(converted, 'code', code);
  internal.definePlain(converted, 'syscall', syscall);
  if (address !== undefined) {
    internal.definePlain(converted, 'address', address);
    internal.definePlain(converted, 'port', port);
  }
  return converted;
}

function validatePort(port) {
  if (typeof port === 'string' && port.trim() !== '' && !Number.isNaN(Number(port))) port = Number(port);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw codedError(RangeError, 'ERR_SOCKET_BAD_PORT',
                     `Port should be >= 0 and < 65536. Received ${internal.inspect(port)}.`);
  }
  return port;
}

function toBuffer(message) {
  const { Buffer } = internal;
  if (typeof message === 'string') return Buffer.from(message);
  if (ArrayBuffer.isView(message)) return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (Array.isArray(message)) return Buffer.concat(message.map(toBuffer));
  throw invalidArgType('msg', 'of type string or an instance of Buffer, TypedArray, or DataView', message);
}

class Socket extends EventEmitter {
  #type;
  #fd = -1;
  #bound = undefined;  // [host, port]
  #listening = false;  // 'listening' was emitted; sends before it wait in #queued, in order
  #queued = [];
  #refed = true;
  #held = false;

  constructor(type, listener) {
    super();
    const options = typeof type === 'object' && type !== null ? type : { type };
    if (options.type !== 'udp4' && options.type !== 'udp6') {
      throw codedError(TypeError, 'ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6');
    }
    this.#type = options.type;
    if (typeof listener === 'function') this.on('message', listener);
  }

  #updateHold() {
    const wanted = this.#fd >= 0 && this.#refed;
    if (wanted === this.#held) return;
    this.#held = wanted;
    if (wanted) internal.refHandle();
    else internal.unrefHandle();
  }

  #open() {
    if (this.#fd < 0) this.#fd = netSocket(this.#type === 'udp6' ? KIND_UDP6 : KIND_UDP4);
    return this.#fd;
  }

  #checkOpen() {
    if (this.#fd === -2) throw codedError(Error, 'ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
  }

  bind(...args) {
    this.#checkOpen();
    if (this.#bound !== undefined) throw codedError(Error, 'ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
    const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
    let port = 0;
    let address = '';
    if (args[0] !== null && typeof args[0] === 'object') {
      port = args[0].port ?? 0;
      address = args[0].address ?? '';
    } else {
      port = args[0] ?? 0;
      address = typeof args[1] === 'string' ? args[1] : '';
    }
    port = validatePort(port);
    if (callback !== undefined) this.once('listening', callback);
    try {
      const fd = this.#open();
      this.#bound = netBind(fd, address, port);
    } catch (error) {
      const shown = address || (this.#type === 'udp6' ? '::' : '0.0.0.0');
      const converted = datagramError(error, 'bind', shown, port);
      internal.nextTick(() => this.emit('error', converted));
      return this;
    }
    internal.net.open(this);
    this.#updateHold();
    internal.nextTick(() => {
      this.#listening = true;
      this.emit('listening');
      const queued = this.#queued;
      this.#queued = [];
      for (const deliver of queued) deliver();
    });
    return this;
  }

  // send(msg, [offset, length,] port, [address], [callback])
  send(message, ...args) {
    this.#checkOpen();
    let callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
    let data = toBuffer(message);
    if (args.length >= 3 && typeof args[0] === 'number' && typeof args[1] === 'number') {
      const offset = args.shift();
      const length = args.shift();
      data = data.subarray(offset, offset + length);
    }
    const port = validatePort(args[0]);
    let address = args[1];
    if (address === undefined || address === null || address === '') {
      address = this.#type === 'udp6' ? '::1' : '127.0.0.1';
    }
    if (typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
    const deliver = () => {
      let failure = null;
      if (data.length > MAX_DATAGRAM) {
        failure = datagramError({ code: 'EMSGSIZE', errno: -90, message: 'EMSGSIZE: message too long' }, 'send',
                                address, port);
      } else {
        try {
          netSend(this.#fd, data, address, port);
        } catch (error) {
          failure = datagramError(error, 'send', address, port);
        }
      }
      if (callback !== undefined) {
        const done = callback;
        callback = undefined;
        if (failure !== null) done(failure);
        else done(null, data.length);
      } else if (failure !== null) {
        this.emit('error', failure);
      }
    };
    // An unbound socket binds to an ephemeral port first, as Node does; sends made before it is
    // listening go out in order once it is.
    if (this.#listening) {
      internal.nextTick(deliver);
    } else {
      this.#queued.push(deliver);
      if (this.#bound === undefined) this.bind(0);
    }
  }

  onReady() {
    while (this.#fd >= 0) {
      let received;
      try {
        received = netReceive(this.#fd, MAX_DATAGRAM);
      } catch (error) {
        this.emit('error', datagramError(error, 'recvmsg'));
        return;
      }
      if (received === null) return;
      const [bytes, host, port] = received;
      const rinfo = { address: host, family: host.includes(':') ? 'IPv6' : 'IPv4', port, size: bytes.length };
      this.emit('message', internal.bufferFromBytes(bytes), rinfo);
    }
  }

  address() {
    if (this.#bound === undefined) throw codedError(Error, 'ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    const [host, port] = this.#bound;
    return { address: host, family: host.includes(':') ? 'IPv6' : 'IPv4', port };
  }

  close(callback) {
    if (this.#fd === -2) throw codedError(Error, 'ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    if (typeof callback === 'function') this.once('close', callback);
    if (this.#fd >= 0) {
      try {
        fsClose(this.#fd);
      } catch {
        // Already gone with the process's descriptors.
      }
      internal.net.close(this);
    }
    this.#fd = -2;
    this.#updateHold();
    internal.nextTick(() => this.emit('close'));
    return this;
  }

  ref() {
    this.#refed = true;
    this.#updateHold();
    return this;
  }

  unref() {
    this.#refed = false;
    this.#updateHold();
    return this;
  }

  setBroadcast() {}
  setTTL(ttl) {
    return ttl;
  }
  setMulticastTTL(ttl) {
    return ttl;
  }
  setMulticastLoopback(flag) {
    return flag;
  }
  setRecvBufferSize() {}
  setSendBufferSize() {}
}

function createSocket(type, listener) {
  return new Socket(type, listener);
}

internal.defineBuiltin('dgram', () => ({ Socket, createSocket }));
