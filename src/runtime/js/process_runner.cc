// The guest thread: restores an isolate, waits for its process, runs the main program and the
// event loop, and reports the exit. Everything V8-facing for a running process lives here.
#include <v8-array-buffer.h>
#include <v8-container.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-initialization.h>
#include <v8-isolate.h>
#include <v8-local-handle.h>
#include <v8-message.h>
#include <v8-persistent-handle.h>
#include <v8-primitive.h>
#include <v8-promise.h>
#include <v8-script.h>
#include <v8-typed-array.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/js/guest_isolate.h"
#include "runtime/js/module_loader.h"
#include "runtime/js/native_bindings.h"
#include "runtime/js/process_control.h"

namespace se::runtime::js {
namespace {

using Clock = std::chrono::steady_clock;
using v8::Local;
using v8::Value;

constexpr size_t kMiB = 1024 * 1024;
// Unhandled rejections remembered between two checks; the first one reported ends the process
// (or reaches a listener), so more than this in one microtask burst adds nothing.
constexpr size_t kMaxTrackedRejections = 4096;

constexpr char kHeapLimitMessage[] =
    "\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n";

// Descriptor 0 of the process: blocking reads take from the stdin bytes its loop has not yet
// delivered to process.stdin, so each byte reaches exactly one reader. Shares ownership of the
// control: a descriptor may outlive the process's thread.
class BufferedStdin final : public StdinSource {
 public:
  explicit BufferedStdin(std::shared_ptr<ProcessControl> control) : control_(std::move(control)) {}
  ErrorOr<std::string> read(size_t max_bytes, std::chrono::milliseconds timeout) override {
    return read_stdin(*control_, max_bytes, timeout);
  }

 private:
  std::shared_ptr<ProcessControl> control_;
};

class ProcessRunner final : public NativeContext {
 public:
  ProcessRunner(GuestIsolate& guest, ProcessControl& control, const ProcessOptions& options, GuestHost& host)
      : guest_(guest), isolate_(guest.isolate()), control_(control), options_(options), host_(host) {}

  ExitStatus run();

  ErrorOr<void> write_output(int fd, std::string_view bytes) override {
    return host_.write_output(fd == 2 ? OutputStream::kStderr : OutputStream::kStdout, bytes);
  }

  void request_exit(int code, std::string_view reason) override {
    ExitKind kind = ExitKind::kExited;
    if (reason == "uncaught exception") kind = ExitKind::kUncaughtException;
    if (reason == "unhandled rejection") kind = ExitKind::kUnhandledRejection;
    control_.end_with(ExitStatus{code & 0xff, 0, kind});
  }

  void set_signal_handled(int signal, bool handled) override {
    uint64_t bit = uint64_t{1} << (signal - 1);
    if (handled)
      control_.handled_signals.fetch_or(bit);
    else
      control_.handled_signals.fetch_and(~bit);
  }

  bool take_unhandled_rejections(Local<v8::Context> context, Local<v8::Array>& out) override {
    if (rejections_.empty()) return false;
    out = v8::Array::New(isolate_, static_cast<int>(rejections_.size() * 2));
    uint32_t index = 0;
    for (auto& [promise, reason] : rejections_) {
      out->Set(context, index++, promise.Get(isolate_)).Check();
      out->Set(context, index++, reason.Get(isolate_)).Check();
    }
    rejections_.clear();
    return true;
  }

  double uptime_ms() const override {
    return std::chrono::duration<double, std::milli>(Clock::now() - start_time_).count();
  }

  size_t array_buffer_bytes() const override { return guest_.allocator().used(); }

  void raise_signal(int signal) override { (void)deliver_signal(control_, signal); }

  GuestSystem* system() override { return host_.system(); }

  GuestProcesses* processes() override { return host_.processes(); }

 private:
  static void on_promise_reject(v8::PromiseRejectMessage message);
  static size_t on_near_heap_limit(void* data, size_t current_limit, size_t initial_limit);

  bool stopping() const { return control_.ending.load(); }
  Local<v8::Context> context() const { return guest_.context(); }
  Local<v8::String> string(std::string_view text) const;
  bool call(const char* entry, std::initializer_list<Local<Value>> args, Local<Value>* result = nullptr);
  void call_then_drain(const char* entry, std::initializer_list<Local<Value>> args);
  void drain();
  void handle_exception(const v8::TryCatch& try_catch);
  Local<v8::Object> start_config() const;
  void run_main();
  ErrorOr<std::string> read_stdin_program();
  void run_loop();
  void deliver_events();
  void sleep_until(double wake_ms);

  GuestIsolate& guest_;
  v8::Isolate* isolate_;
  ProcessControl& control_;
  const ProcessOptions& options_;
  GuestHost& host_;
  Clock::time_point start_time_;
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<Value>>> rejections_;
};

Local<v8::String> ProcessRunner::string(std::string_view text) const {
  Local<v8::String> value;
  if (!v8::String::NewFromUtf8(isolate_, text.data(), v8::NewStringType::kNormal, static_cast<int>(text.size()))
           .ToLocal(&value)) {
    return v8::String::Empty(isolate_);
  }
  return value;
}

// Calls a host-entry function of the bootstrap. Exceptions go to the guest's uncaught handling;
// returns false when the call did not complete.
bool ProcessRunner::call(const char* entry, std::initializer_list<Local<Value>> args, Local<Value>* result) {
  v8::TryCatch try_catch(isolate_);
  Local<Value> fn;
  if (!guest_.host_entry()->Get(context(), string(entry)).ToLocal(&fn) || !fn->IsFunction()) {
    handle_exception(try_catch);
    return false;
  }
  std::vector<Local<Value>> argv(args);
  Local<Value> value;
  if (!fn.As<v8::Function>()
           ->Call(context(), v8::Undefined(isolate_), static_cast<int>(argv.size()), argv.data())
           .ToLocal(&value)) {
    handle_exception(try_catch);
    return false;
  }
  if (result != nullptr) *result = value;
  return true;
}

// Runs nextTick callbacks and microtasks to completion; an exception a listener handled leaves
// work behind, so draining resumes until it completes or the process ends.
void ProcessRunner::drain() {
  while (!stopping() && !call("drain", {})) {
  }
}

void ProcessRunner::call_then_drain(const char* entry, std::initializer_list<Local<Value>> args) {
  call(entry, args);
  drain();
}

void ProcessRunner::handle_exception(const v8::TryCatch& try_catch) {
  if (try_catch.HasTerminated() || stopping() || !try_catch.HasCaught()) return;
  Local<Value> error = try_catch.Exception();
  std::string header = source_header(isolate_, context(), try_catch.Message());
  v8::TryCatch listener_failure(isolate_);
  Local<Value> handler;
  Local<Value> argv[] = {error, string(header)};
  if (guest_.host_entry()->Get(context(), string("onUncaught")).ToLocal(&handler) && handler->IsFunction() &&
      !handler.As<v8::Function>()->Call(context(), v8::Undefined(isolate_), 2, argv).IsEmpty()) {
    return;
  }
  if (listener_failure.HasTerminated() || stopping()) return;
  // An 'uncaughtException' listener threw: like Node, report that error and exit with 7.
  std::string text = "<exception>";
  if (listener_failure.HasCaught()) {
    Local<Value> failure = listener_failure.Exception();
    Local<Value> stack;
    if (failure->IsObject() && failure.As<v8::Object>()->Get(context(), string("stack")).ToLocal(&stack) &&
        stack->IsString()) {
      failure = stack;
    }
    v8::String::Utf8Value utf8(isolate_, failure);
    if (*utf8 != nullptr) text = *utf8;
  }
  (void)host_.write_output(OutputStream::kStderr, text + "\n");
  control_.end_with(ExitStatus{7, 0, ExitKind::kUncaughtException});
}

Local<v8::Object> ProcessRunner::start_config() const {
  Local<v8::Context> ctx = context();
  Local<v8::Object> config = v8::Object::New(isolate_);
  auto strings = [&](const std::vector<std::string>& values) {
    Local<v8::Array> array = v8::Array::New(isolate_, static_cast<int>(values.size()));
    for (uint32_t i = 0; i < values.size(); ++i) array->Set(ctx, i, string(values[i])).Check();
    return array;
  };
  std::vector<std::string> env;
  env.reserve(options_.env.size() * 2);
  for (const auto& [name, value] : options_.env) {
    env.push_back(name);
    env.push_back(value);
  }
  auto set = [&](const char* name, Local<Value> value) { config->Set(ctx, string(name), value).Check(); };
  set("argv", strings(options_.argv));
  set("execArgv", strings(options_.exec_argv));
  set("env", strings(env));
  set("argv0", string(options_.argv0));
  set("execPath", string(options_.exec_path));
  set("cwd", string(options_.cwd));
  set("pid", v8::Integer::New(isolate_, options_.pid));
  set("ppid", v8::Integer::New(isolate_, options_.ppid));
  set("version", string(options_.node_version));
  set("v8Version", string(v8::V8::GetVersion()));
  double origin =
      std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
  set("timeOrigin", v8::Number::New(isolate_, origin));
  return config;
}

// `node -`: the program is everything written to stdin until it is closed, bounded like a stdin
// backlog (ProcessOptions::stdin_buffer_limit_bytes).
ErrorOr<std::string> ProcessRunner::read_stdin_program() {
  std::string program;
  for (;;) {
    size_t room = options_.stdin_buffer_limit_bytes - program.size();
    std::string chunk = TRY(read_stdin(control_, room + 1));
    if (chunk.empty()) return program;
    if (chunk.size() > room) {
      return fail(EFBIG, "the program read from stdin exceeds the stdin buffer limit of " +
                             std::to_string(options_.stdin_buffer_limit_bytes) + " bytes");
    }
    program += chunk;
  }
}

void ProcessRunner::run_main() {
  if (options_.entry == EntryKind::kShell) {
    v8::HandleScope scope(isolate_);
    call("runShell", {});
    return;
  }
  std::string source;
  if (options_.entry == EntryKind::kStdin) {
    ErrorOr<std::string> read = read_stdin_program();
    if (!read) {
      if (stopping()) return;
      (void)host_.write_output(OutputStream::kStderr, "Error: " + read.error().message + "\n");
      control_.end_with(ExitStatus{1, 0, ExitKind::kStartFailed});
      return;
    }
    source = std::move(*read);
  } else if (options_.source.has_value()) {
    source = *options_.source;
  } else {
    ErrorOr<std::string> read = host_.read_file(options_.filename);
    if (!read) {
      (void)host_.write_output(OutputStream::kStderr, "Error: Cannot find module '" + options_.filename +
                                                          "': " + read.error().to_string() + "\n");
      control_.end_with(ExitStatus{1, 0, ExitKind::kStartFailed});
      return;
    }
    source = std::move(*read);
  }
  // A leading "#!" line is not JavaScript; blank it and keep the line numbering.
  if (source.starts_with("#!")) source.replace(0, 2, "//");

  v8::HandleScope scope(isolate_);
  Local<v8::String> code;
  if (!v8::String::NewFromUtf8(isolate_, source.data(), v8::NewStringType::kNormal, static_cast<int>(source.size()))
           .ToLocal(&code)) {
    (void)host_.write_output(OutputStream::kStderr, "Error: the program source is too large\n");
    control_.end_with(ExitStatus{1, 0, ExitKind::kStartFailed});
    return;
  }
  if (options_.entry == EntryKind::kFile) {
    // The module loader decides CommonJS or ES module and compiles under the file's name.
    call("runMain", {string(options_.filename), code});
    return;
  }
  Local<v8::String> name = string(options_.entry == EntryKind::kStdin ? "[stdin]" : "[eval]");
  if (!call("prepareEval", {name})) return;
  v8::TryCatch try_catch(isolate_);
  v8::ScriptOrigin origin(isolate_, name);
  v8::ScriptCompiler::Source compile_source(code, origin);
  Local<v8::Script> script;
  Local<Value> result;
  if (!v8::ScriptCompiler::Compile(context(), &compile_source).ToLocal(&script) ||
      !script->Run(context()).ToLocal(&result)) {
    handle_exception(try_catch);
    return;
  }
  if (options_.entry == EntryKind::kPrint) call("printResult", {result});
}

void ProcessRunner::deliver_events() {
  std::deque<InboundEvent> events;
  {
    std::lock_guard lock(control_.mutex);
    events.swap(control_.events);
    control_.pending_stdin_bytes = 0;
    control_.io_ready_queued = false;
  }
  for (auto& event : events) {
    if (stopping()) return;
    v8::HandleScope scope(isolate_);
    switch (event.kind) {
      case InboundEvent::Kind::kStdinData: {
        Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate_, event.bytes.size());
        std::memcpy(buffer->GetBackingStore()->Data(), event.bytes.data(), event.bytes.size());
        call_then_drain("onStdin", {v8::Uint8Array::New(buffer, 0, event.bytes.size())});
        break;
      }
      case InboundEvent::Kind::kStdinEnd:
        call_then_drain("onStdinEnd", {});
        break;
      case InboundEvent::Kind::kSignal:
        call_then_drain("onSignal", {v8::Integer::New(isolate_, event.signal)});
        break;
      case InboundEvent::Kind::kIoReady:
        call_then_drain("onIoReady", {});
        break;
    }
  }
}

void ProcessRunner::sleep_until(double wake_ms) {
  std::optional<Clock::time_point> deadline;
  if (std::isfinite(wake_ms)) {
    // Round up so the loop never wakes a hair before a timer is due.
    deadline = start_time_ + std::chrono::microseconds(static_cast<int64_t>(std::ceil(wake_ms * 1000.0)));
  }
  std::optional<Clock::time_point> task_deadline = guest_.tasks().next_deadline();
  if (task_deadline && (!deadline || *task_deadline < *deadline)) deadline = task_deadline;
  std::unique_lock lock(control_.mutex);
  auto ready = [&] { return !control_.events.empty() || control_.tasks_posted || control_.end.has_value(); };
  if (deadline)
    control_.wake.wait_until(lock, *deadline, ready);
  else
    control_.wake.wait(lock, ready);
  control_.tasks_posted = false;
}

void ProcessRunner::run_loop() {
  auto has_events = [&] {
    std::lock_guard lock(control_.mutex);
    return !control_.events.empty();
  };
  while (!stopping()) {
    v8::HandleScope scope(isolate_);
    if (guest_.tasks().run_ready() > 0) drain();
    deliver_events();
    if (stopping()) break;
    Local<Value> result;
    if (!call("tick", {}, &result)) {
      drain();
      continue;
    }
    double wake = result->NumberValue(context()).FromMaybe(-1);
    if (wake < 0) {
      if (has_events()) continue;
      call_then_drain("beforeExit", {});
      if (stopping() || !call("nextWake", {}, &result)) continue;
      wake = result->NumberValue(context()).FromMaybe(-1);
      if (wake < 0) {
        if (has_events()) continue;
        break;
      }
    }
    if (wake > 0) sleep_until(wake);
  }
}

ExitStatus ProcessRunner::run() {
  start_time_ = Clock::now();
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  v8::Context::Scope context_scope(guest_.context());
  isolate_->SetData(kNativeContextSlot, static_cast<NativeContext*>(this));
  ModuleLoader modules(isolate_, guest_.host_entry());
  isolate_->SetPromiseRejectCallback(on_promise_reject);
  isolate_->AddNearHeapLimitCallback(on_near_heap_limit, this);
  guest_.allocator().set_limit(options_.heap_limit_mib * kMiB);
  {
    std::lock_guard lock(control_.mutex);
    control_.isolate = isolate_;
  }
  if (!stopping() && call("start", {start_config()})) {
    run_main();
    drain();
    run_loop();
  }
  if (!stopping()) {
    Local<Value> code;
    if (call("emitExit", {}, &code)) control_.end_with(ExitStatus{code->Int32Value(context()).FromMaybe(0) & 0xff});
  }
  ExitStatus status;
  {
    std::lock_guard lock(control_.mutex);
    control_.isolate = nullptr;
    status = control_.end.value_or(ExitStatus{1, 0, ExitKind::kUncaughtException});
  }
  if (status.kind == ExitKind::kHeapLimit) (void)host_.write_output(OutputStream::kStderr, kHeapLimitMessage);
  rejections_.clear();
  isolate_->RemoveNearHeapLimitCallback(on_near_heap_limit, 0);
  isolate_->SetData(kNativeContextSlot, nullptr);
  return status;
}

void ProcessRunner::on_promise_reject(v8::PromiseRejectMessage message) {
  Local<v8::Promise> promise = message.GetPromise();
  v8::Isolate* isolate = promise->GetIsolate();
  auto* runner = static_cast<ProcessRunner*>(static_cast<NativeContext*>(isolate->GetData(kNativeContextSlot)));
  if (runner == nullptr) return;
  auto& rejections = runner->rejections_;
  if (message.GetEvent() == v8::kPromiseRejectWithNoHandler) {
    if (rejections.size() < kMaxTrackedRejections) {
      rejections.emplace_back(v8::Global<v8::Promise>(isolate, promise),
                              v8::Global<Value>(isolate, message.GetValue()));
    }
  } else if (message.GetEvent() == v8::kPromiseHandlerAddedAfterReject) {
    for (auto it = rejections.begin(); it != rejections.end(); ++it) {
      if (it->first == promise) {
        rejections.erase(it);
        break;
      }
    }
  }
}

// V8 is about to run out of heap: end this process instead of letting V8 abort the sidecar.
// Termination unwinds at the next interrupt check, so grant headroom to get there.
size_t ProcessRunner::on_near_heap_limit(void* data, size_t current_limit, size_t) {
  auto* runner = static_cast<ProcessRunner*>(data);
  runner->control_.end_with(ExitStatus{128 + SIGABRT, SIGABRT, ExitKind::kHeapLimit});
  return current_limit + std::max(current_limit / 2, 16 * kMiB);
}

}  // namespace

std::thread spawn_guest_thread(std::shared_ptr<ProcessControl> control, size_t heap_limit_mib) {
  return std::thread([control = std::move(control), heap_limit_mib] {
    std::unique_ptr<GuestIsolate> guest = GuestIsolate::create(heap_limit_mib);
    std::weak_ptr<ProcessControl> weak = control;
    guest->tasks().set_wake([weak] {
      if (auto shared = weak.lock()) {
        {
          std::lock_guard lock(shared->mutex);
          shared->tasks_posted = true;
        }
        shared->wake.notify_all();
      }
    });
    std::shared_ptr<GuestHost> host;
    std::optional<ProcessOptions> options;
    {
      std::unique_lock lock(control->mutex);
      control->isolate_ready = true;
      control->wake.wait(lock, [&] { return control->options.has_value() || control->shutdown; });
      host = control->host;
      options = std::move(control->options);
    }
    ExitStatus status;
    if (host != nullptr && options.has_value()) {
      GuestSystem* system = host->system();
      if (system != nullptr) system->attach_stdin(std::make_shared<BufferedStdin>(control));
      ProcessRunner runner(*guest, *control, *options, *host);
      status = runner.run();
      if (system != nullptr) system->attach_stdin(nullptr);
      host->on_exit(status);
    }
    guest.reset();
    {
      std::lock_guard lock(control->mutex);
      control->finished = true;
      control->exit_status = status;
      control->host.reset();
    }
    control->stopped.notify_all();
  });
}

}  // namespace se::runtime::js
