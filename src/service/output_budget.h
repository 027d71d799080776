// limits.jsRuntime.capturedOutputLimitBytes (spec/protocol.md s6.4) as this sidecar reads it: the
// most bytes of one process's output held in the sidecar, encoded into frames, waiting to be
// written to the host. A process that writes faster than the host reads waits in its write until
// earlier output is written; nothing is dropped or reordered while the process lives.
// Thread-safety: thread-safe. `acquire` runs on the writing thread (the guest's, or a terminal's
// output pump); `release` on whichever thread wrote the frame to stdout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace se::service {

class OutputBudget {
 public:
  explicit OutputBudget(uint64_t limit_bytes) : limit_(limit_bytes) {}

  // Waits for room for `bytes` (a chunk larger than the whole limit waits for an empty budget) and
  // takes it. Returns false, taking nothing, once cancelled or once `ended()` - polled while
  // waiting, for a process killed by a path that does not cancel - says the writer is gone.
  bool acquire(uint64_t bytes, const std::function<bool()>& ended);
  void release(uint64_t bytes);
  // The writer is ending (killed, VM disposed): waiting writers give up, later ones do not wait.
  void cancel();

 private:
  static constexpr std::chrono::milliseconds kEndedPoll{50};

  std::mutex mutex_;
  std::condition_variable room_;
  const uint64_t limit_;
  uint64_t held_ = 0;
  bool cancelled_ = false;
};

}  // namespace se::service
