// The process-wide V8 platform: initialised once (first caller wins, later calls are no-ops),
// never torn down. It delegates worker threads, clocks and tracing to libplatform's default
// platform but owns each isolate's foreground task queue, so a guest process's event loop can
// sleep on its own condition variable and still wake when V8 posts a task for its isolate.
// Thread-safety: every function here may be called from any thread.
#pragma once

#include <v8-platform.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace v8 {
class Isolate;
}

namespace se::runtime::js {

// Initialises V8 (flags, platform, V8::Initialize) exactly once per process.
void ensure_v8_initialized();

// Foreground tasks V8 posts for one isolate. The isolate's owning thread runs them with
// run_ready(); a wake callback tells that thread new work arrived.
class ForegroundTaskQueue final : public v8::TaskRunner {
 public:
  using Clock = std::chrono::steady_clock;

  void PostTask(std::unique_ptr<v8::Task> task) override;
  void PostDelayedTask(std::unique_ptr<v8::Task> task, double delay_in_seconds) override;
  void PostIdleTask(std::unique_ptr<v8::IdleTask> task) override;
  bool IdleTasksEnabled() override { return false; }
  // Tasks only run from the top of the event loop, never nested, so every task is non-nestable.
  void PostNonNestableTask(std::unique_ptr<v8::Task> task) override { PostTask(std::move(task)); }
  void PostNonNestableDelayedTask(std::unique_ptr<v8::Task> task, double delay_in_seconds) override {
    PostDelayedTask(std::move(task), delay_in_seconds);
  }
  bool NonNestableTasksEnabled() const override { return true; }
  bool NonNestableDelayedTasksEnabled() const override { return true; }

  // Called (without the queue's lock held) whenever a task is posted. Set once by the owner.
  void set_wake(std::function<void()> wake);
  // Runs every task that is due now; returns how many ran. Call on the isolate's thread.
  size_t run_ready();
  // Earliest delayed-task deadline, if any is pending.
  std::optional<Clock::time_point> next_deadline();
  // Drops pending tasks (the isolate is going away).
  void clear();

 private:
  struct Delayed {
    Clock::time_point due;
    std::unique_ptr<v8::Task> task;
  };
  std::mutex mutex_;
  std::deque<std::unique_ptr<v8::Task>> ready_;
  std::vector<Delayed> delayed_;  // unsorted; there are rarely more than a few
  std::function<void()> wake_;
};

// Registers the queue V8 will receive for `isolate`. Call after Isolate::Allocate and before
// Isolate::Initialize so that tasks posted during initialisation land in the right queue.
void register_foreground_queue(v8::Isolate* isolate, std::shared_ptr<ForegroundTaskQueue> queue);
// Removes the registration if it still belongs to `queue` (isolate addresses are reused).
void unregister_foreground_queue(v8::Isolate* isolate, const ForegroundTaskQueue* queue);

}  // namespace se::runtime::js
