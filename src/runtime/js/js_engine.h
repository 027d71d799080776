// Starts JavaScript guest processes. Keeps a pool of guest threads whose isolates are already
// restored from the startup snapshot (one pool per heap limit in use), refilled by a background
// thread at idle CPU priority, so starting a process hands work to a ready isolate instead of
// creating one, and refilling does not compete with running guests.
// Thread-safety: all methods may be called from any thread. Processes outlive the engine.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/error.h"
#include "runtime/js/guest_host.h"
#include "runtime/js/js_process.h"

namespace se::runtime::js {

struct ProcessControl;

struct EngineOptions {
  // Ready isolates kept per heap limit.
  size_t warm_isolates = 2;
  // Heap limits the pool keeps warm at once; the least recently started one is dropped first.
  size_t max_warm_heap_limits = 4;
  // Warmed at construction.
  size_t default_heap_limit_mib = 128;
};

class JsEngine {
 public:
  static constexpr size_t kMinHeapLimitMib = 8;
  static constexpr size_t kMaxHeapLimitMib = 16384;

  explicit JsEngine(EngineOptions options = {});
  ~JsEngine();
  JsEngine(const JsEngine&) = delete;
  JsEngine& operator=(const JsEngine&) = delete;

  // Starts a process; never waits for an isolate when the pool for its heap limit is warm.
  // EINVAL for a missing host or a heap limit outside [kMinHeapLimitMib, kMaxHeapLimitMib].
  ErrorOr<std::unique_ptr<JsProcess>> start(ProcessOptions options, std::shared_ptr<GuestHost> host);
  // Keeps isolates with this heap limit warm from now on (e.g. when a VM is created).
  void prewarm(size_t heap_limit_mib);
  // Idle pooled guest threads for a heap limit (ready or still restoring their isolate).
  size_t pooled(size_t heap_limit_mib) const;
  // Of those, the ones whose isolate is restored.
  size_t ready(size_t heap_limit_mib) const;

 private:
  struct Idle {
    std::shared_ptr<ProcessControl> control;
    std::thread thread;
  };

  void want_locked(size_t heap_limit_mib);
  void retire_locked(Idle entry);
  bool needs_refill_locked() const;
  void refill_loop();

  const EngineOptions options_;
  const bool idle_refill_;  // pooled threads restore at SCHED_IDLE
  mutable std::mutex mutex_;
  std::condition_variable refill_wake_;
  bool stopping_ = false;
  std::vector<size_t> warm_limits_;  // most recently used last
  std::map<size_t, std::deque<Idle>> idle_;
  std::vector<Idle> retiring_;  // told to shut down; joined by the refill thread
  std::thread refiller_;
};

}  // namespace se::runtime::js
