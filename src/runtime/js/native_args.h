// Argument checking for native callbacks, shared by every family of natives: NativeArgs unpacks
// one call's arguments, and the first failure throws a TypeError naming the call's signature;
// later checks then do nothing, so a callback validates everything and tests ok() once.
// throw_system_error turns a kernel failure into an Error carrying `code` ('ENOENT') and a
// negative `errno`, as Node reports them.
// Thread-safety: call on the isolate's thread, inside a HandleScope.
#pragma once

#include <v8-function-callback.h>
#include <v8-isolate.h>
#include <v8-typed-array.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace se::runtime::js {

void throw_system_error(v8::Isolate* isolate, const Error& error);

class NativeArgs {
 public:
  // `signature` prefixes every TypeError; fewer or more than `count` arguments is one.
  NativeArgs(const v8::FunctionCallbackInfo<v8::Value>& info, const char* signature, int count);

  bool ok() const { return ok_; }
  v8::Isolate* isolate() const { return isolate_; }

  // A string without NUL bytes, as UTF-8 (errors name it "path" or "argument").
  std::string path(int index) { return string(index, "path"); }
  std::string text(int index) { return string(index, "argument"); }
  // An integral number within [min, max].
  double number(int index, double min, double max);
  uint32_t u32(int index) { return static_cast<uint32_t>(number(index, 0, 4294967295.0)); }
  int fd(int index) { return static_cast<int>(number(index, 0, 2147483647.0)); }
  uint64_t u64(int index) { return static_cast<uint64_t>(number(index, 0, kMaxSafeInteger)); }
  // A number >= 0, or -1 / null / undefined for "none".
  std::optional<uint64_t> position(int index);
  bool boolean(int index);
  // A string (as UTF-8) or the bytes of an ArrayBufferView; `storage` owns converted text.
  std::string_view data(int index, std::string& storage);
  v8::Local<v8::Uint8Array> bytes(int index);

  // Integers a double carries exactly (Number.MAX_SAFE_INTEGER).
  static constexpr double kMaxSafeInteger = 9007199254740991.0;

 private:
  std::string string(int index, std::string_view what);
  void reject(std::string_view why);

  const v8::FunctionCallbackInfo<v8::Value>& info_;
  v8::Isolate* isolate_;
  const char* signature_;
  bool ok_ = true;
};

}  // namespace se::runtime::js
