// The contract between the sidecar and its engine module, the shared library that carries V8
// (libnode) so that the sidecar binary does not: the sidecar dlopen()s the module from the
// directory of its own executable, off its startup path, and creates the engine through the one
// exported function. Both sides are built from the same tree with the same compiler and libstdc++,
// so C++ types (JsEngine, ProcessOptions, ErrorOr) cross the boundary as they are; the version in
// the symbol name keeps a module built from a different interface from being used.
// Thread-safety: constants only.
#pragma once

#include "runtime/js/js_engine.h"

namespace se::runtime::js {

// File name of the module, next to the sidecar executable.
inline constexpr char kEngineModuleFile[] = "libsecure-exec-js.so";
// Exported by the module: a new engine, owned by the caller (delete it through JsEngine).
inline constexpr char kEngineFactorySymbol[] = "se_js_engine_create_v1";
using EngineFactory = JsEngine* (*)(const EngineOptions& options);

}  // namespace se::runtime::js
