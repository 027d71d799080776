#include "runtime/js/array_buffer_allocator.h"

#include <algorithm>
#include <cstdlib>

namespace se::runtime::js {

bool CountingArrayBufferAllocator::reserve(size_t length) {
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (length > limit_.load(std::memory_order_relaxed) - std::min(used, limit_.load(std::memory_order_relaxed))) {
      return false;
    }
  } while (!used_.compare_exchange_weak(used, used + length, std::memory_order_relaxed));
  return true;
}

void* CountingArrayBufferAllocator::Allocate(size_t length) {
  if (!reserve(length)) return nullptr;
  void* data = std::calloc(std::max<size_t>(length, 1), 1);
  if (data == nullptr) used_.fetch_sub(length, std::memory_order_relaxed);
  return data;
}

void* CountingArrayBufferAllocator::AllocateUninitialized(size_t length) {
  if (!reserve(length)) return nullptr;
  void* data = std::malloc(std::max<size_t>(length, 1));
  if (data == nullptr) used_.fetch_sub(length, std::memory_order_relaxed);
  return data;
}

void CountingArrayBufferAllocator::Free(void* data, size_t length) {
  std::free(data);
  used_.fetch_sub(length, std::memory_order_relaxed);
}

}  // namespace se::runtime::js
