'use strict';
// internal.kernel: the guest's system calls on its VM kernel, for fs, the module loader and
// process.chdir. Paths passed in are absolute (callers resolve them against process.cwd()).
// Failures throw Node's system errors: `code`, negative `errno`, `syscall`, `path` (and `dest`),
// message "ENOENT: no such file or directory, open '/x'".
// Contract used by other bootstrap files (keep stable):
//   stat(path) / lstat(path) -> {dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks,
//                                atimeMs, mtimeMs, ctimeMs, birthtimeMs}
//   statKind(path) -> 0 missing (or any error), 1 file, 2 directory; follows symlinks; never throws
//   readFileUtf8(path) -> string; readFile(path) -> Uint8Array; realpath(path) -> string

const {
  fsStat, fsStatKind, fsReaddir, fsMkdir, fsRmdir, fsUnlink, fsRename, fsSymlink, fsLink, fsReadlink, fsRealpath,
  fsChmod, fsChown, fsUtimes, fsTruncate, fsAccess, fsReadFile, fsWriteFile, fsCopyFile, fsChdir, fsOpen, fsClose,
  fsFsync, fsRead, fsWrite, fsFstat, fsFtruncate,
} = native;
const { defineProperty: ObjectDefineProperty } = Object;

// libuv's descriptions (uv_strerror) of the codes a filesystem call can report.
const descriptions = {
  __proto__: null,
  E2BIG: 'argument list too long',
  EACCES: 'permission denied',
  EAGAIN: 'resource temporarily unavailable',
  EBADF: 'bad file descriptor',
  EBUSY: 'resource busy or locked',
  EEXIST: 'file already exists',
  EFBIG: 'file too large',
  EINTR: 'interrupted system call',
  EINVAL: 'invalid argument',
  EIO: 'i/o error',
  EISDIR: 'illegal operation on a directory',
  ELOOP: 'too many symbolic links encountered',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
  ENFILE: 'file table overflow',
  ENODEV: 'no such device',
  ENOENT: 'no such file or directory',
  ENOMEM: 'not enough memory',
  ENOSPC: 'no space left on device',
  ENOSYS: 'function not implemented',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  ENOTSUP: 'operation not supported on socket',
  ENXIO: 'no such device or address',
  EPERM: 'operation not permitted',
  EPIPE: 'broken pipe',
  EROFS: 'read-only file system',
  ESPIPE: 'invalid seek',
  ESRCH: 'no such process',
  EXDEV: 'cross-device link not permitted',
};

function defineData(target, name, value) {
  ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, configurable: true, enumerable: true });
}

// Node's system error (uvException) for `code`/`errno` from `syscall` on `path` (-> `dest`). A
// kernel message naming a VM limit replaces libuv's generic text, so a guest (and whoever reads its
// stderr) learns which limit it hit.
function systemError(code, errno, syscall, path, dest, kernelMessage) {
  let description = descriptions[code] ?? 'unknown error';
  if (typeof kernelMessage === 'string' && kernelMessage.includes('limit')) {
    description = kernelMessage.startsWith(`${code}: `) ? kernelMessage.slice(code.length + 2) : kernelMessage;
  }
  let message = `${code}: ${description}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const error = new Error(message);
  defineData(error, 'errno', errno);
  defineData(error, 'code', code);
  defineData(error, 'syscall', syscall);
  if (path !== undefined) defineData(error, 'path', path);
  if (dest !== undefined) defineData(error, 'dest', dest);
  return error;
}

// A native failure carries `code` and a numeric `errno`; TypeErrors from argument checks do not.
function rethrow(error, syscall, path, dest) {
  if (error !== null && typeof error === 'object' && typeof error.errno === 'number' &&
      typeof error.code === 'string') {
    const converted = systemError(error.code, error.errno, syscall, path, dest, error.message);
    Error.captureStackTrace?.(converted, rethrow);
    throw converted;
  }
  throw error;
}

const statFields = ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks', 'atimeMs',
                    'mtimeMs', 'ctimeMs', 'birthtimeMs'];

function statRecord(array) {
  const record = { __proto__: null };
  for (let i = 0; i < statFields.length; i++) record[statFields[i]] = array[i];
  return record;
}

function stat(path) {
  try {
    return statRecord(fsStat(path, true));
  } catch (error) {
    rethrow(error, 'stat', path);
  }
}

function lstat(path) {
  try {
    return statRecord(fsStat(path, false));
  } catch (error) {
    rethrow(error, 'lstat', path);
  }
}

function fstat(fd) {
  try {
    return statRecord(fsFstat(fd));
  } catch (error) {
    rethrow(error, 'fstat');
  }
}

// Wraps a native taking (path, ...rest) so its failures name `syscall` and the path.
function pathCall(native, syscall) {
  return (path, ...rest) => {
    try {
      return native(path, ...rest);
    } catch (error) {
      rethrow(error, syscall, path);
    }
  };
}

// Wraps a native taking (source, destination, ...rest): failures name both.
function twoPathCall(native, syscall) {
  return (source, destination, ...rest) => {
    try {
      return native(source, destination, ...rest);
    } catch (error) {
      rethrow(error, syscall, source, destination);
    }
  };
}

// Wraps a native on a descriptor: failures name only the syscall.
function fdCall(native, syscall) {
  return (...args) => {
    try {
      return native(...args);
    } catch (error) {
      rethrow(error, syscall);
    }
  };
}

// Lexical resolution of `path` against the absolute `base` ("." and ".." folded, no trailing "/").
function resolvePath(base, path) {
  const joined = path.startsWith('/') ? path : `${base}/${path}`;
  const parts = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

const readFileBytes = pathCall((path) => fsReadFile(path, false), 'open');
const readFileUtf8 = pathCall((path) => fsReadFile(path, true), 'open');
const readdirRaw = pathCall(fsReaddir, 'scandir');

internal.kernel = {
  __proto__: null,
  systemError,
  resolvePath,
  stat,
  lstat,
  fstat,
  statKind: (path) => (typeof path === 'string' ? fsStatKind(path) : 0),
  readFile: readFileBytes,
  readFileUtf8,
  realpath: pathCall(fsRealpath, 'realpath'),
  // -> [names, types] with d_type numbers (8 file, 4 directory, 10 symlink, 2 char device, 1 fifo).
  readdir: readdirRaw,
  // -> the first directory created (recursive) or undefined.
  mkdir: pathCall(fsMkdir, 'mkdir'),
  rmdir: pathCall(fsRmdir, 'rmdir'),
  unlink: pathCall(fsUnlink, 'unlink'),
  rename: twoPathCall(fsRename, 'rename'),
  // (target, path): Node names the target first and the link second in the error.
  symlink: twoPathCall(fsSymlink, 'symlink'),
  link: twoPathCall(fsLink, 'link'),
  readlink: pathCall(fsReadlink, 'readlink'),
  chmod: pathCall(fsChmod, 'chmod'),
  chown: pathCall(fsChown, 'chown'),
  utimes: pathCall(fsUtimes, 'utime'),
  truncate: pathCall(fsTruncate, 'open'),
  access: pathCall(fsAccess, 'access'),
  // (path, data, flags, mode): data a string (UTF-8) or bytes.
  writeFile: pathCall(fsWriteFile, 'open'),
  copyFile: twoPathCall(fsCopyFile, 'copyfile'),
  open: pathCall(fsOpen, 'open'),
  close: fdCall(fsClose, 'close'),
  fsync: fdCall(fsFsync, 'fsync'),
  // (fd, Uint8Array target, position or -1) -> bytes read
  read: fdCall(fsRead, 'read'),
  // (fd, string or bytes, position or -1) -> bytes written
  write: fdCall(fsWrite, 'write'),
  ftruncate: fdCall(fsFtruncate, 'ftruncate'),
};

// process.chdir goes through the kernel: the directory must exist and be one.
internal.defineHidden(internal.process, 'chdir', function chdir(directory) {
  if (typeof directory !== 'string') throw internal.invalidArgType('directory', 'of type string', directory);
  const target = resolvePath(internal.cwd, directory);
  try {
    fsChdir(target);
  } catch (error) {
    rethrow(error, 'chdir', internal.cwd, directory);
  }
  internal.cwd = target;
});
