// The terminal natives behind process.stdin/stdout/stderr on a PTY and the `tty` builtin: isatty,
// the window size and raw mode of a descriptor, and the kernel signal dispositions that let the
// signals a terminal raises (^C, SIGWINCH) reach the guest's handlers; all through the process's
// GuestSystem.
// Thread-safety: callbacks run on the isolate's thread.
#include <v8-container.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function-callback.h>
#include <v8-isolate.h>
#include <v8-primitive.h>

#include <cerrno>

#include "runtime/js/native_bindings.h"
#include "runtime/js/native_values.h"

namespace se::runtime::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

// A kernel failure as Node reports one: an Error with `code` and a negative `errno`.
void throw_errno(Isolate* isolate, const Error& error) {
  Local<v8::Context> context = isolate->GetCurrentContext();
  Local<v8::Object> exception = v8::Exception::Error(utf8_string(isolate, error.to_string())).As<v8::Object>();
  const int code = error.errno_code != 0 ? error.errno_code : EIO;
  exception->Set(context, utf8_string(isolate, "code"), utf8_string(isolate, errno_name(code))).Check();
  exception->Set(context, utf8_string(isolate, "errno"), v8::Integer::New(isolate, -code)).Check();
  isolate->ThrowException(exception);
}

// The descriptor argument, or nullopt after throwing a TypeError.
std::optional<int> fd_argument(const FunctionCallbackInfo<Value>& args, int count, const char* signature) {
  if (args.Length() != count || !args[0]->IsInt32() || args[0].As<v8::Int32>()->Value() < 0) {
    throw_type_error(args.GetIsolate(), std::string(signature) + ": fd must be a non-negative integer");
    return std::nullopt;
  }
  return args[0].As<v8::Int32>()->Value();
}

GuestSystem* system_of(Isolate* isolate) {
  auto* context = static_cast<NativeContext*>(isolate->GetData(kNativeContextSlot));
  return context != nullptr ? context->system() : nullptr;
}

// ttyIsatty(fd) -> bool; false without a kernel or for a descriptor that is not open (as isatty(3)).
void tty_isatty(const FunctionCallbackInfo<Value>& args) {
  std::optional<int> fd = fd_argument(args, 1, "ttyIsatty(fd)");
  if (!fd) return;
  GuestSystem* system = system_of(args.GetIsolate());
  bool terminal = false;
  if (system != nullptr) {
    if (ErrorOr<bool> result = system->isatty(*fd)) terminal = *result;
  }
  args.GetReturnValue().Set(terminal);
}

// ttyWindowSize(fd) -> [columns, rows]
void tty_window_size(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  std::optional<int> fd = fd_argument(args, 1, "ttyWindowSize(fd)");
  if (!fd) return;
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return throw_errno(isolate, Error::from_errno(ENOTTY, "not a terminal"));
  ErrorOr<GuestWindowSize> size = system->window_size(*fd);
  if (!size) return throw_errno(isolate, size.error());
  Local<Value> values[] = {v8::Integer::New(isolate, size->cols), v8::Integer::New(isolate, size->rows)};
  args.GetReturnValue().Set(v8::Array::New(isolate, values, 2));
}

// ttySetRawMode(fd, raw)
void tty_set_raw_mode(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  std::optional<int> fd = fd_argument(args, 2, "ttySetRawMode(fd, raw)");
  if (!fd) return;
  if (!args[1]->IsBoolean()) return throw_type_error(isolate, "ttySetRawMode(fd, raw): raw must be a boolean");
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return throw_errno(isolate, Error::from_errno(ENOTTY, "not a terminal"));
  ErrorOr<void> result = system->set_raw_mode(*fd, args[1]->IsTrue());
  if (!result) throw_errno(isolate, result.error());
}

// catchSignal(signal, caught): mirrors a process.on(signal) listener into the kernel.
void catch_signal(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 2 || !args[0]->IsInt32() || args[0].As<v8::Int32>()->Value() < 1 ||
      args[0].As<v8::Int32>()->Value() > 64 || !args[1]->IsBoolean()) {
    return throw_type_error(isolate, "catchSignal(signal, caught): a signal in 1..64 and a boolean");
  }
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return;  // no kernel: signals come from the host alone
  ErrorOr<void> result = system->catch_signal(args[0].As<v8::Int32>()->Value(), args[1]->IsTrue());
  if (!result) throw_errno(isolate, result.error());
}

// takeSignals(): the runtime is running the handlers of the signals the kernel handed over.
void take_signals(const FunctionCallbackInfo<Value>& args) {
  if (args.Length() != 0) return throw_type_error(args.GetIsolate(), "takeSignals(): no arguments");
  if (GuestSystem* system = system_of(args.GetIsolate())) system->take_delivered_signals();
}

constexpr NativeFunction kTtyNatives[] = {
    {"ttyIsatty", tty_isatty, 1},     {"ttyWindowSize", tty_window_size, 1}, {"ttySetRawMode", tty_set_raw_mode, 2},
    {"catchSignal", catch_signal, 2}, {"takeSignals", take_signals, 0},
};

}  // namespace

std::span<const NativeFunction> tty_natives() {
  return kTtyNatives;
}

}  // namespace se::runtime::js
