// The ES module records of one guest process (one isolate): source-text modules compiled from
// files, synthetic modules wrapping CommonJS and builtin exports, the links between them, and the
// V8 host callbacks (static-import resolution, dynamic import(), import.meta). Resolution and
// loading policy live in the bootstrap (guest/modules.js); it drives this table through the module
// natives (module_natives.cc) with integer record ids, which never reach guest code.
// Thread-safety: confined to the guest process's thread; the loader lives in the isolate's
// kModuleLoaderSlot while the process runs.
#pragma once

#include <v8-context.h>
#include <v8-function-callback.h>
#include <v8-isolate.h>
#include <v8-local-handle.h>
#include <v8-persistent-handle.h>
#include <v8-script.h>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace se::runtime::js {

// The isolate data slot holding the running process's ModuleLoader*.
inline constexpr uint32_t kModuleLoaderSlot = 1;

class ModuleLoader {
 public:
  // A process that imports more distinct modules than this fails the next import with an error
  // naming the limit; the records live as long as the process.
  static constexpr size_t kMaxModules = 65536;

  // Installs the host callbacks and stores itself in the isolate; `host_entry` is the bootstrap's
  // host-entry object, whose importDynamic(specifier, referrerName) serves import().
  ModuleLoader(v8::Isolate* isolate, v8::Local<v8::Object> host_entry);
  ~ModuleLoader();
  ModuleLoader(const ModuleLoader&) = delete;
  ModuleLoader& operator=(const ModuleLoader&) = delete;

  // The loader of the process running on `isolate`, or nullptr (e.g. while building the snapshot).
  static ModuleLoader* from(v8::Isolate* isolate);

  // Each of these throws a JavaScript exception and returns an empty/negative result on failure.
  // Compiles module source named `url`; returns its id and fills `requests` with its static import
  // specifiers in source order.
  int compile(v8::Local<v8::Context> context, v8::Local<v8::String> source, v8::Local<v8::String> url,
              std::vector<v8::Local<v8::String>>& requests);
  // A module exporting `names`, each taken from the same-named property of `values` when evaluated.
  int synthetic(v8::Local<v8::Context> context, v8::Local<v8::String> url,
                const std::vector<v8::Local<v8::String>>& names, v8::Local<v8::Object> values);
  // Records that `specifier` imported by record `id` is record `target`.
  bool link(v8::Local<v8::Context> context, int id, v8::Local<v8::String> specifier, int target);
  bool instantiate(v8::Local<v8::Context> context, int id);
  // The evaluation promise (settled unless the graph uses top-level await).
  v8::MaybeLocal<v8::Value> evaluate(v8::Local<v8::Context> context, int id);
  v8::MaybeLocal<v8::Value> namespace_of(v8::Local<v8::Context> context, int id);

 private:
  struct Record {
    v8::Global<v8::Module> module;
    std::string url;
    v8::Global<v8::Object> synthetic_values;  // synthetic modules only
    std::vector<v8::Global<v8::String>> synthetic_names;
    std::map<std::string, int> links;  // specifier -> record id
  };

  static v8::MaybeLocal<v8::Module> resolve_static(v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
                                                   v8::Local<v8::FixedArray> import_assertions,
                                                   v8::Local<v8::Module> referrer);
  static v8::MaybeLocal<v8::Value> evaluate_synthetic(v8::Local<v8::Context> context, v8::Local<v8::Module> module);
  static v8::MaybeLocal<v8::Promise> import_dynamic(v8::Local<v8::Context> context, v8::Local<v8::Data> options,
                                                    v8::Local<v8::Value> resource_name, v8::Local<v8::String> specifier,
                                                    v8::Local<v8::FixedArray> import_assertions);
  static void init_import_meta(v8::Local<v8::Context> context, v8::Local<v8::Module> module,
                               v8::Local<v8::Object> meta);

  Record* find(v8::Local<v8::Module> module);
  Record* record(int id);
  bool has_room();
  int add(v8::Local<v8::Module> module, std::string url);

  v8::Isolate* isolate_;
  v8::Global<v8::Object> host_entry_;
  std::vector<Record> records_;
  std::unordered_multimap<int, int> by_hash_;  // Module::GetIdentityHash -> record id
};

// The module natives (module_natives.cc), rows of native_bindings.cc's table:
//   compileFunction(source, filename, params) -> a function named after `filename` in stack traces
//   moduleCompile(source, url) -> [id, ...static import specifiers]
//   moduleSynthetic(url, exportNames, values) -> id
//   moduleLink(id, specifier, targetId), moduleInstantiate(id)
//   moduleEvaluate(id) -> promise, moduleNamespace(id) -> namespace object
void native_compile_function(const v8::FunctionCallbackInfo<v8::Value>& args);
void native_module_compile(const v8::FunctionCallbackInfo<v8::Value>& args);
void native_module_synthetic(const v8::FunctionCallbackInfo<v8::Value>& args);
void native_module_link(const v8::FunctionCallbackInfo<v8::Value>& args);
void native_module_instantiate(const v8::FunctionCallbackInfo<v8::Value>& args);
void native_module_evaluate(const v8::FunctionCallbackInfo<v8::Value>& args);
void native_module_namespace(const v8::FunctionCallbackInfo<v8::Value>& args);

}  // namespace se::runtime::js
