// The natives behind the guest module system (guest/modules.js): compiling CommonJS wrappers with
// their real filename, and the ES module record operations of ModuleLoader. Each validates its
// arguments and throws a JavaScript exception rather than asserting; the record operations throw
// when the isolate has no running process (the snapshot build).
#include <v8-container.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-message.h>
#include <v8-object.h>
#include <v8-primitive.h>
#include <v8-script.h>

#include <vector>

#include "runtime/js/module_loader.h"
#include "runtime/js/native_values.h"

namespace se::runtime::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Local;
using v8::Value;

// A CommonJS wrapper takes at most Node's five parameters (exports, require, module, __filename,
// __dirname); more would be a bootstrap bug.
constexpr uint32_t kMaxWrapperParams = 8;
// Export names of one synthetic module (a builtin's or a CommonJS module's keys).
constexpr uint32_t kMaxSyntheticExports = 65536;

ModuleLoader* loader_for(const FunctionCallbackInfo<Value>& args) {
  ModuleLoader* loader = ModuleLoader::from(args.GetIsolate());
  if (loader == nullptr) {
    args.GetIsolate()->ThrowException(v8::Exception::Error(
        v8::String::NewFromUtf8Literal(args.GetIsolate(), "module natives are unavailable without a process")));
  }
  return loader;
}

bool is_id(Local<Value> value) {
  return value->IsInt32() && value.As<v8::Int32>()->Value() >= 0;
}

int id_of(Local<Value> value) {
  return value.As<v8::Int32>()->Value();
}

// Strings of a JS array, or false (with a TypeError thrown) when it is not one.
bool string_list(v8::Isolate* isolate, Local<v8::Context> context, Local<Value> value, uint32_t limit,
                 std::vector<Local<v8::String>>& out) {
  if (!value->IsArray() || value.As<v8::Array>()->Length() > limit) {
    throw_type_error(isolate, "expected an array of strings within the limit");
    return false;
  }
  Local<v8::Array> array = value.As<v8::Array>();
  for (uint32_t i = 0; i < array->Length(); ++i) {
    Local<Value> item;
    if (!array->Get(context, i).ToLocal(&item)) return false;
    if (!item->IsString()) {
      throw_type_error(isolate, "expected an array of strings");
      return false;
    }
    out.push_back(item.As<v8::String>());
  }
  return true;
}

}  // namespace

void native_compile_function(const FunctionCallbackInfo<Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  if (args.Length() != 3 || !args[0]->IsString() || !args[1]->IsString()) {
    return throw_type_error(isolate, "compileFunction(source, filename, params): expected strings and an array");
  }
  Local<v8::Context> context = isolate->GetCurrentContext();
  std::vector<Local<v8::String>> params;
  if (!string_list(isolate, context, args[2], kMaxWrapperParams, params)) return;
  v8::ScriptOrigin origin(isolate, args[1]);
  v8::ScriptCompiler::Source source(args[0].As<v8::String>(), origin);
  Local<v8::Function> fn;
  if (v8::ScriptCompiler::CompileFunction(context, &source, params.size(), params.data(), 0, nullptr).ToLocal(&fn)) {
    args.GetReturnValue().Set(fn);
  }
}

void native_module_compile(const FunctionCallbackInfo<Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  ModuleLoader* loader = loader_for(args);
  if (loader == nullptr) return;
  if (args.Length() != 2 || !args[0]->IsString() || !args[1]->IsString()) {
    return throw_type_error(isolate, "moduleCompile(source, url): expected two strings");
  }
  Local<v8::Context> context = isolate->GetCurrentContext();
  std::vector<Local<v8::String>> requests;
  int id = loader->compile(context, args[0].As<v8::String>(), args[1].As<v8::String>(), requests);
  if (id < 0) return;
  std::vector<Local<Value>> result;
  result.reserve(requests.size() + 1);
  result.push_back(v8::Integer::New(isolate, id));
  result.insert(result.end(), requests.begin(), requests.end());
  args.GetReturnValue().Set(v8::Array::New(isolate, result.data(), result.size()));
}

void native_module_synthetic(const FunctionCallbackInfo<Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  ModuleLoader* loader = loader_for(args);
  if (loader == nullptr) return;
  if (args.Length() != 3 || !args[0]->IsString() || !args[2]->IsObject()) {
    return throw_type_error(isolate, "moduleSynthetic(url, names, values): expected a string, an array, an object");
  }
  Local<v8::Context> context = isolate->GetCurrentContext();
  std::vector<Local<v8::String>> names;
  if (!string_list(isolate, context, args[1], kMaxSyntheticExports, names)) return;
  int id = loader->synthetic(context, args[0].As<v8::String>(), names, args[2].As<v8::Object>());
  if (id >= 0) args.GetReturnValue().Set(id);
}

void native_module_link(const FunctionCallbackInfo<Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  ModuleLoader* loader = loader_for(args);
  if (loader == nullptr) return;
  if (args.Length() != 3 || !is_id(args[0]) || !args[1]->IsString() || !is_id(args[2])) {
    return throw_type_error(isolate, "moduleLink(id, specifier, targetId): expected an id, a string, an id");
  }
  loader->link(isolate->GetCurrentContext(), id_of(args[0]), args[1].As<v8::String>(), id_of(args[2]));
}

void native_module_instantiate(const FunctionCallbackInfo<Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  ModuleLoader* loader = loader_for(args);
  if (loader == nullptr) return;
  if (args.Length() != 1 || !is_id(args[0])) return throw_type_error(isolate, "moduleInstantiate(id): expected an id");
  loader->instantiate(isolate->GetCurrentContext(), id_of(args[0]));
}

void native_module_evaluate(const FunctionCallbackInfo<Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  ModuleLoader* loader = loader_for(args);
  if (loader == nullptr) return;
  if (args.Length() != 1 || !is_id(args[0])) return throw_type_error(isolate, "moduleEvaluate(id): expected an id");
  Local<Value> promise;
  if (loader->evaluate(isolate->GetCurrentContext(), id_of(args[0])).ToLocal(&promise)) {
    args.GetReturnValue().Set(promise);
  }
}

void native_module_namespace(const FunctionCallbackInfo<Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  ModuleLoader* loader = loader_for(args);
  if (loader == nullptr) return;
  if (args.Length() != 1 || !is_id(args[0])) return throw_type_error(isolate, "moduleNamespace(id): expected an id");
  Local<Value> namespace_object;
  if (loader->namespace_of(isolate->GetCurrentContext(), id_of(args[0])).ToLocal(&namespace_object)) {
    args.GetReturnValue().Set(namespace_object);
  }
}

}  // namespace se::runtime::js
