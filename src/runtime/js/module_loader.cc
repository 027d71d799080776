#include "runtime/js/module_loader.h"

#include <v8-exception.h>
#include <v8-function.h>
#include <v8-message.h>
#include <v8-primitive.h>
#include <v8-promise.h>

#include <utility>

namespace se::runtime::js {
namespace {

v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal, static_cast<int>(text.size()))
      .ToLocalChecked();
}

std::string to_utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value utf8(isolate, value);
  return *utf8 == nullptr ? std::string() : std::string(*utf8, static_cast<size_t>(utf8.length()));
}

void throw_error(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::Error(v8_string(isolate, message)));
}

}  // namespace

ModuleLoader::ModuleLoader(v8::Isolate* isolate, v8::Local<v8::Object> host_entry)
    : isolate_(isolate), host_entry_(isolate, host_entry) {
  isolate_->SetData(kModuleLoaderSlot, this);
  isolate_->SetHostImportModuleDynamicallyCallback(import_dynamic);
  isolate_->SetHostInitializeImportMetaObjectCallback(init_import_meta);
}

ModuleLoader::~ModuleLoader() {
  isolate_->SetData(kModuleLoaderSlot, nullptr);
}

ModuleLoader* ModuleLoader::from(v8::Isolate* isolate) {
  return static_cast<ModuleLoader*>(isolate->GetData(kModuleLoaderSlot));
}

ModuleLoader::Record* ModuleLoader::find(v8::Local<v8::Module> module) {
  auto [begin, end] = by_hash_.equal_range(module->GetIdentityHash());
  for (auto it = begin; it != end; ++it) {
    Record& candidate = records_[static_cast<size_t>(it->second)];
    if (candidate.module.Get(isolate_) == module) return &candidate;
  }
  return nullptr;
}

ModuleLoader::Record* ModuleLoader::record(int id) {
  if (id < 0 || static_cast<size_t>(id) >= records_.size()) {
    throw_error(isolate_, "module loader: unknown module record " + std::to_string(id));
    return nullptr;
  }
  return &records_[static_cast<size_t>(id)];
}

bool ModuleLoader::has_room() {
  if (records_.size() < kMaxModules) return true;
  throw_error(isolate_, "module loader: a process may load at most " + std::to_string(kMaxModules) +
                            " ES modules (ModuleLoader::kMaxModules)");
  return false;
}

int ModuleLoader::add(v8::Local<v8::Module> module, std::string url) {
  int id = static_cast<int>(records_.size());
  Record& added = records_.emplace_back();
  added.module.Reset(isolate_, module);
  added.url = std::move(url);
  by_hash_.emplace(module->GetIdentityHash(), id);
  return id;
}

int ModuleLoader::compile(v8::Local<v8::Context> context, v8::Local<v8::String> source, v8::Local<v8::String> url,
                          std::vector<v8::Local<v8::String>>& requests) {
  if (!has_room()) return -1;
  v8::ScriptOrigin origin(isolate_, url, 0, 0, false, -1, v8::Local<v8::Value>(), false, false, true);
  v8::ScriptCompiler::Source compile_source(source, origin);
  v8::Local<v8::Module> module;
  if (!v8::ScriptCompiler::CompileModule(isolate_, &compile_source).ToLocal(&module)) return -1;
  v8::Local<v8::FixedArray> module_requests = module->GetModuleRequests();
  for (int i = 0; i < module_requests->Length(); ++i) {
    v8::Local<v8::Data> entry = module_requests->Get(context, i);
    requests.push_back(entry.As<v8::ModuleRequest>()->GetSpecifier());
  }
  return add(module, to_utf8(isolate_, url));
}

int ModuleLoader::synthetic(v8::Local<v8::Context>, v8::Local<v8::String> url,
                            const std::vector<v8::Local<v8::String>>& names, v8::Local<v8::Object> values) {
  if (!has_room()) return -1;
  v8::Local<v8::Module> module = v8::Module::CreateSyntheticModule(isolate_, url, names, evaluate_synthetic);
  int id = add(module, to_utf8(isolate_, url));
  Record& added = records_[static_cast<size_t>(id)];
  added.synthetic_values.Reset(isolate_, values);
  for (const auto& name : names) added.synthetic_names.emplace_back(isolate_, name);
  return id;
}

bool ModuleLoader::link(v8::Local<v8::Context>, int id, v8::Local<v8::String> specifier, int target) {
  Record* from = record(id);
  if (from == nullptr || record(target) == nullptr) return false;
  from->links[to_utf8(isolate_, specifier)] = target;
  return true;
}

bool ModuleLoader::instantiate(v8::Local<v8::Context> context, int id) {
  Record* entry = record(id);
  if (entry == nullptr) return false;
  return entry->module.Get(isolate_)->InstantiateModule(context, resolve_static).FromMaybe(false);
}

v8::MaybeLocal<v8::Value> ModuleLoader::evaluate(v8::Local<v8::Context> context, int id) {
  Record* entry = record(id);
  if (entry == nullptr) return {};
  return entry->module.Get(isolate_)->Evaluate(context);
}

v8::MaybeLocal<v8::Value> ModuleLoader::namespace_of(v8::Local<v8::Context>, int id) {
  Record* entry = record(id);
  if (entry == nullptr) return {};
  v8::Local<v8::Module> module = entry->module.Get(isolate_);
  if (module->GetStatus() < v8::Module::kInstantiated) {
    throw_error(isolate_, "module loader: " + entry->url + " is not instantiated");
    return {};
  }
  return module->GetModuleNamespace();
}

// Every specifier of a module was resolved and linked by the bootstrap before instantiation, so
// this is a lookup; a miss means the bootstrap skipped one and is reported, not guessed.
v8::MaybeLocal<v8::Module> ModuleLoader::resolve_static(v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
                                                        v8::Local<v8::FixedArray>, v8::Local<v8::Module> referrer) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleLoader* loader = from(isolate);
  if (loader == nullptr) {
    throw_error(isolate, "module loading is unavailable");
    return {};
  }
  Record* from_record = loader->find(referrer);
  std::string name = to_utf8(isolate, specifier);
  if (from_record == nullptr || !from_record->links.contains(name)) {
    throw_error(isolate, "module loader: '" + name + "' was not linked");
    return {};
  }
  return loader->records_[static_cast<size_t>(from_record->links[name])].module.Get(isolate);
}

v8::MaybeLocal<v8::Value> ModuleLoader::evaluate_synthetic(v8::Local<v8::Context> context,
                                                           v8::Local<v8::Module> module) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleLoader* loader = from(isolate);
  Record* entry = loader == nullptr ? nullptr : loader->find(module);
  if (entry == nullptr) {
    throw_error(isolate, "module loader: unknown synthetic module");
    return {};
  }
  v8::Local<v8::Object> values = entry->synthetic_values.Get(isolate);
  for (const auto& stored : entry->synthetic_names) {
    v8::Local<v8::String> name = stored.Get(isolate);
    v8::Local<v8::Value> value;
    if (!values->Get(context, name).ToLocal(&value) ||
        module->SetSyntheticModuleExport(isolate, name, value).IsNothing()) {
      return {};
    }
  }
  v8::Local<v8::Promise::Resolver> done;
  if (!v8::Promise::Resolver::New(context).ToLocal(&done) ||
      done->Resolve(context, v8::Undefined(isolate)).IsNothing()) {
    return {};
  }
  return done->GetPromise();
}

// import() hands the work to the bootstrap's async importDynamic, whose promise is the result.
v8::MaybeLocal<v8::Promise> ModuleLoader::import_dynamic(v8::Local<v8::Context> context, v8::Local<v8::Data>,
                                                         v8::Local<v8::Value> resource_name,
                                                         v8::Local<v8::String> specifier, v8::Local<v8::FixedArray>) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleLoader* loader = from(isolate);
  if (loader == nullptr) {
    throw_error(isolate, "module loading is unavailable");
    return {};
  }
  v8::Local<v8::Value> handler;
  if (!loader->host_entry_.Get(isolate)->Get(context, v8_string(isolate, "importDynamic")).ToLocal(&handler) ||
      !handler->IsFunction()) {
    throw_error(isolate, "module loader: the bootstrap has no importDynamic");
    return {};
  }
  v8::Local<v8::Value> referrer = resource_name.IsEmpty() ? v8::Undefined(isolate).As<v8::Value>() : resource_name;
  v8::Local<v8::Value> argv[] = {specifier, referrer};
  v8::Local<v8::Value> result;
  if (!handler.As<v8::Function>()->Call(context, v8::Undefined(isolate), 2, argv).ToLocal(&result)) return {};
  if (!result->IsPromise()) {
    throw_error(isolate, "module loader: importDynamic did not return a promise");
    return {};
  }
  return result.As<v8::Promise>();
}

void ModuleLoader::init_import_meta(v8::Local<v8::Context> context, v8::Local<v8::Module> module,
                                    v8::Local<v8::Object> meta) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleLoader* loader = from(isolate);
  Record* entry = loader == nullptr ? nullptr : loader->find(module);
  if (entry == nullptr) return;
  // Fails only when the isolate is terminating, and then nothing reads import.meta.
  if (meta->CreateDataProperty(context, v8_string(isolate, "url"), v8_string(isolate, entry->url)).IsNothing()) return;
}

}  // namespace se::runtime::js
