// The native functions the guest bootstrap receives as its private `native` argument (never a
// global: guests cannot name it). The same callbacks are compiled into the snapshot generator and
// the runtime, and external_references() lists them for V8's snapshot (de)serializer.
// A native reaches its guest process through the NativeContext stored in the isolate's data slot;
// while the snapshot is built there is none and process natives throw.
// Thread-safety: callbacks run on the isolate's thread; the functions here are pure.
#pragma once

#include <v8-forward.h>
#include <v8-function-callback.h>
#include <v8-message.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "runtime/js/guest_processes.h"
#include "runtime/js/guest_system.h"

namespace se::runtime::js {

// The isolate data slot holding the NativeContext*.
inline constexpr uint32_t kNativeContextSlot = 0;

// What natives need from the guest process that owns the isolate.
class NativeContext {
 public:
  virtual ~NativeContext() = default;
  // fd 1 (stdout) or 2 (stderr).
  virtual ErrorOr<void> write_output(int fd, std::string_view bytes) = 0;
  // Records the exit code/reason and unwinds JavaScript (TerminateExecution).
  virtual void request_exit(int code, std::string_view reason) = 0;
  // Whether the guest listens for a signal (decides default disposition on delivery).
  virtual void set_signal_handled(int signal, bool handled) = 0;
  // Moves the promise rejections V8 reported as unhandled so far into `out` as
  // [promise, reason, promise, reason, ...]; returns false when there are none.
  virtual bool take_unhandled_rejections(v8::Local<v8::Context> context, v8::Local<v8::Array>& out) = 0;
  // Milliseconds since the process started (performance.now()).
  virtual double uptime_ms() const = 0;
  // Bytes of ArrayBuffer memory this process holds.
  virtual size_t array_buffer_bytes() const = 0;
  // The guest signals itself (process.kill(process.pid, ...)); same dispositions as from outside.
  virtual void raise_signal(int signal) = 0;
  // The process's system calls (kernel_natives.cc); nullptr when its host provides none.
  virtual GuestSystem* system() = 0;
  // The process's child_process operations (process_natives.cc); nullptr when its host has none.
  virtual GuestProcesses* processes() = 0;
};

// One native: its name on the `native` object, its callback, its `length`.
struct NativeFunction {
  const char* name;
  v8::FunctionCallback callback;
  int length;
};

// The GuestSystem natives (kernel_natives.cc), installed and referenced after the core table.
std::span<const NativeFunction> kernel_natives();
// The GuestProcesses natives (process_natives.cc), installed and referenced after those.
std::span<const NativeFunction> process_natives();
// The terminal natives (tty_natives.cc), installed and referenced after those.
std::span<const NativeFunction> tty_natives();

// Node's "file:line / source line / ^^^" banner for an error location; empty when V8 has no
// source position for it.
std::string source_header(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Message> message);

// Builds the null-prototype object holding every native function, in `context`.
v8::Local<v8::Object> create_native_object(v8::Isolate* isolate, v8::Local<v8::Context> context);

// Null-terminated table of every callback address, identical in generator and runtime.
const intptr_t* external_references();

}  // namespace se::runtime::js
