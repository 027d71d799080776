#include "service/execution.h"

#include <atomic>
#include <chrono>
#include <signal.h>
#include <utility>

#include "kernel/proc/signals.h"
#include "kernel/vfs/path.h"
#include "service/vm.h"
#include "wire/frame.h"

namespace se::service {
namespace {

using runtime::js::EntryKind;

constexpr const char* kDriverName = "secure-exec-sidecar-execution";
constexpr auto kDisposeGrace = std::chrono::milliseconds(100);

bool is_node_command(const std::string& command) {
  return command == "node" || command == "/bin/node" || command == "/usr/bin/node" || command == "/usr/local/bin/node";
}

std::string absolute_path(const std::string& path, const std::string& cwd) {
  if (!path.empty() && path.front() == '/') return kernel::vfs::normalize_path(path);
  return kernel::vfs::normalize_path(cwd + "/" + path);
}

// What Execute asked to run, resolved to an engine entry.
struct Program {
  EntryKind kind = EntryKind::kFile;
  std::string filename;  // kFile: guest path of the main module
  std::string source;
  std::vector<std::string> args;  // process.argv after the entry (or after "node" for -e/-p)
};

}  // namespace

void EventRouter::emit(wire::EventPayload event) {
  std::unique_lock lock(mutex_);
  if (capturing_) {
    captured_.push_back(std::move(event));
    return;
  }
  lock.unlock();
  sink_->send({wire::EventFrame{.schema = wire::current_schema(), .ownership = vm_scope_, .payload = std::move(event)}});
}

void EventRouter::begin_capture() {
  std::lock_guard lock(mutex_);
  capturing_ = true;
}

std::vector<wire::EventPayload> EventRouter::end_capture() {
  std::lock_guard lock(mutex_);
  capturing_ = false;
  return std::exchange(captured_, {});
}

struct Execution::Running {
  std::string process_id;
  kernel::Pid pid = 0;
  std::unique_ptr<runtime::js::JsProcess> process;  // set once started, right after the response
  bool exited = false;  // guarded by Execution::mutex_
};

// The bridge between one guest process and the VM: output and exit become wire events, file reads
// go to the kernel filesystem under the VM lock.
class Execution::Host : public runtime::js::GuestHost {
 public:
  Host(Execution& execution, std::shared_ptr<Running> running)
      : execution_(execution), running_(std::move(running)) {}

  ErrorOr<void> write_output(runtime::js::OutputStream stream, std::string_view bytes) override {
    execution_.events_.emit(wire::ProcessOutputEvent{
        .process_id = running_->process_id,
        .channel = stream == runtime::js::OutputStream::kStdout ? wire::StreamChannel::STDOUT
                                                                 : wire::StreamChannel::STDERR,
        .chunk = wire::Bytes(bytes.begin(), bytes.end())});
    return {};
  }

  ErrorOr<std::string> read_file(std::string_view path) override {
    std::lock_guard lock(execution_.vm_.lock());
    return execution_.vm_.filesystem().read_file(path);
  }

  void on_exit(const runtime::js::ExitStatus& status) override {
    // Already recorded when the kernel killed it (dispose); exit_process is then a no-op.
    [[maybe_unused]] auto recorded = execution_.kernel_.exit_process(running_->pid, status.code);
    {
      std::lock_guard lock(execution_.mutex_);
      running_->exited = true;
    }
    execution_.exited_.notify_all();
    execution_.events_.emit(wire::ProcessExitedEvent{.process_id = running_->process_id, .exit_code = status.code});
  }

 private:
  Execution& execution_;
  std::shared_ptr<Running> running_;
};

namespace {

// Lets the process kernel stop a JavaScript process (VM shutdown, kills it decides on).
class JsDriver : public kernel::ProcessDriver {
 public:
  void attach(runtime::js::JsProcess* process) { process_.store(process); }
  void deliver_signal(kernel::Pid, int signal) override {
    if (auto* process = process_.load()) [[maybe_unused]] auto delivered = process->deliver_signal(signal);
  }
  void terminate(kernel::Pid, int) override {
    if (auto* process = process_.load()) process->terminate();
  }

 private:
  std::atomic<runtime::js::JsProcess*> process_{nullptr};
};

Handled<Program> resolve_program(Vm& vm, const wire::ExecuteRequest& request, const std::string& cwd) {
  auto read_main = [&](const std::string& path) -> Handled<std::string> {
    std::lock_guard lock(vm.lock());
    return TRY_KERNEL(vm.filesystem().read_file(path));
  };
  Program program;
  if (!request.command) {
    if (*request.runtime != wire::GuestRuntimeKind::JAVA_SCRIPT) {
      return reject("unsupported", std::string(wire::to_string(*request.runtime)) +
                                       " guests are not supported by this sidecar yet");
    }
    if (!request.entrypoint) return invalid_state("execute requires either command or entrypoint");
    program.filename = absolute_path(*request.entrypoint, cwd);
    program.source = TRY_HANDLED(read_main(program.filename));
    program.args = request.args;
    return program;
  }
  const std::string& command = *request.command;
  if (is_node_command(command)) {
    const auto& args = request.args;
    if (args.empty() || args[0] == "-") {
      return reject("unsupported", "node reading its program from stdin is not supported by this sidecar yet");
    }
    if (args[0] == "-e" || args[0] == "--eval" || args[0] == "-p" || args[0] == "--print") {
      if (args.size() < 2) return invalid_state("node " + args[0] + " requires an argument");
      program.kind = (args[0] == "-p" || args[0] == "--print") ? EntryKind::kPrint : EntryKind::kEval;
      program.source = args[1];
      program.args.assign(args.begin() + 2, args.end());
      return program;
    }
    program.filename = absolute_path(args[0], cwd);
    program.source = TRY_HANDLED(read_main(program.filename));
    program.args.assign(args.begin() + 1, args.end());
    return program;
  }
  if (command.find('/') != std::string::npos) {
    // A script run by path: it must name node in its #! line.
    program.filename = absolute_path(command, cwd);
    program.source = TRY_HANDLED(read_main(program.filename));
    const std::string first_line = program.source.substr(0, program.source.find('\n'));
    if (first_line.rfind("#!", 0) != 0 || first_line.find("node") == std::string::npos) {
      return reject("kernel_error", "ENOEXEC: exec format error: " + program.filename);
    }
    program.args = request.args;
    return program;
  }
  return invalid_state("command not found on native sidecar path: " + command);
}

std::vector<std::pair<std::string, std::string>> process_environment(const Vm& vm, const wire::ExecuteRequest& request,
                                                                     const std::string& cwd) {
  std::map<std::string, std::string> env(vm.env().begin(), vm.env().end());
  for (const auto& [key, value] : request.env) env[key] = value;
  env.try_emplace("HOME", "/home/agentos");
  env.try_emplace("USER", "agentos");
  env.try_emplace("LOGNAME", "agentos");
  env.try_emplace("SHELL", "/bin/sh");
  env.try_emplace("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  env.try_emplace("TMPDIR", "/tmp");
  env["PWD"] = cwd;
  return {env.begin(), env.end()};
}

kernel::KernelOptions kernel_options(const Vm& vm) {
  kernel::KernelOptions options;
  options.default_cwd = vm.config().guest_cwd();
  return options;
}

}  // namespace

Execution::Execution(Vm& vm, FrameSink* sink, std::function<runtime::js::JsEngine&()> engine)
    : vm_(vm),
      events_(sink, wire::VmOwnership{.connection_id = vm.identity().connection_id,
                                      .session_id = vm.identity().session_id,
                                      .vm_id = vm.id()}),
      engine_(std::move(engine)),
      kernel_(vm.config().limits.resources, kernel_options(vm)) {}

Execution::~Execution() { terminate_all(); }

Handled<Execution::Running*> Execution::active(const std::string& process_id) {
  std::lock_guard lock(mutex_);
  auto found = processes_.find(process_id);
  if (found == processes_.end() || found->second->exited) {
    return invalid_state("VM " + vm_.id() + " has no active process " + process_id);
  }
  return found->second.get();
}

Handled<wire::ProcessStartedResponse> Execution::execute(const wire::ExecuteRequest& request,
                                                         std::function<void()>& start) {
  if (!request.command && !request.runtime) return invalid_state("execute requires either command or runtime");
  if (request.process_id.empty()) return invalid_state("execute requires a non-empty process id");
  {
    std::lock_guard lock(mutex_);
    auto found = processes_.find(request.process_id);
    if (found != processes_.end() && !found->second->exited) {
      return invalid_state("VM " + vm_.id() + " already has an active process with id " + request.process_id);
    }
  }
  const std::string command = request.command.value_or("node");
  const std::string spawned = is_node_command(command) || !request.command ? "node" : command;
  kernel::PermissionDecision decision = vm_.permissions().check(config::PermissionDomain::ChildProcess, "spawn", spawned);
  if (!decision.allowed) {
    return reject("kernel_error", "EACCES: permission denied, spawn '" + spawned + "': " + decision.reason);
  }

  const std::string cwd = absolute_path(request.cwd.value_or(vm_.config().guest_cwd()), "/");
  Program program = TRY_HANDLED(resolve_program(vm_, request, cwd));

  runtime::js::ProcessOptions options;
  options.entry = program.kind;
  options.filename = program.filename;
  options.source = std::move(program.source);
  options.argv = {"/usr/bin/node"};
  if (program.kind == EntryKind::kFile) options.argv.push_back(program.filename);
  options.argv.insert(options.argv.end(), program.args.begin(), program.args.end());
  options.env = process_environment(vm_, request, cwd);
  options.cwd = cwd;
  options.heap_limit_mib = vm_.config().limits.js_runtime.v8_heap_limit_mb;
  options.stdin_buffer_limit_bytes = vm_.config().limits.js_runtime.stdin_buffer_limit_bytes;

  auto running = std::make_shared<Running>();
  running->process_id = request.process_id;
  auto driver = std::make_shared<JsDriver>();
  kernel::SpawnRequest spawn;
  spawn.process_id = request.process_id;
  spawn.driver_name = kDriverName;
  spawn.command = "node";
  spawn.args = std::vector<std::string>(options.argv.begin() + 1, options.argv.end());
  spawn.env = options.env;
  spawn.cwd = cwd;
  spawn.driver = driver;
  running->pid = TRY_KERNEL(kernel_.spawn(spawn));
  options.pid = running->pid;

  {
    std::lock_guard lock(mutex_);
    processes_[request.process_id] = running;
  }
  start = [this, running, driver, options = std::move(options)]() mutable {
    auto host = std::make_shared<Host>(*this, running);
    auto process = engine_().start(std::move(options), host);
    if (!process) {
      std::string message = "secure-exec: could not start the process: " + process.error().to_string() + "\n";
      host->write_output(runtime::js::OutputStream::kStderr, message);
      host->on_exit(runtime::js::ExitStatus{.code = 1, .signal = 0, .kind = runtime::js::ExitKind::kStartFailed});
      return;
    }
    driver->attach(process->get());
    running->process = std::move(*process);
  };
  return wire::ProcessStartedResponse{.process_id = request.process_id, .pid = static_cast<uint32_t>(running->pid)};
}

Handled<wire::StdinWrittenResponse> Execution::write_stdin(const wire::WriteStdinRequest& request) {
  Running* running = TRY_HANDLED(active(request.process_id));
  if (running->process) {
    std::string_view bytes(reinterpret_cast<const char*>(request.chunk.data()), request.chunk.size());
    auto written = running->process->write_stdin(bytes);
    if (!written) return kernel_error(written.error());
  }
  return wire::StdinWrittenResponse{.process_id = request.process_id, .accepted_bytes = request.chunk.size()};
}

Handled<wire::StdinClosedResponse> Execution::close_stdin(const wire::CloseStdinRequest& request) {
  Running* running = TRY_HANDLED(active(request.process_id));
  if (running->process) [[maybe_unused]] auto closed = running->process->close_stdin();
  return wire::StdinClosedResponse{.process_id = request.process_id};
}

Handled<wire::ProcessKilledResponse> Execution::kill(const wire::KillProcessRequest& request) {
  std::optional<int> signal = kernel::parse_signal(request.signal);
  if (!signal) return invalid_state("unsupported kill_process signal " + request.signal);
  Running* running = TRY_HANDLED(active(request.process_id));
  if (running->process) {
    if (*signal == SIGKILL) {
      running->process->terminate();
    } else if (*signal != 0) {
      [[maybe_unused]] auto delivered = running->process->deliver_signal(*signal);
    }
  }
  return wire::ProcessKilledResponse{.process_id = request.process_id};
}

wire::ProcessSnapshotResponse Execution::snapshot() {
  wire::ProcessSnapshotResponse response;
  for (const kernel::ProcessInfo& info : kernel_.snapshot()) {
    wire::ProcessSnapshotEntry entry;
    entry.process_id = info.process_id;
    entry.pid = static_cast<uint32_t>(info.pid);
    entry.ppid = static_cast<uint32_t>(info.ppid);
    entry.pgid = static_cast<uint32_t>(info.pgid);
    entry.sid = static_cast<uint32_t>(info.sid);
    entry.driver = info.driver_name;
    entry.command = info.command;
    entry.cwd = info.cwd;
    switch (info.status) {
      case kernel::ProcessStatus::Running: entry.status = wire::ProcessSnapshotStatus::RUNNING; break;
      case kernel::ProcessStatus::Stopped: entry.status = wire::ProcessSnapshotStatus::STOPPED; break;
      case kernel::ProcessStatus::Exited: entry.status = wire::ProcessSnapshotStatus::EXITED; break;
    }
    entry.exit_code = info.exit_code;
    response.processes.push_back(std::move(entry));
  }
  return response;
}

std::vector<wire::EventPayload> Execution::terminate_all() {
  events_.begin_capture();
  std::vector<std::shared_ptr<Running>> running;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, process] : processes_) {
      if (process->process && !process->exited) running.push_back(process);
    }
  }
  for (auto& process : running) [[maybe_unused]] auto sent = process->process->deliver_signal(SIGTERM);
  {
    std::unique_lock lock(mutex_);
    exited_.wait_for(lock, kDisposeGrace, [&] {
      for (auto& process : running) {
        if (!process->exited) return false;
      }
      return true;
    });
  }
  for (auto& process : running) process->process->terminate();  // a no-op for those that exited
  for (auto& process : running) process->process->wait();
  kernel_.shutdown();
  return events_.end_capture();
}

}  // namespace se::service
