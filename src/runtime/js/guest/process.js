'use strict';
// The `process` object: identity (argv, env, pid, ...), exit and exit codes, signals, warnings,
// stdout/stderr (synchronous writes to the host) and stdin (an event stream fed by the host),
// plus the fatal-error paths for uncaught exceptions and unhandled rejections.

const {
  write, exit: nativeExit, setSignalHandled, hrtime: nativeHrtime, now, memoryUsage: nativeMemoryUsage,
  cpuUsage: nativeCpuUsage, sourceHeader, raiseSignal, ttyIsatty, ttyWindowSize, ttySetRawMode,
  catchSignal, takeSignals,
} = native;
const { EventEmitter, Buffer, TextDecoder } = internal;

const signals = {
  __proto__: null,
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};
const signalNames = [];
for (const name of Object.keys(signals)) signalNames[signals[name]] ??= name;

// ---- output streams ----------------------------------------------------------------------------

class WriteStream extends EventEmitter {
  #fd;

  constructor(fd) {
    super();
    this.#fd = fd;
    internal.defineHidden(this, 'fd', fd);
    this.writable = true;
    this.isTTY = false;
  }

  write(chunk, encoding, callback) {
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    if (typeof chunk === 'string') {
      if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'utf-8') chunk = Buffer.from(chunk, encoding);
    } else if (!(chunk instanceof Uint8Array)) {
      throw internal.invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
    }
    if (this.#fd === 1 || this.#fd === 2) write(this.#fd, chunk);
    else internal.kernel.write(this.#fd, chunk, -1);
    if (typeof callback === 'function') internal.nextTick(callback, null);
    return true;
  }

  end(chunk, encoding, callback) {
    if (typeof chunk === 'function') [callback, chunk] = [chunk, undefined];
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    internal.nextTick(() => {
      this.emit('finish');
      if (typeof callback === 'function') callback();
    });
    return this;
  }

  cork() {}

  uncork() {}

  get writableLength() {
    return 0;
  }

  get writableHighWaterMark() {
    return 16384;
  }
}

// ---- stdin -------------------------------------------------------------------------------------

class ReadStream extends EventEmitter {
  #flowing = null;  // null: never started; true: emitting 'data'; false: paused
  #buffered = [];
  #ended = false;
  #endEmitted = false;
  #refed = true;
  #holdsLoop = false;
  #decoder = null;

  constructor() {
    super();
    internal.defineHidden(this, 'fd', 0);
    this.isTTY = false;
    this.readable = true;
    this.on('newListener', (type) => {
      if (type === 'data' && this.#flowing !== false) this.resume();
      if (type === 'readable' || type === 'end') internal.nextTick(() => this.#update());
    });
    this.on('removeListener', () => internal.nextTick(() => this.#update()));
  }

  setEncoding(encoding = 'utf8') {
    this.#decoder = new TextDecoder(encoding === 'utf8' ? 'utf-8' : encoding);
    return this;
  }

  resume() {
    this.#flowing = true;
    this.#update();
    internal.nextTick(() => this.#flush());
    return this;
  }

  pause() {
    this.#flowing = false;
    this.#update();
    return this;
  }

  isPaused() {
    return this.#flowing === false;
  }

  ref() {
    this.#refed = true;
    this.#update();
    return this;
  }

  unref() {
    this.#refed = false;
    this.#update();
    return this;
  }

  read() {
    if (this.#buffered.length === 0) {
      if (this.#ended) internal.nextTick(() => this.#emitEnd());
      return null;
    }
    const chunks = this.#buffered;
    this.#buffered = [];
    if (this.#decoder !== null) return chunks.join('');
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  pipe(destination, options) {
    this.on('data', (chunk) => destination.write(chunk));
    if (options?.end !== false && destination !== internal.process.stdout && destination !== internal.process.stderr) {
      this.on('end', () => destination.end());
    }
    return destination;
  }

  async *[Symbol.asyncIterator]() {
    const queue = [];
    let wake = null;
    let done = false;
    const onData = (chunk) => {
      queue.push(chunk);
      wake?.();
    };
    const onEnd = () => {
      done = true;
      wake?.();
    };
    this.on('data', onData);
    this.on('end', onEnd);
    try {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift();
        } else if (done) {
          return;
        } else {
          await new Promise((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
      }
    } finally {
      this.off('data', onData);
      this.off('end', onEnd);
    }
  }

  // Called by the host for every chunk written to this process's stdin.
  deliver(bytes) {
    const chunk = this.#decoder !== null ? this.#decoder.decode(bytes, { stream: true }) : internal.bufferFromBytes(bytes);
    if (this.#decoder !== null && chunk === '') return;
    if (this.#flowing === true && this.#buffered.length === 0) {
      this.emit('data', chunk);
      return;
    }
    this.#buffered.push(chunk);
    if (this.listenerCount('readable') > 0) this.emit('readable');
  }

  // Called by the host once stdin is closed.
  deliverEnd() {
    this.#ended = true;
    if (this.#decoder !== null) {
      const rest = this.#decoder.decode();
      if (rest !== '') this.#buffered.push(rest);
    }
    if (this.#flowing === true) this.#flush();
    else if (this.listenerCount('readable') > 0) this.emit('readable');
    this.#update();
  }

  #flush() {
    while (this.#flowing === true && this.#buffered.length > 0) this.emit('data', this.#buffered.shift());
    if (this.#flowing === true && this.#ended) this.#emitEnd();
  }

  #emitEnd() {
    if (this.#endEmitted || this.#buffered.length > 0) return;
    this.#endEmitted = true;
    this.readable = false;
    this.#update();
    this.emit('end');
    this.emit('close');
  }

  // A stdin that is read from keeps the process alive until it ends, unless unref()'d.
  #update() {
    const wanted = this.#refed && !this.#ended &&
                   (this.#flowing === true || this.listenerCount('readable') > 0);
    if (wanted !== this.#holdsLoop) {
      this.#holdsLoop = wanted;
      if (wanted) internal.refHandle();
      else internal.unrefHandle();
    }
  }
}

// ---- terminals ---------------------------------------------------------------------------------
// On a PTY (docs/terminal-extension.md) stdio are terminal streams: isTTY, the window size kept
// current through SIGWINCH ('resize' on the output streams) and, for input, setRawMode.

const ttyWriteMethods = {
  __proto__: null,
  getWindowSize() {
    return [this.columns, this.rows];
  },
  getColorDepth(env = processObject.env) {
    if (env.NO_COLOR !== undefined || env.TERM === 'dumb') return 1;
    if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 24;
    return env.TERM?.endsWith('256color') ? 8 : 4;
  },
  hasColors(count = 16, env = undefined) {
    if (typeof count === 'object' && count !== null) [env, count] = [count, 16];
    return count <= 2 ** this.getColorDepth(env);
  },
  cursorTo(x, y, callback) {
    if (typeof y === 'function') [callback, y] = [y, undefined];
    return this.write(typeof y === 'number' ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`, callback);
  },
  moveCursor(dx, dy, callback) {
    let text = '';
    if (dx < 0) text += `\x1b[${-dx}D`;
    else if (dx > 0) text += `\x1b[${dx}C`;
    if (dy < 0) text += `\x1b[${-dy}A`;
    else if (dy > 0) text += `\x1b[${dy}B`;
    return this.write(text, callback);
  },
  clearLine(dir, callback) {
    return this.write(dir < 0 ? '\x1b[1K' : dir > 0 ? '\x1b[0K' : '\x1b[2K', callback);
  },
  clearScreenDown(callback) {
    return this.write('\x1b[0J', callback);
  },
};

// Reads the window size again; true when it changed.
function refreshWindowSize(stream, fd) {
  let columns;
  let rows;
  try {
    [columns, rows] = ttyWindowSize(fd);
  } catch {
    return false;  // no longer a terminal (the descriptor was closed or replaced)
  }
  if (columns === stream.columns && rows === stream.rows) return false;
  stream.columns = columns;
  stream.rows = rows;
  return true;
}

function makeTtyWrite(stream, fd) {
  stream.isTTY = true;
  for (const name of Object.keys(ttyWriteMethods)) internal.defineHidden(stream, name, ttyWriteMethods[name]);
  refreshWindowSize(stream, fd);
  resizeWatchers.push([stream, fd]);
  watchResize();
}

function makeTtyRead(stream, fd) {
  stream.isTTY = true;
  stream.isRaw = false;
  internal.defineHidden(stream, 'setRawMode', function setRawMode(flag) {
    ttySetRawMode(fd, Boolean(flag));
    this.isRaw = Boolean(flag);
    return this;
  });
}

const resizeWatchers = [];
let watchingResize = false;

// SIGWINCH is ignored by default; taking it refreshes the terminal streams' sizes.
function watchResize() {
  if (watchingResize) return;
  watchingResize = true;
  setHandled(signals.SIGWINCH, true);
}

function onWindowChange() {
  for (const [stream, fd] of resizeWatchers) {
    if (refreshWindowSize(stream, fd)) stream.emit('resize');
  }
}

// tty.WriteStream / tty.ReadStream exist only over terminals, as uv_tty_init decides in Node.
function requireTerminal(fd) {
  if (!Number.isInteger(fd) || fd < 0 || !ttyIsatty(fd)) {
    throw internal.codedError(Error, 'ERR_TTY_INIT_FAILED', 'TTY initialization failed: uv_tty_init returned EINVAL ' +
                              '(invalid argument)');
  }
}

class TtyWriteStream extends WriteStream {
  constructor(fd) {
    requireTerminal(fd);
    super(fd);
    makeTtyWrite(this, fd);
  }
}

class TtyReadStream extends ReadStream {
  constructor(fd) {
    requireTerminal(fd);
    super();
    makeTtyRead(this, fd);
  }
}

internal.ttyStreams = { __proto__: null, TtyReadStream, TtyWriteStream };

// ---- process -----------------------------------------------------------------------------------

const processObject = new (class process extends EventEmitter {})();
let exiting = false;
let exitCodeValue;
let warnedOnce = false;

function validateExitCode(code) {
  if (code === undefined || code === null) return code;
  const value = typeof code === 'string' && code !== '' ? Number(code) : code;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw internal.invalidArgType('code', 'of type number', code);
  }
  return code;
}

function finalExitCode() {
  return (Number(exitCodeValue ?? 0) | 0) & 0xff;
}

function emitExitOnce() {
  if (exiting) return;
  exiting = true;
  internal.definePlain(processObject, '_exiting', true);
  processObject.emit('exit', finalExitCode());
}

function exit(code) {
  if (code !== undefined) exitCodeValue = validateExitCode(code);
  emitExitOnce();
  nativeExit(finalExitCode(), 'exit');
}

function isErrorLike(value) {
  return value !== null && typeof value === 'object' && typeof value.stack === 'string';
}

// Prints an uncaught error the way Node does and ends the process with exit code 1.
function fatal(error, header, reason) {
  let text;
  if (isErrorLike(error)) {
    text = (header ? `${header}\n` : '') + internal.inspect(error);
  } else if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
    text = header + internal.inspect(error);
  } else {
    text = `\n${header}${internal.inspect(error)}\n(Use \`node --trace-uncaught ...\` to show where the exception was thrown)`;
  }
  try {
    write(2, `${text}\n\nNode.js ${processObject.version}\n`);
  } finally {
    exitCodeValue = 1;
    try {
      emitExitOnce();
    } finally {
      nativeExit(finalExitCode(), reason);
    }
  }
}

// An exception nothing caught: 'uncaughtException' listeners get it, otherwise it is fatal.
function onUncaught(error, header) {
  if (!exiting && processObject.listenerCount('uncaughtException') > 0) {
    processObject.emit('uncaughtException', error, 'uncaughtException');
    return;
  }
  fatal(error, header, 'uncaught exception');
}

// Where an error object was created, as Node's banner shows it. Must run before anything reads
// `error.stack`: formatting the stack drops the positions V8 kept.
function creationHeader(error) {
  if (error === null || typeof error !== 'object') return '';
  const header = sourceHeader(error);
  return isErrorLike(error) ? header : '';
}

// Errors caught inside the bootstrap (queueMicrotask callbacks) take the same route.
function reportUncaught(error) {
  try {
    onUncaught(error, creationHeader(error));
  } catch (listenerError) {
    fatal(listenerError, creationHeader(listenerError), 'uncaught exception');
  }
}

class UnhandledPromiseRejection extends Error {}
internal.defineHidden(UnhandledPromiseRejection.prototype, 'name', 'UnhandledPromiseRejection');

function onUnhandledRejection(reason, promise) {
  if (processObject.emit('unhandledRejection', reason, promise)) return;
  const header = creationHeader(reason);
  let error = reason;
  if (!isErrorLike(reason)) {
    error = new UnhandledPromiseRejection(
        'This error originated either by throwing inside of an async function without a catch block, or by ' +
        'rejecting a promise which was not handled with .catch(). The promise rejected with the reason ' +
        `"${internal.inspect(reason)}".`);
    internal.definePlain(error, 'code', 'ERR_UNHANDLED_REJECTION');
  }
  if (!exiting && processObject.listenerCount('uncaughtException') > 0) {
    processObject.emit('uncaughtException', error, 'unhandledRejection');
    return;
  }
  fatal(error, header, 'unhandled rejection');
}

function signalNumber(signal) {
  if (typeof signal === 'number') return signal;
  const number = signals[signal];
  if (number === undefined) {
    throw internal.codedError(TypeError, 'ERR_UNKNOWN_SIGNAL', `Unknown signal: ${signal}`);
  }
  return number;
}

// The runtime decides the disposition of signals from the host; the kernel's copy routes the ones
// it raises itself (a terminal's ^C and SIGWINCH, signals to a process group) to the handlers.
function setHandled(number, handled) {
  setSignalHandled(number, handled);
  catchSignal(number, handled);
}

function updateSignalListener(type) {
  const number = signals[type];
  if (number === undefined || number === signals.SIGKILL || number === signals.SIGSTOP) return;
  setHandled(number, processObject.listenerCount(type) > 0 || (number === signals.SIGWINCH && watchingResize));
}

// 'newListener' fires before the listener is added: the signal counts as handled from now on.
processObject.on('newListener', (type) => {
  const number = typeof type === 'string' ? signals[type] : undefined;
  if (number !== undefined && number !== signals.SIGKILL && number !== signals.SIGSTOP) setHandled(number, true);
});
processObject.on('removeListener', (type) => {
  if (typeof type === 'string' && signals[type] !== undefined) updateSignalListener(type);
});

function hrtime(previous) {
  const nanos = nativeHrtime();
  let seconds = Number(nanos / 1000000000n);
  let remainder = Number(nanos % 1000000000n);
  if (previous !== undefined) {
    if (!Array.isArray(previous)) throw internal.invalidArgType('time', 'an instance of Array', previous);
    seconds -= previous[0];
    remainder -= previous[1];
    if (remainder < 0) {
      seconds--;
      remainder += 1e9;
    }
  }
  return [seconds, remainder];
}
hrtime.bigint = () => nativeHrtime();

function memoryUsage() {
  const [rss, heapTotal, heapUsed, external, arrayBuffers] = nativeMemoryUsage();
  return { rss, heapTotal, heapUsed, external, arrayBuffers };
}
memoryUsage.rss = () => nativeMemoryUsage()[0];

function cpuUsage(previous) {
  const [user, system] = nativeCpuUsage();
  if (previous !== undefined) return { user: user - previous.user, system: system - previous.system };
  return { user, system };
}

function emitWarning(warning, type, code) {
  let name = 'Warning';
  if (type !== null && typeof type === 'object') {
    code = type.code;
    type = type.type;
  }
  if (typeof type === 'string') name = type;
  let error = warning;
  if (typeof warning === 'string') {
    error = new Error(warning);
    internal.defineHidden(error, 'name', name);
    if (code !== undefined) error.code = code;
  } else if (!(warning instanceof Error)) {
    throw internal.invalidArgType('warning', 'of type string or an instance of Error', warning);
  }
  internal.nextTick(() => {
    processObject.emit('warning', error);
    const prefix = error.code !== undefined ? `[${error.code}] ` : '';
    let text = `(node:${processObject.pid}) ${prefix}${error.name}: ${error.message}\n`;
    if (!warnedOnce) {
      warnedOnce = true;
      text += '(Use `node --trace-warnings ...` to show where the warning was created)\n';
    }
    write(2, text);
  });
}

function kill(pid, signal = 'SIGTERM') {
  const number = signalNumber(signal);
  // Another process of the VM: child_process.js signals it through the kernel.
  if (Number(pid) !== processObject.pid) return internal.killProcess(pid, number);
  if (number !== 0) raiseSignal(number);
  return true;
}

const methods = {
  __proto__: null,
  exit,
  cwd: () => internal.cwd,
  chdir: () => {
    throw internal.notImplemented('process.chdir()');
  },
  hrtime,
  nextTick: internal.nextTick,
  uptime: () => now() / 1000,
  memoryUsage,
  cpuUsage,
  emitWarning,
  kill,
  abort: () => kill(processObject.pid, 'SIGABRT'),
  umask: () => 0o22,
  getuid: () => 0,
  geteuid: () => 0,
  getgid: () => 0,
  getegid: () => 0,
  getgroups: () => [0],
  binding: (name) => {
    throw internal.codedError(Error, 'ERR_ACCESS_DENIED', `process.binding('${name}') is not available`);
  },
  _linkedBinding: (name) => {
    throw internal.codedError(Error, 'ERR_ACCESS_DENIED', `process._linkedBinding('${name}') is not available`);
  },
  dlopen: () => {
    throw internal.codedError(Error, 'ERR_ACCESS_DENIED', 'process.dlopen() is not available');
  },
};
for (const name of Object.keys(methods)) internal.defineHidden(processObject, name, methods[name]);

Object.defineProperty(processObject, 'exitCode', {
  __proto__: null,
  enumerable: true,
  configurable: false,
  get: () => exitCodeValue,
  set: (code) => {
    exitCodeValue = validateExitCode(code);
  },
});

const stdout = new WriteStream(1);
const stderr = new WriteStream(2);
const stdin = new ReadStream();
for (const [name, stream] of [['stdout', stdout], ['stderr', stderr], ['stdin', stdin]]) {
  Object.defineProperty(processObject, name, { __proto__: null, value: stream, enumerable: true, configurable: true,
                                               writable: false });
}

// Fills in the per-process identity; called by the host before the main script runs.
function start(config) {
  const env = { __proto__: null };
  const envPairs = config.env;
  for (let i = 0; i + 1 < envPairs.length; i += 2) env[envPairs[i]] = envPairs[i + 1];
  internal.cwd = config.cwd;
  const fields = {
    title: 'node',
    version: config.version,
    versions: internal.freeze({ node: config.version.slice(1), v8: config.v8Version, uv: '1.44.2', modules: '108' }),
    arch: 'x64',
    platform: 'linux',
    release: internal.freeze({ name: 'node' }),
    argv: [...config.argv],
    execArgv: [...config.execArgv],
    env: Object.setPrototypeOf(env, Object.prototype),
    pid: config.pid,
    ppid: config.ppid,
    execPath: config.execPath,
    debugPort: 0,
    argv0: config.argv0,
    features: internal.freeze({ inspector: false, debug: false, uv: true, ipv6: true, tls_alpn: false, tls_sni: false,
                                tls_ocsp: false, tls: false, cached_builtins: true }),
    config: internal.freeze({ target_defaults: {}, variables: {} }),
  };
  for (const name of Object.keys(fields)) internal.definePlain(processObject, name, fields[name]);
  internal.startTimeOrigin(config.timeOrigin);
  if (ttyIsatty(1)) makeTtyWrite(stdout, 1);
  if (ttyIsatty(2)) makeTtyWrite(stderr, 2);
  if (ttyIsatty(0)) makeTtyRead(stdin, 0);
  // A child started by child_process.fork: its IPC channel (child_process.js).
  if (env.NODE_CHANNEL_FD !== undefined) internal.startChannel(env);
}

// Signals with a registered listener arrive here from the host (others never reach JavaScript).
function onSignal(number) {
  takeSignals();
  if (number === signals.SIGWINCH && watchingResize) onWindowChange();
  const name = signalNames[number];
  if (name !== undefined) processObject.emit(name, name, number);
}

function beforeExit() {
  if (!exiting) processObject.emit('beforeExit', finalExitCode());
}

// The normal end of the loop: emit 'exit' and report the code.
function emitExit() {
  emitExitOnce();
  return finalExitCode();
}

internal.process = processObject;
internal.signals = signals;
internal.onUncaught = onUncaught;
internal.reportUncaught = reportUncaught;
internal.onUnhandledRejection = onUnhandledRejection;
internal.processHost = {
  __proto__: null,
  start,
  onSignal,
  onStdin: (bytes) => stdin.deliver(bytes),
  onStdinEnd: () => stdin.deliverEnd(),
  beforeExit,
  emitExit,
};
