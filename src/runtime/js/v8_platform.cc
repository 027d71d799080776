#include "runtime/js/v8_platform.h"

#include <libplatform/libplatform.h>
#include <v8-initialization.h>
#include <v8-isolate.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace se::runtime::js {
namespace {

// Flags shared by the snapshot generator and the sidecar, so a snapshot always matches the
// engine configuration that restores it. Guests get no testing hooks (gc(), %-natives). The
// snapshot is compiled into the binary, so V8 need not checksum all of it again for every isolate
// it restores (about a tenth of a restore).
constexpr char kV8Flags[] = "--no-expose-gc --no-allow-natives-syntax --no-verify-snapshot-checksum";

// Wraps libplatform's default platform; only the foreground task runners are ours.
class SidecarPlatform final : public v8::Platform {
 public:
  explicit SidecarPlatform(std::unique_ptr<v8::Platform> inner) : inner_(std::move(inner)) {}

  v8::PageAllocator* GetPageAllocator() override { return inner_->GetPageAllocator(); }
  int NumberOfWorkerThreads() override { return inner_->NumberOfWorkerThreads(); }

  std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner(v8::Isolate* isolate) override {
    std::lock_guard lock(mutex_);
    auto& queue = queues_[isolate];
    // Isolates we did not register (the snapshot generator's) get a queue nobody drains.
    if (!queue) queue = std::make_shared<ForegroundTaskQueue>();
    return queue;
  }

  void CallOnWorkerThread(std::unique_ptr<v8::Task> task) override { inner_->CallOnWorkerThread(std::move(task)); }
  void CallDelayedOnWorkerThread(std::unique_ptr<v8::Task> task, double delay_in_seconds) override {
    inner_->CallDelayedOnWorkerThread(std::move(task), delay_in_seconds);
  }
  std::unique_ptr<v8::JobHandle> PostJob(v8::TaskPriority priority, std::unique_ptr<v8::JobTask> job_task) override {
    return inner_->PostJob(priority, std::move(job_task));
  }
  double MonotonicallyIncreasingTime() override { return inner_->MonotonicallyIncreasingTime(); }
  double CurrentClockTimeMillis() override { return inner_->CurrentClockTimeMillis(); }
  v8::TracingController* GetTracingController() override { return inner_->GetTracingController(); }
  StackTracePrinter GetStackTracePrinter() override { return inner_->GetStackTracePrinter(); }

  void register_queue(v8::Isolate* isolate, std::shared_ptr<ForegroundTaskQueue> queue) {
    std::lock_guard lock(mutex_);
    queues_[isolate] = std::move(queue);
  }
  void unregister_queue(v8::Isolate* isolate, const ForegroundTaskQueue* queue) {
    std::lock_guard lock(mutex_);
    auto it = queues_.find(isolate);
    if (it != queues_.end() && it->second.get() == queue) queues_.erase(it);
  }

 private:
  std::unique_ptr<v8::Platform> inner_;
  std::mutex mutex_;
  std::unordered_map<v8::Isolate*, std::shared_ptr<ForegroundTaskQueue>> queues_;
};

SidecarPlatform* g_platform = nullptr;

}  // namespace

void ensure_v8_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    v8::V8::SetFlagsFromString(kV8Flags);
    // Intentionally leaked: isolates may be alive on other threads until the process exits.
    g_platform = new SidecarPlatform(v8::platform::NewDefaultPlatform());
    v8::V8::InitializePlatform(g_platform);
    v8::V8::Initialize();
  });
}

void register_foreground_queue(v8::Isolate* isolate, std::shared_ptr<ForegroundTaskQueue> queue) {
  ensure_v8_initialized();
  g_platform->register_queue(isolate, std::move(queue));
}

void unregister_foreground_queue(v8::Isolate* isolate, const ForegroundTaskQueue* queue) {
  if (g_platform != nullptr) g_platform->unregister_queue(isolate, queue);
}

void ForegroundTaskQueue::PostTask(std::unique_ptr<v8::Task> task) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(task));
    wake = wake_;
  }
  if (wake) wake();
}

void ForegroundTaskQueue::PostDelayedTask(std::unique_ptr<v8::Task> task, double delay_in_seconds) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    auto delay = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay_in_seconds));
    delayed_.push_back(Delayed{Clock::now() + delay, std::move(task)});
    wake = wake_;
  }
  if (wake) wake();
}

void ForegroundTaskQueue::PostIdleTask(std::unique_ptr<v8::IdleTask>) {
  // IdleTasksEnabled() is false, so V8 never posts idle tasks; dropping one is harmless.
}

void ForegroundTaskQueue::set_wake(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

size_t ForegroundTaskQueue::run_ready() {
  std::deque<std::unique_ptr<v8::Task>> batch;
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    auto due = std::partition(delayed_.begin(), delayed_.end(), [&](const Delayed& d) { return d.due > now; });
    for (auto it = due; it != delayed_.end(); ++it) ready_.push_back(std::move(it->task));
    delayed_.erase(due, delayed_.end());
    batch.swap(ready_);
  }
  for (auto& task : batch) task->Run();
  return batch.size();
}

std::optional<ForegroundTaskQueue::Clock::time_point> ForegroundTaskQueue::next_deadline() {
  std::lock_guard lock(mutex_);
  if (!ready_.empty()) return Clock::now();
  std::optional<Clock::time_point> earliest;
  for (const auto& d : delayed_) {
    if (!earliest || d.due < *earliest) earliest = d.due;
  }
  return earliest;
}

void ForegroundTaskQueue::clear() {
  std::deque<std::unique_ptr<v8::Task>> ready;
  std::vector<Delayed> delayed;
  {
    std::lock_guard lock(mutex_);
    ready.swap(ready_);
    delayed.swap(delayed_);
    wake_ = nullptr;
  }
}

}  // namespace se::runtime::js
