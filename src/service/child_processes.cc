#include "service/child_processes.h"

#include <fcntl.h>

#include <chrono>
#include <csignal>
#include <thread>
#include <utility>

#include "kernel/proc/signals.h"
#include "kernel/vfs/path.h"
#include "service/guest_system.h"
#include "service/vm.h"

namespace se::service {
namespace {

using runtime::js::ChildSpawnOptions;
using runtime::js::ChildStdio;
using runtime::js::EntryKind;
using runtime::js::SpawnedChild;

// The bytes the stdin pump moves per read (a pipe holds 64 KiB).
constexpr size_t kPumpChunkBytes = 64 * 1024;
// How long the stdin pump waits before offering a child's runtime more input when its stdin
// backlog (ProcessOptions::stdin_buffer_limit_bytes) is full; the runtime consumes the backlog
// on its own loop and has no notice for it.
constexpr auto kStdinBacklogRetry = std::chrono::milliseconds(5);

// What 'ignore' connects: reads are at end of file, writes are discarded.
class NullDevice final : public kernel::CharacterDevice {
 public:
  ErrorOr<std::string> read(size_t) override { return std::string(); }
  ErrorOr<size_t> write(std::string_view bytes) override { return bytes.size(); }
};

}  // namespace

bool is_node_command(const std::string& command) {
  return command == "node" || command == "/bin/node" || command == "/usr/bin/node" || command == "/usr/local/bin/node";
}

bool is_shell_command(const std::string& command) {
  for (const char* name : {"sh", "bash"}) {
    for (const char* directory : {"", "/bin/", "/usr/bin/"}) {
      if (command == std::string(directory) + name) return true;
    }
  }
  return false;
}

std::string absolute_guest_path(const std::string& path, const std::string& cwd) {
  if (!path.empty() && path.front() == '/') return kernel::vfs::normalize_path(path);
  return kernel::vfs::normalize_path(cwd + "/" + path);
}

runtime::js::ProcessOptions process_options(const Vm& vm, Program program,
                                            std::vector<std::pair<std::string, std::string>> env, std::string cwd) {
  runtime::js::ProcessOptions process;
  process.entry = program.kind;
  process.filename = program.filename;
  process.source = std::move(program.source);
  process.argv = {program.kind == EntryKind::kShell ? "/bin/sh" : "/usr/bin/node"};
  if (program.kind == EntryKind::kFile) process.argv.push_back(program.filename);
  process.argv.insert(process.argv.end(), program.args.begin(), program.args.end());
  process.env = std::move(env);
  process.cwd = std::move(cwd);
  process.heap_limit_mib = vm.config().limits.js_runtime.v8_heap_limit_mb;
  process.stdin_buffer_limit_bytes = vm.config().limits.js_runtime.stdin_buffer_limit_bytes;
  return process;
}

namespace {

// A script run by its path: a #! line naming node runs it as the main module, one naming sh or
// bash (`#!/bin/sh -e` too) runs the VM's shell on it.
ErrorOr<Program> resolve_script(Vm& vm, const std::string& path, const std::vector<std::string>& args) {
  Program program;
  program.filename = path;
  {
    std::lock_guard lock(vm.lock());
    program.source = TRY(vm.filesystem().read_file(program.filename));
  }
  const std::string first_line = program.source->substr(0, program.source->find('\n'));
  program.command_line = args;
  program.command_line.insert(program.command_line.begin(), program.filename);
  if (first_line.rfind("#!", 0) != 0) return fail(ENOEXEC, "exec format error: " + program.filename);
  if (first_line.find("node") != std::string::npos) {
    program.args = args;
    return program;
  }
  // The interpreter is the first word after "#!" (or after env); one option word may follow.
  std::vector<std::string> words;
  for (size_t at = 2; at < first_line.size();) {
    const size_t start = first_line.find_first_not_of(" \t\r", at);
    if (start == std::string::npos) break;
    const size_t end = std::min(first_line.find_first_of(" \t\r", start), first_line.size());
    words.push_back(first_line.substr(start, end - start));
    at = end;
  }
  if (!words.empty() && words[0] == "/usr/bin/env") words.erase(words.begin());
  if (words.empty() || !is_shell_command(words[0])) return fail(ENOEXEC, "exec format error: " + program.filename);
  program.kind = EntryKind::kShell;
  program.source.reset();
  program.args.assign(words.begin() + 1, words.end());
  program.args.push_back(program.filename);
  program.args.insert(program.args.end(), args.begin(), args.end());
  return program;
}

// execvp(3)'s search: the first regular file named `command` in `search_path` that is executable;
// one found without the execute bit is EACCES when nothing executable follows.
ErrorOr<std::string> search_command(Vm& vm, const std::string& command, const std::string& cwd,
                                    const std::string& search_path) {
  std::optional<std::string> not_executable;
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(search_path.find(':', start), search_path.size());
    const std::string directory = search_path.substr(start, end - start);
    const std::string candidate = absolute_guest_path((directory.empty() ? "." : directory) + "/" + command, cwd);
    ErrorOr<kernel::FileStat> found = [&] {
      std::lock_guard lock(vm.lock());
      return vm.filesystem().stat(candidate);
    }();
    if (found && !found->is_directory) {
      if ((found->mode & 0111) != 0) return candidate;
      if (!not_executable) not_executable = candidate;
    }
    if (end >= search_path.size()) break;
    start = end + 1;
  }
  if (not_executable) return fail(EACCES, "permission denied: " + *not_executable);
  return fail(ENOENT, "command not found on native sidecar path: " + command);
}

}  // namespace

ErrorOr<Program> resolve_command(Vm& vm, const std::string& command, const std::vector<std::string>& args,
                                 const std::string& cwd, const std::string& search_path) {
  Program program;
  if (is_shell_command(command)) {
    program.kind = EntryKind::kShell;
    program.args = args;
    program.command_line = args;
    return program;
  }
  if (is_node_command(command)) {
    program.command_line = args;
    if (args.empty() || args[0] == "-") {
      // Guest stdin is never a TTY, so bare `node` reads its program from stdin like `node -`;
      // process.argv keeps the "-" as Node does.
      program.kind = EntryKind::kStdin;
      program.args = args;
      return program;
    }
    if (args[0] == "-e" || args[0] == "--eval" || args[0] == "-p" || args[0] == "--print") {
      if (args.size() < 2) return fail(EINVAL, "node " + args[0] + " requires an argument");
      program.kind = (args[0] == "-p" || args[0] == "--print") ? EntryKind::kPrint : EntryKind::kEval;
      program.source = args[1];
      program.args.assign(args.begin() + 2, args.end());
      return program;
    }
    program.filename = absolute_guest_path(args[0], cwd);
    program.args.assign(args.begin() + 1, args.end());
    return program;
  }
  if (command.find('/') != std::string::npos) return resolve_script(vm, absolute_guest_path(command, cwd), args);
  if (command.empty()) return fail(ENOENT, "command not found on native sidecar path: " + command);
  return resolve_script(vm, TRY(search_command(vm, command, cwd, search_path)), args);
}

// ---- JsProcessDriver ----

void JsProcessDriver::attach(runtime::js::JsProcess* process) {
  std::lock_guard lock(mutex_);
  process_ = process;
  if (process_ == nullptr) return;
  if (pending_termination_ != 0) process_->terminate(std::exchange(pending_termination_, 0));
  if (std::exchange(pending_io_ready_, false)) process_->notify_io_ready();
}

void JsProcessDriver::deliver_signal(kernel::Pid, int signal) {
  std::lock_guard lock(mutex_);
  if (process_ == nullptr) return;
  [[maybe_unused]] auto delivered = process_->deliver_signal(signal);
}

void JsProcessDriver::terminate(kernel::Pid, int signal) {
  std::lock_guard lock(mutex_);
  if (process_ != nullptr) {
    process_->terminate(signal);
  } else if (pending_termination_ == 0) {
    pending_termination_ = signal;
  }
}

void JsProcessDriver::io_ready(kernel::Pid) {
  std::lock_guard lock(mutex_);
  if (process_ != nullptr) {
    process_->notify_io_ready();
  } else {
    pending_io_ready_ = true;
  }
}

void signal_js_process(kernel::ProcessKernel& kernel, kernel::Pid pid, runtime::js::JsProcess& process, int signal) {
  if (signal == 0) return;
  if (signal != SIGKILL && process.handles_signal(signal)) {
    [[maybe_unused]] auto delivered = process.deliver_signal(signal);
    return;
  }
  const std::optional<kernel::SignalInfo> info = kernel::signal_info(signal);
  const bool ends = signal == SIGKILL || (info && (info->default_action == kernel::SignalDefaultAction::Terminate ||
                                                   info->default_action == kernel::SignalDefaultAction::CoreDump));
  if (!ends) {
    [[maybe_unused]] auto delivered = process.deliver_signal(signal);
    return;
  }
  // The runtime's end is decided first, so a blocking call the kernel then interrupts cannot end
  // it differently (an uncaught EINTR); the kernel records the death and wakes those calls.
  process.terminate(signal);
  [[maybe_unused]] auto killed = kernel.kill(0, pid, signal);
}

// ---- one child ----

struct ChildProcesses::Child {
  Child(kernel::Pid child_pid, std::shared_ptr<JsProcessDriver> child_driver)
      : pid(child_pid), driver(std::move(child_driver)) {}
  ~Child() {
    // No kernel notice may reach the runtime once it is destroyed.
    driver->attach(nullptr);
    // The pump uses the runtime: it ends once the child's kernel process is gone, which the
    // runtime's exit (or the VM's shutdown) ensures.
    if (process != nullptr) {
      process->terminate();
      process->wait();
    }
    if (stdin_pump.joinable()) stdin_pump.join();
  }

  const kernel::Pid pid;
  const std::shared_ptr<JsProcessDriver> driver;
  std::unique_ptr<runtime::js::JsProcess> process;
  std::thread stdin_pump;  // moves descriptor 0 into process.stdin while it is a pipe or a file
};

// The bridge between a child's runtime and the VM: output goes to its descriptors 1 and 2 (a
// blocking write, so a full pipe holds the child back), files to the VM filesystem.
class ChildProcesses::Host final : public runtime::js::GuestHost {
 public:
  // `pumped_stdin`: descriptor 0 is drained into process.stdin, so the guest's reads of it take
  // from the runtime's stdin buffer (fs.readSync(0) sees the piped bytes).
  Host(ChildProcesses& owner, kernel::Pid pid, bool pumped_stdin)
      : owner_(owner),
        pid_(pid),
        system_(owner.vm_, owner.kernel_, pid,
                pumped_stdin ? std::make_shared<StdinDevice>(
                                   std::chrono::milliseconds(owner.kernel_.limits().max_blocking_read_ms))
                             : nullptr,
                owner.special_files_),
        processes_(owner.bind(pid)) {}

  ErrorOr<void> write_output(runtime::js::OutputStream stream, std::string_view bytes) override {
    const int fd = stream == runtime::js::OutputStream::kStdout ? 1 : 2;
    while (!bytes.empty()) {
      ErrorOr<size_t> written = owner_.kernel_.write(pid_, fd, bytes);
      if (written) {
        bytes.remove_prefix(*written);
        continue;
      }
      // A non-blocking description (a parent's pipe end handed over as stdio): wait for room.
      if (written.error().errno_code != EAGAIN) return fail(std::move(written).error());
      std::vector<kernel::PollFd> fds{kernel::PollFd{fd, kernel::kPollOut, 0}};
      TRY(owner_.kernel_.poll(pid_, fds, std::nullopt));
    }
    return {};
  }

  ErrorOr<std::string> read_file(std::string_view path) override {
    std::lock_guard lock(owner_.vm_.lock());
    return owner_.vm_.filesystem().read_file(path);
  }

  runtime::js::GuestSystem* system() override { return &system_; }
  runtime::js::GuestProcesses* processes() override { return processes_.get(); }

  void on_exit(const runtime::js::ExitStatus& status) override {
    const bool killed =
        status.kind == runtime::js::ExitKind::kSignaled || status.kind == runtime::js::ExitKind::kHeapLimit;
    // Already recorded when the kernel killed it; exit_process is then a no-op.
    [[maybe_unused]] auto recorded = owner_.kernel_.exit_process(pid_, status.code, killed ? status.signal : 0);
  }

 private:
  ChildProcesses& owner_;
  const kernel::Pid pid_;
  KernelGuestSystem system_;
  std::unique_ptr<runtime::js::GuestProcesses> processes_;
};

// GuestProcesses for one process: every call acts for it.
class ChildProcesses::Operations final : public runtime::js::GuestProcesses {
 public:
  Operations(ChildProcesses& owner, kernel::Pid pid) : owner_(owner), pid_(pid) {}

  ErrorOr<SpawnedChild> spawn(const ChildSpawnOptions& options) override { return owner_.spawn(pid_, options); }

  ErrorOr<std::optional<runtime::js::ChildExit>> wait(int pid, bool no_hang,
                                                      std::optional<std::chrono::milliseconds> timeout) override {
    if (pid != -1 && pid <= 0) return fail(EINVAL, "wait: pid must be a child or -1");
    auto waited = TRY(owner_.kernel_.waitpid(pid_, pid, no_hang ? kernel::kWaitNoHang : 0, timeout));
    if (!waited) return std::optional<runtime::js::ChildExit>();
    const bool signaled = waited->event == kernel::WaitEvent::Signaled;
    return std::optional<runtime::js::ChildExit>(
        runtime::js::ChildExit{waited->pid, waited->exit_code, signaled ? waited->signal : 0});
  }

  ErrorOr<void> kill(int pid, int signal) override { return owner_.kill(pid_, pid, signal); }

  ErrorOr<std::array<int, 2>> pipe(bool nonblocking) override { return owner_.pipe(pid_, nonblocking); }

  ErrorOr<size_t> poll(std::vector<runtime::js::ChildPoll>& fds,
                       std::optional<std::chrono::milliseconds> timeout) override {
    std::vector<kernel::PollFd> polled;
    polled.reserve(fds.size());
    for (const auto& entry : fds) polled.push_back(kernel::PollFd{entry.fd, entry.events, 0});
    size_t ready = TRY(owner_.kernel_.poll(pid_, polled, timeout));
    for (size_t i = 0; i < fds.size(); ++i) fds[i].revents = polled[i].revents;
    return ready;
  }

  ErrorOr<void> set_io_watch(bool watching) override { return owner_.kernel_.set_io_watch(pid_, watching); }

 private:
  ChildProcesses& owner_;
  const kernel::Pid pid_;
};

// ---- ChildProcesses ----

ChildProcesses::ChildProcesses(Vm& vm, kernel::ProcessKernel& kernel, kernel::special::SpecialFiles* special_files,
                               std::function<ErrorOr<runtime::js::JsEngine*>()> engine)
    : vm_(vm), kernel_(kernel), special_files_(special_files), engine_(std::move(engine)) {}

ChildProcesses::~ChildProcesses() {
  close();
}

std::unique_ptr<runtime::js::GuestProcesses> ChildProcesses::bind(kernel::Pid pid) {
  return std::make_unique<Operations>(*this, pid);
}

ErrorOr<void> ChildProcesses::kill(kernel::Pid sender, kernel::Pid target, int signal) {
  std::shared_ptr<Child> child;
  {
    std::lock_guard lock(mutex_);
    auto found = children_.find(target);
    if (found != children_.end()) child = found->second;
  }
  if (child == nullptr || signal == 0) return kernel_.kill(sender, target, signal);
  // The kernel decides whether the target exists and may be signalled (a zombie may: nothing
  // happens to it).
  TRY(kernel_.kill(sender, target, 0));
  signal_js_process(kernel_, target, *child->process, signal);
  return {};
}

void ChildProcesses::close() {
  std::map<kernel::Pid, std::shared_ptr<Child>> children;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    children.swap(children_);
  }
  // All end at once; destroying each then joins its runtime's thread and its stdin pump (the
  // kernel is shut down, so the pump's blocked read has failed).
  for (auto& [pid, child] : children) child->process->terminate();
  children.clear();
}

void ChildProcesses::collect_finished() {
  std::vector<std::shared_ptr<Child>> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = children_.begin(); it != children_.end();) {
      if (it->second->process->exit_status().has_value()) {
        finished.push_back(std::move(it->second));
        it = children_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Destroyed here, outside the lock: their threads have finished, joining them is quick.
}

ErrorOr<SpawnedChild> ChildProcesses::spawn(kernel::Pid parent, const ChildSpawnOptions& options) {
  collect_finished();
  {
    std::lock_guard lock(mutex_);
    if (closed_) return fail(EINVAL, "kernel VM is disposed");
  }
  const std::string resource = is_node_command(options.command) ? "node" : options.command;
  kernel::PermissionDecision decision;
  {
    std::lock_guard lock(vm_.lock());
    decision = vm_.permissions().check(config::PermissionDomain::ChildProcess, "spawn", resource);
  }
  if (!decision.allowed) return fail(EACCES, "permission denied, spawn '" + resource + "': " + decision.reason);
  {
    std::lock_guard lock(vm_.lock());
    const kernel::FileStat cwd = TRY(vm_.filesystem().stat(options.cwd));
    if (!cwd.is_directory) return fail(ENOTDIR, "not a directory, chdir '" + options.cwd + "'");
  }
  std::string search_path = kDefaultSearchPath;
  for (const auto& [name, value] : options.env) {
    if (name == "PATH") search_path = value;
  }
  Program program = TRY(resolve_command(vm_, options.command, options.args, options.cwd, search_path));
  const bool shell = program.kind == EntryKind::kShell;
  std::vector<std::string> command_line = program.command_line;
  runtime::js::ProcessOptions process = process_options(vm_, std::move(program), options.env, options.cwd);

  TRY(ignore_sigpipe(parent));

  SpawnedChild spawned;
  std::vector<int> child_ends;
  auto close_all = [&](const std::vector<int>& fds) {
    for (int fd : fds) {
      if (fd < 0) continue;
      [[maybe_unused]] auto closed = kernel_.close(parent, fd);
    }
  };
  auto parent_ends = [&] { return std::vector<int>(spawned.fds.begin(), spawned.fds.end()); };
  ErrorOr<std::vector<kernel::FdMapping>> mappings = wire_stdio(parent, options, spawned, child_ends);
  if (!mappings) {
    close_all(child_ends);
    close_all(parent_ends());
    return fail(std::move(mappings).error());
  }

  auto driver = std::make_shared<JsProcessDriver>();
  kernel::SpawnRequest request;
  request.parent = parent;
  request.driver_name = kJsDriverName;
  request.command = shell ? "sh" : "node";
  request.args = std::move(command_line);
  request.env = options.env;
  request.cwd = options.cwd;
  request.driver = driver;
  request.fd_mappings = std::move(*mappings);
  ErrorOr<kernel::Pid> pid = kernel_.spawn(request);
  close_all(child_ends);
  if (!pid) {
    close_all(parent_ends());
    return fail(std::move(pid).error());
  }
  if (auto nulls = install_null_devices(*pid, options); !nulls) {
    [[maybe_unused]] auto ended = kernel_.exit_process(*pid, 1);
    [[maybe_unused]] auto reaped = kernel_.waitpid(parent, *pid, kernel::kWaitNoHang);
    close_all(parent_ends());
    return fail(std::move(nulls).error());
  }
  spawned.pid = *pid;
  process.pid = *pid;
  process.ppid = parent;
  start(std::make_shared<Child>(*pid, std::move(driver)), std::move(process));
  return spawned;
}

ErrorOr<void> ChildProcesses::ignore_sigpipe(kernel::Pid pid) {
  // Like Node, a parent ignores SIGPIPE: writing to a child that is gone fails with EPIPE instead
  // of killing the parent (its children inherit the ignored disposition).
  kernel::SignalDisposition ignore;
  ignore.action = kernel::SignalAction::Ignore;
  TRY(kernel_.sigaction(pid, SIGPIPE, ignore));
  return {};
}

ErrorOr<std::array<int, 2>> ChildProcesses::pipe(kernel::Pid caller, bool nonblocking) {
  TRY(ignore_sigpipe(caller));
  const kernel::PipeFds fds =
      TRY(kernel_.pipe(caller, kernel::kOpenCloseOnExec | (nonblocking ? kernel::kOpenNonBlock : 0)));
  return std::array<int, 2>{fds.read_fd, fds.write_fd};
}

ErrorOr<std::vector<kernel::FdMapping>> ChildProcesses::wire_stdio(kernel::Pid parent, const ChildSpawnOptions& options,
                                                                   SpawnedChild& spawned,
                                                                   std::vector<int>& child_ends) {
  std::vector<kernel::FdMapping> mappings;
  for (int fd = 0; fd < 3; ++fd) {
    const ChildStdio& stdio = options.stdio[static_cast<size_t>(fd)];
    switch (stdio.kind) {
      case ChildStdio::Kind::kPipe: {
        // Close-on-exec, so later children do not inherit this child's pipes (a stray write end
        // would keep its reader from ever seeing end of file).
        const kernel::PipeFds pipe = TRY(kernel_.pipe(parent, kernel::kOpenCloseOnExec));
        const bool to_child = fd == 0;
        child_ends.push_back(to_child ? pipe.read_fd : pipe.write_fd);
        const int parent_end = to_child ? pipe.write_fd : pipe.read_fd;
        spawned.fds[static_cast<size_t>(fd)] = parent_end;
        // Only the parent's end is non-blocking: the child's runtime blocks on a full pipe.
        TRY(kernel_.fcntl(parent, parent_end, F_SETFL, static_cast<int>(kernel::kOpenNonBlock)));
        mappings.push_back(kernel::FdMapping{fd, child_ends.back()});
        break;
      }
      case ChildStdio::Kind::kInherit:
        // A descriptor the parent does not have stays closed in the child too.
        if (kernel_.fd_info(parent, fd)) mappings.push_back(kernel::FdMapping{fd, fd});
        break;
      case ChildStdio::Kind::kIgnore:
        break;  // install_null_devices, once the child exists
      case ChildStdio::Kind::kFd:
        mappings.push_back(kernel::FdMapping{fd, stdio.fd});
        break;
    }
  }
  for (const auto& [child_fd, parent_fd] : options.extra_fds)
    mappings.push_back(kernel::FdMapping{child_fd, parent_fd});
  return mappings;
}

ErrorOr<void> ChildProcesses::install_null_devices(kernel::Pid child, const ChildSpawnOptions& options) {
  for (int fd = 0; fd < 3; ++fd) {
    if (options.stdio[static_cast<size_t>(fd)].kind != ChildStdio::Kind::kIgnore) continue;
    const int opened =
        TRY(kernel_.open_device(child, "/dev/null", std::make_shared<NullDevice>(), kernel::kOpenReadWrite));
    if (opened == fd) continue;
    TRY(kernel_.dup2(child, opened, fd));
    TRY(kernel_.close(child, opened));
  }
  return {};
}

void ChildProcesses::start(std::shared_ptr<Child> child, runtime::js::ProcessOptions options) {
  // A pipe or a file (a shell's `< file`) feeds process.stdin. The shell never reads process.stdin:
  // descriptor 0 is read directly (a script on stdin) or left to the commands it runs, which a
  // pump would rob.
  auto stdin_kind = kernel_.fd_info(child->pid, 0);
  const bool pumped =
      options.entry != EntryKind::kShell && stdin_kind &&
      (stdin_kind->kind == kernel::FileKind::PipeReadEnd || stdin_kind->kind == kernel::FileKind::RegularFile);
  auto host = std::make_shared<Host>(*this, child->pid, pumped);
  ErrorOr<runtime::js::JsEngine*> engine = engine_();
  auto process = engine ? (*engine)->start(std::move(options), host) : Unexpected(engine.error());
  if (!process) {
    std::string message = "secure-exec: could not start the process: " + process.error().to_string() + "\n";
    [[maybe_unused]] auto written = host->write_output(runtime::js::OutputStream::kStderr, message);
    host->on_exit(runtime::js::ExitStatus{.code = 1, .signal = 0, .kind = runtime::js::ExitKind::kStartFailed});
    return;
  }
  child->process = std::move(*process);
  child->driver->attach(child->process.get());
  if (pumped) {
    child->stdin_pump = std::thread([this, raw = child.get()] { pump_stdin(*raw); });
  } else {
    // A device or nothing: process.stdin ends at once (descriptor 0 stays readable directly).
    [[maybe_unused]] auto closed = child->process->close_stdin();
  }
  bool closed;
  {
    std::lock_guard lock(mutex_);
    closed = closed_;
    if (!closed) children_[child->pid] = child;
  }
  // Disposed meanwhile: `child` goes away here, ending and joining its runtime.
  if (closed) child->process->terminate();
}

void ChildProcesses::pump_stdin(Child& child) {
  for (;;) {
    ErrorOr<std::string> chunk = kernel_.read(child.pid, 0, kPumpChunkBytes);
    if (!chunk) {
      // Nothing yet (a non-blocking description, or a blocking read's time limit): wait for data.
      // Anything else means the child is gone or the VM is disposed.
      if (chunk.error().errno_code != EAGAIN) return;
      std::vector<kernel::PollFd> fds{kernel::PollFd{0, kernel::kPollIn, 0}};
      if (!kernel_.poll(child.pid, fds, std::nullopt)) return;
      continue;
    }
    if (chunk->empty()) {
      [[maybe_unused]] auto closed = child.process->close_stdin();
      return;
    }
    for (;;) {
      ErrorOr<void> queued = child.process->write_stdin(*chunk);
      if (queued) break;
      if (queued.error().errno_code != ENOBUFS) return;
      std::this_thread::sleep_for(kStdinBacklogRetry);
    }
  }
}

}  // namespace se::service
