// The entry point of the engine module (engine_module.h): the only symbol it exports.
#include "runtime/js/engine_module.h"

#include <type_traits>

extern "C" __attribute__((visibility("default"))) se::runtime::js::JsEngine* se_js_engine_create_v1(
    const se::runtime::js::EngineOptions& options) {
  return se::runtime::js::create_js_engine(options).release();
}

static_assert(std::is_same_v<decltype(&se_js_engine_create_v1), se::runtime::js::EngineFactory>,
              "the exported factory must have the type the sidecar calls it through");
