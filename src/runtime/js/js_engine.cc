#include "runtime/js/js_engine.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/js/guest_thread_process.h"
#include "runtime/js/process_control.h"
#include "runtime/js/v8_platform.h"

namespace se::runtime::js {
namespace {

bool set_scheduling(std::thread& thread, int policy) {
  sched_param param{};
  return pthread_setschedparam(thread.native_handle(), policy, &param) == 0;
}

// Whether this process may move a thread from SCHED_IDLE back to SCHED_OTHER (Linux allows it
// only within RLIMIT_NICE or with CAP_SYS_NICE). Probed on a throwaway thread.
bool can_leave_idle_scheduling() {
  bool allowed = false;
  std::thread probe([&] {
    sched_param param{};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) != 0) return;
    allowed = pthread_setschedparam(pthread_self(), SCHED_OTHER, &param) == 0;
  });
  probe.join();
  return allowed;
}

class PooledJsEngine final : public JsEngine {
 public:
  explicit PooledJsEngine(EngineOptions options);
  ~PooledJsEngine() override;

  ErrorOr<std::unique_ptr<JsProcess>> start(ProcessOptions options, std::shared_ptr<GuestHost> host) override;
  void prewarm(size_t heap_limit_mib) override;
  size_t pooled(size_t heap_limit_mib) const override;
  size_t ready(size_t heap_limit_mib) const override;

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
  // Pooled threads restore at SCHED_IDLE. Written once by the refill thread before it starts any
  // pooled thread, so whoever holds one of those threads reads it safely.
  bool idle_refill_ = false;
  mutable std::mutex mutex_;
  std::condition_variable refill_wake_;
  bool stopping_ = false;
  std::vector<size_t> warm_limits_;  // most recently used last
  std::map<size_t, std::deque<Idle>> idle_;
  std::vector<Idle> retiring_;  // told to shut down; joined by the refill thread
  std::thread refiller_;
};

PooledJsEngine::PooledJsEngine(EngineOptions options) : options_(options) {
  ensure_v8_initialized();
  if (options_.default_heap_limit_mib) {
    std::lock_guard lock(mutex_);
    want_locked(*options_.default_heap_limit_mib);
  }
  refiller_ = std::thread([this] { refill_loop(); });
}

PooledJsEngine::~PooledJsEngine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  refill_wake_.notify_all();
  refiller_.join();
  std::vector<Idle> leaving;
  {
    std::lock_guard lock(mutex_);
    for (auto& [limit, threads] : idle_) {
      for (auto& entry : threads) retire_locked(std::move(entry));
    }
    idle_.clear();
    leaving.swap(retiring_);
  }
  for (auto& entry : leaving) entry.thread.join();
}

void PooledJsEngine::retire_locked(Idle entry) {
  {
    std::lock_guard lock(entry.control->mutex);
    entry.control->shutdown = true;
  }
  // A thread still restoring at SCHED_IDLE gets no CPU while anything else runs, so joining it
  // (at shutdown) could wait for as long as the machine stays busy.
  if (idle_refill_) set_scheduling(entry.thread, SCHED_OTHER);
  entry.control->wake.notify_all();
  retiring_.push_back(std::move(entry));
}

void PooledJsEngine::want_locked(size_t heap_limit_mib) {
  auto it = std::find(warm_limits_.begin(), warm_limits_.end(), heap_limit_mib);
  if (it != warm_limits_.end()) warm_limits_.erase(it);
  warm_limits_.push_back(heap_limit_mib);
  while (warm_limits_.size() > std::max<size_t>(options_.max_warm_heap_limits, 1)) {
    size_t dropped = warm_limits_.front();
    warm_limits_.erase(warm_limits_.begin());
    // Their threads leave once told; the refill loop joins them.
    auto pool = idle_.find(dropped);
    if (pool == idle_.end()) continue;
    for (auto& entry : pool->second) retire_locked(std::move(entry));
    idle_.erase(pool);
  }
}

void PooledJsEngine::prewarm(size_t heap_limit_mib) {
  {
    std::lock_guard lock(mutex_);
    want_locked(heap_limit_mib);
  }
  refill_wake_.notify_all();
}

size_t PooledJsEngine::pooled(size_t heap_limit_mib) const {
  std::lock_guard lock(mutex_);
  auto it = idle_.find(heap_limit_mib);
  return it == idle_.end() ? 0 : it->second.size();
}

size_t PooledJsEngine::ready(size_t heap_limit_mib) const {
  std::lock_guard lock(mutex_);
  auto it = idle_.find(heap_limit_mib);
  if (it == idle_.end()) return 0;
  size_t count = 0;
  for (const auto& entry : it->second) {
    std::lock_guard entry_lock(entry.control->mutex);
    if (entry.control->isolate_ready) ++count;
  }
  return count;
}

ErrorOr<std::unique_ptr<JsProcess>> PooledJsEngine::start(ProcessOptions options, std::shared_ptr<GuestHost> host) {
  if (host == nullptr) return fail(EINVAL, "a guest process needs a host");
  if (options.heap_limit_mib < kMinHeapLimitMib || options.heap_limit_mib > kMaxHeapLimitMib) {
    return fail(EINVAL, "v8 heap limit " + std::to_string(options.heap_limit_mib) + " MiB is outside [" +
                            std::to_string(kMinHeapLimitMib) + ", " + std::to_string(kMaxHeapLimitMib) + "] MiB");
  }
  std::optional<Idle> taken;
  {
    std::lock_guard lock(mutex_);
    want_locked(options.heap_limit_mib);
    auto& pool = idle_[options.heap_limit_mib];
    if (!pool.empty()) {
      taken = std::move(pool.front());
      pool.pop_front();
    }
  }
  refill_wake_.notify_all();
  if (taken && idle_refill_) set_scheduling(taken->thread, SCHED_OTHER);
  if (!taken) {
    // Cold start: the pool for this heap limit is empty (first use, or drained by a burst).
    auto control = std::make_shared<ProcessControl>();
    std::thread thread = spawn_guest_thread(control, options.heap_limit_mib);
    taken = Idle{std::move(control), std::move(thread)};
  }
  {
    std::lock_guard lock(taken->control->mutex);
    taken->control->stdin_limit_bytes = options.stdin_buffer_limit_bytes;
    taken->control->host = std::move(host);
    taken->control->options = std::move(options);
  }
  taken->control->wake.notify_all();
  return std::make_unique<GuestThreadProcess>(std::move(taken->control), std::move(taken->thread));
}

void PooledJsEngine::refill_loop() {
  // Probed here rather than in the constructor: the probe starts and joins a thread, which would
  // delay a fresh sidecar's first process.
  const bool idle_refill = can_leave_idle_scheduling();
  std::unique_lock lock(mutex_);
  idle_refill_ = idle_refill;
  for (;;) {
    if (!retiring_.empty()) {
      std::vector<Idle> leaving;
      leaving.swap(retiring_);
      lock.unlock();
      for (auto& entry : leaving) entry.thread.join();
      lock.lock();
    }
    if (stopping_) return;
    bool spawned = false;
    for (size_t limit : warm_limits_) {
      if (idle_[limit].size() >= options_.warm_isolates) continue;
      auto control = std::make_shared<ProcessControl>();
      lock.unlock();
      std::thread thread = spawn_guest_thread(control, limit);
      // Restoring ahead of time must not take CPU from running guests; start() restores the
      // normal policy when it hands the thread a process.
      if (idle_refill) set_scheduling(thread, SCHED_IDLE);
      lock.lock();
      Idle entry{std::move(control), std::move(thread)};
      // The limit may have gone cold while the lock was released.
      if (std::find(warm_limits_.begin(), warm_limits_.end(), limit) == warm_limits_.end()) {
        retire_locked(std::move(entry));
      } else {
        idle_[limit].push_back(std::move(entry));
      }
      spawned = true;
      break;  // warm_limits_ may have changed; look again
    }
    if (spawned) continue;
    refill_wake_.wait(lock, [&] { return stopping_ || !retiring_.empty() || needs_refill_locked(); });
  }
}

bool PooledJsEngine::needs_refill_locked() const {
  for (size_t limit : warm_limits_) {
    auto it = idle_.find(limit);
    if (it == idle_.end() || it->second.size() < options_.warm_isolates) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<JsEngine> create_js_engine(EngineOptions options) {
  return std::make_unique<PooledJsEngine>(options);
}

}  // namespace se::runtime::js
