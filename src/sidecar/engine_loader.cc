#include "sidecar/engine_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>

#include "runtime/js/engine_module.h"

namespace se::sidecar {
namespace {

constexpr std::string_view kUnavailable = "JavaScript runtime unavailable: ";

Error unavailable(std::string detail) {
  return Error{ELIBACC, std::string(kUnavailable) + detail};
}

std::string last_dl_error() {
  const char* message = dlerror();
  return message != nullptr ? message : "unknown dynamic loader error";
}

// The module is never unloaded: V8 cannot be torn down and started again in one process.
ErrorOr<std::unique_ptr<runtime::js::JsEngine>> open_engine(const std::string& module_path) {
  void* module = dlopen(module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (module == nullptr) return fail(unavailable(last_dl_error()));
  void* factory = dlsym(module, runtime::js::kEngineFactorySymbol);
  if (factory == nullptr) {
    return fail(
        unavailable(module_path + " was built from another version of the engine interface: " + last_dl_error()));
  }
  // Isolates are warmed for the heap limits VMs ask for (CreateVm), not before: a sidecar that
  // runs no JavaScript spends no CPU or memory on them.
  const runtime::js::EngineOptions options{.default_heap_limit_mib = std::nullopt};
  return std::unique_ptr<runtime::js::JsEngine>(reinterpret_cast<runtime::js::EngineFactory>(factory)(options));
}

}  // namespace

ErrorOr<std::string> engine_module_path() {
  std::array<char, 4096> buffer{};
  const ssize_t length = readlink("/proc/self/exe", buffer.data(), buffer.size());
  if (length < 0) {
    return fail(unavailable(std::string("cannot locate the sidecar executable: ") + std::strerror(errno)));
  }
  if (static_cast<size_t>(length) == buffer.size()) {
    return fail(
        unavailable("the sidecar executable's path is longer than " + std::to_string(buffer.size()) + " bytes"));
  }
  std::string path(buffer.data(), static_cast<size_t>(length));
  path.resize(path.rfind('/') + 1);
  return path + runtime::js::kEngineModuleFile;
}

EngineLoader::EngineLoader(ErrorOr<std::string> module_path)
    : thread_([this, path = std::move(module_path)]() mutable { load(std::move(path)); }) {}

EngineLoader::~EngineLoader() {
  thread_.join();
}

void EngineLoader::load(ErrorOr<std::string> module_path) {
  ErrorOr<std::unique_ptr<runtime::js::JsEngine>> opened =
      module_path ? open_engine(*module_path) : Unexpected(module_path.error());
  {
    std::lock_guard lock(mutex_);
    if (opened) {
      engine_ = std::move(*opened);
      for (size_t limit : pending_prewarm_) engine_->prewarm(limit);
    } else {
      failure_ = opened.error();
    }
    pending_prewarm_.clear();
    finished_ = true;
  }
  loaded_.notify_all();
}

ErrorOr<runtime::js::JsEngine*> EngineLoader::engine() {
  std::unique_lock lock(mutex_);
  loaded_.wait(lock, [&] { return finished_; });
  if (failure_) return Unexpected(*failure_);
  return engine_.get();
}

void EngineLoader::prewarm(size_t heap_limit_mib) {
  std::lock_guard lock(mutex_);
  if (finished_) {
    if (engine_) engine_->prewarm(heap_limit_mib);
    return;
  }
  std::erase(pending_prewarm_, heap_limit_mib);
  pending_prewarm_.push_back(heap_limit_mib);
  const size_t keep = runtime::js::EngineOptions{}.max_warm_heap_limits;
  if (pending_prewarm_.size() > keep) pending_prewarm_.erase(pending_prewarm_.begin());
}

}  // namespace se::sidecar
