#include "runtime/js/native_bindings.h"

#include <sys/random.h>
#include <sys/resource.h>
#include <v8-array-buffer.h>
#include <v8-container.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-isolate.h>
#include <v8-message.h>
#include <v8-microtask-queue.h>
#include <v8-object.h>
#include <v8-primitive.h>
#include <v8-promise.h>
#include <v8-proxy.h>
#include <v8-statistics.h>
#include <v8-template.h>
#include <v8-typed-array.h>
#include <v8-value-serializer.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "runtime/js/crypto_natives.h"
#include "runtime/js/embedded_scripts.h"
#include "runtime/js/module_loader.h"
#include "runtime/js/native_values.h"
#include "runtime/js/net_natives.h"

namespace se::runtime::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

NativeContext* native_context(const FunctionCallbackInfo<Value>& args) {
  auto* context = static_cast<NativeContext*>(args.GetIsolate()->GetData(kNativeContextSlot));
  if (context == nullptr) throw_error(args.GetIsolate(), "process natives are unavailable while building the snapshot");
  return context;
}

// write(fd, stringOrBytes): fd is 1 or 2.
void native_write(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeContext* context = native_context(args);
  if (context == nullptr) return;
  if (args.Length() != 2 || !args[0]->IsInt32() ||
      (args[0].As<v8::Int32>()->Value() != 1 && args[0].As<v8::Int32>()->Value() != 2)) {
    return throw_type_error(isolate, "write(fd, data): fd must be 1 or 2");
  }
  int fd = args[0].As<v8::Int32>()->Value();
  ErrorOr<void> written;
  if (args[1]->IsString()) {
    written = context->write_output(fd, to_utf8(isolate, args[1].As<v8::String>()));
  } else if (args[1]->IsArrayBufferView()) {
    written = context->write_output(fd, view_bytes(args[1].As<v8::ArrayBufferView>()));
  } else {
    return throw_type_error(isolate, "write(fd, data): data must be a string or an ArrayBufferView");
  }
  if (!written) {
    Local<Value> error = v8::Exception::Error(utf8_string(isolate, written.error().to_string()));
    if (written.error().errno_code != 0) {
      error.As<v8::Object>()
          ->Set(isolate->GetCurrentContext(), utf8_string(isolate, "code"),
                utf8_string(isolate, written.error().errno_name()))
          .Check();
    }
    isolate->ThrowException(error);
  }
}

// exit(code, reason): never returns to the caller's next statement in practice; V8 unwinds.
void native_exit(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeContext* context = native_context(args);
  if (context == nullptr) return;
  if (args.Length() != 2 || !args[0]->IsInt32() || !args[1]->IsString()) {
    return throw_type_error(isolate, "exit(code, reason): expected an int32 and a string");
  }
  context->request_exit(args[0].As<v8::Int32>()->Value(), to_utf8(isolate, args[1].As<v8::String>()));
}

// setSignalHandled(signal, handled)
void native_set_signal_handled(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeContext* context = native_context(args);
  if (context == nullptr) return;
  if (args.Length() != 2 || !args[0]->IsInt32() || !args[1]->IsBoolean()) {
    return throw_type_error(isolate, "setSignalHandled(signal, handled): expected an int32 and a boolean");
  }
  int signal = args[0].As<v8::Int32>()->Value();
  if (signal < 1 || signal > 64) return throw_type_error(isolate, "setSignalHandled: signal out of range");
  context->set_signal_handled(signal, args[1].As<v8::Boolean>()->Value());
}

// takeRejections() -> [promise, reason, ...] | undefined
void native_take_rejections(const FunctionCallbackInfo<Value>& args) {
  NativeContext* context = native_context(args);
  if (context == nullptr) return;
  Local<v8::Array> out;
  if (context->take_unhandled_rejections(args.GetIsolate()->GetCurrentContext(), out)) args.GetReturnValue().Set(out);
}

// runMicrotasks(): drains V8's microtask queue (the policy is explicit).
void native_run_microtasks(const FunctionCallbackInfo<Value>& args) {
  args.GetIsolate()->PerformMicrotaskCheckpoint();
}

// now() -> milliseconds since the process started, as a double.
void native_now(const FunctionCallbackInfo<Value>& args) {
  NativeContext* context = native_context(args);
  if (context == nullptr) return;
  args.GetReturnValue().Set(context->uptime_ms());
}

// hrtime() -> BigInt nanoseconds of a monotonic clock with an arbitrary origin.
void native_hrtime(const FunctionCallbackInfo<Value>& args) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t nanos = static_cast<uint64_t>(now.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(now.tv_nsec);
  args.GetReturnValue().Set(v8::BigInt::NewFromUnsigned(args.GetIsolate(), nanos));
}

// promiseState(promise) -> [0 pending | 1 fulfilled | 2 rejected, result]
void native_promise_state(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1 || !args[0]->IsPromise()) return throw_type_error(isolate, "promiseState: not a promise");
  auto promise = args[0].As<v8::Promise>();
  int state = 0;
  Local<Value> result = v8::Undefined(isolate);
  if (promise->State() == v8::Promise::kFulfilled) {
    state = 1;
    result = promise->Result();
  } else if (promise->State() == v8::Promise::kRejected) {
    state = 2;
    result = promise->Result();
  }
  Local<Value> pair[] = {v8::Integer::New(isolate, state), result};
  args.GetReturnValue().Set(v8::Array::New(isolate, pair, 2));
}

// proxyTarget(value) -> the target of a Proxy (unwrapping nested proxies), else undefined.
// Lets inspection look at a proxy without running its traps.
void native_proxy_target(const FunctionCallbackInfo<Value>& args) {
  if (args.Length() != 1 || !args[0]->IsProxy()) return;
  Local<Value> target = args[0];
  while (target->IsProxy()) target = target.As<v8::Proxy>()->GetTarget();
  args.GetReturnValue().Set(target);
}

// Stable names for value kinds that guests cannot spoof with Symbol.toStringTag.
enum ValueKind : int {
  kOther = 0,
  kMap,
  kSet,
  kWeakMap,
  kWeakSet,
  kDate,
  kRegExp,
  kNativeError,
  kPromise,
  kArrayBuffer,
  kSharedArrayBuffer,
  kTypedArray,
  kDataView,
  kNumberObject,
  kStringObject,
  kBooleanObject,
  kBigIntObject,
  kSymbolObject,
  kMapIterator,
  kSetIterator,
  kGeneratorObject,
  kModuleNamespace,
  kAsyncFunction,
  kGeneratorFunction,
  kArgumentsObject,
};

void native_value_kind(const FunctionCallbackInfo<Value>& args) {
  if (args.Length() != 1) return throw_type_error(args.GetIsolate(), "valueKind(value): one argument");
  using Predicate = bool (v8::Value::*)() const;
  static constexpr std::pair<Predicate, ValueKind> kKinds[] = {
      {&Value::IsMap, kMap},
      {&Value::IsSet, kSet},
      {&Value::IsWeakMap, kWeakMap},
      {&Value::IsWeakSet, kWeakSet},
      {&Value::IsDate, kDate},
      {&Value::IsRegExp, kRegExp},
      {&Value::IsNativeError, kNativeError},
      {&Value::IsPromise, kPromise},
      {&Value::IsArrayBuffer, kArrayBuffer},
      {&Value::IsSharedArrayBuffer, kSharedArrayBuffer},
      {&Value::IsTypedArray, kTypedArray},
      {&Value::IsDataView, kDataView},
      {&Value::IsNumberObject, kNumberObject},
      {&Value::IsStringObject, kStringObject},
      {&Value::IsBooleanObject, kBooleanObject},
      {&Value::IsBigIntObject, kBigIntObject},
      {&Value::IsSymbolObject, kSymbolObject},
      {&Value::IsMapIterator, kMapIterator},
      {&Value::IsSetIterator, kSetIterator},
      {&Value::IsGeneratorObject, kGeneratorObject},
      {&Value::IsModuleNamespaceObject, kModuleNamespace},
      {&Value::IsAsyncFunction, kAsyncFunction},
      {&Value::IsGeneratorFunction, kGeneratorFunction},
      {&Value::IsArgumentsObject, kArgumentsObject},
  };
  const Value& value = **args[0];
  for (const auto& [is, kind] : kKinds) {
    if ((value.*is)()) return args.GetReturnValue().Set(static_cast<int>(kind));
  }
  args.GetReturnValue().Set(static_cast<int>(kOther));
}

// previewEntries(mapSetOrIterator) -> [entries, isKeyValue] without advancing iterators.
void native_preview_entries(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1 || !args[0]->IsObject()) return throw_type_error(isolate, "previewEntries: not an object");
  bool is_key_value = false;
  Local<v8::Array> entries;
  if (!args[0].As<v8::Object>()->PreviewEntries(&is_key_value).ToLocal(&entries)) return;
  Local<Value> pair[] = {entries, v8::Boolean::New(isolate, is_key_value)};
  args.GetReturnValue().Set(v8::Array::New(isolate, pair, 2));
}

class CloneDelegate final : public v8::ValueSerializer::Delegate {
 public:
  explicit CloneDelegate(Isolate* isolate) : isolate_(isolate) {}
  void ThrowDataCloneError(Local<v8::String> message) override {
    Local<v8::Context> context = isolate_->GetCurrentContext();
    Local<v8::Object> error = v8::Exception::Error(message).As<v8::Object>();
    error->Set(context, utf8_string(isolate_, "name"), utf8_string(isolate_, "DataCloneError")).Check();
    error->Set(context, utf8_string(isolate_, "code"), v8::Integer::New(isolate_, 25)).Check();
    isolate_->ThrowException(error);
  }

 private:
  Isolate* isolate_;
};

// structuredClone(value) -> deep copy via V8's serializer (the HTML structured clone algorithm).
void native_structured_clone(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1) return throw_type_error(isolate, "structuredClone(value): one argument");
  Local<v8::Context> context = isolate->GetCurrentContext();
  CloneDelegate delegate(isolate);
  v8::ValueSerializer serializer(isolate, &delegate);
  serializer.WriteHeader();
  if (serializer.WriteValue(context, args[0]).IsNothing()) return;
  auto [data, size] = serializer.Release();
  std::unique_ptr<uint8_t, decltype(&std::free)> owned(data, &std::free);
  v8::ValueDeserializer deserializer(isolate, owned.get(), size);
  if (deserializer.ReadHeader(context).IsNothing()) return;
  Local<Value> copy;
  if (deserializer.ReadValue(context).ToLocal(&copy)) args.GetReturnValue().Set(copy);
}

// encodeUtf8(string) -> Uint8Array
void native_encode_utf8(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1 || !args[0]->IsString()) return throw_type_error(isolate, "encodeUtf8(string)");
  args.GetReturnValue().Set(new_bytes(isolate, to_utf8(isolate, args[0].As<v8::String>())));
}

// encodeUtf8Into(string, Uint8Array) -> [UTF-16 units read, bytes written]; never splits a character.
void native_encode_utf8_into(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 2 || !args[0]->IsString() || !args[1]->IsUint8Array()) {
    return throw_type_error(isolate, "encodeUtf8Into(string, Uint8Array)");
  }
  auto text = args[0].As<v8::String>();
  auto target = args[1].As<v8::Uint8Array>();
  auto store = target->Buffer()->GetBackingStore();
  char* out = static_cast<char*>(store->Data()) + target->ByteOffset();
  int chars_read = 0;
  int written = text->WriteUtf8(isolate, out, static_cast<int>(target->ByteLength()), &chars_read,
                                v8::String::REPLACE_INVALID_UTF8 | v8::String::NO_NULL_TERMINATION);
  // WriteUtf8 counts characters (a surrogate pair is one); TextEncoder reports UTF-16 code units.
  int units_read = 0;
  if (chars_read > 0) {
    v8::String::Value units(isolate, text);
    int chars = 0;
    while (units_read < units.length() && chars < chars_read) {
      uint16_t unit = (*units)[units_read];
      bool pair = unit >= 0xD800 && unit <= 0xDBFF && units_read + 1 < units.length() &&
                  (*units)[units_read + 1] >= 0xDC00 && (*units)[units_read + 1] <= 0xDFFF;
      units_read += pair ? 2 : 1;
      ++chars;
    }
  }
  Local<Value> pair[] = {v8::Integer::New(isolate, units_read), v8::Integer::New(isolate, written)};
  args.GetReturnValue().Set(v8::Array::New(isolate, pair, 2));
}

// decodeUtf8(view, fatal) -> string. Invalid sequences become U+FFFD unless fatal (TypeError).
void native_decode_utf8(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 2 || !args[0]->IsArrayBufferView() || !args[1]->IsBoolean()) {
    return throw_type_error(isolate, "decodeUtf8(view, fatal)");
  }
  std::string_view bytes = view_bytes(args[0].As<v8::ArrayBufferView>());
  if (args[1].As<v8::Boolean>()->Value() && !se::is_valid_utf8(bytes)) {
    return throw_type_error(isolate, "The encoded data was not valid for encoding utf-8");
  }
  Local<v8::String> text;
  if (bytes.size() > static_cast<size_t>(v8::String::kMaxLength) ||
      !v8::String::NewFromUtf8(isolate, bytes.data(), v8::NewStringType::kNormal, static_cast<int>(bytes.size()))
           .ToLocal(&text)) {
    isolate->ThrowException(v8::Exception::RangeError(utf8_string(isolate, "Invalid string length")));
    return;
  }
  args.GetReturnValue().Set(text);
}

// getRandomValues(integerTypedArray) fills it from the kernel's CSPRNG.
void native_get_random_values(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1 || !args[0]->IsTypedArray() || args[0]->IsFloat32Array() || args[0]->IsFloat64Array()) {
    return throw_type_error(isolate, "getRandomValues: argument must be an integer TypedArray");
  }
  auto view = args[0].As<v8::TypedArray>();
  if (view->ByteLength() > 65536) {
    Local<v8::Object> error =
        v8::Exception::Error(utf8_string(isolate, "The ArrayBufferView's byte length exceeds 65536")).As<v8::Object>();
    error->Set(isolate->GetCurrentContext(), utf8_string(isolate, "name"), utf8_string(isolate, "QuotaExceededError"))
        .Check();
    isolate->ThrowException(error);
    return;
  }
  auto store = view->Buffer()->GetBackingStore();
  char* out = static_cast<char*>(store->Data()) + view->ByteOffset();
  size_t filled = 0;
  while (filled < view->ByteLength()) {
    ssize_t n = getrandom(out + filled, view->ByteLength() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return throw_error(isolate, "getRandomValues: the system random source failed");
    filled += static_cast<size_t>(n);
  }
  args.GetReturnValue().Set(args[0]);
}

// memoryUsage() -> [rss, heapTotal, heapUsed, external, arrayBuffers], all about this isolate.
void native_memory_usage(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeContext* context = native_context(args);
  if (context == nullptr) return;
  v8::HeapStatistics stats;
  isolate->GetHeapStatistics(&stats);
  double array_buffers = static_cast<double>(context->array_buffer_bytes());
  Local<Value> values[] = {
      v8::Number::New(isolate,
                      static_cast<double>(stats.total_physical_size() + stats.malloced_memory()) + array_buffers),
      v8::Number::New(isolate, static_cast<double>(stats.total_heap_size())),
      v8::Number::New(isolate, static_cast<double>(stats.used_heap_size())),
      v8::Number::New(isolate, static_cast<double>(stats.external_memory()) + array_buffers),
      v8::Number::New(isolate, array_buffers),
  };
  args.GetReturnValue().Set(v8::Array::New(isolate, values, 5));
}

// cpuUsage() -> [user microseconds, system microseconds] of this guest's thread.
void native_cpu_usage(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  auto micros = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec); };
  Local<Value> values[] = {v8::Number::New(isolate, micros(usage.ru_utime)),
                           v8::Number::New(isolate, micros(usage.ru_stime))};
  args.GetReturnValue().Set(v8::Array::New(isolate, values, 2));
}

// raiseSignal(signal): process.kill(process.pid, signal).
void native_raise_signal(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  NativeContext* context = native_context(args);
  if (context == nullptr) return;
  if (args.Length() != 1 || !args[0]->IsInt32() || args[0].As<v8::Int32>()->Value() < 1 ||
      args[0].As<v8::Int32>()->Value() > 64) {
    return throw_type_error(isolate, "raiseSignal(signal): signal must be an integer in 1..64");
  }
  context->raise_signal(args[0].As<v8::Int32>()->Value());
}

// enqueueMicrotask(fn)
void native_enqueue_microtask(const FunctionCallbackInfo<Value>& args) {
  if (args.Length() != 1 || !args[0]->IsFunction()) {
    return throw_type_error(args.GetIsolate(), "enqueueMicrotask(fn): fn must be a function");
  }
  args.GetIsolate()->EnqueueMicrotask(args[0].As<v8::Function>());
}

// sourceHeader(error) -> the "file:line" banner for where the error was created, or ''.
void native_source_header(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1) return throw_type_error(isolate, "sourceHeader(error): one argument");
  Local<v8::Context> context = isolate->GetCurrentContext();
  std::string header = source_header(isolate, context, v8::Exception::CreateMessage(isolate, args[0]));
  args.GetReturnValue().Set(utf8_string(isolate, header));
}

constexpr NativeFunction kNatives[] = {
    {"write", native_write, 2},
    {"exit", native_exit, 2},
    {"setSignalHandled", native_set_signal_handled, 2},
    {"takeRejections", native_take_rejections, 0},
    {"runMicrotasks", native_run_microtasks, 0},
    {"now", native_now, 0},
    {"hrtime", native_hrtime, 0},
    {"promiseState", native_promise_state, 1},
    {"proxyTarget", native_proxy_target, 1},
    {"valueKind", native_value_kind, 1},
    {"previewEntries", native_preview_entries, 1},
    {"structuredClone", native_structured_clone, 1},
    {"encodeUtf8", native_encode_utf8, 1},
    {"encodeUtf8Into", native_encode_utf8_into, 2},
    {"decodeUtf8", native_decode_utf8, 2},
    {"getRandomValues", native_get_random_values, 1},
    {"memoryUsage", native_memory_usage, 0},
    {"cpuUsage", native_cpu_usage, 0},
    {"raiseSignal", native_raise_signal, 1},
    {"enqueueMicrotask", native_enqueue_microtask, 1},
    {"sourceHeader", native_source_header, 1},
    {"compileFunction", native_compile_function, 3},
    {"moduleCompile", native_module_compile, 2},
    {"moduleSynthetic", native_module_synthetic, 3},
    {"moduleLink", native_module_link, 3},
    {"moduleInstantiate", native_module_instantiate, 1},
    {"moduleEvaluate", native_module_evaluate, 1},
    {"moduleNamespace", native_module_namespace, 1},
    {"compileChunk", native_compile_chunk, 1},
};

}  // namespace

std::string source_header(Isolate* isolate, Local<v8::Context> context, Local<v8::Message> message) {
  if (message.IsEmpty()) return {};
  int line = message->GetLineNumber(context).FromMaybe(0);
  Local<v8::String> source_line;
  if (line <= 0 || !message->GetSourceLine(context).ToLocal(&source_line)) return {};
  std::string name = "<anonymous>";
  Local<Value> resource = message->GetScriptResourceName();
  if (!resource.IsEmpty() && resource->IsString()) name = to_utf8(isolate, resource.As<v8::String>());
  std::string text = to_utf8(isolate, source_line);
  int start = std::max(0, message->GetStartColumn(context).FromMaybe(0));
  int end = std::max(start + 1, message->GetEndColumn(context).FromMaybe(start + 1));
  std::string header = name + ":" + std::to_string(line) + "\n" + text + "\n";
  for (int i = 0; i < start; ++i) header += (static_cast<size_t>(i) < text.size() && text[i] == '\t') ? '\t' : ' ';
  header.append(static_cast<size_t>(end - start), '^');
  header += '\n';
  return header;
}

Local<v8::Object> create_native_object(Isolate* isolate, Local<v8::Context> context) {
  Local<v8::Object> natives = v8::Object::New(isolate, v8::Null(isolate), nullptr, nullptr, 0);
  auto install = [&](const NativeFunction& native) {
    // No receiver checks and no prototype: these are plain functions called directly.
    Local<v8::FunctionTemplate> tmpl =
        v8::FunctionTemplate::New(isolate, native.callback, Local<Value>(), Local<v8::Signature>(), native.length,
                                  v8::ConstructorBehavior::kThrow);
    Local<v8::Function> fn = tmpl->GetFunction(context).ToLocalChecked();
    fn->SetName(utf8_string(isolate, native.name));
    natives->Set(context, utf8_string(isolate, native.name), fn).Check();
  };
  for (const auto& native : kNatives) install(native);
  for (const auto& native : kernel_natives()) install(native);
  for (const auto& native : process_natives()) install(native);
  for (const auto& native : crypto_natives()) install(native);
  for (const auto& native : net_natives()) install(native);
  for (const auto& native : tty_natives()) install(native);
  return natives;
}

const intptr_t* external_references() {
  static const std::vector<intptr_t> table = [] {
    std::vector<intptr_t> refs;
    for (const auto& native : kNatives) refs.push_back(reinterpret_cast<intptr_t>(native.callback));
    for (const auto& native : kernel_natives()) refs.push_back(reinterpret_cast<intptr_t>(native.callback));
    for (const auto& native : process_natives()) refs.push_back(reinterpret_cast<intptr_t>(native.callback));
    for (const auto& native : crypto_natives()) refs.push_back(reinterpret_cast<intptr_t>(native.callback));
    for (const auto& native : net_natives()) refs.push_back(reinterpret_cast<intptr_t>(native.callback));
    for (const auto& native : tty_natives()) refs.push_back(reinterpret_cast<intptr_t>(native.callback));
    // The bootstrap's source strings stay external (shared bytes) in the snapshot and every isolate.
    append_script_references(refs);
    refs.push_back(0);
    return refs;
  }();
  return table.data();
}

}  // namespace se::runtime::js
