#include "service/output_budget.h"

namespace se::service {

bool OutputBudget::acquire(uint64_t bytes, const std::function<bool()>& ended) {
  std::unique_lock lock(mutex_);
  auto fits = [&] { return cancelled_ || held_ == 0 || held_ + bytes <= limit_; };
  while (!fits()) {
    if (room_.wait_for(lock, kEndedPoll, fits)) break;
    lock.unlock();
    const bool gone = ended();
    lock.lock();
    if (gone) return false;
  }
  if (cancelled_) return false;
  held_ += bytes;
  return true;
}

void OutputBudget::release(uint64_t bytes) {
  {
    std::lock_guard lock(mutex_);
    held_ -= bytes;
  }
  room_.notify_all();
}

void OutputBudget::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  room_.notify_all();
}

}  // namespace se::service
