#include "runtime/js/embedded_scripts.h"

#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-isolate.h>
#include <v8-script.h>

#include <string>

#include "runtime/js/embedded_snapshot.h"

namespace se::runtime::js {
namespace {

// V8 calls Dispose when a string using the resource dies; the bytes are static, so nothing to free.
class StaticOneByteResource final : public v8::String::ExternalOneByteStringResource {
 public:
  StaticOneByteResource(const char* data, size_t length) : data_(data), length_(length) {}
  const char* data() const override { return data_; }
  size_t length() const override { return length_; }
  void Dispose() override {}

 private:
  const char* data_;
  size_t length_;
};

class StaticTwoByteResource final : public v8::String::ExternalStringResource {
 public:
  StaticTwoByteResource(const char16_t* data, size_t length) : data_(data), length_(length) {}
  const uint16_t* data() const override { return reinterpret_cast<const uint16_t*>(data_); }
  size_t length() const override { return length_; }
  void Dispose() override {}

 private:
  const char16_t* data_;
  size_t length_;
};

struct Tables {
  std::vector<const EmbeddedScript*> bootstrap;
  std::vector<const EmbeddedScript*> chunks;
};

const Tables& tables() {
  // Intentionally leaked: see EmbeddedScript.
  static const Tables* const all = [] {
    auto* made = new Tables();
    for (const auto& bytes : embedded_bootstrap_bytes()) made->bootstrap.push_back(new EmbeddedScript(bytes));
    for (const auto& bytes : embedded_chunk_bytes()) made->chunks.push_back(new EmbeddedScript(bytes));
    return made;
  }();
  return *all;
}

void throw_type_error(v8::Isolate* isolate, const std::string& message) {
  isolate->ThrowException(v8::Exception::TypeError(
      v8::String::NewFromUtf8(isolate, message.data(), v8::NewStringType::kNormal, static_cast<int>(message.size()))
          .ToLocalChecked()));
}

}  // namespace

EmbeddedScript::EmbeddedScript(const EmbeddedScriptBytes& bytes) : name_(bytes.name) {
  if (bytes.one_byte != nullptr) {
    one_byte_ = new StaticOneByteResource(bytes.one_byte, bytes.length);
  } else {
    two_byte_ = new StaticTwoByteResource(bytes.two_byte, bytes.length);
  }
}

v8::MaybeLocal<v8::String> EmbeddedScript::source(v8::Isolate* isolate) const {
  if (one_byte_ != nullptr) return v8::String::NewExternalOneByte(isolate, one_byte_);
  return v8::String::NewExternalTwoByte(isolate, two_byte_);
}

intptr_t EmbeddedScript::resource_address() const {
  return one_byte_ != nullptr ? reinterpret_cast<intptr_t>(one_byte_) : reinterpret_cast<intptr_t>(two_byte_);
}

std::span<const EmbeddedScript* const> bootstrap_scripts() {
  return tables().bootstrap;
}

std::span<const EmbeddedScript* const> chunk_scripts() {
  return tables().chunks;
}

std::string chunk_origin(std::string_view name) {
  return "se:guest/chunk-" + std::string(name) + ".js";
}

const EmbeddedScript* find_chunk(std::string_view name) {
  for (const EmbeddedScript* chunk : tables().chunks) {
    if (chunk->name() == name) return chunk;
  }
  return nullptr;
}

void append_script_references(std::vector<intptr_t>& references) {
  for (const EmbeddedScript* script : tables().bootstrap) references.push_back(script->resource_address());
}

void native_compile_chunk(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1 || !args[0]->IsString()) {
    return throw_type_error(isolate, "compileChunk(name): expected a string");
  }
  v8::String::Utf8Value name(isolate, args[0]);
  const EmbeddedScript* chunk = find_chunk(std::string_view(*name, name.length()));
  if (chunk == nullptr)
    return throw_type_error(isolate, "compileChunk(name): no chunk named '" + std::string(*name) + "'");
  v8::Local<v8::String> source;
  if (!chunk->source(isolate).ToLocal(&source)) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  std::string file = chunk_origin(chunk->name());
  v8::ScriptOrigin origin(isolate, v8::String::NewFromUtf8(isolate, file.c_str()).ToLocalChecked());
  std::span<const uint8_t> cache = chunk_code_cache(chunk->name());
  // The source takes ownership of the CachedData object; the bytes stay ours (static).
  auto* cached = cache.empty() ? nullptr
                               : new v8::ScriptCompiler::CachedData(cache.data(), static_cast<int>(cache.size()),
                                                                    v8::ScriptCompiler::CachedData::BufferNotOwned);
  v8::ScriptCompiler::Source script(source, origin, cached);
  auto options = cached != nullptr ? v8::ScriptCompiler::kConsumeCodeCache : v8::ScriptCompiler::kNoCompileOptions;
  v8::Local<v8::String> params[] = {v8::String::NewFromUtf8Literal(isolate, "internal")};
  v8::Local<v8::Function> fn;
  if (v8::ScriptCompiler::CompileFunction(context, &script, 1, params, 0, nullptr, options).ToLocal(&fn)) {
    args.GetReturnValue().Set(fn);
  }
}

}  // namespace se::runtime::js
