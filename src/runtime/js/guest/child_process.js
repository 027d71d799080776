'use strict';
// The child_process builtin: spawn, exec, execFile, their Sync forms and fork over the VM's kernel
// process table (the GuestProcesses natives, process_natives.cc). A child is another guest program
// (node FILE, node -e/-p CODE, a script whose #! line names node or sh, a command found on PATH)
// in its own isolate. The `shell` option and exec/execSync run `/bin/sh -c COMMAND` like Node: the
// VM's shell (guest/sh.js). A command line that is a plain `node ...` invocation skips the shell
// and runs node directly (the same result, one process fewer).
// Asynchronous children: this process's pipe ends are non-blocking. While a child or one of its
// pipes is live, the process watches the kernel's I/O readiness and its loop calls onIoReady
// (registered with internal.addIoReadyHandler), which
// reads what is available, writes what is queued and reaps exited children (waitpid WNOHANG),
// emitting 'exit' and then, once stdout and stderr have closed, 'close' as Node does.
// The Sync forms block this guest's thread in poll and waitpid.

const {
  childSpawn, childWait, childKill, childWatch, childPoll, childRead, childWrite, childClose, childPipe, now,
} = native;
const { codedError, invalidArgType, EventEmitter, Buffer } = internal;

const STDIO_PIPE = -1;
const STDIO_INHERIT = -2;
const STDIO_IGNORE = -3;
const POLLIN = 0x1;
const POLLOUT = 0x4;
const POLLERR = 0x8;
const POLLNVAL = 0x20;
const DEFAULT_MAX_BUFFER = 1024 * 1024;
const ETIMEDOUT = 110;
const customPromisify = Symbol.for('nodejs.util.promisify.custom');

const signalNames = [];
for (const name of Object.keys(internal.signals)) signalNames[internal.signals[name]] ??= name;

// ---- argument handling -------------------------------------------------------------------------

function signalNumber(signal) {
  if (typeof signal === 'number') {
    if (signal === 0 || (Number.isInteger(signal) && signalNames[signal] !== undefined)) return signal;
  } else if (typeof signal === 'string') {
    const number = internal.signals[signal];
    if (number !== undefined) return number;
  } else {
    throw invalidArgType('signal', 'of type string or number', signal);
  }
  throw codedError(TypeError, 'ERR_UNKNOWN_SIGNAL', `Unknown signal: ${signal}`);
}

function validateTimeout(timeout, name) {
  if (timeout === undefined || timeout === null) return 0;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) {
    throw codedError(RangeError, 'ERR_OUT_OF_RANGE',
                     `The value of "${name}" is out of range. It must be an unsigned integer. Received ${timeout}`);
  }
  return timeout;
}

function validateMaxBuffer(maxBuffer) {
  if (maxBuffer === undefined || maxBuffer === null) return DEFAULT_MAX_BUFFER;
  if (typeof maxBuffer !== 'number' || Number.isNaN(maxBuffer) || maxBuffer < 0) {
    throw codedError(RangeError, 'ERR_OUT_OF_RANGE',
                     `The value of "options.maxBuffer" is out of range. It must be a positive number. Received ${maxBuffer}`);
  }
  return maxBuffer;
}

// Characters that mean something to sh outside quotes; a command line using them needs the shell.
const shellSyntax = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', ']', '{', '}', '~', '\\', '\n',
                             '\r']);
// POSIX special builtins and reserved words: meaningful only to a shell.
const shellWords = new Set(['.', ':', 'break', 'cd', 'continue', 'eval', 'exec', 'exit', 'export', 'readonly', 'return',
                            'set', 'shift', 'times', 'trap', 'umask', 'unset', 'if', 'then', 'elif', 'else', 'fi', 'for',
                            'in', 'do', 'done', 'while', 'until', 'case', 'esac', '!']);

// The words of a simple command line as sh would split them (blanks separate words, single and
// double quotes group); undefined when it needs the shell.
function splitCommand(command) {
  const words = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'" || c === '"') {
      const end = command.indexOf(c, i + 1);
      if (end < 0) return undefined;
      const quoted = command.slice(i + 1, end);
      // Inside double quotes sh still expands $, ` and \.
      if (c === '"' && /[$`\\]/.test(quoted)) return undefined;
      word += quoted;
      inWord = true;
      i = end;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (shellSyntax.has(c) || (c === '#' && !inWord)) {
      return undefined;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0 || shellWords.has(words[0]) || words[0].includes('=')) return undefined;
  return words;
}

// Node's error for a failed spawn: "spawn node ENOENT" with errno, code, syscall, path, spawnargs.
function spawnError(error, syscall, file, args) {
  if (error === null || typeof error !== 'object' || typeof error.code !== 'string' || typeof error.errno !== 'number') {
    return error;
  }
  const converted = new Error(`${syscall} ${file} ${error.code}`);
  internal.definePlain(converted, 'errno', error.errno);
  internal.definePlain(converted, 'code', error.code);
  internal.definePlain(converted, 'syscall', `${syscall} ${file}`);
  internal.definePlain(converted, 'path', file);
  internal.definePlain(converted, 'spawnargs', args);
  return converted;
}

// Node's error for a failed call on a descriptor: "write EPIPE".
function callError(error, syscall) {
  if (error === null || typeof error !== 'object' || typeof error.code !== 'string') return error;
  const converted = new Error(`${syscall} ${error.code}`);
  internal.definePlain(converted, 'errno', error.errno);
  internal.definePlain(converted, 'code', error.code);
  internal.definePlain(converted, 'syscall', syscall);
  return converted;
}

function maxBufferError(name) {
  return codedError(RangeError, 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER', `${name} maxBuffer length exceeded`);
}

function stdioList(stdio) {
  if (stdio === undefined || stdio === null || stdio === 'pipe' || stdio === 'overlapped') return ['pipe', 'pipe', 'pipe'];
  if (stdio === 'inherit' || stdio === 'ignore') return [stdio, stdio, stdio];
  if (!Array.isArray(stdio)) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
                     `The argument 'stdio' is invalid. Received ${internal.inspect(stdio)}`);
  }
  for (let i = 3; i < stdio.length; i++) {
    if (stdio[i] === 'ipc') throw internal.notImplemented('child_process IPC channels');
    if (stdio[i] !== undefined && stdio[i] !== null && stdio[i] !== 'ignore') {
      throw internal.notImplemented(`child_process stdio beyond descriptor 2 (stdio[${i}])`);
    }
  }
  return [stdio[0], stdio[1], stdio[2]];
}

// Streams this module created over a pipe end, by stream: its descriptor (for stdio hand-over).
const pipeDescriptors = new WeakMap();

function stdioCode(value, index) {
  if (value === undefined || value === null || value === 'pipe' || value === 'overlapped') return STDIO_PIPE;
  if (value === 'inherit') return STDIO_INHERIT;
  if (value === 'ignore') return STDIO_IGNORE;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (value !== null && typeof value === 'object') {
    const fd = pipeDescriptors.get(value) ?? value.fd;
    if (typeof fd === 'number' && Number.isInteger(fd) && fd >= 0) return fd;
  }
  throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
                   `The argument 'stdio[${index}]' is invalid. Received ${internal.inspect(value)}`);
}

function resolveCwd(cwd) {
  if (cwd === undefined || cwd === null) return internal.cwd;
  if (typeof cwd === 'object' && cwd !== null && cwd.protocol === 'file:' && typeof cwd.pathname === 'string') {
    cwd = decodeURIComponent(cwd.pathname);
  }
  if (typeof cwd !== 'string') throw invalidArgType('options.cwd', 'of type string or an instance of URL', cwd);
  return internal.kernel.resolvePath(internal.cwd, cwd);
}

// What spawn and spawnSync run, checked and normalised.
function normalizeSpawnArguments(file, args, options) {
  if (typeof file !== 'string') throw invalidArgType('file', 'of type string', file);
  if (file.length === 0) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', "The argument 'file' cannot be empty. Received ''");
  }
  if (Array.isArray(args)) {
    args = [...args];
  } else if (args === undefined || args === null) {
    args = [];
  } else if (typeof args !== 'object') {
    throw invalidArgType('args', 'an instance of Array', args);
  } else {
    options = args;
    args = [];
  }
  if (options === undefined || options === null) options = {};
  else if (typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] !== 'string') throw invalidArgType(`args[${i}]`, 'of type string', args[i]);
  }
  const stdio = stdioList(options.stdio);
  const codes = new Int32Array(3);
  for (let i = 0; i < 3; i++) codes[i] = stdioCode(stdio[i], i);
  const env = options.env ?? internal.process.env;
  const envPairs = [];
  for (const key in env) {
    const value = env[key];
    if (value !== undefined) envPairs.push(key, String(value));
  }
  if (options.shell) {
    const command = [file, ...args].join(' ');
    const words = typeof options.shell === 'string' ? undefined : splitCommand(command);
    if (words !== undefined && (words[0] === 'node' || words[0] === internal.process.execPath)) {
      file = words[0];
      args = words.slice(1);
    } else {
      file = typeof options.shell === 'string' ? options.shell : '/bin/sh';
      args = ['-c', command];
    }
  }
  return { file, args, cwd: resolveCwd(options.cwd), envPairs, codes, options };
}

// ---- readiness: pipes and children of the asynchronous API --------------------------------------

const liveChildren = new Map();  // pid -> ChildProcess not yet reaped
const activeReaders = new Set();  // PipeReaders that want data
const waitingWriters = new Set();  // PipeWriters with bytes the pipe could not take yet
let watching = false;

function updateWatch() {
  const wanted = liveChildren.size > 0 || activeReaders.size > 0 || waitingWriters.size > 0;
  if (wanted === watching) return;
  watching = wanted;
  childWatch(wanted);
}

// Runs `fn`; an exception (a throwing listener) is reported as uncaught without abandoning the
// remaining readiness work.
function guarded(fn) {
  try {
    fn();
  } catch (error) {
    internal.reportUncaught(error);
  }
}

let streamClasses;
function streams() {
  streamClasses ??= internal.requireBuiltin('stream');
  return streamClasses;
}

// This process's read end of a child's stdout or stderr, as a Readable.
class PipeReader {
  #fd;
  #paused = false;
  #holdsLoop = false;
  #pumpQueued = false;

  constructor(fd) {
    this.#fd = fd;
    const reader = this;
    this.stream = new (streams().Readable)({
      read() {
        reader.#resume();
      },
      destroy(error, callback) {
        reader.close();
        callback(error);
      },
    });
    pipeDescriptors.set(this.stream, fd);
    this.#update();
  }

  // Reads until the pipe is empty, at end of file, or the stream's buffer is full.
  pump() {
    while (this.#fd >= 0 && !this.#paused) {
      let chunk;
      try {
        chunk = childRead(this.#fd);
      } catch (error) {
        this.stream.destroy(callError(error, 'read'));
        return;
      }
      if (chunk === null) return;
      if (chunk.length === 0) {
        this.close();
        this.stream.push(null);
        return;
      }
      if (!this.stream.push(internal.bufferFromBytes(chunk))) {
        this.#paused = true;
        this.#update();
      }
    }
  }

  close() {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    this.#update();
    try {
      childClose(fd);
    } catch {
      // Already gone with the process.
    }
  }

  // The stream wants more: read again (on the next tick, never inside the stream's own call).
  #resume() {
    if (this.#fd < 0 || !this.#paused) return;
    this.#paused = false;
    this.#update();
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    internal.nextTick(() => {
      this.#pumpQueued = false;
      guarded(() => this.pump());
    });
  }

  // A reader that wants data keeps the loop alive and listens for readiness.
  #update() {
    const wanted = this.#fd >= 0 && !this.#paused;
    if (wanted) activeReaders.add(this);
    else activeReaders.delete(this);
    if (wanted !== this.#holdsLoop) {
      this.#holdsLoop = wanted;
      if (wanted) internal.refHandle();
      else internal.unrefHandle();
    }
    updateWatch();
  }
}

// This process's write end of a child's stdin, as a Writable: bytes the pipe cannot take now wait
// for readiness.
class PipeWriter {
  #fd;
  #queue = [];  // { bytes, offset, callback }
  #ending = null;  // the final() callback, once every queued byte is written
  #flushing = false;
  #holdsLoop = false;

  constructor(fd) {
    this.#fd = fd;
    const writer = this;
    this.stream = new (streams().Writable)({
      write(chunk, encoding, callback) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
        writer.#queue.push({ __proto__: null, bytes, offset: 0, callback });
        writer.flush();
      },
      final(callback) {
        writer.#ending = callback;
        writer.flush();
      },
      destroy(error, callback) {
        writer.close();
        callback(error);
      },
    });
    pipeDescriptors.set(this.stream, fd);
  }

  flush() {
    if (this.#flushing) return;  // a callback queued more; the running loop takes it
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const head = this.#queue[0];
        let written;
        try {
          if (this.#fd < 0) throw codedError(Error, 'EPIPE', 'broken pipe');
          written = childWrite(this.#fd, head.offset === 0 ? head.bytes : head.bytes.subarray(head.offset));
        } catch (error) {
          this.#queue.shift();
          this.close();
          head.callback(callError(error, 'write'));
          return;
        }
        if (written < 0) {
          this.#setWaiting(true);
          return;
        }
        head.offset += written;
        if (head.offset >= head.bytes.length) {
          this.#queue.shift();
          head.callback(null);
        }
      }
      this.#setWaiting(false);
      if (this.#ending !== null) {
        const callback = this.#ending;
        this.#ending = null;
        this.close();
        callback(null);
      }
    } finally {
      this.#flushing = false;
    }
  }

  close() {
    this.#setWaiting(false);
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      childClose(fd);
    } catch {
      // Already gone with the process.
    }
  }

  #setWaiting(waiting) {
    if (waiting) waitingWriters.add(this);
    else waitingWriters.delete(this);
    if (waiting !== this.#holdsLoop) {
      this.#holdsLoop = waiting;
      if (waiting) internal.refHandle();
      else internal.unrefHandle();
    }
    updateWatch();
  }
}

// ---- ChildProcess ------------------------------------------------------------------------------

let startChild;
let childExited;

class ChildProcess extends EventEmitter {
  #readers = [];
  #exited = false;
  #closed = false;
  #openStreams = 0;
  #refed = true;
  #holdsLoop = false;

  constructor() {
    super();
    this.pid = undefined;
    this.exitCode = null;
    this.signalCode = null;
    this.killed = false;
    this.connected = false;
    this.spawnfile = undefined;
    this.spawnargs = [];
    this.stdin = null;
    this.stdout = null;
    this.stderr = null;
    this.stdio = [null, null, null];
  }

  static {
    startChild = (child, spawn) => child.#start(spawn);
    childExited = (child, code, signal) => child.#onExit(code, signal);
  }

  kill(signal) {
    const number = signal === 0 ? 0 : signalNumber(signal === undefined ? 'SIGTERM' : signal);
    if (this.pid === undefined || this.#exited) return false;
    try {
      childKill(this.pid, number);
    } catch (error) {
      if (error?.code === 'ESRCH') return false;
      throw callError(error, 'kill');
    }
    this.killed = true;
    return true;
  }

  ref() {
    this.#refed = true;
    this.#update();
  }

  unref() {
    this.#refed = false;
    this.#update();
  }

  #start({ file, args, cwd, envPairs, codes, extraFds }) {
    this.spawnfile = file;
    this.spawnargs = [file, ...args];
    // Watch before the child exists: its exit must not slip by unnoticed.
    if (!watching) {
      watching = true;
      childWatch(true);
    }
    let spawned;
    try {
      spawned = extraFds === undefined ? childSpawn(file, args, cwd, envPairs, codes)
                                       : childSpawn(file, args, cwd, envPairs, codes, extraFds);
    } catch (error) {
      updateWatch();
      if (typeof error?.code !== 'string') throw error;
      this.#failed(spawnError(error, 'spawn', file, args), codes);
      return;
    }
    this.pid = spawned[0];
    liveChildren.set(this.pid, this);
    if (spawned[1] >= 0) this.stdin = new PipeWriter(spawned[1]).stream;
    if (spawned[2] >= 0) this.stdout = this.#readable(new PipeReader(spawned[2]));
    if (spawned[3] >= 0) this.stderr = this.#readable(new PipeReader(spawned[3]));
    this.stdio = [this.stdin, this.stdout, this.stderr];
    this.#update();
    internal.nextTick(() => this.emit('spawn'));
  }

  #readable(reader) {
    this.#readers.push(reader);
    this.#openStreams++;
    reader.stream.on('close', () => {
      this.#openStreams--;
      this.#maybeClose();
    });
    return reader.stream;
  }

  // Like Node: 'error' then 'close' (the negative errno, no signal) on the next tick; the pipes the
  // caller asked for exist but are already at their end.
  #failed(error, codes) {
    this.#exited = true;
    const { Readable, Writable } = streams();
    const ended = () => {
      const stream = new Readable({ read() {} });
      stream.push(null);
      return stream;
    };
    if (codes[0] === STDIO_PIPE) this.stdin = new Writable({ write: (chunk, encoding, callback) => callback() });
    if (codes[1] === STDIO_PIPE) this.stdout = ended();
    if (codes[2] === STDIO_PIPE) this.stderr = ended();
    this.stdio = [this.stdin, this.stdout, this.stderr];
    internal.nextTick(() => {
      this.emit('error', error);
      if (error.code !== 'EMFILE' && error.code !== 'ENFILE') {
        this.#closed = true;
        this.emit('close', typeof error.errno === 'number' ? error.errno : -1, null);
      }
    });
  }

  #onExit(code, signal) {
    // What the child wrote before it exited comes first.
    for (const reader of this.#readers) reader.pump();
    this.#exited = true;
    this.signalCode = signal !== 0 ? signalNames[signal] ?? null : null;
    this.exitCode = signal !== 0 ? null : code;
    this.#update();
    this.stdin?.destroy();
    this.emit('exit', this.exitCode, this.signalCode);
    // Streams nobody reads are drained so they can end and 'close' can follow.
    internal.nextTick(() => {
      for (const stream of [this.stdout, this.stderr]) {
        if (stream === null || !stream.readable || stream._readableState?.readableListening) continue;
        stream.resume();
      }
    });
    this.#maybeClose();
  }

  #maybeClose() {
    if (!this.#exited || this.#closed || this.#openStreams > 0 || this.pid === undefined) return;
    this.#closed = true;
    this.emit('close', this.exitCode, this.signalCode);
  }

  // A running child keeps the loop alive unless unref()'d.
  #update() {
    const wanted = this.#refed && this.pid !== undefined && !this.#exited;
    if (wanted === this.#holdsLoop) return;
    this.#holdsLoop = wanted;
    if (wanted) internal.refHandle();
    else internal.unrefHandle();
  }
}

function reapChildren() {
  while (liveChildren.size > 0) {
    let status;
    try {
      status = childWait(-1, true, -1);
    } catch (error) {
      if (error?.code === 'ECHILD') return;
      throw error;
    }
    if (status === undefined) return;
    const child = liveChildren.get(status[0]);
    if (child === undefined) continue;
    liveChildren.delete(status[0]);
    guarded(() => childExited(child, status[1], status[2]));
  }
}

// The loop's io-ready event: a pipe or child of this process may have changed.
function onIoReady() {
  for (const reader of [...activeReaders]) guarded(() => reader.pump());
  for (const writer of [...waitingWriters]) guarded(() => writer.flush());
  guarded(reapChildren);
  updateWatch();
}

// ---- asynchronous API --------------------------------------------------------------------------

function spawn(file, args, options) {
  const normalized = normalizeSpawnArguments(file, args, options);
  const timeout = validateTimeout(normalized.options.timeout, 'options.timeout');
  const killSignal = normalized.options.killSignal ?? 'SIGTERM';
  signalNumber(killSignal);
  const child = new ChildProcess();
  startChild(child, normalized);
  if (timeout > 0 && child.pid !== undefined) {
    const timer = internal.timers.setTimeout(() => child.kill(killSignal), timeout);
    child.once('exit', () => internal.timers.clearTimeout(timer));
  }
  return child;
}

// execFile's optional arguments: (file, [args], [options], [callback]).
function normalizeExecFileArgs(file, args, options, callback) {
  if (typeof args === 'function') {
    callback = args;
    args = undefined;
    options = undefined;
  } else if (args !== undefined && args !== null && !Array.isArray(args) && typeof args === 'object') {
    callback = options;
    options = args;
    args = undefined;
  }
  if (typeof options === 'function') {
    callback = options;
    options = undefined;
  }
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw invalidArgType('options', 'of type object', options);
  }
  if (callback !== undefined && callback !== null && typeof callback !== 'function') {
    throw invalidArgType('callback', 'of type function', callback);
  }
  return { file, args: args ?? [], options: { ...options }, callback };
}

function normalizeExecArgs(command, options, callback) {
  if (typeof command !== 'string') throw invalidArgType('command', 'of type string', command);
  if (typeof options === 'function') {
    callback = options;
    options = undefined;
  }
  options = { ...options };
  options.shell = typeof options.shell === 'string' ? options.shell : true;
  return { file: command, options, callback };
}

function collectOutput(chunks, encoding) {
  if (encoding === null) return Buffer.concat(chunks);
  return Buffer.concat(chunks).toString(encoding);
}

function execFile(file, args, options, callback) {
  ({ file, args, options, callback } = normalizeExecFileArgs(file, args, options, callback));
  const timeout = validateTimeout(options.timeout, 'options.timeout');
  const maxBuffer = validateMaxBuffer(options.maxBuffer);
  const killSignal = options.killSignal ?? 'SIGTERM';
  signalNumber(killSignal);
  const encoding = options.encoding === undefined ? 'utf8'
                   : (typeof options.encoding === 'string' && Buffer.isEncoding(options.encoding) ? options.encoding : null);
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, shell: options.shell });
  const stdout = [];
  const stderr = [];
  const lengths = { __proto__: null, stdout: 0, stderr: 0 };
  let error = null;
  let killed = false;
  let done = false;
  let timer = null;

  function finish(code, signal) {
    if (done) return;
    done = true;
    if (timer !== null) internal.timers.clearTimeout(timer);
    if (typeof callback !== 'function') return;
    const out = collectOutput(stdout, encoding);
    const err = collectOutput(stderr, encoding);
    if (error === null && code === 0 && signal === null) {
      callback(null, out, err);
      return;
    }
    let cmd = file;
    if (args.length !== 0) cmd += ` ${args.join(' ')}`;
    if (error === null) {
      error = new Error(`Command failed: ${cmd}\n${err}`);
      error.code = code;
      error.killed = child.killed || killed;
      error.signal = signal;
    }
    error.cmd = cmd;
    callback(error, out, err);
  }

  function kill() {
    child.stdout?.destroy();
    child.stderr?.destroy();
    killed = true;
    try {
      child.kill(killSignal);
    } catch (thrown) {
      error = thrown;
      finish();
    }
  }

  if (timeout > 0) {
    timer = internal.timers.setTimeout(() => {
      timer = null;
      kill();
    }, timeout);
  }
  for (const [name, stream, chunks] of [['stdout', child.stdout, stdout], ['stderr', child.stderr, stderr]]) {
    stream?.on('data', (chunk) => {
      lengths[name] += chunk.length;
      if (lengths[name] > maxBuffer) {
        chunks.push(chunk.subarray(0, maxBuffer - (lengths[name] - chunk.length)));
        error = maxBufferError(name);
        kill();
      } else {
        chunks.push(chunk);
      }
    });
  }
  child.addListener('close', finish);
  child.addListener('error', (thrown) => {
    error = thrown;
    child.stdout?.destroy();
    child.stderr?.destroy();
    finish(null, null);
  });
  return child;
}

function exec(command, options, callback) {
  const normalized = normalizeExecArgs(command, options, callback);
  return execFile(normalized.file, normalized.options, normalized.callback);
}

function promisified(run) {
  return (...args) => {
    let child;
    const promise = new Promise((resolve, reject) => {
      child = run(...args, (error, stdout, stderr) => {
        if (error !== null) {
          error.stdout = stdout;
          error.stderr = stderr;
          reject(error);
        } else {
          resolve({ stdout, stderr });
        }
      });
    });
    promise.child = child;
    return promise;
  };
}
Object.defineProperty(exec, customPromisify, { __proto__: null, value: promisified(exec), enumerable: false });
Object.defineProperty(execFile, customPromisify, { __proto__: null, value: promisified(execFile), enumerable: false });

// ---- synchronous API ---------------------------------------------------------------------------

function inputBytes(input, encoding) {
  if (input === undefined || input === null) return undefined;
  if (typeof input === 'string') return Buffer.from(input, encoding !== undefined && encoding !== 'buffer' ? encoding : 'utf8');
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw invalidArgType('options.stdio[0]', 'of type string or an instance of Buffer, TypedArray, or DataView', input);
}

// Runs the child to completion on this thread: feeds `input`, collects stdout/stderr up to
// maxBuffer each, kills it with killSignal on timeout or overflow. Returns Node's spawnSync result.
function runSync(normalized, input, maxBuffer, timeout, killSignal) {
  const { file, args, cwd, envPairs, codes } = normalized;
  const failed = (error) => ({ error, status: null, signal: null, output: null, pid: 0, stdout: null, stderr: null });
  if (input !== undefined) codes[0] = STDIO_PIPE;
  let spawned;
  try {
    spawned = childSpawn(file, args, cwd, envPairs, codes);
  } catch (error) {
    if (typeof error?.code !== 'string') throw error;
    return failed(spawnError(error, 'spawnSync', file, args));
  }
  const pid = spawned[0];
  let stdinFd = spawned[1];
  const outputFds = [spawned[2], spawned[3]];
  const chunks = [[], []];
  const sizes = [0, 0];
  const deadline = timeout > 0 ? now() + timeout : Infinity;
  let error;
  let killed = false;
  let inputOffset = 0;

  const kill = (reason) => {
    error ??= reason;
    if (killed) return;
    killed = true;
    try {
      childKill(pid, killSignal);
    } catch {
      // It already exited.
    }
  };
  const closeStdin = () => {
    if (stdinFd < 0) return;
    childClose(stdinFd);
    stdinFd = -1;
  };
  const remaining = () => (killed || deadline === Infinity ? -1 : Math.max(0, deadline - now()));
  const timedOut = () => {
    const timeoutError = new Error(`spawnSync ${file} ETIMEDOUT`);
    internal.definePlain(timeoutError, 'errno', -ETIMEDOUT);
    internal.definePlain(timeoutError, 'code', 'ETIMEDOUT');
    internal.definePlain(timeoutError, 'syscall', `spawnSync ${file}`);
    internal.definePlain(timeoutError, 'path', file);
    internal.definePlain(timeoutError, 'spawnargs', args);
    return timeoutError;
  };
  const drain = (index) => {
    for (;;) {
      const chunk = childRead(outputFds[index]);
      if (chunk === null) return;
      if (chunk.length === 0) {
        childClose(outputFds[index]);
        outputFds[index] = -1;
        return;
      }
      const room = maxBuffer - sizes[index];
      if (chunk.length > room) {
        if (room > 0) chunks[index].push(chunk.subarray(0, room));
        sizes[index] = maxBuffer;
        kill(maxBufferError(index === 0 ? 'stdout' : 'stderr'));
      } else {
        chunks[index].push(chunk);
        sizes[index] += chunk.length;
      }
    }
  };

  let status;
  try {
    if (stdinFd >= 0 && (input === undefined || input.length === 0)) closeStdin();
    while (stdinFd >= 0 || outputFds[0] >= 0 || outputFds[1] >= 0) {
      const polled = [];
      if (stdinFd >= 0) polled.push(stdinFd, POLLOUT);
      for (const fd of outputFds) if (fd >= 0) polled.push(fd, POLLIN);
      const revents = childPoll(new Int32Array(polled), remaining());
      let slot = 0;
      let ready = false;
      if (stdinFd >= 0) {
        const events = revents[slot++];
        if (events !== 0) {
          ready = true;
          if ((events & (POLLERR | POLLNVAL)) !== 0) {
            closeStdin();  // the child closed its stdin or exited
          } else {
            let written = 0;
            try {
              written = childWrite(stdinFd, input.subarray(inputOffset));
            } catch (thrown) {
              if (thrown?.code !== 'EPIPE') throw thrown;
              closeStdin();
            }
            if (written > 0) inputOffset += written;
            if (inputOffset >= input.length) closeStdin();
          }
        }
      }
      for (let index = 0; index < 2; index++) {
        if (outputFds[index] < 0) continue;
        if (revents[slot++] === 0) continue;
        ready = true;
        drain(index);
      }
      if (!ready && !killed && now() >= deadline) kill(timedOut());
    }
    status = childWait(pid, false, remaining());
    if (status === undefined) {
      kill(timedOut());
      status = childWait(pid, false, -1);
    }
  } catch (thrown) {
    closeStdin();
    for (const fd of outputFds) if (fd >= 0) childClose(fd);
    kill();
    throw thrown;
  }
  const stdout = codes[1] === STDIO_PIPE ? Buffer.concat(chunks[0]) : null;
  const stderr = codes[2] === STDIO_PIPE ? Buffer.concat(chunks[1]) : null;
  const result = {};
  if (error !== undefined) result.error = error;
  result.status = status[2] !== 0 ? null : status[1];
  result.signal = status[2] !== 0 ? signalNames[status[2]] ?? null : null;
  result.output = [null, stdout, stderr];
  result.pid = pid;
  result.stdout = stdout;
  result.stderr = stderr;
  return result;
}

function spawnSync(file, args, options) {
  const normalized = normalizeSpawnArguments(file, args, options);
  options = normalized.options;
  const timeout = validateTimeout(options.timeout, 'options.timeout');
  const maxBuffer = validateMaxBuffer(options.maxBuffer);
  const killSignal = signalNumber(options.killSignal ?? 'SIGTERM');
  const result = runSync(normalized, inputBytes(options.input, options.encoding), maxBuffer, timeout, killSignal);
  const encoding = options.encoding;
  if (result.output !== null && encoding !== undefined && encoding !== null && encoding !== 'buffer' &&
      Buffer.isEncoding(encoding)) {
    for (let i = 1; i < 3; i++) {
      if (result.output[i] !== null) result.output[i] = result.output[i].toString(encoding);
    }
    result.stdout = result.output[1];
    result.stderr = result.output[2];
  }
  return result;
}

function checkExecSyncError(result, args, cmd) {
  let error;
  if (result.error) {
    error = result.error;
    Object.assign(error, result);
  } else if (result.status !== 0) {
    let message = `Command failed: ${cmd || args.join(' ')}`;
    if (result.stderr && result.stderr.length > 0) message += `\n${result.stderr.toString()}`;
    error = new Error(message);
    Object.assign(error, result);
  }
  return error;
}

function execFileSync(file, args, options) {
  ({ file, args, options } = normalizeExecFileArgs(file, args, options));
  const inheritStderr = !options.stdio;
  const result = spawnSync(file, args, options);
  if (inheritStderr && result.stderr) internal.process.stderr.write(result.stderr);
  const error = checkExecSyncError(result, [options.argv0 || file, ...args]);
  if (error) throw error;
  return result.stdout;
}

function execSync(command, options) {
  const { file, options: normalized } = normalizeExecArgs(command, options);
  const inheritStderr = !normalized.stdio;
  const result = spawnSync(file, normalized);
  if (inheritStderr && result.stderr) internal.process.stderr.write(result.stderr);
  const error = checkExecSyncError(result, undefined, command);
  if (error) throw error;
  return result.stdout;
}

// ---- fork: an IPC channel over kernel pipes ----------------------------------------------------
// Node's channel is one socketpair; here it is two one-way pipes: the child reads what its parent
// sends on descriptor 3 (NODE_CHANNEL_FD) and writes back on descriptor 4. Both sides' ends are
// non-blocking and read from the loop's io-ready event. Messages are JSON lines (Node's 'json'
// serialization). A parent's channel holds its loop while connected; a child's only while it has
// 'message' listeners, so a child that does not listen can end by itself (as in Node).

const CHANNEL_READ_FD = 3;
const CHANNEL_WRITE_FD = 4;
const NEWLINE = 0x0a;

class Channel {
  #readFd;
  #writer;
  #target;
  #pending = null;  // bytes of an incomplete message
  #holdsLoop = false;

  constructor(readFd, writeFd, target) {
    this.#readFd = readFd;
    this.#target = target;
    this.#writer = new PipeWriter(writeFd);
    this.#writer.stream.on('error', () => this.disconnect());
    internal.definePlain(target, 'connected', true);
    activeReaders.add(this);
    updateWatch();
    // What was sent before this side watched arrives without a readiness change.
    internal.nextTick(() => guarded(() => this.pump()));
  }

  ref(wanted) {
    wanted = wanted && this.#readFd >= 0;
    if (wanted === this.#holdsLoop) return;
    this.#holdsLoop = wanted;
    if (wanted) internal.refHandle();
    else internal.unrefHandle();
  }

  // Reads what arrived and emits every complete message.
  pump() {
    while (this.#readFd >= 0) {
      let chunk;
      try {
        chunk = childRead(this.#readFd);
      } catch {
        this.disconnect();
        return;
      }
      if (chunk === null) return;
      if (chunk.length === 0) {
        this.disconnect();
        return;
      }
      let bytes = internal.bufferFromBytes(chunk);
      if (this.#pending !== null) bytes = Buffer.concat([this.#pending, bytes]);
      let start = 0;
      for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
        const line = bytes.toString('utf8', start, end);
        start = end + 1;
        let message;
        try {
          message = JSON.parse(line);
        } catch (error) {
          internal.reportUncaught(error);
          continue;
        }
        guarded(() => this.#target.emit('message', message));
      }
      this.#pending = start < bytes.length ? bytes.subarray(start) : null;
    }
  }

  send(message, callback) {
    if (message === undefined) throw codedError(TypeError, 'ERR_MISSING_ARGS', 'The "message" argument must be specified');
    if (this.#readFd < 0) {
      const error = codedError(Error, 'ERR_IPC_CHANNEL_CLOSED', 'Channel closed');
      internal.nextTick(() => {
        if (typeof callback === 'function') callback(error);
        else this.#target.emit('error', error);
      });
      return false;
    }
    this.#writer.stream.write(`${JSON.stringify(message)}\n`, (error) => {
      if (typeof callback === 'function') callback(error ?? null);
    });
    return true;
  }

  disconnect() {
    if (this.#readFd < 0) return;
    const fd = this.#readFd;
    this.#readFd = -1;
    activeReaders.delete(this);
    this.ref(false);
    updateWatch();
    try {
      childClose(fd);
    } catch {
      // Already gone with the process.
    }
    this.#writer.stream.end();
    internal.definePlain(this.#target, 'connected', false);
    internal.nextTick(() => this.#target.emit('disconnect'));
  }
}

function defineChannelMethods(target, channel) {
  internal.defineHidden(target, 'send', (message, handle, options, callback) => {
    if (typeof handle === 'function') callback = handle;
    else if (typeof options === 'function') callback = options;
    return channel.send(message, callback);
  });
  internal.defineHidden(target, 'disconnect', () => {
    if (!target.connected) {
      throw codedError(Error, 'ERR_IPC_DISCONNECTED', 'IPC channel is already disconnected');
    }
    channel.disconnect();
  });
}

// fork(modulePath, [args], [options]): `node modulePath args` with a channel. execArgv and
// execPath options are ignored (there is one engine and no node flags); serialization must be
// 'json'.
function fork(modulePath, args, options) {
  if (typeof modulePath !== 'string' && !(modulePath !== null && typeof modulePath === 'object' &&
                                          modulePath.protocol === 'file:')) {
    throw invalidArgType('modulePath', 'of type string or an instance of URL', modulePath);
  }
  if (typeof modulePath !== 'string') modulePath = decodeURIComponent(modulePath.pathname);
  if (args !== undefined && args !== null && !Array.isArray(args)) {
    if (typeof args !== 'object') throw invalidArgType('args', 'an instance of Array', args);
    options = args;
    args = [];
  }
  options = { ...options };
  if (options.serialization !== undefined && options.serialization !== 'json') {
    throw internal.notImplemented(`child_process.fork serialization '${options.serialization}'`);
  }
  let stdio = options.silent ? ['pipe', 'pipe', 'pipe'] : ['inherit', 'inherit', 'inherit'];
  if (Array.isArray(options.stdio)) stdio = options.stdio.filter((entry) => entry !== 'ipc').slice(0, 3);
  else if (typeof options.stdio === 'string') stdio = [options.stdio, options.stdio, options.stdio];
  const env = { ...(options.env ?? internal.process.env), NODE_CHANNEL_FD: String(CHANNEL_READ_FD) };
  const normalized = normalizeSpawnArguments(internal.process.execPath, [modulePath, ...(args ?? [])],
                                             { cwd: options.cwd, env, stdio });
  const toChild = childPipe(true);
  let fromChild;
  try {
    fromChild = childPipe(true);
  } catch (error) {
    childClose(toChild[0]);
    childClose(toChild[1]);
    throw callError(error, 'pipe');
  }
  normalized.extraFds = new Int32Array([CHANNEL_READ_FD, toChild[0], CHANNEL_WRITE_FD, fromChild[1]]);
  const child = new ChildProcess();
  startChild(child, normalized);
  // The child has its own copies now (or failed to start).
  childClose(toChild[0]);
  childClose(fromChild[1]);
  const channel = new Channel(fromChild[0], toChild[1], child);
  defineChannelMethods(child, channel);
  channel.ref(child.pid !== undefined);
  if (child.pid === undefined) channel.disconnect();
  return child;
}

// A process started by fork: process.send, process.on('message'), process.connected and
// process.disconnect over the descriptors its parent handed over. Called at process start.
internal.startChannel = (env) => {
  const fd = Number(env.NODE_CHANNEL_FD);
  delete env.NODE_CHANNEL_FD;
  if (fd !== CHANNEL_READ_FD) return;
  const target = internal.process;
  const channel = new Channel(CHANNEL_READ_FD, CHANNEL_WRITE_FD, target);
  defineChannelMethods(target, channel);
  const listening = () => channel.ref(target.listenerCount('message') > 0);
  target.on('newListener', (event) => {
    if (event === 'message') internal.nextTick(listening);
  });
  target.on('removeListener', (event) => {
    if (event === 'message') listening();
  });
};

// process.kill(pid, signal) of another process of the VM (signal 0: does it exist).
internal.killProcess = (pid, number) => {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid !== (pid | 0)) {
    throw invalidArgType('pid', 'of type number', pid);
  }
  try {
    childKill(pid, number);
  } catch (error) {
    throw callError(error, 'kill');
  }
  return true;
};

internal.addIoReadyHandler(onIoReady);

internal.defineBuiltin('child_process', () => ({
  ChildProcess, spawn, spawnSync, exec, execSync, execFile, execFileSync, fork,
}));
