// Conversions and exceptions every family of natives needs (native_bindings.cc, kernel_natives.cc,
// process_natives.cc, crypto_natives.cc, module_natives.cc): JS strings <-> UTF-8, byte views,
// fresh Uint8Arrays, and throwing Error / TypeError into the calling isolate.
// Thread-safety: call on the isolate's thread, inside a HandleScope.
#pragma once

#include <v8-isolate.h>
#include <v8-local-handle.h>
#include <v8-primitive.h>
#include <v8-typed-array.h>

#include <string>
#include <string_view>

namespace se::runtime::js {

v8::Local<v8::String> utf8_string(v8::Isolate* isolate, std::string_view text);
// UTF-8 bytes of a JS string; lone surrogates become U+FFFD (WHATWG encode semantics).
std::string to_utf8(v8::Isolate* isolate, v8::Local<v8::String> text);
// The bytes a view covers (valid while the view's buffer is neither detached nor resized).
std::string_view view_bytes(v8::Local<v8::ArrayBufferView> view);
// A new Uint8Array holding a copy of `bytes`.
v8::Local<v8::Uint8Array> new_bytes(v8::Isolate* isolate, std::string_view bytes);
void throw_error(v8::Isolate* isolate, std::string_view message);
void throw_type_error(v8::Isolate* isolate, std::string_view message);

}  // namespace se::runtime::js
