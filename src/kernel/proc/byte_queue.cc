#include "kernel/proc/byte_queue.h"

#include <algorithm>

namespace se::kernel {

size_t ByteQueue::append(std::string_view bytes) {
  size_t count = std::min(bytes.size(), free_space());
  if (head_ > 0 && head_ >= data_.size() / 2) {
    data_.erase(0, head_);
    head_ = 0;
  }
  data_.append(bytes.substr(0, count));
  return count;
}

std::string ByteQueue::take(size_t max_bytes) {
  size_t count = std::min(max_bytes, size());
  std::string out = data_.substr(head_, count);
  head_ += count;
  if (head_ == data_.size()) clear();
  return out;
}

void ByteQueue::clear() {
  data_.clear();
  head_ = 0;
}

}  // namespace se::kernel
