// ArrayBuffer memory for one guest isolate, counted and capped: ArrayBuffers live outside the V8
// heap, so without a cap `new ArrayBuffer(...)` in a loop would escape the heap limit. Past the
// cap an allocation fails and the guest sees a RangeError instead of the sidecar running dry.
// Thread-safety: V8 may allocate and free from its worker threads; the counters are atomic.
#pragma once

#include <v8-array-buffer.h>

#include <atomic>
#include <cstddef>

namespace se::runtime::js {

class CountingArrayBufferAllocator final : public v8::ArrayBuffer::Allocator {
 public:
  explicit CountingArrayBufferAllocator(size_t limit_bytes) : limit_(limit_bytes) {}

  void* Allocate(size_t length) override;
  void* AllocateUninitialized(size_t length) override;
  void Free(void* data, size_t length) override;

  void set_limit(size_t limit_bytes) { limit_.store(limit_bytes, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  bool reserve(size_t length);

  std::atomic<size_t> limit_;
  std::atomic<size_t> used_{0};
};

}  // namespace se::runtime::js
