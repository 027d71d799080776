// Layers are shared, not copied: a hundred VM roots over one 10 MiB lower cost one copy of it
// (issue 4: RSS growth under 15 MiB beyond the per-VM baseline).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "kernel/vm_filesystem.h"
#include "vm_test_support.h"

namespace se::kernel {
namespace {

constexpr size_t kVmCount = 100;
constexpr size_t kMebibyte = 1024 * 1024;

uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// Ten distinct 1 MiB files of printable bytes.
config::RootFilesystemConfig ten_mebibyte_lower() {
  config::RootFilesystemLower lower;
  uint64_t state = 0x9e3779b97f4a7c15;
  for (int file = 0; file < 10; ++file) {
    std::string content(kMebibyte, ' ');
    for (char& byte : content) {
      state = state * 6364136223846793005 + 1442695040888963407;
      byte = static_cast<char>('a' + (state >> 60));
    }
    lower.entries.push_back(
        testing::configured_entry("/data/blob-" + std::to_string(file), config::EntryKind::File, std::move(content)));
  }
  config::RootFilesystemConfig root;
  root.lowers.push_back(std::move(lower));
  return root;
}

// Resident growth while `count` VM filesystems are built from `root` and kept alive.
uint64_t growth_for(const PermissionEngine& engine, const config::RootFilesystemConfig& root,
                    std::vector<std::unique_ptr<VmFilesystem>>& keep) {
  const uint64_t before = resident_bytes();
  for (size_t i = 0; i < kVmCount; ++i) keep.push_back(testing::make_vm_filesystem(engine, root));
  const uint64_t after = resident_bytes();
  return after > before ? after - before : 0;
}

// AddressSanitizer keeps freed memory in quarantine, so resident size says nothing under it.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kResidentSizeIsMeaningful = false;
#else
constexpr bool kResidentSizeIsMeaningful = true;
#endif

TEST(LayerSharing, HundredVmsOverOneTenMebibyteLowerHoldOneCopy) {
  if (!kResidentSizeIsMeaningful) GTEST_SKIP() << "resident size is not measurable under AddressSanitizer";
  const PermissionEngine engine{config::PermissionsPolicy::allow_all()};
  const config::RootFilesystemConfig shared = ten_mebibyte_lower();
  // Warm the allocator and the built-in layers with one VM of each kind.
  std::vector<std::unique_ptr<VmFilesystem>> keep;
  keep.push_back(testing::make_vm_filesystem(engine));
  keep.push_back(testing::make_vm_filesystem(engine, shared));

  const uint64_t baseline = growth_for(engine, {}, keep);
  const uint64_t with_lower = growth_for(engine, shared, keep);
  const uint64_t beyond_baseline = with_lower > baseline ? with_lower - baseline : 0;
  std::printf(
      "RSS growth for %zu VMs: %.2f MiB with the default root, %.2f MiB over a 10 MiB lower (%.2f MiB beyond)\n",
      kVmCount, baseline / double(kMebibyte), with_lower / double(kMebibyte), beyond_baseline / double(kMebibyte));
  EXPECT_LT(beyond_baseline, 15 * kMebibyte);

  // Every VM sees the data, and a write stays private to its VM.
  ASSERT_TRUE(keep.back()->write_file("/data/blob-3", "mine"));
  EXPECT_EQ(keep[keep.size() - 2]->read_file("/data/blob-3")->size(), kMebibyte);
  EXPECT_EQ(keep.back()->read_file("/data/blob-3").value(), "mine");
}

}  // namespace
}  // namespace se::kernel
