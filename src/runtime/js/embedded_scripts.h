// Guest JavaScript embedded in the binary as read-only data (a generated source made by
// js/embed.mjs): the bootstrap scripts the snapshot generator evaluates, and the chunks, the large
// and rarely used builtins (stream, assert, url, ...) a guest compiles on first use.
// Every script is exposed through a static V8 external string resource, so each isolate's source
// string points at these bytes instead of holding a copy: the bootstrap's resources are external
// references of the snapshot (V8 then restores the source strings as external strings), and a
// chunk's source is made external when it is compiled.
// Thread-safety: immutable after the first call (a function-local static); callable from any
// thread, and the resources are shared by all isolates.
#pragma once

#include <v8-function-callback.h>
#include <v8-local-handle.h>
#include <v8-primitive.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace se::runtime::js {

// One script as the generated source stores it: exactly one of one_byte (ASCII) and two_byte
// (UTF-16) is set; length counts characters.
struct EmbeddedScriptBytes {
  const char* name;
  const char* one_byte;
  const char16_t* two_byte;
  size_t length;
};

// Defined by the generated source.
std::span<const EmbeddedScriptBytes> embedded_bootstrap_bytes();
std::span<const EmbeddedScriptBytes> embedded_chunk_bytes();

class EmbeddedScript {
 public:
  // The resources live as long as the process (the table is never destroyed: isolates on other
  // threads may still use them while it exits).
  explicit EmbeddedScript(const EmbeddedScriptBytes& bytes);
  EmbeddedScript(const EmbeddedScript&) = delete;
  EmbeddedScript& operator=(const EmbeddedScript&) = delete;

  std::string_view name() const { return name_; }
  // The source as an external string over the embedded bytes (empty only if V8 cannot allocate).
  v8::MaybeLocal<v8::String> source(v8::Isolate* isolate) const;
  // What V8 stores as the string's resource (the snapshot's external reference).
  intptr_t resource_address() const;

 private:
  std::string_view name_;
  v8::String::ExternalOneByteStringResource* one_byte_ = nullptr;
  v8::String::ExternalStringResource* two_byte_ = nullptr;
};

// The bootstrap scripts in evaluation order.
std::span<const EmbeddedScript* const> bootstrap_scripts();
// The chunks, and the one with this name (nullptr if none).
std::span<const EmbeddedScript* const> chunk_scripts();
const EmbeddedScript* find_chunk(std::string_view name);
// The script name a chunk's code is reported under (stack traces), e.g. se:guest/chunk-url.js.
std::string chunk_origin(std::string_view name);
// The bootstrap scripts' resource addresses, for the snapshot's external-reference table.
void append_script_references(std::vector<intptr_t>& references);

// native.compileChunk(name): compiles the named chunk as `function (internal)` and returns it,
// from its build-time code cache (embedded_snapshot.h) when V8 accepts that. Only names in the
// binary's table are accepted; guests never reach this native.
void native_compile_chunk(const v8::FunctionCallbackInfo<v8::Value>& args);

}  // namespace se::runtime::js
