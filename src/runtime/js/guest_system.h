// The system calls a JavaScript guest process makes on its VM's kernel (GuestSystem, reached through
// GuestHost::system()): path operations on the VM filesystem, descriptor operations on the process
// kernel, and the working directory. Calls are direct and synchronous on the guest's own thread;
// each enforces the VM's permission policy and limits and fails with the kernel's errno
// (Error::errno_code). Paths are absolute; the guest resolves them against its cwd first.
// Thread-safety: one GuestSystem serves one process and is called from its thread only (one call
// at a time); implementations lock the shared VM state themselves.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/fs_types.h"

namespace se::runtime::js {

// What readdir reports for an entry (the d_type values this VM produces, Linux numbering).
enum class GuestEntryType : uint8_t {
  kUnknown = 0,
  kFifo = 1,
  kCharacterDevice = 2,
  kDirectory = 4,
  kFile = 8,
  kSymlink = 10,
};

struct GuestDirEntry {
  std::string name;
  GuestEntryType type = GuestEntryType::kUnknown;
};

struct GuestWindowSize {
  uint16_t rows = 0, cols = 0;
};

// The process's buffered stdin as the runtime holds it, for blocking reads of descriptor 0.
class StdinSource {
 public:
  virtual ~StdinSource() = default;
  // Blocks until at least one byte or end of input; returns up to `max_bytes` ("" is end of file).
  // EINTR once the process is ending; EAGAIN "pipe read timed out" after `timeout` (the VM's
  // maxBlockingReadMs, as for any pipe read).
  virtual ErrorOr<std::string> read(size_t max_bytes, std::chrono::milliseconds timeout) = 0;
};

// --- sockets (net, dgram): VM-internal loopback only ---
enum class GuestSocketKind : uint8_t { kTcp4, kTcp6, kUnix, kUdp4, kUdp6 };

// An Inet address (`host`, `port`) or a Unix `path` (non-empty exactly for Unix sockets).
struct GuestSocketAddress {
  std::string host;
  uint16_t port = 0;
  std::string path;
};

struct GuestSocketInfo {
  std::optional<GuestSocketAddress> local, peer;
};

struct GuestDatagram {
  std::string data;
  GuestSocketAddress from;
};

class GuestSystem {
 public:
  virtual ~GuestSystem() = default;

  // --- paths (the VM filesystem) ---
  virtual ErrorOr<kernel::FileStat> stat(std::string_view path) = 0;
  virtual ErrorOr<kernel::FileStat> lstat(std::string_view path) = 0;
  // Names sorted byte-wise with their types (lstat semantics).
  virtual ErrorOr<std::vector<GuestDirEntry>> readdir(std::string_view path) = 0;
  // `mode` before the umask. Recursive: the first directory created (nullopt when none was).
  virtual ErrorOr<std::optional<std::string>> mkdir(std::string_view path, uint32_t mode, bool recursive) = 0;
  virtual ErrorOr<void> rmdir(std::string_view path) = 0;
  virtual ErrorOr<void> unlink(std::string_view path) = 0;
  virtual ErrorOr<void> rename(std::string_view from, std::string_view to) = 0;
  virtual ErrorOr<void> symlink(std::string_view target, std::string_view link_path) = 0;
  virtual ErrorOr<std::string> readlink(std::string_view path) = 0;
  virtual ErrorOr<std::string> realpath(std::string_view path) = 0;
  virtual ErrorOr<void> link(std::string_view existing_path, std::string_view new_path) = 0;
  virtual ErrorOr<void> chmod(std::string_view path, uint32_t mode) = 0;
  virtual ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid) = 0;
  virtual ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) = 0;
  virtual ErrorOr<void> truncate(std::string_view path, uint64_t length) = 0;
  // access(2) with F_OK / R_OK / W_OK / X_OK bits.
  virtual ErrorOr<void> access(std::string_view path, uint32_t mode) = 0;
  // The whole file in one call (readFile's fast path).
  virtual ErrorOr<std::string> read_file(std::string_view path) = 0;
  // The whole file in one call: open(2) `flags` decide create / exclusive / truncate-or-append;
  // `mode` (before the umask) applies to a created file.
  virtual ErrorOr<void> write_file(std::string_view path, std::string_view data, uint32_t flags, uint32_t mode) = 0;
  // copyFile; `exclusive` is COPYFILE_EXCL (EEXIST when the destination exists).
  virtual ErrorOr<void> copy_file(std::string_view from, std::string_view to, bool exclusive) = 0;

  // --- descriptors (the process kernel) ---
  virtual ErrorOr<int> open(std::string_view path, uint32_t flags, uint32_t mode) = 0;
  virtual ErrorOr<void> close(int fd) = 0;
  // At most `length` bytes from the descriptor's offset, or from `position` (pread) when given.
  virtual ErrorOr<std::string> read(int fd, size_t length, std::optional<uint64_t> position) = 0;
  virtual ErrorOr<size_t> write(int fd, std::string_view data, std::optional<uint64_t> position) = 0;
  virtual ErrorOr<kernel::FileStat> fstat(int fd) = 0;
  virtual ErrorOr<void> ftruncate(int fd, uint64_t length) = 0;
  // Data is durable as soon as it is written (memory filesystem): only checks the descriptor.
  virtual ErrorOr<void> fsync(int fd) = 0;

  // --- process state ---
  // process.chdir: the directory must exist (ENOENT) and be one (ENOTDIR).
  virtual ErrorOr<void> chdir(std::string_view path) = 0;
  // The runtime hands over its stdin buffer when the process starts (nullptr when it ends), so
  // reads of descriptor 0 take from the same bytes process.stdin would get.
  virtual void attach_stdin(std::shared_ptr<StdinSource> source) = 0;

  // --- sockets (a socket is a non-blocking, close-on-exec descriptor; close() closes it) ---
  // Failures carry the kernel's errno: EAGAIN from read/accept/receive means "nothing now" and
  // from write "no buffer space now" (wait for readiness); EAGAIN from connect/send/socket_open
  // names the VM limit it hit. A host outside loopback fails (EACCES / ENETUNREACH naming the
  // policy) without any host socket being touched, and the VM's `network` policy decides listen
  // (network.listen) and connect (network.http).
  virtual ErrorOr<int> socket_open(GuestSocketKind kind) = 0;
  // bind + listen for a stream socket; returns the bound address (port 0: an ephemeral port).
  virtual ErrorOr<GuestSocketAddress> socket_listen(int fd, const GuestSocketAddress& address, uint32_t backlog) = 0;
  // bind for a datagram socket.
  virtual ErrorOr<GuestSocketAddress> socket_bind(int fd, const GuestSocketAddress& address) = 0;
  virtual ErrorOr<void> socket_connect(int fd, const GuestSocketAddress& target) = 0;
  virtual ErrorOr<int> socket_accept(int fd) = 0;
  // "" is end of file.
  virtual ErrorOr<std::string> socket_read(int fd, size_t max_bytes) = 0;
  virtual ErrorOr<size_t> socket_write(int fd, std::string_view data) = 0;
  virtual ErrorOr<void> socket_shutdown_write(int fd) = 0;
  virtual ErrorOr<void> socket_send(int fd, std::string_view data, const GuestSocketAddress& target) = 0;
  virtual ErrorOr<GuestDatagram> socket_receive(int fd, size_t max_bytes) = 0;
  virtual ErrorOr<GuestSocketInfo> socket_info(int fd) = 0;
  // While on, every readiness change in the VM wakes the event loop (its io-ready event), like
  // GuestProcesses::set_io_watch, whose interest is kept separately.
  virtual ErrorOr<void> socket_watch(bool watching) = 0;

  // --- terminals (a host without them answers "not a terminal") ---
  // isatty(3); EBADF for a descriptor that is not open.
  virtual ErrorOr<bool> isatty(int fd) {
    (void)fd;
    return false;
  }
  // TIOCGWINSZ; ENOTTY "not a terminal".
  virtual ErrorOr<GuestWindowSize> window_size(int fd) {
    (void)fd;
    return fail(ENOTTY, "not a terminal");
  }
  // Raw (cfmakeraw) or cooked (the default line discipline flags back on) input through tcsetattr.
  virtual ErrorOr<void> set_raw_mode(int fd, bool raw) {
    (void)fd;
    (void)raw;
    return fail(ENOTTY, "not a terminal");
  }
  // Whether the guest listens for `signal`, as the kernel's disposition: signals the kernel raises
  // itself (^C on a terminal, SIGWINCH, a process group's signals) then reach the handlers.
  virtual ErrorOr<void> catch_signal(int signal, bool caught) {
    (void)signal;
    (void)caught;
    return {};
  }
  // The runtime took the signals the kernel handed over (so blocking calls stop reporting EINTR).
  virtual void take_delivered_signals() {}
};

}  // namespace se::runtime::js
