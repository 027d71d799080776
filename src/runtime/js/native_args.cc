#include "runtime/js/native_args.h"

#include <v8-context.h>
#include <v8-exception.h>
#include <v8-object.h>
#include <v8-primitive.h>

#include <cerrno>
#include <cmath>

#include "runtime/js/native_values.h"

namespace se::runtime::js {

void throw_system_error(v8::Isolate* isolate, const Error& error) {
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> exception = v8::Exception::Error(utf8_string(isolate, error.to_string())).As<v8::Object>();
  int code = error.errno_code != 0 ? error.errno_code : EIO;
  exception->Set(context, utf8_string(isolate, "code"), utf8_string(isolate, se::errno_name(code))).Check();
  exception->Set(context, utf8_string(isolate, "errno"), v8::Integer::New(isolate, -code)).Check();
  isolate->ThrowException(exception);
}

NativeArgs::NativeArgs(const v8::FunctionCallbackInfo<v8::Value>& info, const char* signature, int count)
    : info_(info), isolate_(info.GetIsolate()), signature_(signature) {
  if (info.Length() != count) reject("wrong number of arguments");
}

std::string NativeArgs::string(int index, std::string_view what) {
  if (!ok_) return {};
  if (!info_[index]->IsString()) return reject(std::string(what) + " must be a string"), std::string();
  std::string value = to_utf8(isolate_, info_[index].As<v8::String>());
  if (value.find('\0') != std::string::npos) {
    return reject(std::string(what) + " must not contain null bytes"), std::string();
  }
  return value;
}

double NativeArgs::number(int index, double min, double max) {
  if (!ok_) return 0;
  if (!info_[index]->IsNumber()) return reject("expected a number"), 0.0;
  double value = info_[index].As<v8::Number>()->Value();
  if (std::isnan(value) || value < min || value > max || std::trunc(value) != value) {
    return reject("integer out of range"), 0.0;
  }
  return value;
}

std::optional<uint64_t> NativeArgs::position(int index) {
  if (!ok_) return std::nullopt;
  if (info_[index]->IsNullOrUndefined()) return std::nullopt;
  double value = number(index, -1, kMaxSafeInteger);
  if (value < 0) return std::nullopt;
  return static_cast<uint64_t>(value);
}

bool NativeArgs::boolean(int index) {
  if (!ok_) return false;
  if (!info_[index]->IsBoolean()) return reject("expected a boolean"), false;
  return info_[index].As<v8::Boolean>()->Value();
}

std::string_view NativeArgs::data(int index, std::string& storage) {
  if (!ok_) return {};
  if (info_[index]->IsString()) {
    storage = to_utf8(isolate_, info_[index].As<v8::String>());
    return storage;
  }
  if (info_[index]->IsArrayBufferView()) return view_bytes(info_[index].As<v8::ArrayBufferView>());
  return reject("data must be a string or an ArrayBufferView"), std::string_view();
}

v8::Local<v8::Uint8Array> NativeArgs::bytes(int index) {
  if (ok_ && !info_[index]->IsUint8Array()) reject("expected a Uint8Array");
  return ok_ ? info_[index].As<v8::Uint8Array>() : v8::Local<v8::Uint8Array>();
}

void NativeArgs::reject(std::string_view why) {
  if (!ok_) return;
  ok_ = false;
  throw_type_error(isolate_, std::string(signature_) + ": " + std::string(why));
}

}  // namespace se::runtime::js
