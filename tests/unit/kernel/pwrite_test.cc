// pwrite on the memory filesystem, the overlay (copy-up) and VmFilesystem (permission, read-only
// root, maxFilesystemBytes): the write behind a guest descriptor.
#include <gtest/gtest.h>

#include <string>

#include "kernel/layer_builder.h"
#include "kernel/vfs/memory_file_system.h"
#include "kernel/vfs/overlay_file_system.h"
#include "kernel/vm_filesystem.h"
#include "vm_test_support.h"

namespace se::kernel {
namespace {

using testing::error_of;
using vfs::FsLimits;
using vfs::Parents;

uint64_t fake_now = 0;
uint64_t fake_clock() {
  return fake_now;
}

TEST(MemoryPwriteTest, OverwritesExtendsAndZeroFillsGaps) {
  fake_now = 1000;
  vfs::MemoryFileSystem fs{fake_clock};
  ASSERT_TRUE(fs.write_file("/f", "hello world", Parents::MustExist));
  fake_now = 2000;
  ASSERT_TRUE(fs.pwrite("/f", 6, "there"));
  EXPECT_EQ(fs.read_file("/f").value(), "hello there");
  ASSERT_TRUE(fs.pwrite("/f", 11, "!!"));  // at the end: appends
  EXPECT_EQ(fs.read_file("/f").value(), "hello there!!");
  ASSERT_TRUE(fs.pwrite("/f", 16, "x"));  // past the end: a hole of zeros
  EXPECT_EQ(fs.read_file("/f").value(), std::string("hello there!!\0\0\0x", 17));
  EXPECT_EQ(fs.usage().bytes, 17u);
  EXPECT_EQ(fs.stat("/f", true)->mtime_ms, 2000u);
  ASSERT_TRUE(fs.pwrite("/f", 0, ""));  // nothing to write changes no size
  EXPECT_EQ(fs.stat("/f", true)->size, 17u);
}

TEST(MemoryPwriteTest, FollowsSymlinksAndRejectsMissingFilesAndDirectories) {
  vfs::MemoryFileSystem fs;
  ASSERT_TRUE(fs.write_file("/target", "abc", Parents::MustExist));
  ASSERT_TRUE(fs.symlink("/target", "/link", Parents::MustExist));
  ASSERT_TRUE(fs.pwrite("/link", 1, "Z"));
  EXPECT_EQ(fs.read_file("/target").value(), "aZc");
  EXPECT_EQ(error_of(fs.pwrite("/missing", 0, "x")), "ENOENT: no such file: /missing");
  ASSERT_TRUE(fs.mkdir("/d", Parents::MustExist, false));
  EXPECT_EQ(error_of(fs.pwrite("/d", 0, "x")), "EISDIR: illegal operation on a directory, write '/d'");
  EXPECT_EQ(error_of(fs.pwrite("/target", UINT64_MAX - 1, "xyz")), "EFBIG: file too large, write '/target'");
}

TEST(MemoryPwriteTest, GrowthPastTheByteLimitIsEnospcAndChangesNothing) {
  vfs::MemoryFileSystem fs;
  ASSERT_TRUE(fs.write_file("/f", "12345", Parents::MustExist));
  fs.set_limits(FsLimits{8, 100});
  ASSERT_TRUE(fs.pwrite("/f", 0, "abcde"));  // overwriting adds nothing
  ASSERT_TRUE(fs.pwrite("/f", 5, "xyz"));    // exactly at the limit
  EXPECT_EQ(fs.usage().bytes, 8u);
  EXPECT_EQ(error_of(fs.pwrite("/f", 7, "12")), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(error_of(fs.pwrite("/f", 20, "1")), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(fs.read_file("/f").value(), "abcdexyz");
  EXPECT_EQ(fs.usage().bytes, 8u);
  ASSERT_TRUE(fs.pwrite("/f", 7, "Q"));  // the last byte may still be rewritten
  EXPECT_EQ(fs.read_file("/f").value(), "abcdexyQ");
}

TEST(MemoryPwriteTest, AppendingChunkByChunkBuildsTheWholeFile) {
  vfs::MemoryFileSystem fs;
  ASSERT_TRUE(fs.write_file("/log", "", Parents::MustExist));
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string chunk = std::to_string(i) + "\n";
    ASSERT_TRUE(fs.pwrite("/log", expected.size(), chunk));
    expected += chunk;
  }
  EXPECT_EQ(fs.read_file("/log").value(), expected);
  EXPECT_EQ(fs.usage().bytes, expected.size());
}

class OverlayPwriteTest : public ::testing::Test {
 protected:
  static FsEntry file(std::string path, std::string content) {
    FsEntry entry;
    entry.path = std::move(path);
    entry.kind = FsEntryKind::File;
    entry.mode = kModeRegular | 0640;
    entry.content = std::move(content);
    return entry;
  }

  std::shared_ptr<const vfs::Layer> lower = build_layer({file("/etc/config", "lower bytes")}).value();
  vfs::OverlayFileSystem fs{{lower}};
};

TEST_F(OverlayPwriteTest, CopiesTheLowerFileUpAndLeavesTheLayerAlone) {
  const FileStat before = fs.stat("/etc/config", true).value();
  const vfs::FsUsage usage = fs.usage();
  ASSERT_TRUE(fs.pwrite("/etc/config", 0, "UPPER"));
  EXPECT_EQ(fs.read_file("/etc/config").value(), "UPPER bytes");
  const FileStat after = fs.stat("/etc/config", true).value();
  EXPECT_EQ(after.ino, before.ino);
  EXPECT_EQ(after.mode, before.mode);
  EXPECT_EQ(fs.usage().bytes, usage.bytes);
  ASSERT_TRUE(fs.pwrite("/etc/config", 11, "+more"));
  EXPECT_EQ(fs.read_file("/etc/config").value(), "UPPER bytes+more");
  EXPECT_EQ(fs.usage().bytes, usage.bytes + 5);

  vfs::OverlayFileSystem other({lower});
  EXPECT_EQ(other.read_file("/etc/config").value(), "lower bytes");
  EXPECT_EQ(error_of(fs.pwrite("/etc", 0, "x")), "EISDIR: illegal operation on a directory, write '/etc'");
  EXPECT_EQ(error_of(fs.pwrite("/etc/missing", 0, "x")), "ENOENT: no such file: /etc/missing");
}

TEST_F(OverlayPwriteTest, LimitsCountTheMergedView) {
  const vfs::FsUsage usage = fs.usage();
  fs.set_limits(FsLimits{usage.bytes + 3, usage.inodes});
  ASSERT_TRUE(fs.pwrite("/etc/config", 11, "abc"));  // copy-up adds nothing, the growth fits exactly
  EXPECT_EQ(error_of(fs.pwrite("/etc/config", 14, "d")), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(fs.read_file("/etc/config").value(), "lower bytesabc");
  EXPECT_EQ(fs.usage().bytes, usage.bytes + 3);
}

TEST(VmFilesystemPwriteTest, ChecksWritePermissionAndTheReadOnlyRoot) {
  config::PermissionsPolicy policy = config::PermissionsPolicy::allow_all();
  policy.fs = config::PermissionRuleSet{
      config::PermissionMode::Allow, {config::PermissionRule{config::PermissionMode::Deny, {"write"}, {"/locked/**"}}}};
  PermissionEngine engine{config::PermissionsPolicy::allow_all()};
  auto fs = testing::make_vm_filesystem(engine);
  ASSERT_TRUE(fs);
  ASSERT_TRUE(fs->write_file("/locked/f", "data"));
  ASSERT_TRUE(fs->write_file("/open/f", "data"));
  engine.set_policy(policy);
  EXPECT_EQ(fs->pwrite("/locked/f", 0, "X").error().errno_code, EACCES);
  EXPECT_EQ(fs->pwrite("/locked/f", 0, "").error().errno_code, EACCES);  // an empty write still checks
  EXPECT_EQ(fs->read_file("/locked/f").value(), "data");
  ASSERT_TRUE(fs->pwrite("/open/f", 4, "!"));
  EXPECT_EQ(fs->read_file("/open/f").value(), "data!");

  config::RootFilesystemConfig read_only;
  read_only.mode = config::RootFilesystemMode::ReadOnly;
  read_only.bootstrap_entries.push_back(testing::configured_entry("/f", config::EntryKind::File, "x"));
  PermissionEngine allow{config::PermissionsPolicy::allow_all()};
  auto locked = testing::make_vm_filesystem(allow, read_only);
  ASSERT_TRUE(locked);
  EXPECT_EQ(error_of(locked->pwrite("/f", 0, "y")), "EROFS: read-only filesystem: /f");
}

TEST(VmFilesystemPwriteTest, MaxFilesystemBytesIsEnospc) {
  PermissionEngine engine{config::PermissionsPolicy::allow_all()};
  config::ResourceLimits limits;
  auto probe = testing::make_vm_filesystem(engine);
  ASSERT_TRUE(probe);
  limits.max_filesystem_bytes = probe->used_bytes() + 10;
  auto fs = testing::make_vm_filesystem(engine, {}, limits);
  ASSERT_TRUE(fs);
  ASSERT_TRUE(fs->write_file("/f", "12345"));
  ASSERT_TRUE(fs->pwrite("/f", 5, "67890"));
  EXPECT_EQ(error_of(fs->pwrite("/f", 10, "x")), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(fs->read_file("/f").value(), "1234567890");
}

}  // namespace
}  // namespace se::kernel
