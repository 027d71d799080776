'use strict';
// The `tty` builtin: isatty(fd) over the process's kernel descriptors, and the terminal stream
// classes. process.stdin/stdout/stderr become terminal streams when the process runs on a PTY
// (process.js); new ReadStream(fd) / WriteStream(fd) make streams over other descriptors (a
// ReadStream only receives data on descriptor 0, the one the host feeds).

const { ttyIsatty } = native;

function isatty(fd) {
  return Number.isInteger(fd) && fd >= 0 && fd <= 0x7fffffff && ttyIsatty(fd);
}

function load() {
  const { TtyReadStream, TtyWriteStream } = internal.ttyStreams;
  return { isatty, ReadStream: TtyReadStream, WriteStream: TtyWriteStream };
}

internal.defineBuiltin('tty', load);
