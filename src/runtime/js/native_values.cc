#include "runtime/js/native_values.h"

#include <v8-array-buffer.h>
#include <v8-exception.h>

#include <cstring>

namespace se::runtime::js {

v8::Local<v8::String> utf8_string(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal, static_cast<int>(text.size()))
      .ToLocalChecked();
}

std::string to_utf8(v8::Isolate* isolate, v8::Local<v8::String> text) {
  std::string out(static_cast<size_t>(text->Utf8Length(isolate)), '\0');
  text->WriteUtf8(isolate, out.data(), static_cast<int>(out.size()), nullptr,
                  v8::String::REPLACE_INVALID_UTF8 | v8::String::NO_NULL_TERMINATION);
  return out;
}

std::string_view view_bytes(v8::Local<v8::ArrayBufferView> view) {
  auto store = view->Buffer()->GetBackingStore();
  const char* base = static_cast<const char*>(store->Data());
  if (base == nullptr) return {};
  return std::string_view(base + view->ByteOffset(), view->ByteLength());
}

v8::Local<v8::Uint8Array> new_bytes(v8::Isolate* isolate, std::string_view bytes) {
  v8::Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, bytes.size());
  if (!bytes.empty()) std::memcpy(buffer->GetBackingStore()->Data(), bytes.data(), bytes.size());
  return v8::Uint8Array::New(buffer, 0, bytes.size());
}

void throw_error(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::Error(utf8_string(isolate, message)));
}

void throw_type_error(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::TypeError(utf8_string(isolate, message)));
}

}  // namespace se::runtime::js
