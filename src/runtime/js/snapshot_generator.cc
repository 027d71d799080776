// Build-time tool: evaluates the guest bootstrap scripts in a fresh context and writes the
// resulting V8 startup snapshot as a C++ source that defines se::runtime::js::embedded_snapshot().
//   usage: se_js_snapshot_generator OUTPUT.cc
// The scripts are the ones embedded in this binary (embedded_scripts.h), in their order, so their
// source strings are the runtime's own external strings. Each is compiled as the body of
// `function (native, internal)`: `native` holds the native functions, `internal` (a
// null-prototype object) is how scripts share definitions. The last script must leave the
// host-entry object in `internal.host`; it is stored as snapshot data.
// The output also holds a V8 code cache per chunk (compiled eagerly in a plain isolate), so a
// guest's first require of a chunk deserializes its bytecode instead of compiling it.
#include <v8-array-buffer.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-initialization.h>
#include <v8-isolate.h>
#include <v8-local-handle.h>
#include <v8-message.h>
#include <v8-microtask-queue.h>
#include <v8-object.h>
#include <v8-primitive.h>
#include <v8-script.h>
#include <v8-snapshot.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/js/embedded_scripts.h"
#include "runtime/js/embedded_snapshot.h"
#include "runtime/js/native_bindings.h"
#include "runtime/js/v8_platform.h"

namespace se::runtime::js {
namespace {

// Bootstrap scripts a typical guest uses little of at start (the npm polyfills, crypto, os,
// child_process) compile lazily: only their functions that ran while the snapshot was built carry
// bytecode into it (and so into every isolate); the rest compiles on first call. Every other
// script (the start path, console, process, timers, modules, fs) is compiled eagerly, so starting
// a process and printing compile nothing (polyfills/index.js runs its hot paths at build time).
// Measured: all eager 967 KiB snapshot and 1.9 MiB per idle process; this split 824 KiB / 1.6 MiB;
// all lazy 637 KiB / 1.4 MiB, but then a start compiles ~30 KB of source before its first output.
bool compiles_lazily(std::string_view script) {
  for (std::string_view lazy : {"polyfills.js", "crypto.js", "os.js", "child_process.js"}) {
    if (script == lazy) return true;
  }
  return false;
}

v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal, static_cast<int>(text.size()))
      .ToLocalChecked();
}

void report(v8::Isolate* isolate, const v8::TryCatch& try_catch, const std::string& script) {
  v8::String::Utf8Value text(isolate, try_catch.Exception());
  std::cerr << "snapshot generator: " << script << ": " << (*text ? *text : "<exception>");
  v8::Local<v8::Message> message = try_catch.Message();
  if (!message.IsEmpty()) {
    std::cerr << " (line " << message->GetLineNumber(isolate->GetCurrentContext()).FromMaybe(0) << ")";
  }
  std::cerr << "\n";
}

bool run_scripts(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object>& host) {
  v8::Local<v8::Object> natives = create_native_object(isolate, context);
  v8::Local<v8::Object> internal = v8::Object::New(isolate, v8::Null(isolate), nullptr, nullptr, 0);
  v8::Local<v8::String> params[] = {v8_string(isolate, "native"), v8_string(isolate, "internal")};
  for (const EmbeddedScript* script : bootstrap_scripts()) {
    std::string name = "se:guest/" + std::string(script->name());
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::String> body;
    if (!script->source(isolate).ToLocal(&body)) {
      report(isolate, try_catch, name);
      return false;
    }
    v8::ScriptOrigin origin(isolate, v8_string(isolate, name));
    v8::ScriptCompiler::Source source(body, origin);
    v8::Local<v8::Function> fn;
    auto options =
        compiles_lazily(script->name()) ? v8::ScriptCompiler::kNoCompileOptions : v8::ScriptCompiler::kEagerCompile;
    if (!v8::ScriptCompiler::CompileFunction(context, &source, 2, params, 0, nullptr, options).ToLocal(&fn)) {
      report(isolate, try_catch, name);
      return false;
    }
    v8::Local<v8::Value> args[] = {natives, internal};
    if (fn->Call(context, v8::Undefined(isolate), 2, args).IsEmpty()) {
      report(isolate, try_catch, name);
      return false;
    }
    isolate->PerformMicrotaskCheckpoint();
  }
  v8::Local<v8::Value> entry;
  if (!internal->Get(context, v8_string(isolate, "host")).ToLocal(&entry) || !entry->IsObject()) {
    std::cerr << "snapshot generator: the bootstrap did not define internal.host\n";
    return false;
  }
  host = entry.As<v8::Object>();
  return true;
}

// `text` += a C++ string literal of `bytes`. Three-digit octal escapes never merge with the
// following character.
void append_literal(std::string& text, const uint8_t* bytes, size_t size) {
  static const char kDigits[] = "01234567";
  text += "    \"";
  for (size_t i = 0; i < size; ++i) {
    if (i > 0 && i % 64 == 0) text += "\"\n    \"";
    text += '\\';
    text += kDigits[(bytes[i] >> 6) & 7];
    text += kDigits[(bytes[i] >> 3) & 7];
    text += kDigits[bytes[i] & 7];
  }
  text += "\"";
}

struct ChunkCache {
  std::string name;
  std::vector<uint8_t> bytes;
};

bool write_source(const std::string& output, const v8::StartupData& blob, const std::vector<ChunkCache>& caches) {
  std::string text;
  text.reserve(static_cast<size_t>(blob.raw_size) * 4 + 1024);
  text += "// Generated by se_js_snapshot_generator; do not edit.\n#include \"runtime/js/embedded_snapshot.h\"\n\n";
  text += "namespace se::runtime::js {\nnamespace {\n\nalignas(16) constexpr char kSnapshot[] =\n";
  append_literal(text, reinterpret_cast<const uint8_t*>(blob.data), static_cast<size_t>(blob.raw_size));
  text += ";\n\n";
  for (size_t i = 0; i < caches.size(); ++i) {
    text += "alignas(16) constexpr char kCache" + std::to_string(i) + "[] =\n";
    append_literal(text, caches[i].bytes.data(), caches[i].bytes.size());
    text += ";\n\n";
  }
  text += "}  // namespace\n\nstd::span<const char> embedded_snapshot() { return {kSnapshot, ";
  text += std::to_string(blob.raw_size);
  text += "}; }\n\nstd::span<const uint8_t> chunk_code_cache(std::string_view name) {\n";
  for (size_t i = 0; i < caches.size(); ++i) {
    text += "  if (name == \"" + caches[i].name + "\") return {reinterpret_cast<const uint8_t*>(kCache" +
            std::to_string(i) + "), " + std::to_string(caches[i].bytes.size()) + "};\n";
  }
  text += "  return {};\n}\n\n}  // namespace se::runtime::js\n";
  std::string temporary = output + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return false;
  }
  std::error_code error;
  std::filesystem::rename(temporary, output, error);
  return !error;
}

// Compiles every chunk eagerly, as native_compile_chunk does, in a fresh isolate (same V8 flags as
// the runtime, so the caches are accepted there) and keeps each one's code cache.
bool make_chunk_caches(std::vector<ChunkCache>& caches) {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator.get();
  v8::Isolate* isolate = v8::Isolate::New(params);
  bool ok = true;
  {
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    v8::Context::Scope context_scope(context);
    for (const EmbeddedScript* chunk : chunk_scripts()) {
      std::string name = chunk_origin(chunk->name());
      v8::TryCatch try_catch(isolate);
      v8::Local<v8::String> body;
      v8::Local<v8::Function> fn;
      v8::ScriptOrigin origin(isolate, v8_string(isolate, name));
      v8::Local<v8::String> params_names[] = {v8_string(isolate, "internal")};
      if (!chunk->source(isolate).ToLocal(&body)) {
        report(isolate, try_catch, name);
        ok = false;
        break;
      }
      v8::ScriptCompiler::Source source(body, origin);
      if (!v8::ScriptCompiler::CompileFunction(context, &source, 1, params_names, 0, nullptr,
                                               v8::ScriptCompiler::kEagerCompile)
               .ToLocal(&fn)) {
        report(isolate, try_catch, name);
        ok = false;
        break;
      }
      std::unique_ptr<v8::ScriptCompiler::CachedData> cache(v8::ScriptCompiler::CreateCodeCacheForFunction(fn));
      if (cache == nullptr || cache->length <= 0) {
        std::cerr << "snapshot generator: V8 made no code cache for " << name << "\n";
        ok = false;
        break;
      }
      caches.push_back(
          ChunkCache{std::string(chunk->name()), std::vector<uint8_t>(cache->data, cache->data + cache->length)});
    }
  }
  isolate->Dispose();
  return ok;
}

int generate(const std::string& output) {
  ensure_v8_initialized();
  v8::SnapshotCreator creator(external_references());
  v8::Isolate* isolate = creator.GetIsolate();
  isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  {
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    v8::Local<v8::Object> host;
    {
      v8::Context::Scope context_scope(context);
      if (!run_scripts(isolate, context, host)) return 1;
    }
    if (creator.AddData(context, host) != kHostEntrySnapshotIndex) {
      std::cerr << "snapshot generator: unexpected snapshot data index\n";
      return 1;
    }
    creator.SetDefaultContext(context);
  }
  v8::StartupData blob = creator.CreateBlob(v8::SnapshotCreator::FunctionCodeHandling::kKeep);
  if (blob.data == nullptr) {
    std::cerr << "snapshot generator: V8 could not create the snapshot\n";
    return 1;
  }
  std::vector<ChunkCache> caches;
  bool written = make_chunk_caches(caches) && write_source(output, blob, caches);
  delete[] blob.data;
  if (!written) {
    std::cerr << "snapshot generator: cannot write " << output << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

// This tool makes the code caches, so it has none to consume (the runtime's definition is in the
// generated source).
std::span<const uint8_t> chunk_code_cache(std::string_view) {
  return {};
}

}  // namespace se::runtime::js

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: se_js_snapshot_generator OUTPUT.cc\n";
    return 2;
  }
  return se::runtime::js::generate(argv[1]);
}
