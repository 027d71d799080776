// Starts JavaScript guest processes. An interface, so that the sidecar can load V8 (libnode) off
// its startup path: create_js_engine is defined where V8 is linked (se_runtime_js, which the
// engine module libsecure-exec-js.so carries, see engine_module.h).
// The engine keeps a pool of guest threads whose isolates are already restored from the startup
// snapshot (one pool per heap limit in use), refilled by a background thread at idle CPU
// priority, so starting a process hands work to a ready isolate instead of creating one, and
// refilling does not compete with running guests.
// Thread-safety: all methods may be called from any thread. Processes outlive the engine.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "base/error.h"
#include "runtime/js/guest_host.h"
#include "runtime/js/js_process.h"

namespace se::runtime::js {

struct EngineOptions {
  // Ready isolates kept per heap limit.
  size_t warm_isolates = 2;
  // Heap limits the pool keeps warm at once; the least recently started one is dropped first.
  size_t max_warm_heap_limits = 4;
  // Warmed from construction on; none: nothing is warm until prewarm() or start() asks for it.
  std::optional<size_t> default_heap_limit_mib = 128;
};

class JsEngine {
 public:
  static constexpr size_t kMinHeapLimitMib = 8;
  static constexpr size_t kMaxHeapLimitMib = 16384;

  virtual ~JsEngine() = default;
  JsEngine(const JsEngine&) = delete;
  JsEngine& operator=(const JsEngine&) = delete;

  // Starts a process; never waits for an isolate when the pool for its heap limit is warm.
  // EINVAL for a missing host or a heap limit outside [kMinHeapLimitMib, kMaxHeapLimitMib].
  virtual ErrorOr<std::unique_ptr<JsProcess>> start(ProcessOptions options, std::shared_ptr<GuestHost> host) = 0;
  // Keeps isolates with this heap limit warm from now on (e.g. when a VM is created).
  virtual void prewarm(size_t heap_limit_mib) = 0;
  // Idle pooled guest threads for a heap limit (ready or still restoring their isolate).
  virtual size_t pooled(size_t heap_limit_mib) const = 0;
  // Of those, the ones whose isolate is restored.
  virtual size_t ready(size_t heap_limit_mib) const = 0;

 protected:
  JsEngine() = default;
};

// The V8 engine. Initialises V8 on first use (once per process) and starts warming the pool of
// options.default_heap_limit_mib, if any.
std::unique_ptr<JsEngine> create_js_engine(EngineOptions options = {});

}  // namespace se::runtime::js
