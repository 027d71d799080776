#include <gtest/gtest.h>

#include "kernel/builtin_layers.h"
#include "kernel/vm_filesystem.h"
#include "vm_test_support.h"

namespace se::kernel {
namespace {

using config::EntryKind;
using config::ResourceLimits;
using config::RootFilesystemConfig;
using testing::configured_entry;
using testing::error_of;

class VmFilesystemLimitsTest : public ::testing::Test {
 protected:
  // A VM whose filesystem has `spare_bytes` and `spare_inodes` left after the base layer.
  std::unique_ptr<VmFilesystem> make(uint64_t spare_bytes, uint64_t spare_inodes) {
    auto probe = testing::make_vm_filesystem(engine);
    ResourceLimits limits;
    limits.max_filesystem_bytes = probe->used_bytes() + spare_bytes;
    limits.max_inode_count = probe->used_inodes() + spare_inodes;
    return testing::make_vm_filesystem(engine, {}, limits);
  }

  PermissionEngine engine{config::PermissionsPolicy::allow_all()};
};

TEST_F(VmFilesystemLimitsTest, UsageIsTrackedIncrementally) {
  auto fs = testing::make_vm_filesystem(engine);
  const uint64_t bytes = fs->used_bytes();
  const uint64_t inodes = fs->used_inodes();
  EXPECT_EQ(inodes, 70u);
  ASSERT_TRUE(fs->write_file("/tmp/a/f", std::string(100, 'x')));
  EXPECT_EQ(fs->used_bytes(), bytes + 100);
  EXPECT_EQ(fs->used_inodes(), inodes + 2);
  ASSERT_TRUE(fs->symlink("/tmp/a/f", "/tmp/l"));
  EXPECT_EQ(fs->used_bytes(), bytes + 100 + 8);
  ASSERT_TRUE(fs->remove_dir("/tmp/a", true));
  ASSERT_TRUE(fs->remove_file("/tmp/l"));
  EXPECT_EQ(fs->used_bytes(), bytes);
  EXPECT_EQ(fs->used_inodes(), inodes);
}

TEST_F(VmFilesystemLimitsTest, FilesystemBytesLimit) {
  auto fs = make(100, 100);
  ASSERT_TRUE(fs);
  EXPECT_EQ(error_of(fs->write_file("/tmp/big", std::string(101, 'x'))),
            "ENOSPC: maximum filesystem size limit reached");
  EXPECT_FALSE(fs->exists("/tmp/big").value());
  ASSERT_TRUE(fs->write_file("/tmp/big", std::string(100, 'x')));  // exactly at the limit
  EXPECT_EQ(error_of(fs->write_file("/tmp/more", "y")), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(error_of(fs->symlink("/tmp/big", "/tmp/l")), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(error_of(fs->truncate("/tmp/big", 101)), "ENOSPC: maximum filesystem size limit reached");
  // The filesystem keeps working: reads, shrinking, and writes once space is freed.
  EXPECT_EQ(fs->read_file("/tmp/big")->size(), 100u);
  ASSERT_TRUE(fs->truncate("/tmp/big", 50));
  EXPECT_TRUE(fs->write_file("/tmp/more", std::string(50, 'y')));
  ASSERT_TRUE(fs->remove_file("/tmp/big"));
  EXPECT_TRUE(fs->write_file("/tmp/again", std::string(50, 'z')));
}

TEST_F(VmFilesystemLimitsTest, InodeCountLimit) {
  auto fs = make(1000, 2);
  ASSERT_TRUE(fs);
  EXPECT_EQ(error_of(fs->mkdir("/tmp/a/b/c", true)), "ENOSPC: maximum inode count limit reached");
  EXPECT_FALSE(fs->exists("/tmp/a").value());
  EXPECT_EQ(error_of(fs->write_file("/tmp/x/y/z", "")), "ENOSPC: maximum inode count limit reached");
  ASSERT_TRUE(fs->mkdir("/tmp/a/b", true));  // exactly at the limit
  EXPECT_EQ(error_of(fs->write_file("/tmp/f", "")), "ENOSPC: maximum inode count limit reached");
  EXPECT_EQ(error_of(fs->symlink("/x", "/tmp/l")), "ENOSPC: maximum inode count limit reached");
  EXPECT_EQ(error_of(fs->create_dir("/tmp/d")), "ENOSPC: maximum inode count limit reached");
  EXPECT_TRUE(fs->link("/etc/hostname", "/tmp/hostname"));           // a hard link needs no inode
  EXPECT_TRUE(fs->write_file("/etc/hostname", "bigger content\n"));  // rewriting needs none either
  ASSERT_TRUE(fs->remove_dir("/tmp/a", true));
  EXPECT_TRUE(fs->write_file("/tmp/f", ""));
}

TEST_F(VmFilesystemLimitsTest, ReaddirLimit) {
  ResourceLimits limits;
  limits.max_readdir_entries = 3;
  auto fs = testing::make_vm_filesystem(engine, {}, limits);
  for (std::string_view name : {"a", "b", "c"}) ASSERT_TRUE(fs->write_file("/w/" + std::string(name), ""));
  EXPECT_EQ(fs->read_dir("/w")->size(), 3u);
  ASSERT_TRUE(fs->write_file("/w/d", ""));
  EXPECT_EQ(error_of(fs->read_dir("/w")), "ENOMEM: directory listing for '/w' exceeds configured limit of 3 entries");
}

TEST_F(VmFilesystemLimitsTest, PreadLimit) {
  ResourceLimits limits;
  limits.max_pread_bytes = 4;
  auto fs = testing::make_vm_filesystem(engine, {}, limits);
  EXPECT_EQ(fs->pread("/etc/hostname", 0, 4).value(), "secu");
  EXPECT_EQ(error_of(fs->pread("/etc/hostname", 0, 5)), "EINVAL: pread length 5 exceeds configured limit 4");
}

TEST_F(VmFilesystemLimitsTest, DescriptorEntryCountIsLimited) {
  ResourceLimits limits;
  limits.max_inode_count = 10;
  auto created = VmFilesystem::create({}, limits, engine);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().errno_code, 0);
  EXPECT_EQ(created.error().message,
            "root filesystem: root filesystem descriptor contains 70 entries, exceeding limit 10");
}

TEST_F(VmFilesystemLimitsTest, DescriptorBytesAreLimited) {
  uint64_t base_bytes = 0;
  for (const FsEntry& entry : bundled_base_entries()) base_bytes += entry.content.size() + entry.target.size();
  ResourceLimits limits;
  limits.max_filesystem_bytes = base_bytes + 3;
  RootFilesystemConfig root;
  root.bootstrap_entries.push_back(configured_entry("/big", EntryKind::File, "four"));
  auto created = VmFilesystem::create(root, limits, engine);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().message, "root filesystem: root filesystem descriptor contains " +
                                         std::to_string(base_bytes + 4) + " bytes, exceeding limit " +
                                         std::to_string(base_bytes + 3));
  limits.max_filesystem_bytes = base_bytes + 4;
  EXPECT_TRUE(VmFilesystem::create(root, limits, engine));
}

TEST_F(VmFilesystemLimitsTest, ImplicitAncestorsCountAgainstTheInodeLimit) {
  RootFilesystemConfig root;
  root.disable_default_base_layer = true;
  root.bootstrap_entries.push_back(configured_entry("/a/b/c/d/e/f", EntryKind::File, ""));
  ResourceLimits limits;
  limits.max_inode_count = 42;  // 40 skeleton entries + 1 bootstrap entry pass the raw count
  auto created = VmFilesystem::create(root, limits, engine);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().message,
            "root filesystem: root filesystem descriptor contains 46 entries, exceeding limit 42");
  limits.max_inode_count = 46;
  EXPECT_TRUE(VmFilesystem::create(root, limits, engine));
}

}  // namespace
}  // namespace se::kernel
