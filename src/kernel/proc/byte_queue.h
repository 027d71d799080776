// A bounded first-in first-out byte buffer: the 64 KiB buffer of a pipe and each direction of a
// PTY. Appends never exceed the capacity; callers decide whether to block, split or fail.
// Thread-safety: none; the owning kernel serialises access.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace se::kernel {

class ByteQueue {
 public:
  explicit ByteQueue(size_t capacity) : capacity_(capacity) {}

  size_t size() const { return data_.size() - head_; }
  bool empty() const { return size() == 0; }
  size_t capacity() const { return capacity_; }
  size_t free_space() const { return capacity_ - size(); }

  // Appends as much of `bytes` as fits and returns how many bytes that was.
  size_t append(std::string_view bytes);
  // Removes and returns up to `max_bytes` from the front.
  std::string take(size_t max_bytes);
  void clear();

 private:
  std::string data_;
  size_t head_ = 0;  // bytes before head_ are consumed; compacted lazily
  size_t capacity_;
};

}  // namespace se::kernel
