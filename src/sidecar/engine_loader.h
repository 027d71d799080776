// Loads the JavaScript engine module (runtime/js/engine_module.h) on a background thread started
// at construction: the dynamic loader spends milliseconds of CPU relocating libnode (V8), even
// pre-bound (cmake/engine_prebind.cmake), and the sidecar answers Authenticate, OpenSession and
// CreateVm meanwhile. The first request that needs the engine waits for the load to finish. A
// failed load is an error value every engine() call returns; the rest of the sidecar keeps working.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "runtime/js/js_engine.h"
#include "service/service.h"

namespace se::sidecar {

class EngineLoader final : public service::JsEngineSource {
 public:
  // Starts loading the module at `module_path`; an error there becomes the load's failure.
  explicit EngineLoader(ErrorOr<std::string> module_path);
  // Waits for the load, then destroys the engine: destroy whatever runs processes on it first.
  ~EngineLoader() override;
  EngineLoader(const EngineLoader&) = delete;
  EngineLoader& operator=(const EngineLoader&) = delete;

  ErrorOr<runtime::js::JsEngine*> engine() override;
  void prewarm(size_t heap_limit_mib) override;

 private:
  void load(ErrorOr<std::string> module_path);

  std::mutex mutex_;
  std::condition_variable loaded_;
  bool finished_ = false;
  std::unique_ptr<runtime::js::JsEngine> engine_;
  std::optional<Error> failure_;
  // Heap limits asked to be warm before the engine existed, most recent last; as bounded as the
  // engine's own set of warm heap limits.
  std::vector<size_t> pending_prewarm_;
  std::thread thread_;
};

// The engine module's path: next to the running executable (/proc/self/exe).
ErrorOr<std::string> engine_module_path();

}  // namespace se::sidecar
