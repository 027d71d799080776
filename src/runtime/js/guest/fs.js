'use strict';
// The `fs` and `fs/promises` builtins over internal.kernel: sync, callback and promise forms of the
// file API, Stats/Dirent/Dir, FileHandle and read/write streams. Every call resolves its path
// against process.cwd() and reports errors with the path as the caller gave it, like Node.

const { Buffer } = internal;
const kernel = internal.kernel;
const { codedError, invalidArgType, notImplemented, nextTick } = internal;

// ---- constants ---------------------------------------------------------------------------------

const constants = internal.freeze({
  __proto__: null,
  UV_FS_SYMLINK_DIR: 1, UV_FS_SYMLINK_JUNCTION: 2,
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2,
  UV_DIRENT_UNKNOWN: 0, UV_DIRENT_FILE: 1, UV_DIRENT_DIR: 2, UV_DIRENT_LINK: 3, UV_DIRENT_FIFO: 4,
  UV_DIRENT_SOCKET: 5, UV_DIRENT_CHAR: 6, UV_DIRENT_BLOCK: 7,
  S_IFMT: 0o170000, S_IFREG: 0o100000, S_IFDIR: 0o40000, S_IFCHR: 0o20000, S_IFBLK: 0o60000, S_IFIFO: 0o10000,
  S_IFLNK: 0o120000, S_IFSOCK: 0o140000,
  O_CREAT: 0o100, O_EXCL: 0o200, UV_FS_O_FILEMAP: 0, O_NOCTTY: 0o400, O_TRUNC: 0o1000, O_APPEND: 0o2000,
  O_DIRECTORY: 0o200000, O_NOATIME: 0o1000000, O_NOFOLLOW: 0o400000, O_SYNC: 0o4010000, O_DSYNC: 0o10000,
  O_DIRECT: 0o40000, O_NONBLOCK: 0o4000,
  S_IRWXU: 0o700, S_IRUSR: 0o400, S_IWUSR: 0o200, S_IXUSR: 0o100, S_IRWXG: 0o70, S_IRGRP: 0o40, S_IWGRP: 0o20,
  S_IXGRP: 0o10, S_IRWXO: 0o7, S_IROTH: 0o4, S_IWOTH: 0o2, S_IXOTH: 0o1,
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  UV_FS_COPYFILE_EXCL: 1, COPYFILE_EXCL: 1, UV_FS_COPYFILE_FICLONE: 2, COPYFILE_FICLONE: 2,
  UV_FS_COPYFILE_FICLONE_FORCE: 4, COPYFILE_FICLONE_FORCE: 4,
});
const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_SYNC, S_IFMT } = constants;

const flagTable = {
  __proto__: null,
  'r': O_RDONLY, 'rs': O_RDONLY | O_SYNC, 'sr': O_RDONLY | O_SYNC,
  'r+': O_RDWR, 'rs+': O_RDWR | O_SYNC, 'sr+': O_RDWR | O_SYNC,
  'w': O_TRUNC | O_CREAT | O_WRONLY, 'wx': O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'xw': O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR, 'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'a': O_APPEND | O_CREAT | O_WRONLY, 'ax': O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  'xa': O_APPEND | O_CREAT | O_WRONLY | O_EXCL, 'as': O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'sa': O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR, 'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL, 'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

// ---- argument validation -----------------------------------------------------------------------

function invalidArgValue(name, value, reason = 'is invalid') {
  const kind = name.includes('.') ? 'property' : 'argument';
  return codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
                    `The ${kind} '${name}' ${reason}. Received ${internal.inspect(value)}`);
}

function outOfRange(name, range, value) {
  return codedError(RangeError, 'ERR_OUT_OF_RANGE',
                    `The value of "${name}" is out of range. It must be ${range}. Received ${internal.inspect(value)}`);
}

function validateFunction(value, name) {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
  return value;
}

function validateInteger(value, name, min = 0, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

function validateFd(fd) {
  return validateInteger(fd, 'fd', 0, 2147483647);
}

function fileUrlPath(url) {
  if (url.protocol !== 'file:') throw codedError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  if (url.hostname !== '' && url.hostname !== 'localhost') {
    throw codedError(TypeError, 'ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
  }
  if (/%2f/i.test(url.pathname)) {
    throw codedError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
  }
  return decodeURIComponent(url.pathname);
}

// The path as the caller wrote it (string), from a string, Buffer or file: URL.
function pathArg(value, name = 'path') {
  let path = value;
  if (value instanceof Uint8Array) path = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString();
  else if (value !== null && typeof value === 'object' && typeof value.href === 'string' &&
           typeof value.protocol === 'string') path = fileUrlPath(value);
  if (typeof path !== 'string') throw invalidArgType(name, 'of type string or an instance of Buffer or URL', value);
  if (path.includes('\u0000')) {
    throw invalidArgValue(name, value, 'must be a string or Uint8Array without null bytes');
  }
  return path;
}

function absolute(path) {
  return kernel.resolvePath(internal.cwd, path);
}

function parseFlags(flags, fallback) {
  if (flags === undefined || flags === null) return fallback;
  if (typeof flags === 'number') return flags;
  const value = flagTable[flags];
  if (value === undefined) throw invalidArgValue('flags', flags);
  return value;
}

function parseMode(mode, fallback) {
  if (mode === undefined || mode === null) return fallback;
  if (typeof mode === 'string') {
    if (!/^[0-7]+$/.test(mode)) throw invalidArgValue('mode', mode, 'must be a 32-bit unsigned integer or an octal string');
    return parseInt(mode, 8);
  }
  return validateInteger(mode, 'mode', 0, 4294967295);
}

function validateEncoding(encoding) {
  if (encoding === undefined || encoding === null || encoding === 'buffer') return encoding;
  if (!Buffer.isEncoding(encoding)) {
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE',
                     `The argument 'encoding' is invalid encoding. Received ${internal.inspect(encoding)}`);
  }
  return encoding;
}

function options(value, defaults) {
  if (value === undefined || value === null) return defaults;
  if (typeof value === 'string') return { ...defaults, encoding: validateEncoding(value) };
  if (typeof value !== 'object') throw invalidArgType('options', 'of type string or an instance of Object', value);
  const merged = { ...defaults, ...value };
  validateEncoding(merged.encoding);
  return merged;
}

function isUtf8(encoding) {
  return encoding === 'utf8' || encoding === 'utf-8';
}

// Bytes to write from a string (in `encoding`) or any ArrayBufferView.
function dataBytes(data, encoding, name = 'data') {
  if (typeof data === 'string') return isUtf8(encoding ?? 'utf8') ? data : Buffer.from(data, encoding);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

function encodeResult(bytes, encoding) {
  const buffer = internal.bufferFromBytes(bytes);
  return encoding && encoding !== 'buffer' ? buffer.toString(encoding) : buffer;
}

// A system error from the kernel named the absolute path; Node names the path the caller gave.
function withPaths(error, path, dest) {
  if (error === null || typeof error !== 'object' || typeof error.syscall !== 'string' ||
      typeof error.errno !== 'number') {
    return error;
  }
  const renamed = kernel.systemError(error.code, error.errno, error.syscall,
                                     error.path === undefined ? undefined : path,
                                     error.dest === undefined ? undefined : dest);
  Error.captureStackTrace?.(renamed, withPaths);
  return renamed;
}

function isSystemError(error) {
  return error !== null && typeof error === 'object' && typeof error.syscall === 'string' &&
         typeof error.errno === 'number';
}

// ---- Stats, Dirent -----------------------------------------------------------------------------

const kMsPerSecond = 1000;

function dateOf(ms) {
  return new Date(ms);
}

class StatsBase {
  isFile() { return (this.mode & S_IFMT) === constants.S_IFREG; }
  isDirectory() { return (this.mode & S_IFMT) === constants.S_IFDIR; }
  isSymbolicLink() { return (this.mode & S_IFMT) === constants.S_IFLNK; }
  isCharacterDevice() { return (this.mode & S_IFMT) === constants.S_IFCHR; }
  isBlockDevice() { return (this.mode & S_IFMT) === constants.S_IFBLK; }
  isFIFO() { return (this.mode & S_IFMT) === constants.S_IFIFO; }
  isSocket() { return (this.mode & S_IFMT) === constants.S_IFSOCK; }
}

class Stats extends StatsBase {
  constructor(record) {
    super();
    this.dev = record.dev;
    this.mode = record.mode;
    this.nlink = record.nlink;
    this.uid = record.uid;
    this.gid = record.gid;
    this.rdev = record.rdev;
    this.blksize = record.blksize;
    this.ino = record.ino;
    this.size = record.size;
    this.blocks = record.blocks;
    this.atimeMs = record.atimeMs;
    this.mtimeMs = record.mtimeMs;
    this.ctimeMs = record.ctimeMs;
    this.birthtimeMs = record.birthtimeMs;
    this.atime = dateOf(record.atimeMs);
    this.mtime = dateOf(record.mtimeMs);
    this.ctime = dateOf(record.ctimeMs);
    this.birthtime = dateOf(record.birthtimeMs);
  }
}

class BigIntStats extends StatsBase {
  constructor(record) {
    super();
    for (const name of ['dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'blksize', 'ino', 'size', 'blocks']) {
      this[name] = BigInt(record[name]);
    }
    for (const name of ['atime', 'mtime', 'ctime', 'birthtime']) {
      const ms = record[`${name}Ms`];
      this[`${name}Ms`] = BigInt(Math.trunc(ms));
      this[`${name}Ns`] = BigInt(Math.trunc(ms)) * 1000000n;
      this[name] = dateOf(ms);
    }
  }

  isFile() { return (Number(this.mode) & S_IFMT) === constants.S_IFREG; }
  isDirectory() { return (Number(this.mode) & S_IFMT) === constants.S_IFDIR; }
  isSymbolicLink() { return (Number(this.mode) & S_IFMT) === constants.S_IFLNK; }
  isCharacterDevice() { return (Number(this.mode) & S_IFMT) === constants.S_IFCHR; }
  isBlockDevice() { return (Number(this.mode) & S_IFMT) === constants.S_IFBLK; }
  isFIFO() { return (Number(this.mode) & S_IFMT) === constants.S_IFIFO; }
  isSocket() { return (Number(this.mode) & S_IFMT) === constants.S_IFSOCK; }
}

function makeStats(record, bigint) {
  return bigint ? new BigIntStats(record) : new Stats(record);
}

// d_type numbers from the kernel -> UV_DIRENT_* as Node's Dirent keeps them.
const direntTypes = { __proto__: null, 1: 4, 2: 6, 4: 2, 8: 1, 10: 3, 12: 5, 6: 7 };

const kType = Symbol('type');

class Dirent {
  constructor(name, type, path) {
    this.name = name;
    this.parentPath = path;
    this.path = path;
    this[kType] = type;
  }

  isFile() { return this[kType] === constants.UV_DIRENT_FILE; }
  isDirectory() { return this[kType] === constants.UV_DIRENT_DIR; }
  isSymbolicLink() { return this[kType] === constants.UV_DIRENT_LINK; }
  isCharacterDevice() { return this[kType] === constants.UV_DIRENT_CHAR; }
  isBlockDevice() { return this[kType] === constants.UV_DIRENT_BLOCK; }
  isFIFO() { return this[kType] === constants.UV_DIRENT_FIFO; }
  isSocket() { return this[kType] === constants.UV_DIRENT_SOCKET; }
}

// ---- synchronous API ---------------------------------------------------------------------------

function existsSync(path) {
  try {
    path = pathArg(path);
  } catch {
    return false;
  }
  return kernel.statKind(absolute(path)) !== 0;
}

function accessSync(path, mode = constants.F_OK) {
  path = pathArg(path);
  mode = validateInteger(mode, 'mode', 0, 7);
  try {
    kernel.access(absolute(path), mode);
  } catch (error) {
    throw withPaths(error, path);
  }
}

function statLike(call, path, options) {
  path = pathArg(path);
  try {
    return makeStats(call(absolute(path)), options?.bigint === true);
  } catch (error) {
    if (options?.throwIfNoEntry === false && isSystemError(error) && error.code === 'ENOENT') return undefined;
    throw withPaths(error, path);
  }
}

function statSync(path, options) {
  return statLike(kernel.stat, path, options);
}

function lstatSync(path, options) {
  return statLike(kernel.lstat, path, options);
}

function fstatSync(fd, options) {
  return makeStats(kernel.fstat(validateFd(fd)), options?.bigint === true);
}

function openSync(path, flags, mode) {
  path = pathArg(path);
  const flagValue = parseFlags(flags, O_RDONLY);
  const modeValue = parseMode(mode, 0o666);
  try {
    return kernel.open(absolute(path), flagValue, modeValue);
  } catch (error) {
    throw withPaths(error, path);
  }
}

function closeSync(fd) {
  kernel.close(validateFd(fd));
}

// readSync(fd, buffer, offset, length, position) or readSync(fd, buffer, {offset, length, position}).
// Stdin bytes the loop already handed to process.stdin but nobody read belong to the next reader of
// descriptor 0, ahead of what is still queued; `stdinLeftover` keeps what one read could not take.
let stdinLeftover = null;

function takeBufferedStdin(target) {
  if (stdinLeftover === null) {
    const chunk = internal.process.stdin.read();
    if (chunk === null || chunk === undefined) return 0;
    stdinLeftover = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
  const count = Math.min(target.byteLength, stdinLeftover.byteLength);
  target.set(stdinLeftover.subarray(0, count));
  stdinLeftover = count === stdinLeftover.byteLength ? null : stdinLeftover.subarray(count);
  return count;
}

// One read(2) into `target`; -1 reads at the descriptor's offset.
function readInto(fd, target, position) {
  if (fd === 0 && position === -1 && target.byteLength > 0) {
    const taken = takeBufferedStdin(target);
    if (taken > 0) return taken;
  }
  return kernel.read(fd, target, position);
}

function readSync(fd, buffer, offsetOrOptions, length, position) {
  validateFd(fd);
  if (!ArrayBuffer.isView(buffer)) {
    throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, or DataView', buffer);
  }
  let offset = offsetOrOptions;
  if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') {
    ({ offset = 0, length = buffer.byteLength - offset, position = null } = offsetOrOptions);
  } else if (offsetOrOptions === undefined && length === undefined) {
    offset = 0;
    length = buffer.byteLength;
  }
  offset = validateInteger(offset ?? 0, 'offset', 0, buffer.byteLength);
  length = validateInteger(length ?? buffer.byteLength - offset, 'length', 0, buffer.byteLength - offset);
  if (length === 0) return 0;
  const target = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
  return readInto(fd, target, readPosition(position));
}

function readPosition(position) {
  if (position === null || position === undefined || position === -1) return -1;
  if (typeof position === 'bigint') return Number(position);
  return validateInteger(position, 'position', -1);
}

// writeSync(fd, buffer, offset?, length?, position?) or writeSync(fd, string, position?, encoding?).
function writeSync(fd, data, offsetOrPosition, lengthOrEncoding, position) {
  validateFd(fd);
  if (typeof data === 'string') {
    const bytes = dataBytes(data, lengthOrEncoding ?? 'utf8');
    return kernel.write(fd, bytes, readPosition(offsetOrPosition));
  }
  if (!ArrayBuffer.isView(data)) {
    throw invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  }
  let offset = offsetOrPosition;
  let length = lengthOrEncoding;
  if (offset !== null && typeof offset === 'object') {
    ({ offset = 0, length = data.byteLength - offset, position = null } = offset);
  }
  offset = validateInteger(offset ?? 0, 'offset', 0, data.byteLength);
  length = validateInteger(length ?? data.byteLength - offset, 'length', 0, data.byteLength - offset);
  return kernel.write(fd, new Uint8Array(data.buffer, data.byteOffset + offset, length), readPosition(position));
}

function readvSync(fd, buffers, position) {
  let total = 0;
  for (const buffer of buffers) {
    const read = readSync(fd, buffer, 0, buffer.byteLength, position === null || position === undefined ? null
                                                                                                         : position + total);
    total += read;
    if (read < buffer.byteLength) break;
  }
  return total;
}

function writevSync(fd, buffers, position) {
  let total = 0;
  for (const buffer of buffers) {
    total += writeSync(fd, buffer, 0, buffer.byteLength,
                       position === null || position === undefined ? null : position + total);
  }
  return total;
}

const kReadChunk = 64 * 1024;

// Everything from a descriptor until end of file (stdin, a pipe, an open file).
function readAllFromFd(fd) {
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(kReadChunk);
    const read = readInto(fd, chunk, -1);
    if (read === 0) break;
    chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
    total += read;
  }
  return Buffer.concat(chunks, total);
}

const stdinPaths = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

function readFileSync(path, opts) {
  const { encoding, flag } = options(opts, { encoding: null, flag: 'r' });
  if (typeof path === 'number') {
    kernel.fstat(validateFd(path));  // Node checks the descriptor with fstat first
    return encodeResult(readAllFromFd(path), encoding);
  }
  path = pathArg(path);
  const flags = parseFlags(flag, O_RDONLY);
  // This process's stdin by name: its bytes, as descriptor 0 gives them (a piped stdin included).
  if (flags === O_RDONLY && stdinPaths.has(absolute(path))) return encodeResult(readAllFromFd(0), encoding);
  try {
    if (flags === O_RDONLY) {
      if (isUtf8(encoding)) return kernel.readFileUtf8(absolute(path));
      return encodeResult(kernel.readFile(absolute(path)), encoding);
    }
    const fd = kernel.open(absolute(path), flags, 0o666);
    try {
      return encodeResult(readAllFromFd(fd), encoding);
    } finally {
      kernel.close(fd);
    }
  } catch (error) {
    // Linux opens a directory for reading and fails the read, which names no path.
    if (isSystemError(error) && error.code === 'EISDIR') throw kernel.systemError(error.code, error.errno, 'read');
    throw withPaths(error, path);
  }
}

function writeAllToFd(fd, bytes) {
  const view = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  let offset = 0;
  while (offset < view.byteLength) offset += kernel.write(fd, view.subarray(offset), -1);
}

function writeFileSync(path, data, opts) {
  const { encoding, mode, flag } = options(opts, { encoding: 'utf8', mode: 0o666, flag: 'w' });
  const bytes = dataBytes(data, encoding);
  if (typeof path === 'number') {
    validateFd(path);
    writeAllToFd(path, bytes);
    return;
  }
  path = pathArg(path);
  try {
    kernel.writeFile(absolute(path), bytes, parseFlags(flag, O_TRUNC | O_CREAT | O_WRONLY), parseMode(mode, 0o666));
  } catch (error) {
    throw withPaths(error, path);
  }
}

function appendFileSync(path, data, opts) {
  const merged = options(opts, { encoding: 'utf8', mode: 0o666, flag: 'a' });
  writeFileSync(path, data, merged);
}

function readdirSync(path, opts) {
  const { encoding, withFileTypes, recursive } = options(opts, { encoding: 'utf8', withFileTypes: false });
  path = pathArg(path);
  const results = [];
  const visit = (directory, prefix) => {
    let listing;
    try {
      listing = kernel.readdir(absolute(directory));
    } catch (error) {
      throw withPaths(error, directory);
    }
    const [names, types] = listing;
    for (let i = 0; i < names.length; i++) {
      const name = prefix === '' ? names[i] : `${prefix}/${names[i]}`;
      const type = direntTypes[types[i]] ?? constants.UV_DIRENT_UNKNOWN;
      if (withFileTypes) {
        results.push(new Dirent(names[i], type, prefix === '' ? path : `${path}/${prefix}`));
      } else {
        results.push(encoding === 'buffer' ? Buffer.from(name) : name);
      }
      if (recursive && type === constants.UV_DIRENT_DIR) visit(`${directory}/${names[i]}`, name);
    }
  };
  visit(path, '');
  return results;
}

function mkdirSync(path, opts) {
  let recursive = false;
  let mode = 0o777;
  if (typeof opts === 'number' || typeof opts === 'string') {
    mode = parseMode(opts, 0o777);
  } else if (opts !== undefined && opts !== null) {
    if (typeof opts !== 'object') throw invalidArgType('options', 'of type object', opts);
    recursive = opts.recursive ?? false;
    if (typeof recursive !== 'boolean') throw invalidArgType('options.recursive', 'of type boolean', recursive);
    mode = parseMode(opts.mode, 0o777);
  }
  path = pathArg(path);
  try {
    // Recursive: the first directory created, as an absolute path (undefined when none was).
    const first = kernel.mkdir(absolute(path), mode, recursive);
    return recursive ? first : undefined;
  } catch (error) {
    throw withPaths(error, path);
  }
}

// Removes a tree bottom-up with the kernel's own calls (each checked by the policy).
function removeTree(abs) {
  const [names, types] = kernel.readdir(abs);
  for (let i = 0; i < names.length; i++) {
    const child = `${abs}/${names[i]}`;
    if (types[i] === 4) removeTree(child);
    else kernel.unlink(child);
  }
  kernel.rmdir(abs);
}

function rmdirSync(path, opts) {
  path = pathArg(path);
  try {
    if (opts?.recursive === true) removeTree(absolute(path));
    else kernel.rmdir(absolute(path));
  } catch (error) {
    throw withPaths(error, path);
  }
}

function rmSync(path, opts) {
  path = pathArg(path);
  const recursive = opts?.recursive === true;
  const force = opts?.force === true;
  const abs = absolute(path);
  let record;
  try {
    record = kernel.lstat(abs);
  } catch (error) {
    if (force && isSystemError(error) && error.code === 'ENOENT') return;
    throw withPaths(kernel.systemError(error.code, error.errno, 'rm', path), path);
  }
  const isDirectory = (record.mode & S_IFMT) === constants.S_IFDIR;
  if (isDirectory && !recursive) {
    const error = codedError(Error, 'ERR_FS_EISDIR', `Path is a directory: rm returned EISDIR (is a directory) ${path}`);
    Object.assign(error, { errno: 21, syscall: 'rm', path });
    throw error;
  }
  try {
    if (isDirectory) removeTree(abs);
    else kernel.unlink(abs);
  } catch (error) {
    throw withPaths(error, path);
  }
}

function unlinkSync(path) {
  path = pathArg(path);
  try {
    kernel.unlink(absolute(path));
  } catch (error) {
    throw withPaths(error, path);
  }
}

function twoPaths(call, from, to, fromName, toName) {
  from = pathArg(from, fromName);
  to = pathArg(to, toName);
  try {
    return call(absolute(from), absolute(to));
  } catch (error) {
    throw withPaths(error, from, to);
  }
}

function renameSync(from, to) {
  twoPaths(kernel.rename, from, to, 'oldPath', 'newPath');
}

function linkSync(existing, newPath) {
  twoPaths(kernel.link, existing, newPath, 'existingPath', 'newPath');
}

function copyFileSync(src, dest, mode = 0) {
  const flags = validateInteger(mode, 'mode', 0, 7);
  if ((flags & constants.COPYFILE_FICLONE_FORCE) !== 0) throw notImplemented('fs.copyFile() with COPYFILE_FICLONE_FORCE');
  twoPaths((from, to) => kernel.copyFile(from, to, (flags & constants.COPYFILE_EXCL) !== 0), src, dest, 'src', 'dest');
}

function symlinkSync(target, path, type) {
  target = pathArg(target, 'target');
  path = pathArg(path);
  if (type !== undefined && type !== null && type !== 'file' && type !== 'dir' && type !== 'junction') {
    throw invalidArgValue('type', type, "must be one of: 'dir', 'file', 'junction'");
  }
  try {
    kernel.symlink(target, absolute(path));
  } catch (error) {
    throw withPaths(error, target, path);
  }
}

function pathCall(call, syscallPath, ...rest) {
  const path = pathArg(syscallPath);
  try {
    return call(absolute(path), ...rest);
  } catch (error) {
    throw withPaths(error, path);
  }
}

function readlinkSync(path, opts) {
  const { encoding } = options(opts, { encoding: 'utf8' });
  const target = pathCall(kernel.readlink, path);
  return encoding === 'buffer' ? Buffer.from(target) : target;
}

function realpathNativeSync(path, opts) {
  const { encoding } = options(opts, { encoding: 'utf8' });
  const resolved = pathCall(kernel.realpath, path);
  return encoding === 'buffer' ? Buffer.from(resolved) : resolved;
}

// Node's JavaScript realpath walks with lstat, so its errors name lstat; .native names realpath.
function realpathSync(path, opts) {
  try {
    return realpathNativeSync(path, opts);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    throw kernel.systemError(error.code, error.errno, 'lstat', error.path);
  }
}
realpathSync.native = realpathNativeSync;

function chmodSync(path, mode) {
  pathCall(kernel.chmod, path, parseMode(mode));
}

function chownSync(path, uid, gid) {
  pathCall(kernel.chown, path, validateInteger(uid, 'uid', -1, 4294967295) >>> 0,
           validateInteger(gid, 'gid', -1, 4294967295) >>> 0);
}

function timeMs(value, name) {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) return Number(value) * kMsPerSecond;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Date.now();
    return value * kMsPerSecond;
  }
  throw invalidArgType(name, 'of type number or an instance of Date', value);
}

function utimesSync(path, atime, mtime) {
  pathCall(kernel.utimes, path, Math.max(0, Math.trunc(timeMs(atime, 'atime'))),
           Math.max(0, Math.trunc(timeMs(mtime, 'mtime'))));
}

function truncateSync(path, len = 0) {
  if (typeof path === 'number') return ftruncateSync(path, len);
  pathCall(kernel.truncate, path, validateInteger(len, 'len', 0));
}

function ftruncateSync(fd, len = 0) {
  kernel.ftruncate(validateFd(fd), validateInteger(len, 'len', 0));
}

function fsyncSync(fd) {
  kernel.fsync(validateFd(fd));
}

const tempChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const kMkdtempAttempts = 100;

function mkdtempSync(prefix, opts) {
  const { encoding } = options(opts, { encoding: 'utf8' });
  prefix = pathArg(prefix, 'prefix');
  for (let attempt = 0;; attempt++) {
    let name = prefix;
    for (let i = 0; i < 6; i++) name += tempChars[Math.floor(Math.random() * tempChars.length)];
    try {
      kernel.mkdir(absolute(name), 0o700, false);
      return encoding === 'buffer' ? Buffer.from(name) : name;
    } catch (error) {
      if (isSystemError(error) && error.code === 'EEXIST' && attempt < kMkdtempAttempts) continue;
      throw withPaths(kernel.systemError(error.code, error.errno, 'mkdtemp', `${prefix}XXXXXX`), `${prefix}XXXXXX`);
    }
  }
}

// ---- Dir ---------------------------------------------------------------------------------------

class Dir {
  #entries;
  #closed = false;

  constructor(path, entries) {
    this.path = path;
    this.#entries = entries;
  }

  #check() {
    if (this.#closed) throw codedError(Error, 'ERR_DIR_CLOSED', 'Directory handle was closed');
  }

  readSync() {
    this.#check();
    return this.#entries.shift() ?? null;
  }

  read(callback) {
    if (callback === undefined) return new Promise((resolve, reject) => this.read((e, v) => (e ? reject(e) : resolve(v))));
    validateFunction(callback, 'callback');
    let entry;
    try {
      entry = this.readSync();
    } catch (error) {
      nextTick(callback, error);
      return undefined;
    }
    nextTick(callback, null, entry);
    return undefined;
  }

  closeSync() {
    this.#check();
    this.#closed = true;
  }

  close(callback) {
    if (callback === undefined) return new Promise((resolve, reject) => this.close((e) => (e ? reject(e) : resolve())));
    validateFunction(callback, 'callback');
    try {
      this.closeSync();
    } catch (error) {
      nextTick(callback, error);
      return undefined;
    }
    nextTick(callback, null);
    return undefined;
  }

  async *entries() {
    try {
      for (;;) {
        const entry = this.readSync();
        if (entry === null) return;
        yield entry;
      }
    } finally {
      if (!this.#closed) this.closeSync();
    }
  }

  [Symbol.asyncIterator]() {
    return this.entries();
  }
}

function opendirSync(path) {
  try {
    return new Dir(pathArg(path), readdirSync(path, { withFileTypes: true }));
  } catch (error) {
    // Node's opendir errors name the call but not the path.
    if (isSystemError(error)) throw kernel.systemError(error.code, error.errno, 'opendir');
    throw error;
  }
}

// ---- callback API ------------------------------------------------------------------------------

// The callback form of a synchronous call: argument errors throw at once, like Node; the result
// or a system error reaches the callback on a later tick.
function callbackForm(sync, arity) {
  return function (...args) {
    let callback = args[args.length - 1];
    if (typeof callback !== 'function') {
      if (args.length < arity) throw invalidArgType('cb', 'of type function', undefined);
      validateFunction(callback, 'cb');
    }
    args.pop();
    let result;
    try {
      result = sync(...args);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      nextTick(callback, error);
      return;
    }
    nextTick(callback, null, result);
  };
}

function exists(path, callback) {
  validateFunction(callback, 'cb');
  const found = existsSync(path);
  nextTick(callback, found);
}

function read(fd, buffer, offset, length, position, callback) {
  if (typeof buffer === 'function') {
    callback = buffer;
    buffer = Buffer.alloc(16384);
    offset = 0;
    length = buffer.byteLength;
    position = null;
  } else if (typeof offset === 'function') {
    callback = offset;
    offset = undefined;
  } else if (offset !== null && typeof offset === 'object' && !ArrayBuffer.isView(offset)) {
    callback = length;
  }
  validateFunction(callback, 'cb');
  let bytesRead;
  try {
    bytesRead = readSync(fd, buffer, offset, typeof length === 'function' ? undefined : length, position);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    nextTick(callback, error, 0, buffer);
    return;
  }
  nextTick(callback, null, bytesRead, buffer);
}

function write(fd, data, ...rest) {
  const callback = validateFunction(rest.pop(), 'cb');
  let written;
  try {
    written = writeSync(fd, data, ...rest);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    nextTick(callback, error, 0, data);
    return;
  }
  nextTick(callback, null, written, data);
}

// ---- promise API -------------------------------------------------------------------------------

function promiseForm(sync) {
  return (...args) => {
    try {
      return Promise.resolve(sync(...args));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

class FileHandle {
  #fd;

  constructor(fd) {
    this.#fd = fd;
  }

  get fd() {
    return this.#fd;
  }

  #call(fn) {
    if (this.#fd === -1) {
      return Promise.reject(kernel.systemError('EBADF', -9, 'read'));
    }
    try {
      return Promise.resolve(fn(this.#fd));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async read(buffer, offset, length, position) {
    if (buffer === undefined || (buffer !== null && typeof buffer === 'object' && !ArrayBuffer.isView(buffer))) {
      const opts = buffer ?? {};
      buffer = opts.buffer ?? Buffer.alloc(16384);
      offset = opts.offset ?? 0;
      length = opts.length ?? buffer.byteLength - offset;
      position = opts.position ?? null;
    }
    const bytesRead = await this.#call((fd) => readSync(fd, buffer, offset ?? 0, length ?? buffer.byteLength - (offset ?? 0),
                                                        position));
    return { bytesRead, buffer };
  }

  async write(data, ...rest) {
    const bytesWritten = await this.#call((fd) => writeSync(fd, data, ...rest));
    return { bytesWritten, buffer: data };
  }

  readFile(opts) {
    return this.#call((fd) => readFileSync(fd, opts));
  }

  writeFile(data, opts) {
    return this.#call((fd) => writeFileSync(fd, data, opts));
  }

  appendFile(data, opts) {
    return this.writeFile(data, opts);
  }

  stat(opts) {
    return this.#call((fd) => fstatSync(fd, opts));
  }

  truncate(len) {
    return this.#call((fd) => ftruncateSync(fd, len));
  }

  sync() {
    return this.#call((fd) => fsyncSync(fd));
  }

  datasync() {
    return this.sync();
  }

  close() {
    if (this.#fd === -1) return Promise.resolve();
    const fd = this.#fd;
    this.#fd = -1;
    try {
      closeSync(fd);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  createReadStream(opts) {
    return createReadStream(null, { ...opts, fd: this.#fd });
  }

  createWriteStream(opts) {
    return createWriteStream(null, { ...opts, fd: this.#fd });
  }
}

// ---- streams -----------------------------------------------------------------------------------

let streamClasses;

function loadStreams() {
  if (streamClasses !== undefined) return streamClasses;
  const loadStream = internal.builtinLoaders.stream;
  if (loadStream === undefined) throw notImplemented('fs streams');
  const { Readable, Writable } = loadStream();

  // What both stream kinds share: their descriptor (given, or opened from the path with 'open' and
  // 'ready' on the next tick, or an error destroying the stream), start position and autoClose.
  function openStream(stream, path, settings) {
    stream.path = settings.fd === null ? pathArg(path) : undefined;
    stream.fd = settings.fd instanceof FileHandle ? settings.fd.fd : settings.fd;
    stream.flags = settings.flags;
    stream.mode = settings.mode;
    stream.start = settings.start;
    stream.pos = settings.start;
    stream.autoClose = settings.autoClose;
    if (stream.start !== undefined) validateInteger(stream.start, 'start', 0);
    if (stream.fd !== null) return;
    try {
      stream.fd = openSync(stream.path, stream.flags, stream.mode);
    } catch (error) {
      nextTick(() => stream.destroy(error));
      return;
    }
    nextTick(() => {
      stream.emit('open', stream.fd);
      stream.emit('ready');
    });
  }

  // _destroy of both: closes an owned descriptor; a close failure is reported unless one came first.
  function closeStream(stream, error, callback) {
    if (stream.fd !== null && stream.autoClose) {
      try {
        closeSync(stream.fd);
      } catch (closeError) {
        error ??= closeError;
      }
      stream.fd = null;
    }
    callback(error);
  }

  class ReadStream extends Readable {
    constructor(path, opts) {
      const settings = options(opts, { flags: 'r', encoding: null, fd: null, mode: 0o666, autoClose: true,
                                       start: undefined, end: Infinity, highWaterMark: 64 * 1024 });
      super({ highWaterMark: settings.highWaterMark, encoding: settings.encoding ?? undefined,
              emitClose: settings.emitClose ?? true, autoDestroy: settings.autoClose });
      this.end = settings.end;
      this.bytesRead = 0;
      if (this.end !== Infinity) validateInteger(this.end, 'end', 0);
      openStream(this, path, settings);
    }

    get pending() {
      return this.fd === null;
    }

    _read(size) {
      let want = size;
      if (this.end !== Infinity) want = Math.min(want, this.end - (this.pos ?? this.bytesRead) + 1);
      if (want <= 0) {
        this.push(null);
        return;
      }
      const chunk = Buffer.allocUnsafe(want);
      let count;
      try {
        count = kernel.read(this.fd, chunk, this.pos === undefined ? -1 : this.pos);
      } catch (error) {
        this.destroy(error);
        return;
      }
      if (this.pos !== undefined) this.pos += count;
      this.bytesRead += count;
      this.push(count === 0 ? null : chunk.subarray(0, count));
    }

    _destroy(error, callback) {
      closeStream(this, error, callback);
    }

    close(callback) {
      if (typeof callback === 'function') this.once('close', callback);
      this.destroy();
    }
  }

  class WriteStream extends Writable {
    constructor(path, opts) {
      const settings = options(opts, { flags: 'w', encoding: 'utf8', fd: null, mode: 0o666, autoClose: true,
                                       start: undefined, highWaterMark: 16 * 1024 });
      super({ highWaterMark: settings.highWaterMark, decodeStrings: true, defaultEncoding: settings.encoding,
              emitClose: settings.emitClose ?? true, autoDestroy: settings.autoClose });
      this.bytesWritten = 0;
      openStream(this, path, settings);
    }

    get pending() {
      return this.fd === null;
    }

    _write(chunk, encoding, callback) {
      try {
        let offset = 0;
        while (offset < chunk.byteLength) {
          const written = kernel.write(this.fd, chunk.subarray(offset), this.pos === undefined ? -1 : this.pos);
          offset += written;
          if (this.pos !== undefined) this.pos += written;
        }
        this.bytesWritten += chunk.byteLength;
      } catch (error) {
        callback(error);
        return;
      }
      callback();
    }

    _destroy(error, callback) {
      closeStream(this, error, callback);
    }

    close(callback) {
      if (typeof callback === 'function') this.once('close', callback);
      if (!this.writableEnded) this.end();
      else this.destroy();
    }

    destroySoon() {
      this.end();
    }
  }

  streamClasses = { ReadStream, WriteStream };
  return streamClasses;
}

function createReadStream(path, opts) {
  return new (loadStreams().ReadStream)(path, opts);
}

function createWriteStream(path, opts) {
  return new (loadStreams().WriteStream)(path, opts);
}

// ---- module objects ----------------------------------------------------------------------------

function unsupported(name) {
  return () => {
    throw notImplemented(name);
  };
}

const syncApi = {
  accessSync, appendFileSync, chmodSync, chownSync, closeSync, copyFileSync, existsSync, fstatSync, fsyncSync,
  ftruncateSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, opendirSync, readFileSync, readSync,
  readdirSync, readlinkSync, readvSync, realpathSync, renameSync, rmSync, rmdirSync, statSync, symlinkSync,
  truncateSync, unlinkSync, utimesSync, writeFileSync, writeSync, writevSync,
  fdatasyncSync: fsyncSync,
  lchownSync: chownSync,
};

// name -> [sync implementation, minimum argument count including the callback]
const callbackApi = {
  access: [accessSync, 2], appendFile: [appendFileSync, 3], chmod: [chmodSync, 3], chown: [chownSync, 4],
  close: [closeSync, 2], copyFile: [copyFileSync, 3], fstat: [fstatSync, 2], fsync: [fsyncSync, 2],
  fdatasync: [fsyncSync, 2], ftruncate: [ftruncateSync, 2], link: [linkSync, 3], lstat: [lstatSync, 2],
  mkdir: [mkdirSync, 2], mkdtemp: [mkdtempSync, 2], open: [openSync, 2], opendir: [opendirSync, 2],
  readFile: [readFileSync, 2], readdir: [readdirSync, 2], readlink: [readlinkSync, 2], readv: [readvSync, 3],
  realpath: [realpathSync, 2], rename: [renameSync, 3], rm: [rmSync, 2], rmdir: [rmdirSync, 2],
  stat: [statSync, 2], symlink: [symlinkSync, 3], truncate: [truncateSync, 2], unlink: [unlinkSync, 2],
  utimes: [utimesSync, 4], writeFile: [writeFileSync, 3], writev: [writevSync, 3], lchown: [chownSync, 4],
};

const notSupported = ['watch', 'watchFile', 'unwatchFile', 'cp', 'cpSync', 'statfs', 'statfsSync', 'lutimes',
                      'lutimesSync', 'fchmod', 'fchmodSync', 'fchown', 'fchownSync', 'futimes', 'futimesSync',
                      'openAsBlob'];

let promisesApi;

function loadPromises() {
  if (promisesApi !== undefined) return promisesApi;
  const api = {
    constants,
    open: async (path, flags, mode) => new FileHandle(openSync(path, flags, mode)),
    opendir: promiseForm(opendirSync),
    readFile: (path, opts) => (path instanceof FileHandle ? path.readFile(opts) : promiseForm(readFileSync)(path, opts)),
    writeFile: (path, data, opts) =>
      (path instanceof FileHandle ? path.writeFile(data, opts) : promiseForm(writeFileSync)(path, data, opts)),
    appendFile: (path, data, opts) =>
      (path instanceof FileHandle ? path.appendFile(data, opts) : promiseForm(appendFileSync)(path, data, opts)),
  };
  for (const name of ['access', 'chmod', 'chown', 'copyFile', 'link', 'lstat', 'mkdir', 'mkdtemp', 'readdir',
                      'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'symlink', 'truncate', 'unlink',
                      'utimes', 'lchown']) {
    api[name] = promiseForm(callbackApi[name][0]);
  }
  for (const name of ['watch', 'cp', 'statfs', 'lutimes', 'lchmod']) {
    api[name] = () => Promise.reject(notImplemented(`fs.promises.${name}()`));
  }
  promisesApi = api;
  return api;
}

function load() {
  const fs = { constants, Stats, Dirent, Dir, F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };
  for (const name of Object.keys(syncApi)) fs[name] = syncApi[name];
  for (const name of Object.keys(callbackApi)) {
    const [sync, arity] = callbackApi[name];
    fs[name] = callbackForm(sync, arity);
  }
  fs.realpath.native = callbackForm(realpathNativeSync, 2);
  fs.exists = exists;
  fs.read = read;
  fs.write = write;
  fs.createReadStream = createReadStream;
  fs.createWriteStream = createWriteStream;
  for (const name of notSupported) fs[name] = unsupported(`fs.${name}()`);
  Object.defineProperty(fs, 'promises', { __proto__: null, enumerable: true, configurable: true,
                                          get: loadPromises });
  for (const name of ['ReadStream', 'WriteStream']) {
    Object.defineProperty(fs, name, { __proto__: null, enumerable: true, configurable: true,
                                      get: () => loadStreams()[name] });
  }
  return fs;
}

internal.defineBuiltin('fs', load);
internal.defineBuiltin('fs/promises', loadPromises);
