// The natives behind guest/child_process.js and guest/sh.js: one thin callback per GuestProcesses
// call, plus the non-blocking reads and writes of child pipes (GuestSystem descriptor calls that
// report "would block" as a value instead of an error). A failed call throws an Error carrying `code` ('ENOENT')
// and `errno` (negative, as Node reports it), which child_process.js turns into Node's errors.
// Thread-safety: callbacks run on the isolate's thread.
#include <v8-array-buffer.h>
#include <v8-container.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-isolate.h>
#include <v8-object.h>
#include <v8-primitive.h>
#include <v8-typed-array.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/js/native_bindings.h"
#include "runtime/js/native_values.h"

namespace se::runtime::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

// Bytes one childRead returns at most (a pipe holds 64 KiB).
constexpr size_t kMaxReadBytes = 64 * 1024;
// Stdio codes childSpawn takes instead of a descriptor number.
constexpr int kStdioPipe = -1;
constexpr int kStdioInherit = -2;
constexpr int kStdioIgnore = -3;
// childSpawn's extra descriptors: how many, and the highest child descriptor they may name.
constexpr uint32_t kMaxExtraFds = 8;
constexpr int kMaxExtraChildFd = 63;

// Throws the kernel's failure as an Error with `code` and a negative `errno`.
void throw_system_error(Isolate* isolate, const Error& error) {
  Local<v8::Context> context = isolate->GetCurrentContext();
  Local<v8::Object> exception = v8::Exception::Error(utf8_string(isolate, error.message)).As<v8::Object>();
  int code = error.errno_code != 0 ? error.errno_code : EIO;
  exception->Set(context, utf8_string(isolate, "code"), utf8_string(isolate, se::errno_name(code))).Check();
  exception->Set(context, utf8_string(isolate, "errno"), v8::Integer::New(isolate, -code)).Check();
  isolate->ThrowException(exception);
}

NativeContext* context_of(Isolate* isolate) {
  return static_cast<NativeContext*>(isolate->GetData(kNativeContextSlot));
}

GuestProcesses* processes_of(Isolate* isolate) {
  NativeContext* context = context_of(isolate);
  GuestProcesses* processes = context != nullptr ? context->processes() : nullptr;
  if (processes == nullptr) {
    throw_system_error(isolate, Error::from_errno(ENOSYS, "no process kernel is bound to this process"));
  }
  return processes;
}

GuestSystem* system_of(Isolate* isolate) {
  NativeContext* context = context_of(isolate);
  GuestSystem* system = context != nullptr ? context->system() : nullptr;
  if (system == nullptr) throw_system_error(isolate, Error::from_errno(ENOSYS, "no kernel is bound to this process"));
  return system;
}

// An int32 argument within [min, max], or nullopt after throwing a TypeError naming `what`.
std::optional<int> int_arg(const FunctionCallbackInfo<Value>& info, int index, int min, int max, const char* what) {
  if (info[index]->IsInt32()) {
    int value = info[index].As<v8::Int32>()->Value();
    if (value >= min && value <= max) return value;
  }
  throw_type_error(info.GetIsolate(), std::string(what) + " must be an integer in [" + std::to_string(min) + ", " +
                                          std::to_string(max) + "]");
  return std::nullopt;
}

// A timeout in milliseconds, or nullopt for "none" (-1).
std::optional<std::chrono::milliseconds> timeout_arg(double value) {
  if (value < 0 || std::isnan(value)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(value, 2147483647.0)));
}

// An array of strings, or nullopt after throwing.
std::optional<std::vector<std::string>> strings_arg(const FunctionCallbackInfo<Value>& info, int index,
                                                    const char* what) {
  Isolate* isolate = info.GetIsolate();
  if (!info[index]->IsArray()) {
    throw_type_error(isolate, std::string(what) + " must be an array of strings");
    return std::nullopt;
  }
  Local<v8::Array> array = info[index].As<v8::Array>();
  Local<v8::Context> context = isolate->GetCurrentContext();
  std::vector<std::string> values;
  values.reserve(array->Length());
  for (uint32_t i = 0; i < array->Length(); ++i) {
    Local<Value> element;
    if (!array->Get(context, i).ToLocal(&element)) return std::nullopt;
    if (!element->IsString()) {
      throw_type_error(isolate, std::string(what) + " must be an array of strings");
      return std::nullopt;
    }
    values.push_back(to_utf8(isolate, element.As<v8::String>()));
  }
  return values;
}

// childSpawn(command, args, cwd, env [name, value, ...], stdio [3 codes], extra?) -> [pid, fd0, fd1,
// fd2]. A stdio code is a descriptor of the caller, or -1 pipe, -2 inherit, -3 ignore; `extra`
// (Int32Array [child fd, caller fd, ...]) hands the child more descriptors.
void child_spawn(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() < 5 || info.Length() > 6 || !info[0]->IsString() || !info[2]->IsString() ||
      !info[4]->IsInt32Array() || (info.Length() == 6 && !info[5]->IsInt32Array())) {
    return throw_type_error(isolate, "childSpawn(command, args, cwd, env, stdio, extra): bad arguments");
  }
  ChildSpawnOptions options;
  options.command = to_utf8(isolate, info[0].As<v8::String>());
  options.cwd = to_utf8(isolate, info[2].As<v8::String>());
  auto args = strings_arg(info, 1, "args");
  if (!args) return;
  options.args = std::move(*args);
  auto env = strings_arg(info, 3, "env");
  if (!env) return;
  if (env->size() % 2 != 0) return throw_type_error(isolate, "env must hold name, value pairs");
  for (size_t i = 0; i < env->size(); i += 2) options.env.emplace_back((*env)[i], (*env)[i + 1]);
  Local<v8::Int32Array> stdio = info[4].As<v8::Int32Array>();
  if (stdio->Length() != 3) return throw_type_error(isolate, "stdio must hold three codes");
  int32_t codes[3];
  stdio->CopyContents(codes, sizeof(codes));
  for (size_t i = 0; i < 3; ++i) {
    ChildStdio& slot = options.stdio[i];
    switch (codes[i]) {
      case kStdioPipe:
        slot.kind = ChildStdio::Kind::kPipe;
        break;
      case kStdioInherit:
        slot.kind = ChildStdio::Kind::kInherit;
        break;
      case kStdioIgnore:
        slot.kind = ChildStdio::Kind::kIgnore;
        break;
      default:
        if (codes[i] < 0) return throw_type_error(isolate, "stdio code out of range");
        slot.kind = ChildStdio::Kind::kFd;
        slot.fd = codes[i];
    }
  }
  if (info.Length() == 6) {
    Local<v8::Int32Array> extra = info[5].As<v8::Int32Array>();
    if (extra->Length() % 2 != 0 || extra->Length() > 2 * kMaxExtraFds) {
      return throw_type_error(isolate,
                              "extra must hold at most " + std::to_string(kMaxExtraFds) + " child fd, caller fd pairs");
    }
    std::vector<int32_t> pairs(extra->Length());
    if (!pairs.empty()) extra->CopyContents(pairs.data(), pairs.size() * sizeof(int32_t));
    for (size_t i = 0; i < pairs.size(); i += 2) {
      if (pairs[i] < 3 || pairs[i] > kMaxExtraChildFd || pairs[i + 1] < 0) {
        return throw_type_error(isolate, "extra child fds must be in [3, " + std::to_string(kMaxExtraChildFd) + "]");
      }
      options.extra_fds.emplace_back(pairs[i], pairs[i + 1]);
    }
  }
  GuestProcesses* processes = processes_of(isolate);
  if (processes == nullptr) return;
  ErrorOr<SpawnedChild> spawned = processes->spawn(options);
  if (!spawned) return throw_system_error(isolate, spawned.error());
  Local<v8::Context> context = isolate->GetCurrentContext();
  Local<v8::Array> result = v8::Array::New(isolate, 4);
  result->Set(context, 0, v8::Integer::New(isolate, spawned->pid)).Check();
  for (uint32_t i = 0; i < 3; ++i) result->Set(context, i + 1, v8::Integer::New(isolate, spawned->fds[i])).Check();
  info.GetReturnValue().Set(result);
}

// childWait(pid or -1, noHang, timeoutMs or -1) -> [pid, exitCode, signal] | undefined
void child_wait(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 3 || !info[1]->IsBoolean() || !info[2]->IsNumber()) {
    return throw_type_error(isolate, "childWait(pid, noHang, timeoutMs): bad arguments");
  }
  auto pid = int_arg(info, 0, -1, 2147483647, "pid");
  if (!pid) return;
  GuestProcesses* processes = processes_of(isolate);
  if (processes == nullptr) return;
  auto waited =
      processes->wait(*pid, info[1].As<v8::Boolean>()->Value(), timeout_arg(info[2].As<v8::Number>()->Value()));
  if (!waited) return throw_system_error(isolate, waited.error());
  if (!waited->has_value()) return;
  Local<v8::Context> context = isolate->GetCurrentContext();
  Local<v8::Array> result = v8::Array::New(isolate, 3);
  result->Set(context, 0, v8::Integer::New(isolate, (*waited)->pid)).Check();
  result->Set(context, 1, v8::Integer::New(isolate, (*waited)->exit_code)).Check();
  result->Set(context, 2, v8::Integer::New(isolate, (*waited)->signal)).Check();
  info.GetReturnValue().Set(result);
}

// childKill(pid, signal)
void child_kill(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 2) return throw_type_error(isolate, "childKill(pid, signal): two arguments");
  auto pid = int_arg(info, 0, -2147483647, 2147483647, "pid");
  if (!pid) return;
  auto signal = int_arg(info, 1, 0, 64, "signal");
  if (!signal) return;
  GuestProcesses* processes = processes_of(isolate);
  if (processes == nullptr) return;
  auto killed = processes->kill(*pid, *signal);
  if (!killed) throw_system_error(isolate, killed.error());
}

// childPipe(nonblocking) -> [readFd, writeFd]
void child_pipe(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 1 || !info[0]->IsBoolean()) return throw_type_error(isolate, "childPipe(nonblocking)");
  GuestProcesses* processes = processes_of(isolate);
  if (processes == nullptr) return;
  auto fds = processes->pipe(info[0].As<v8::Boolean>()->Value());
  if (!fds) return throw_system_error(isolate, fds.error());
  Local<v8::Context> context = isolate->GetCurrentContext();
  Local<v8::Array> result = v8::Array::New(isolate, 2);
  result->Set(context, 0, v8::Integer::New(isolate, (*fds)[0])).Check();
  result->Set(context, 1, v8::Integer::New(isolate, (*fds)[1])).Check();
  info.GetReturnValue().Set(result);
}

// childWatch(watching)
void child_watch(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 1 || !info[0]->IsBoolean()) return throw_type_error(isolate, "childWatch(watching)");
  GuestProcesses* processes = processes_of(isolate);
  if (processes == nullptr) return;
  auto set = processes->set_io_watch(info[0].As<v8::Boolean>()->Value());
  if (!set) throw_system_error(isolate, set.error());
}

// childPoll(Int32Array [fd, events, fd, events, ...], timeoutMs or -1) -> Int32Array of revents
void child_poll(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 2 || !info[0]->IsInt32Array() || !info[1]->IsNumber()) {
    return throw_type_error(isolate, "childPoll(fdsAndEvents, timeoutMs): bad arguments");
  }
  Local<v8::Int32Array> pairs = info[0].As<v8::Int32Array>();
  if (pairs->Length() % 2 != 0) return throw_type_error(isolate, "childPoll: fd, events pairs expected");
  std::vector<int32_t> values(pairs->Length());
  if (!values.empty()) pairs->CopyContents(values.data(), values.size() * sizeof(int32_t));
  std::vector<ChildPoll> fds;
  for (size_t i = 0; i < values.size(); i += 2) {
    fds.push_back(ChildPoll{values[i], static_cast<int16_t>(values[i + 1]), 0});
  }
  GuestProcesses* processes = processes_of(isolate);
  if (processes == nullptr) return;
  auto polled = processes->poll(fds, timeout_arg(info[1].As<v8::Number>()->Value()));
  if (!polled) return throw_system_error(isolate, polled.error());
  Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, fds.size() * sizeof(int32_t));
  auto* revents = static_cast<int32_t*>(buffer->GetBackingStore()->Data());
  for (size_t i = 0; i < fds.size(); ++i) revents[i] = fds[i].revents;
  info.GetReturnValue().Set(v8::Int32Array::New(buffer, 0, fds.size()));
}

// childRead(fd) -> Uint8Array (empty at end of file) | null when a non-blocking read would block
void child_read(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 1) return throw_type_error(isolate, "childRead(fd): one argument");
  auto fd = int_arg(info, 0, 0, 2147483647, "fd");
  if (!fd) return;
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return;
  ErrorOr<std::string> read = system->read(*fd, kMaxReadBytes, std::nullopt);
  if (!read) {
    if (read.error().errno_code == EAGAIN) return info.GetReturnValue().SetNull();
    return throw_system_error(isolate, read.error());
  }
  Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, read->size());
  if (!read->empty()) std::memcpy(buffer->GetBackingStore()->Data(), read->data(), read->size());
  info.GetReturnValue().Set(v8::Uint8Array::New(buffer, 0, read->size()));
}

// childWrite(fd, Uint8Array) -> bytes written (possibly fewer), or -1 when a non-blocking write
// would block
void child_write(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 2 || !info[1]->IsUint8Array()) {
    return throw_type_error(isolate, "childWrite(fd, bytes): bad arguments");
  }
  auto fd = int_arg(info, 0, 0, 2147483647, "fd");
  if (!fd) return;
  Local<v8::Uint8Array> view = info[1].As<v8::Uint8Array>();
  auto store = view->Buffer()->GetBackingStore();
  const char* base = static_cast<const char*>(store->Data());
  std::string_view bytes =
      base == nullptr ? std::string_view() : std::string_view(base + view->ByteOffset(), view->ByteLength());
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return;
  ErrorOr<size_t> written = system->write(*fd, bytes, std::nullopt);
  if (!written) {
    if (written.error().errno_code == EAGAIN) return info.GetReturnValue().Set(-1);
    return throw_system_error(isolate, written.error());
  }
  info.GetReturnValue().Set(static_cast<double>(*written));
}

// childClose(fd)
void child_close(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() != 1) return throw_type_error(isolate, "childClose(fd): one argument");
  auto fd = int_arg(info, 0, 0, 2147483647, "fd");
  if (!fd) return;
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return;
  auto closed = system->close(*fd);
  if (!closed) throw_system_error(isolate, closed.error());
}

constexpr NativeFunction kProcessNatives[] = {
    {"childSpawn", child_spawn, 5}, {"childWait", child_wait, 3},   {"childKill", child_kill, 2},
    {"childWatch", child_watch, 1}, {"childPoll", child_poll, 2},   {"childRead", child_read, 1},
    {"childWrite", child_write, 2}, {"childClose", child_close, 1}, {"childPipe", child_pipe, 1},
};

}  // namespace

std::span<const NativeFunction> process_natives() {
  return kProcessNatives;
}

}  // namespace se::runtime::js
