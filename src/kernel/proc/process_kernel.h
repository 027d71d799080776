// The process half of one VM's kernel: process table, signals and job control, descriptor tables,
// pipes and PTYs, with the VM's resource limits (spec/kernel.md s6-8, s11.1; Linux semantics where
// the reference departs, as spec/README.md asks). A guest runtime calls it directly from each
// process's own thread; the host (service layer) uses the same object for Execute, KillProcess,
// stdio, snapshots and disposal.
//
// Thread-safety: every method is thread-safe. One VM-wide mutex guards all state; blocking calls
// (reads, writes to full buffers, waitpid, wait_while_stopped) wait on condition variables and so
// block only their own thread. A blocking call made for a process returns EINTR "interrupted
// system call" when the process is killed or has a handled signal its runtime has not yet taken
// with dequeue_signal (so a signal that arrives just before the call is not missed), and every
// blocking call returns EINVAL "kernel VM is disposed" once shutdown() runs.
// ProcessDriver, CharacterDevice and host callbacks run without the lock held. Destroy the kernel
// only after the threads that use it have returned; the destructor shuts down and waits for the
// threads still blocked inside to leave.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "config/limits.h"
#include "kernel/net/socket_table.h"
#include "kernel/proc/fd_table.h"
#include "kernel/proc/file_backend.h"
#include "kernel/proc/pid.h"
#include "kernel/proc/pipe.h"
#include "kernel/proc/process_table.h"
#include "kernel/proc/pty.h"
#include "kernel/proc/signals.h"
#include "kernel/proc/terminal.h"

namespace se::kernel {

struct KernelOptions {
  std::string default_cwd = "/workspace";  // cwd of a top-level process that names none
  Environment default_env;                 // env of a top-level process that names none
  uint32_t uid = 1000, gid = 1000;
  std::chrono::milliseconds zombie_ttl{60000};  // the zombie reaping timer (spec/kernel.md s6.5)
  std::shared_ptr<FileBackend> files;           // regular files; open() is ENOSYS without one
  // VM-wide descriptor total (ENFILE). 0 means maxOpenFds x maxProcesses: every process can fill
  // its own table (EMFILE at maxOpenFds), as on Linux where file-max exceeds RLIMIT_NOFILE.
  uint64_t max_vm_open_fds = 0;
  // Synthetic files (/dev, /proc: kernel/special/special_files.h): open() asks first, without the
  // kernel lock held, so it may use this kernel's queries. nullopt: the FileBackend opens the path.
  std::function<ErrorOr<std::optional<SyntheticOpen>>(Pid pid, std::string_view path, uint32_t flags)> synthetic_files;
};

// posix_spawn_file_actions_adddup2: the child's `child_fd` becomes a copy of the parent's `parent_fd`.
struct FdMapping {
  int child_fd = 0;
  int parent_fd = 0;
};

struct SpawnRequest {
  Pid parent = 0;          // 0: a top-level process the host starts (Execute)
  std::string process_id;  // empty: "<parent id>/child-<n>", or the pid for a top-level process
  std::string driver_name;
  std::string command;
  std::vector<std::string> args;   // without argv[0]
  std::optional<Environment> env;  // nullopt: the parent's (top level: KernelOptions::default_env)
  std::optional<std::string> cwd;  // nullopt: the parent's (top level: KernelOptions::default_cwd)
  std::shared_ptr<ProcessDriver> driver;
  // A child inherits the parent's descriptors except FD_CLOEXEC ones, then these are applied.
  std::vector<FdMapping> fd_mappings;
  // A top-level process gets fresh descriptors 0/1/2 on these devices (null: like /dev/null).
  std::array<std::shared_ptr<CharacterDevice>, 3> stdio;
};

// One process as GetProcessSnapshot, /proc and ps see it.
struct ProcessInfo {
  Pid pid = 0, ppid = 0, pgid = 0, sid = 0;
  uint32_t uid = 0, gid = 0, umask = 0;
  std::string process_id, driver_name, command;
  std::vector<std::string> args;  // without argv[0]
  Environment env;
  std::string cwd;
  ProcessStatus status = ProcessStatus::Running;
  std::optional<int32_t> exit_code;  // present once exited
  int term_signal = 0;               // the signal that killed it, 0 otherwise
};

// waitpid(2) options (Linux values).
inline constexpr int kWaitNoHang = 1;
inline constexpr int kWaitUntraced = 2;
inline constexpr int kWaitContinued = 8;

enum class WaitEvent { Exited, Signaled, Stopped, Continued };

struct WaitResult {
  Pid pid = 0;
  WaitEvent event = WaitEvent::Exited;
  int exit_code = 0;  // Exited: the code; Signaled: 128 + signal
  int signal = 0;     // Signaled / Stopped: the signal; Continued: SIGCONT
  // The Linux wait status word (WIFEXITED / WIFSIGNALED / WIFSTOPPED / WIFCONTINUED encodings).
  int status() const;
};

// sigprocmask(2) `how` (Linux values).
enum class SigmaskHow { Block = 0, Unblock = 1, SetMask = 2 };

struct DequeuedSignal {
  int signal = 0;
  SignalDisposition handler;  // as registered when the signal was taken
};

struct PipeFds {
  int read_fd = -1, write_fd = -1;
};

struct PtyFds {
  int master_fd = -1, slave_fd = -1;
  std::string slave_path;  // "/dev/pts/N"
};

struct FdInfo {
  int fd = -1;
  FileKind kind = FileKind::RegularFile;
  std::string path;
  uint32_t status_flags = 0;  // what F_GETFL reports
  bool close_on_exec = false;
  uint64_t description_id = 0;
  uint64_t offset = 0;
};

// poll(2) bits (Linux values).
inline constexpr int16_t kPollIn = 0x001;
inline constexpr int16_t kPollOut = 0x004;
inline constexpr int16_t kPollErr = 0x008;
inline constexpr int16_t kPollHup = 0x010;
inline constexpr int16_t kPollNval = 0x020;

struct PollFd {
  int fd = -1;
  int16_t events = 0;
  int16_t revents = 0;  // filled by poll
};

// Host-held ends: the host (service) side of a process's stdio, not in any descriptor table.
using HostHandle = uint64_t;
enum class HostPipeDirection { ToProcess, FromProcess };

struct HostTerminal {
  HostHandle master = 0;
  std::string slave_path;
};

// Who wants io_ready() notices for a process (set_io_watch): each client switches its own
// interest, and the process is watched while any client wants it.
enum class IoWatchClient : uint8_t { ChildProcesses = 1, Sockets = 2 };

struct ResourceUsage {
  uint64_t processes = 0, running = 0, stopped = 0, zombies = 0;
  uint64_t open_fds = 0, pipes = 0, ptys = 0;
};

class ProcessKernel {
 public:
  ProcessKernel(const config::ResourceLimits& limits, KernelOptions options = {});
  ~ProcessKernel();
  ProcessKernel(const ProcessKernel&) = delete;
  ProcessKernel& operator=(const ProcessKernel&) = delete;

  // Kills every live process with SIGKILL (drivers are told), closes every descriptor, and wakes
  // every blocked thread with EINVAL "kernel VM is disposed", which later calls fail with too.
  void shutdown();
  bool is_shut_down() const;
  const config::ResourceLimits& limits() const { return limits_; }
  ResourceUsage usage() const;

  // --- processes (process_kernel_processes.cc) ---
  // fork + exec in one step. Errors: ESRCH unknown or exited parent; E2BIG "process argv payload N
  // bytes exceeds configured limit M" (maxProcessArgvBytes) / "process environment payload ..."
  // (maxProcessEnvBytes); EAGAIN "maximum process limit reached" (maxProcesses; zombies count while a living parent may
  // wait for them); EBADF for a bad fd mapping; ENFILE when the inherited descriptors do not fit the VM total.
  ErrorOr<Pid> spawn(const SpawnRequest& request);
  // The process ended by itself with `code` (exit status `code & 0xff`), or - `term_signal` != 0 -
  // its runtime applied the default action of that signal (waitpid reports it as killed by it, code
  // 128 + signal). A no-op on an already exited process (e.g. one the kernel killed before its
  // runtime noticed).
  ErrorOr<void> exit_process(Pid pid, int code, int term_signal = 0);
  // waitpid(2) for `waiter`: selector > 0 that child, -1 any child, 0 children in the waiter's
  // group, < -1 children in group -selector. nullopt with kWaitNoHang when nothing changed.
  // ECHILD "no child processes" when nothing can ever match. A blocking wait gives up after
  // `timeout` (nullopt: none) and then returns nullopt like kWaitNoHang.
  ErrorOr<std::optional<WaitResult>> waitpid(Pid waiter, Pid selector, int options,
                                             std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Blocks while the process is stopped; returns at once otherwise (also once it exited).
  ErrorOr<void> wait_while_stopped(Pid pid);
  ErrorOr<ProcessInfo> process_info(Pid pid);
  // Every process including zombies, ascending pid (GetProcessSnapshot).
  std::vector<ProcessInfo> snapshot();
  // Zombies whose reaping timer is armed (GetZombieTimerCount). Expired timers run first: an
  // orphaned zombie is removed, one whose parent lives is re-armed.
  uint64_t zombie_timer_count();
  ErrorOr<Pid> getpgid(Pid caller, Pid target);  // target 0 = caller
  ErrorOr<Pid> getsid(Pid caller, Pid target);
  // setpgid(2): target 0 = caller, pgid 0 = target. ESRCH unless the target is the caller or its
  // child; EPERM for a session leader, another session, or a group that does not exist there.
  ErrorOr<void> setpgid(Pid caller, Pid target, Pid pgid);
  // setsid(2): EPERM when already a group leader.
  ErrorOr<Pid> setsid(Pid pid);
  ErrorOr<void> set_cwd(Pid pid, std::string cwd);
  ErrorOr<uint32_t> set_umask(Pid pid, uint32_t mask);  // returns the previous mask

  // --- signals (process_kernel_signals.cc) ---
  // kill(2) from `sender` (0: the host). target > 0 a process, 0 the sender's group, -1 every
  // process but pid 1 and the sender, < -1 a group. Signal 0 only checks existence. EINVAL
  // "invalid signal N"; ESRCH "no such process N" / "no such process group N".
  ErrorOr<void> kill(Pid sender, Pid target, int signal);
  // Returns the previous mask. SIGKILL and SIGSTOP are silently never blocked; unblocking delivers
  // pending signals in ascending order.
  ErrorOr<SignalSet> sigprocmask(Pid pid, SigmaskHow how, SignalSet set);
  ErrorOr<SignalSet> sigpending(Pid pid);
  // sigaction(2): returns the previous disposition and installs `disposition` when given. EINVAL
  // "invalid signal N" and, for SIGKILL / SIGSTOP, "signal N cannot be caught or ignored".
  ErrorOr<SignalDisposition> sigaction(Pid pid, int signal, std::optional<SignalDisposition> disposition);
  // Registered non-DEFAULT dispositions (GetSignalState); empty for an unknown process.
  std::map<int, SignalDisposition> signal_handlers(Pid pid);
  // Takes the lowest signal handed to the driver and not yet taken; applies SA_RESETHAND.
  ErrorOr<std::optional<DequeuedSignal>> dequeue_signal(Pid pid);

  // --- descriptors (process_kernel_fds.cc) ---
  // open(2) through KernelOptions::synthetic_files, then the FileBackend; the umask applies to
  // `mode`, O_CLOEXEC sets FD_CLOEXEC.
  // EMFILE "too many open files" (maxOpenFds per process), ENFILE "maximum open file descriptor
  // limit reached" (VM-wide), EISDIR for a directory opened for writing.
  ErrorOr<int> open(Pid pid, std::string_view path, uint32_t flags, uint32_t mode = 0666);
  // A descriptor on a character device (what the VM's /dev binding opens for /dev/stdout and such).
  ErrorOr<int> open_device(Pid pid, std::string path, std::shared_ptr<CharacterDevice> device, uint32_t flags);
  // "" is end of file. Blocking pipe and PTY reads wait at most `timeout` (nullopt:
  // maxBlockingReadMs) and then fail with EAGAIN "pipe read timed out" / "PTY read timed out".
  // EBADF for a write-only descriptor, EISDIR for a directory, EINVAL "pread length N exceeds
  // configured limit M" (maxPreadBytes) for a regular file.
  ErrorOr<std::string> read(Pid pid, int fd, size_t max_bytes,
                            std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Returns the bytes written (a partial count only for non-blocking pipes and PTYs, or when a
  // signal interrupts a blocking write that already wrote something). EINVAL "write size N exceeds
  // configured limit M" (maxFdWriteBytes); EBADF for a read-only descriptor; EPIPE (and SIGPIPE to
  // the writer) when the pipe has no reader; EAGAIN for a full non-blocking pipe or PTY.
  ErrorOr<size_t> write(Pid pid, int fd, std::string_view data);
  ErrorOr<std::string> pread(Pid pid, int fd, size_t max_bytes, uint64_t offset);
  ErrorOr<size_t> pwrite(Pid pid, int fd, std::string_view data, uint64_t offset);
  ErrorOr<uint64_t> lseek(Pid pid, int fd, int64_t offset, int whence);
  ErrorOr<void> ftruncate(Pid pid, int fd, uint64_t length);
  ErrorOr<void> close(Pid pid, int fd);
  ErrorOr<int> dup(Pid pid, int fd);
  // dup2(2); dup3 semantics when `close_on_exec` is given (and EINVAL for old == new).
  ErrorOr<int> dup2(Pid pid, int old_fd, int new_fd, std::optional<bool> close_on_exec = std::nullopt);
  // F_DUPFD / F_DUPFD_CLOEXEC (returns the new fd), F_GETFD / F_GETFL (return the flags),
  // F_SETFD / F_SETFL (return 0; F_SETFL changes O_APPEND and O_NONBLOCK on the description).
  // Other commands: EINVAL "unsupported fcntl command N".
  ErrorOr<int> fcntl(Pid pid, int fd, int command, int arg = 0);
  ErrorOr<FdInfo> fd_info(Pid pid, int fd);
  ErrorOr<std::vector<FdInfo>> list_fds(Pid pid);
  // poll(2) over pipes, PTYs, files and devices; timeout nullopt waits without limit.
  ErrorOr<size_t> poll(Pid pid, std::vector<PollFd>& fds, std::optional<std::chrono::milliseconds> timeout);
  // While on, the process's driver gets io_ready() after every readiness change (how an event loop
  // that sleeps outside the kernel learns that a non-blocking read or write may now progress).
  // ESRCH for an unknown or exited process.
  ErrorOr<void> set_io_watch(Pid pid, bool watching, IoWatchClient client = IoWatchClient::ChildProcesses);

  // --- sockets (process_kernel_sockets.cc; the state machine is net::SocketTable) ---
  // A socket is an open file description (FileKind::Socket, path "socket:[id]"): it counts toward
  // maxOpenFds, is inherited and duplicated like a pipe, and closes with its last descriptor, so a
  // process's exit closes its sockets and their peers see end of file. read()/write() on it are
  // the stream's data (blocking unless O_NONBLOCK); poll() reports its readiness, and every change
  // wakes pollers and io watchers. Errors are those of net::SocketTable plus EBADF, ENOTSOCK
  // "descriptor N is not a socket", EMFILE/ENFILE.
  // socket(2); `flags` takes O_NONBLOCK and O_CLOEXEC.
  ErrorOr<int> socket(Pid pid, net::SocketDomain domain, net::SocketType type, uint32_t flags = 0);
  // bind(2): Inet/Inet6 by host and port (0: an ephemeral port), Unix by path. Returns the bound address.
  ErrorOr<net::SocketAddress> socket_bind(Pid pid, int fd, net::SocketAddress address);
  ErrorOr<void> socket_listen(Pid pid, int fd, uint32_t backlog);
  // Completes at once (loopback): the accepted end waits in the listener's queue.
  ErrorOr<void> socket_connect(Pid pid, int fd, const net::SocketAddress& target);
  // accept4(2): never blocks (EAGAIN when nothing is pending); descriptor capacity is checked
  // before a connection is taken, so EMFILE leaves it queued.
  ErrorOr<int> socket_accept(Pid pid, int fd, uint32_t flags = 0);
  ErrorOr<void> socket_shutdown(Pid pid, int fd, net::ShutdownHow how);
  ErrorOr<void> socket_send_to(Pid pid, int fd, std::string_view data, const net::SocketAddress& target);
  // Never blocks: EAGAIN when no datagram is queued.
  ErrorOr<net::Datagram> socket_recv_from(Pid pid, int fd, size_t max_bytes);
  ErrorOr<void> socket_set_option(Pid pid, int fd, net::SocketOption option, bool value);
  ErrorOr<net::SocketInfo> socket_info(Pid pid, int fd);
  net::SocketUsage socket_usage() const;
  // Every socket of a live process, once each (under its lowest pid), for the host's
  // FindListener / FindBoundUdp queries.
  struct SocketOwner {
    Pid pid = 0;
    std::string process_id;
    net::SocketInfo socket;
  };
  std::vector<SocketOwner> socket_owners() const;

  // --- pipes (process_kernel_pipes.cc) ---
  // pipe2(2) with O_NONBLOCK / O_CLOEXEC. EAGAIN "maximum pipe count reached" (maxPipes).
  ErrorOr<PipeFds> pipe(Pid pid, uint32_t flags = 0);
  // Installs one end of a new pipe at `fd` (replacing what was there) and hands the host the other.
  // Host stdio pipes do not count toward maxPipes.
  ErrorOr<HostHandle> attach_host_pipe(Pid pid, int fd, HostPipeDirection direction);
  // Reads from a host handle (a FromProcess pipe or a terminal master); "" is end of file. nullopt
  // timeout waits without limit; EAGAIN when the timeout passes.
  ErrorOr<std::string> host_read(HostHandle handle, size_t max_bytes,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Writes to a ToProcess pipe or a terminal master; `nonblocking` returns EAGAIN / a partial count
  // instead of waiting for space.
  ErrorOr<size_t> host_write(HostHandle handle, std::string_view data, bool nonblocking = false);
  ErrorOr<void> host_close(HostHandle handle);

  // --- terminals (process_kernel_terminals.cc) ---
  // posix_openpt + grantpt + unlockpt + open(ptsname). EAGAIN "maximum PTY count reached" (maxPtys).
  ErrorOr<PtyFds> open_pty(Pid pid, uint32_t flags = kOpenReadWrite);
  // open("/dev/pts/N"): ENOENT "no such PTY" once its master is gone.
  ErrorOr<int> open_pty_slave(Pid pid, int index, uint32_t flags = kOpenReadWrite);
  // Indexes of the terminals whose master is open (what /dev/pts lists), ascending.
  std::vector<int> pty_indexes() const;
  // A terminal whose slave becomes the process's descriptors `fds` and whose master the host
  // holds; the process's group becomes the foreground group (an interactive shell).
  ErrorOr<HostTerminal> attach_host_terminal(Pid pid, std::vector<int> fds = {0, 1, 2});
  ErrorOr<bool> isatty(Pid pid, int fd);  // EBADF for a bad descriptor; false for a non-terminal
  ErrorOr<std::string> ptsname(Pid pid, int fd);
  ErrorOr<Termios> tcgetattr(Pid pid, int fd);  // ENOTTY "not a terminal"
  ErrorOr<void> tcsetattr(Pid pid, int fd, const Termios& termios);
  ErrorOr<Pid> tcgetpgrp(Pid pid, int fd);  // 0 when no foreground group was set
  // ESRCH "no such process group N"; EPERM "cannot set foreground process group in different session".
  ErrorOr<void> tcsetpgrp(Pid pid, int fd, Pid pgid);
  ErrorOr<WindowSize> get_window_size(Pid pid, int fd);
  // A change sends SIGWINCH to the foreground group.
  ErrorOr<void> set_window_size(Pid pid, int fd, WindowSize size);
  ErrorOr<void> host_set_window_size(HostHandle handle, WindowSize size);

 private:
  class Guard;
  enum class WaitOutcome { Ready, Interrupted, TimedOut, ShutDown };
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;
  using DescriptionPtr = std::shared_ptr<OpenFileDescription>;

  struct Waiter {
    std::condition_variable* cv;
    Pid pid;  // 0: a host wait, which signals do not interrupt
  };
  // A driver callback collected under the lock and run after it is released.
  struct Notice {
    enum class Kind { Deliver, Terminate, Stop, Resume, IoReady };
    std::shared_ptr<ProcessDriver> driver;
    Pid pid = 0;
    int signal = 0;
    Kind kind = Kind::Deliver;
  };

  // process_kernel.cc: waiting, notices, descriptor bookkeeping.
  // Blocks until ready(), shutdown, the deadline, or - for pid != 0 - the death of that process or
  // a signal for it to handle.
  WaitOutcome wait(Guard& guard, std::condition_variable& cv, Pid pid, Deadline deadline,
                   const std::function<bool()>& ready);
  static Error wait_error(WaitOutcome outcome, std::string_view timeout_message);
  static Deadline deadline_after(std::chrono::milliseconds timeout);
  bool process_alive(Pid pid);
  bool has_signal_to_handle(Pid pid);  // pid is alive
  void wake_waiters_of(Pid pid);
  void notify_readiness();
  void process_state_changed();
  ErrorOr<void> check_alive() const;
  ErrorOr<Process*> live_process(Pid pid);
  ErrorOr<FdEntry*> lookup_fd(Process& process, int fd);
  DescriptionPtr new_description(FileKind kind, uint32_t status_flags, std::string path);
  uint64_t vm_fd_limit() const;
  // EMFILE when the table cannot take `additional` more, then ENFILE for the VM-wide total.
  ErrorOr<void> check_fd_capacity(const Process& process, size_t additional) const;
  // Installs at the lowest free fd >= min_fd.
  ErrorOr<int> install_fd(Process& process, DescriptionPtr description, bool close_on_exec, int min_fd = 0);
  // Installs at `fd`, closing what was there (dup2).
  ErrorOr<void> install_fd_at(Process& process, int fd, DescriptionPtr description, bool close_on_exec);
  void close_fd(Process& process, int fd);
  // Reference counting of descriptions; the last release closes a pipe or PTY end.
  void retain(OpenFileDescription& description);
  void release(OpenFileDescription& description);

  // process_kernel_processes.cc
  void mark_exited(Process& process, int exit_code, int term_signal);
  void close_all_fds(Process& process);
  void reparent_children(Process& exiting);
  void sweep_zombie_timers();
  // Processes that hold a maxProcesses slot: live ones and zombies a living parent may still wait for.
  size_t counted_processes();
  // How long an exited process nobody can wait for stays visible (GetProcessSnapshot's retained
  // exits, spec/protocol.md s3.14) before the sweep removes it.
  static constexpr std::chrono::seconds kOrphanRetention{2};
  bool group_is_orphaned(Pid pgid);
  bool group_has_live_member(Pid pgid, std::optional<Pid> session = std::nullopt);
  std::optional<WaitResult> collect_child(Pid waiter, Pid waiter_pgid, Pid selector, int options, bool& any_match);
  ProcessInfo describe(const Process& process) const;

  // process_kernel_signals.cc
  void notify_driver(const Process& process, Notice::Kind kind, int signal);
  bool signal_ignored(const Process& process, int signal) const;
  void send_signal(Process& process, int signal);
  void deliver(Process& process, int signal);
  void terminate_process(Process& process, int signal);
  void stop_process(Process& process, int signal);
  void continue_process(Process& process);
  void notify_parent(Process& child);
  void deliver_unblocked(Process& process);
  void signal_group(Pid pgid, int signal);  // every live member
  bool group_exists(Pid pgid);              // any member, zombies included

  // process_kernel_fds.cc
  ErrorOr<int> open_synthetic(Pid pid, const SyntheticOpen& special, uint32_t flags);
  ErrorOr<void> check_write_size(size_t size) const;
  ErrorOr<void> check_read_size(size_t size) const;
  ErrorOr<std::string> read_description(OpenFileDescription& description, Guard& guard, Pid pid, size_t max_bytes,
                                        Deadline deadline, bool nonblocking);
  ErrorOr<size_t> write_description(OpenFileDescription& description, Guard& guard, Pid pid, std::string_view data,
                                    bool nonblocking);
  int16_t poll_events(const OpenFileDescription& description, int16_t requested) const;

  // process_kernel_pipes.cc
  std::shared_ptr<Pipe> new_pipe(bool counts_toward_limit);
  DescriptionPtr pipe_end_description(const std::shared_ptr<Pipe>& pipe, bool read_end, uint32_t flags);
  void close_pipe_end(Pipe& pipe, bool read_end);
  ErrorOr<std::string> pipe_read(OpenFileDescription& description, Guard& guard, Pid pid, size_t max_bytes,
                                 Deadline deadline, bool nonblocking);
  ErrorOr<size_t> pipe_write(OpenFileDescription& description, Guard& guard, Pid pid, std::string_view data,
                             bool nonblocking);
  HostHandle add_host_end(DescriptionPtr description);
  ErrorOr<DescriptionPtr> host_description(HostHandle handle);

  // process_kernel_sockets.cc
  ErrorOr<uint64_t> socket_of(Pid pid, int fd);  // the socket id behind a descriptor
  ErrorOr<std::string> socket_read(OpenFileDescription& description, Guard& guard, Pid pid, size_t max_bytes,
                                   Deadline deadline, bool nonblocking);
  ErrorOr<size_t> socket_write(OpenFileDescription& description, Guard& guard, Pid pid, std::string_view data,
                               bool nonblocking);

  // process_kernel_terminals.cc
  std::shared_ptr<Pty> new_pty();  // the caller checked maxPtys
  DescriptionPtr pty_end_description(const std::shared_ptr<Pty>& pty, bool master, uint32_t flags);
  void close_pty_end(Pty& pty, bool master);
  ErrorOr<std::string> pty_read(OpenFileDescription& description, Guard& guard, Pid pid, size_t max_bytes,
                                Deadline deadline, bool nonblocking);
  ErrorOr<size_t> pty_write(OpenFileDescription& description, Guard& guard, Pid pid, std::string_view data,
                            bool nonblocking);
  ErrorOr<std::shared_ptr<Pty>> terminal_of(Pid pid, int fd);
  void raise_terminal_signal(Pty& pty, int signal);
  void resize_terminal(Pty& pty, const WindowSize& size);

  const config::ResourceLimits limits_;
  const KernelOptions options_;

  mutable std::mutex mutex_;
  bool shut_down_ = false;
  ProcessTable processes_;
  std::list<Waiter> waiters_;
  std::condition_variable waiters_drained_;        // the destructor waits for waiters_ to empty
  std::condition_variable process_state_changed_;  // waitpid, wait_while_stopped
  uint64_t process_state_generation_ = 0;
  std::condition_variable readiness_changed_;  // poll
  uint64_t readiness_generation_ = 0;
  struct IoWatcher {
    std::shared_ptr<ProcessDriver> driver;
    uint8_t clients = 0;  // IoWatchClient bits
  };
  std::map<Pid, IoWatcher> io_watchers_;  // set_io_watch
  std::vector<Notice> notices_;
  uint64_t next_description_id_ = 1;
  uint64_t open_fds_ = 0;       // descriptors in every table
  uint64_t counted_pipes_ = 0;  // pipes counting toward maxPipes with an open end
  uint64_t next_pipe_id_ = 1;
  std::map<int, std::shared_ptr<Pty>> ptys_;  // by index, while either side is open
  std::map<HostHandle, DescriptionPtr> host_ends_;
  net::SocketTable sockets_{limits_};
  HostHandle next_host_handle_ = 1;
};

}  // namespace se::kernel
