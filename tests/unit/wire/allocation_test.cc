// Decoding hostile lengths must not allocate in proportion to what a frame claims. This binary
// replaces the global operator new to record the largest single request while a probe is active.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "test_util.h"
#include "wire/frame.h"

namespace {

std::atomic<bool> g_probing{false};
std::atomic<size_t> g_largest_allocation{0};

void* allocate(size_t size) {
  if (g_probing.load(std::memory_order_relaxed)) {
    size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
    while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size)) {
    }
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(size_t size) {
  return allocate(size);
}
void* operator new[](size_t size) {
  return allocate(size);
}
void operator delete(void* memory) noexcept {
  std::free(memory);
}
void operator delete[](void* memory) noexcept {
  std::free(memory);
}
void operator delete(void* memory, size_t) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, size_t) noexcept {
  std::free(memory);
}

namespace se::wire {
namespace {

using testing::PayloadBuilder;

size_t largest_allocation_while_decoding(const Bytes& payload) {
  g_largest_allocation = 0;
  g_probing = true;
  const bool decoded = decode_frame(payload).has_value();
  g_probing = false;
  EXPECT_FALSE(decoded);
  return g_largest_allocation;
}

TEST(DecodeAllocation, HugeListCountsAllocateNothingLarge) {
  PayloadBuilder entries;  // BootstrapRootFilesystemRequest with 2^60 entries
  entries.header(0).vm_ownership().uint(4).uint(uint64_t{1} << 60);
  EXPECT_LT(largest_allocation_while_decoding(entries.bytes()), 4096u);

  PayloadBuilder env;  // ExecuteRequest whose env map claims 2^40 pairs
  env.header(0).vm_ownership().uint(14).value(std::string("p")).raw({0, 0, 0}).uint(0).uint(uint64_t{1} << 40);
  EXPECT_LT(largest_allocation_while_decoding(env.bytes()), 4096u);
}

TEST(DecodeAllocation, CountsAreBoundedByTheSmallestElementEncoding) {
  // 1000 RootFilesystemEntry need at least 9000 bytes; 8999 bytes of input must not reserve 1000 entries.
  PayloadBuilder entries;
  entries.header(0).vm_ownership().uint(4).uint(1000);
  Bytes payload = entries.bytes();
  payload.resize(payload.size() + 8999, 0);
  EXPECT_LT(largest_allocation_while_decoding(payload), 1000 * sizeof(RootFilesystemEntry));
}

TEST(DecodeAllocation, HugeStringAndDataLengthsAllocateNothingLarge) {
  PayloadBuilder text;  // ConnectionOwnership whose id claims 2^50 bytes
  text.header(0).uint(0).uint(uint64_t{1} << 50).raw({'a', 'b'});
  EXPECT_LT(largest_allocation_while_decoding(text.bytes()), 4096u);

  PayloadBuilder data;  // WriteStdinRequest chunk claiming 2^40 bytes
  data.header(0).vm_ownership().uint(15).value(std::string("p")).uint(uint64_t{1} << 40);
  EXPECT_LT(largest_allocation_while_decoding(data.bytes()), 4096u);
}

}  // namespace
}  // namespace se::wire
