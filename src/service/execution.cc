#include "service/execution.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "kernel/proc/signals.h"
#include "service/child_processes.h"
#include "service/guest_system.h"
#include "service/output_budget.h"
#include "service/terminal_session.h"
#include "service/vm.h"
#include "wire/frame.h"

namespace se::service {
namespace {

using runtime::js::EntryKind;

constexpr auto kDisposeGrace = std::chrono::milliseconds(100);

}  // namespace

void EventRouter::emit(wire::EventPayload event) {
  std::unique_lock lock(mutex_);
  if (capturing_) {
    captured_.push_back(std::move(event));
    return;
  }
  lock.unlock();
  sink_->send(
      {wire::EventFrame{.schema = wire::current_schema(), .ownership = vm_scope_, .payload = std::move(event)}});
}

void EventRouter::emit_tracked(wire::EventPayload event, std::function<void()> written) {
  std::unique_lock lock(mutex_);
  if (capturing_) {
    captured_.push_back(std::move(event));
    lock.unlock();
    written();
    return;
  }
  lock.unlock();
  sink_->send_tracked(
      wire::EventFrame{.schema = wire::current_schema(), .ownership = vm_scope_, .payload = std::move(event)},
      std::move(written));
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
  std::shared_ptr<StdinDevice> stdin_device;        // the process's descriptor 0
  std::shared_ptr<OutputBudget> output_budget;      // capturedOutputLimitBytes
  std::unique_ptr<TerminalSession> terminal;        // set by Execute when a terminal was opened
  bool exited = false;                              // guarded by Execution::mutex_
};

// The bridge between one guest process and the VM: output and exit become wire events, file reads
// go to the kernel filesystem under the VM lock.
class Execution::Host : public runtime::js::GuestHost {
 public:
  Host(Execution& execution, std::shared_ptr<Running> running)
      : execution_(execution),
        running_(std::move(running)),
        system_(execution.vm_, execution.kernel_, running_->pid, running_->stdin_device,
                execution.special_files_.get()),
        processes_(execution.children_.bind(running_->pid)) {}

  ErrorOr<void> write_output(runtime::js::OutputStream stream, std::string_view bytes) override {
    if (running_->terminal) {
      return running_->terminal->write_output(stream == runtime::js::OutputStream::kStderr ? 2 : 1, bytes);
    }
    execution_.emit_output(running_->process_id, running_->output_budget, stream, bytes,
                           [this] { return execution_.has_exited(running_->pid); });
    return {};
  }

  runtime::js::GuestSystem* system() override { return &system_; }
  runtime::js::GuestProcesses* processes() override { return processes_.get(); }

  ErrorOr<std::string> read_file(std::string_view path) override {
    std::lock_guard lock(execution_.vm_.lock());
    return execution_.vm_.filesystem().read_file(path);
  }

  void on_exit(const runtime::js::ExitStatus& status) override {
    // Already recorded when the kernel killed it (dispose); exit_process is then a no-op.
    const bool killed =
        status.kind == runtime::js::ExitKind::kSignaled || status.kind == runtime::js::ExitKind::kHeapLimit;
    [[maybe_unused]] auto recorded =
        execution_.kernel_.exit_process(running_->pid, status.code, killed ? status.signal : 0);
    // Everything it wrote to its terminal reaches the host before the exit event.
    if (running_->terminal) running_->terminal->finish();
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
  KernelGuestSystem system_;
  std::unique_ptr<runtime::js::GuestProcesses> processes_;
};

namespace {
// Room for the event's envelope within the wire's 16 MiB frame limit.
constexpr uint64_t kMaxOutputEventBytes = wire::kMaxFrameBytes - 64 * 1024;
}  // namespace

// A write larger than limits.jsRuntime.eventPayloadLimitBytes becomes several events in order (the
// reference ends the process instead), so no single frame outgrows the limit or the wire's 16 MiB.
// Each chunk first takes its size from the process's output budget, given back when its frame is
// written: a writer faster than the host waits here (a guest in its write call, a terminal's pump
// with the terminal's buffer filling behind it).
void Execution::emit_output(const std::string& process_id, const std::shared_ptr<OutputBudget>& budget,
                            runtime::js::OutputStream stream, std::string_view bytes,
                            const std::function<bool()>& ended) {
  const size_t chunk_limit = static_cast<size_t>(
      std::clamp<uint64_t>(vm_.config().limits.js_runtime.event_payload_limit_bytes, 1, kMaxOutputEventBytes));
  const wire::StreamChannel channel =
      stream == runtime::js::OutputStream::kStdout ? wire::StreamChannel::STDOUT : wire::StreamChannel::STDERR;
  do {
    const std::string_view chunk = bytes.substr(0, chunk_limit);
    bytes.remove_prefix(chunk.size());
    if (!budget->acquire(chunk.size(), ended)) return;
    // The release keeps the budget alive until the frame is written, whatever happens to the process.
    events_.emit_tracked(
        wire::ProcessOutputEvent{
            .process_id = process_id, .channel = channel, .chunk = wire::Bytes(chunk.begin(), chunk.end())},
        [budget, size = chunk.size()] { budget->release(size); });
  } while (!bytes.empty());
}

bool Execution::has_exited(kernel::Pid pid) {
  ErrorOr<kernel::ProcessInfo> info = kernel_.process_info(pid);
  return !info || info->status == kernel::ProcessStatus::Exited;
}

void Execution::cancel_output_if_exited(Running& running) {
  if (has_exited(running.pid)) running.output_budget->cancel();
}

namespace {

// What Execute asked to run: an entrypoint file, or a command line resolved like a guest's spawn;
// the main file is read now so a missing one is a rejection rather than a failing process.
Handled<Program> resolve_program(Vm& vm, const wire::ExecuteRequest& request, const std::string& cwd) {
  auto read_main = [&](const std::string& path) -> Handled<std::string> {
    std::lock_guard lock(vm.lock());
    return TRY_KERNEL(vm.filesystem().read_file(path));
  };
  Program program;
  if (!request.command) {
    if (*request.runtime != wire::GuestRuntimeKind::JAVA_SCRIPT) {
      return reject("unsupported",
                    std::string(wire::to_string(*request.runtime)) + " guests are not supported by this sidecar yet");
    }
    if (!request.entrypoint) return invalid_state("execute requires either command or entrypoint");
    program.filename = absolute_guest_path(*request.entrypoint, cwd);
    program.source = TRY_HANDLED(read_main(program.filename));
    program.args = request.args;
    program.command_line = request.args;
    program.command_line.insert(program.command_line.begin(), program.filename);
    return program;
  }
  ErrorOr<Program> resolved = resolve_command(vm, *request.command, request.args, cwd);
  if (!resolved) {
    // A bad command line or an unknown command is the request's fault; a script that cannot be
    // read or run is the kernel's answer.
    const bool bad_request = resolved.error().errno_code == EINVAL || request.command->find('/') == std::string::npos;
    if (bad_request) return invalid_state(resolved.error().message);
    return kernel_error(resolved.error());
  }
  program = std::move(*resolved);
  if (program.kind == EntryKind::kFile && !program.source) program.source = TRY_HANDLED(read_main(program.filename));
  return program;
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

// The virtual machine /proc describes: the configured CPUs and memory, booted now.
kernel::special::MachineInfo machine_info(Vm& vm) {
  const config::ResourceLimits& limits = vm.config().limits.resources;
  kernel::special::MachineInfo machine;
  machine.cpu_count = limits.cpu_count;
  machine.memory_bytes = limits.max_wasm_memory_bytes;
  machine.read_only_root = vm.config().root_filesystem.mode == config::RootFilesystemMode::ReadOnly;
  machine.mounts = vm.filesystem().mount_list_reader();
  machine.boot = std::chrono::steady_clock::now();
  machine.boot_wall_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  return machine;
}

kernel::KernelOptions kernel_options(Vm& vm) {
  kernel::KernelOptions options;
  options.default_cwd = vm.config().guest_cwd();
  options.files = std::make_shared<VmFileBackend>(vm);
  return options;
}

}  // namespace

Execution::Execution(Vm& vm, FrameSink* sink, std::function<ErrorOr<runtime::js::JsEngine*>()> engine)
    : vm_(vm),
      events_(sink, wire::VmOwnership{.connection_id = vm.identity().connection_id,
                                      .session_id = vm.identity().session_id,
                                      .vm_id = vm.id()}),
      engine_(std::move(engine)),
      kernel_(vm.config().limits.resources,
              [&] {
                kernel::KernelOptions options = kernel_options(vm);
                // Called only once processes exist, after special_files_ is built.
                options.synthetic_files = [this](kernel::Pid pid, std::string_view path, uint32_t flags) {
                  return special_files_->open(pid, path, flags);
                };
                return options;
              }()),
      special_files_(std::make_unique<kernel::special::SpecialFiles>(
          kernel_, vm.filesystem(), vm.lock(), vm.permissions(), vm.config().limits.resources, machine_info(vm))),
      children_(vm, kernel_, special_files_.get(), engine_) {}

Execution::~Execution() {
  terminate_all();
}

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
  kernel::PermissionDecision decision =
      vm_.permissions().check(config::PermissionDomain::ChildProcess, "spawn", spawned);
  if (!decision.allowed) {
    return reject("kernel_error", "EACCES: permission denied, spawn '" + spawned + "': " + decision.reason);
  }

  const std::string cwd = absolute_guest_path(request.cwd.value_or(vm_.config().guest_cwd()), "/");
  Program program = TRY_HANDLED(resolve_program(vm_, request, cwd));

  std::vector<std::string> command_line = std::move(program.command_line);
  runtime::js::ProcessOptions options =
      process_options(vm_, std::move(program), process_environment(vm_, request, cwd), cwd);

  auto running = std::make_shared<Running>();
  running->process_id = request.process_id;
  running->output_budget = std::make_shared<OutputBudget>(vm_.config().limits.js_runtime.captured_output_limit_bytes);
  auto driver = std::make_shared<JsProcessDriver>();
  kernel::SpawnRequest spawn;
  spawn.process_id = request.process_id;
  spawn.driver_name = kJsDriverName;
  spawn.command = "node";
  spawn.args = std::move(command_line);
  spawn.env = options.env;
  spawn.cwd = cwd;
  spawn.driver = driver;
  // Descriptors 0/1/2: stdin fed by WriteStdin, output in order with process.stdout/stderr.
  running->stdin_device =
      std::make_shared<StdinDevice>(std::chrono::milliseconds(vm_.config().limits.resources.max_blocking_read_ms));
  // The devices may outlive this Running (a child inherits them): they hold what they use.
  auto output = [this, id = request.process_id, budget = running->output_budget,
                 running = std::weak_ptr<Running>(running)](runtime::js::OutputStream stream) {
    return std::make_shared<OutputDevice>([this, id, budget, running, stream](std::string_view bytes) {
      emit_output(id, budget, stream, bytes, [this, running] {
        auto alive = running.lock();
        return !alive || has_exited(alive->pid);
      });
    });
  };
  spawn.stdio = {running->stdin_device, output(runtime::js::OutputStream::kStdout),
                 output(runtime::js::OutputStream::kStderr)};
  // Waits while the engine module is still loading (a fresh sidecar's first Execute).
  ErrorOr<runtime::js::JsEngine*> engine = engine_();
  if (!engine) return reject("execution_error", engine.error().message);
  running->pid = TRY_KERNEL(kernel_.spawn(spawn));
  options.pid = running->pid;
  if (auto size = pending_terminals_.find(request.process_id); size != pending_terminals_.end()) {
    // The session, and so its pump, ends before the Running that owns it.
    auto terminal = TerminalSession::attach(
        kernel_, running->pid, size->second, [this, running = running.get()](std::string_view bytes) {
          // After the process exited its terminal output still flows; only disposal drops it.
          emit_output(running->process_id, running->output_budget, runtime::js::OutputStream::kStdout, bytes,
                      [this] { return kernel_.is_shut_down(); });
        });
    if (!terminal) {
      [[maybe_unused]] auto killed = kernel_.kill(0, running->pid, SIGKILL);
      return kernel_error(terminal.error());
    }
    running->terminal = std::move(*terminal);
    pending_terminals_.erase(size);
  }

  {
    std::lock_guard lock(mutex_);
    processes_[request.process_id] = running;
  }
  start = [this, engine = *engine, running, driver, options = std::move(options)]() mutable {
    auto host = std::make_shared<Host>(*this, running);
    auto process = engine->start(std::move(options), host);
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
  uint64_t accepted = request.chunk.size();
  if (running->process) {
    std::string_view bytes(reinterpret_cast<const char*>(request.chunk.data()), request.chunk.size());
    if (running->terminal) {
      accepted = TRY_KERNEL(running->terminal->write_input(bytes, *running->process));
    } else {
      auto written = running->process->write_stdin(bytes);
      if (!written) return kernel_error(written.error());
    }
  }
  return wire::StdinWrittenResponse{.process_id = request.process_id, .accepted_bytes = accepted};
}

Handled<wire::StdinClosedResponse> Execution::close_stdin(const wire::CloseStdinRequest& request) {
  Running* running = TRY_HANDLED(active(request.process_id));
  if (running->process && running->terminal) {
    running->terminal->close_input(*running->process);
  } else if (running->process) {
    [[maybe_unused]] auto closed = running->process->close_stdin();
  }
  return wire::StdinClosedResponse{.process_id = request.process_id};
}

Handled<void> Execution::open_terminal(const std::string& process_id, kernel::WindowSize size) {
  if (process_id.empty()) return invalid_state("a terminal needs a non-empty process id");
  {
    std::lock_guard lock(mutex_);
    auto found = processes_.find(process_id);
    if (found != processes_.end() && !found->second->exited) {
      return invalid_state("VM " + vm_.id() + " already has an active process with id " + process_id +
                           "; open its terminal before Execute");
    }
  }
  const uint64_t pending = pending_terminals_.size() - (pending_terminals_.contains(process_id) ? 1 : 0);
  if (kernel_.usage().ptys + pending >= kernel_.limits().max_ptys) {
    return kernel_error(Error::from_errno(EAGAIN, "maximum PTY count reached"));
  }
  pending_terminals_[process_id] = size;
  return {};
}

Handled<void> Execution::resize_terminal(const std::string& process_id, kernel::WindowSize size) {
  if (auto pending = pending_terminals_.find(process_id); pending != pending_terminals_.end()) {
    pending->second = size;
    return {};
  }
  Running* running = TRY_HANDLED(active(process_id));
  if (!running->terminal) return invalid_state("process " + process_id + " does not run on a terminal");
  TRY_KERNEL(running->terminal->resize(size));
  return {};
}

Handled<wire::ProcessKilledResponse> Execution::kill(const wire::KillProcessRequest& request) {
  std::optional<int> signal = kernel::parse_signal(request.signal);
  if (!signal) return invalid_state("unsupported kill_process signal " + request.signal);
  Running* running = TRY_HANDLED(active(request.process_id));
  if (running->process) signal_js_process(kernel_, running->pid, *running->process, *signal);
  cancel_output_if_exited(*running);
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
      case kernel::ProcessStatus::Running:
        entry.status = wire::ProcessSnapshotStatus::RUNNING;
        break;
      case kernel::ProcessStatus::Stopped:
        entry.status = wire::ProcessSnapshotStatus::STOPPED;
        break;
      case kernel::ProcessStatus::Exited:
        entry.status = wire::ProcessSnapshotStatus::EXITED;
        break;
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
  for (auto& process : running) {
    process->output_budget->cancel();  // a writer waiting for the host gives up
    process->process->terminate();     // a no-op for those that exited
  }
  // Before waiting: wakes threads blocked in the kernel (a parent waiting for its child) and ends
  // every child process.
  kernel_.shutdown();
  for (auto& process : running) process->process->wait();
  children_.close();
  return events_.end_capture();
}

}  // namespace se::service
