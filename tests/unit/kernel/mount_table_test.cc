#include "kernel/mount/mount_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kernel/vfs/memory_file_system.h"
#include "kernel/vm_filesystem.h"

namespace se::kernel::mount {
namespace {

using vfs::MemoryFileSystem;
using vfs::Parents;

template <typename T>
std::string error_of(const ErrorOr<T>& result) {
  return result ? std::string("<no error>") : result.error().to_string();
}

class MountTableTest : public ::testing::Test {
 protected:
  MountTableTest() {
    auto root = std::make_unique<MemoryFileSystem>();
    root_ = root.get();
    table = std::make_unique<MountTable>(std::move(root), /*root_read_only=*/false);
  }

  // Mounts a fresh memory filesystem at `path` and returns it (owned by the table).
  MemoryFileSystem* mount_memory(const std::string& path, bool read_only = false) {
    auto fs = std::make_unique<MemoryFileSystem>();
    MemoryFileSystem* raw = fs.get();
    auto mounted = table->mount(path, std::move(fs), "memory", read_only);
    EXPECT_TRUE(mounted) << error_of(mounted);
    return raw;
  }

  MemoryFileSystem* root_ = nullptr;
  std::unique_ptr<MountTable> table;
};

TEST_F(MountTableTest, RoutesByLongestPrefixWithPathsRelativeToTheMount) {
  MemoryFileSystem* data = mount_memory("/data");
  MemoryFileSystem* nested = mount_memory("/data/nested");
  ASSERT_TRUE(table->write_file("/data/a.txt", "outer", Parents::Create));
  ASSERT_TRUE(table->write_file("/data/nested/b.txt", "inner", Parents::Create));
  ASSERT_TRUE(table->write_file("/database.txt", "root", Parents::Create));

  EXPECT_EQ(*data->read_file("/a.txt"), "outer");
  EXPECT_EQ(*nested->read_file("/b.txt"), "inner");
  EXPECT_EQ(*root_->read_file("/database.txt"), "root");  // "/data" is not a prefix of "/database.txt"
  EXPECT_FALSE(data->stat("/nested/b.txt", true));
  EXPECT_EQ(table->mount_of("/data/nested/b.txt"), "/data/nested");
  EXPECT_EQ(table->mount_of("/data/data/x"), "/data");
  EXPECT_EQ(*table->read_file("/data/nested/b.txt"), "inner");

  const std::vector<MountInfo> expected = {
      {"/data/nested", "memory", false}, {"/data", "memory", false}, {"/", "root", false}};
  EXPECT_EQ(table->mounts(), expected);
}

TEST_F(MountTableTest, MountRulesAndErrors) {
  EXPECT_EQ(error_of(table->mount("/", std::make_unique<MemoryFileSystem>(), "memory", false)),
            "EINVAL: cannot mount over root");
  mount_memory("/data");
  EXPECT_EQ(error_of(table->mount("/data", std::make_unique<MemoryFileSystem>(), "memory", false)),
            "EEXIST: already mounted at /data");
  mount_memory("/data/child");
  EXPECT_EQ(error_of(table->unmount("/data")), "EBUSY: mount point has child mounts: /data");
  EXPECT_EQ(error_of(table->unmount("/elsewhere")), "EINVAL: not a mount point: /elsewhere");
  EXPECT_EQ(error_of(table->unmount("/")), "EINVAL: cannot unmount root");
  EXPECT_TRUE(table->unmount("/data/child"));
  EXPECT_TRUE(table->unmount("/data"));
  ASSERT_EQ(table->mounts().size(), 1u);

  // A file where the mountpoint's parent should be fails the mount.
  ASSERT_TRUE(table->write_file("/file", "x", Parents::Create));
  EXPECT_EQ(table->mount("/file/sub", std::make_unique<MemoryFileSystem>(), "memory", false).error().errno_code,
            ENOTDIR);
  EXPECT_EQ(table->mounts().size(), 1u);
}

TEST_F(MountTableTest, MountpointIsCreatedInTheParentAndShadowsItsContent) {
  ASSERT_TRUE(table->write_file("/data/root-only.txt", "hidden", Parents::Create));
  mount_memory("/data");
  mount_memory("/deep/a/b");
  EXPECT_TRUE(root_->stat("/deep/a/b", true)->is_directory);  // mkdir -p in the parent
  EXPECT_EQ(table->stat("/data/root-only.txt", true).error().errno_code, ENOENT);

  // stat of a mountpoint is the mounted root: a fresh memory filesystem's root is owned by 0:0
  // with inode 1, while the parent's /data directory is an ordinary 1000:1000 directory.
  auto mounted_root = table->stat("/data", true);
  ASSERT_TRUE(mounted_root);
  EXPECT_TRUE(mounted_root->is_directory);
  EXPECT_EQ(mounted_root->uid, 0u);
  EXPECT_EQ(mounted_root->ino, 1u);

  ASSERT_TRUE(table->unmount("/data"));
  EXPECT_EQ(*table->read_file("/data/root-only.txt"), "hidden");
}

TEST_F(MountTableTest, ReadDirShowsMountpointsOfTheDirectory) {
  ASSERT_TRUE(table->write_file("/srv/z.txt", "z", Parents::Create));
  mount_memory("/srv/beta");
  mount_memory("/srv/alpha/inner");
  ASSERT_TRUE(root_->remove_dir("/srv/beta", false));  // a mountpoint the parent no longer has
  EXPECT_EQ(*table->read_dir("/srv", 100), (std::vector<std::string>{"alpha", "beta", "z.txt"}));
  EXPECT_EQ(*table->read_dir("/srv/alpha", 100), std::vector<std::string>{"inner"});
  EXPECT_EQ(table->read_dir("/srv", 2).error().errno_code, ENOMEM);
}

TEST_F(MountTableTest, RealpathAndDestinationsCarryTheMountPath) {
  MemoryFileSystem* data = mount_memory("/data");
  ASSERT_TRUE(data->write_file("/dir/file", "x", Parents::Create));
  ASSERT_TRUE(data->symlink("dir/file", "/link", Parents::MustExist));
  EXPECT_EQ(*table->realpath("/data/link"), "/data/dir/file");
  EXPECT_EQ(*table->realpath("/data"), "/data");
  EXPECT_EQ(*table->resolve_destination("/data/link", true), "/data/dir/file");
  EXPECT_EQ(*table->resolve_destination("/data/new/x", false), "/data/new/x");
}

TEST_F(MountTableTest, RenameLinkAndSymlinkAcrossMountsAreExdev) {
  mount_memory("/data");
  ASSERT_TRUE(table->write_file("/data/a.txt", "a", Parents::Create));
  ASSERT_TRUE(table->write_file("/home/b.txt", "b", Parents::Create));

  EXPECT_EQ(error_of(table->rename("/data/a.txt", "/home/a.txt", Parents::MustExist)),
            "EXDEV: rename across mounts: /data/a.txt -> /home/a.txt");
  EXPECT_EQ(error_of(table->link("/data/a.txt", "/home/l.txt", Parents::MustExist)),
            "EXDEV: link across mounts: /data/a.txt -> /home/l.txt");
  EXPECT_EQ(error_of(table->symlink("/home/b.txt", "/data/s", Parents::MustExist)),
            "EXDEV: symlink across mounts: /data/s -> /home/b.txt");
  // A relative target is made absolute against the link's directory first.
  EXPECT_EQ(error_of(table->symlink("../home/b.txt", "/data/s", Parents::MustExist)),
            "EXDEV: symlink across mounts: /data/s -> ../home/b.txt");
  EXPECT_EQ(*table->read_file("/data/a.txt"), "a");

  // Within one mount all three work.
  EXPECT_TRUE(table->rename("/data/a.txt", "/data/c.txt", Parents::MustExist));
  EXPECT_TRUE(table->link("/data/c.txt", "/data/d.txt", Parents::MustExist));
  EXPECT_TRUE(table->symlink("c.txt", "/data/e", Parents::MustExist));
  EXPECT_EQ(*table->read_file("/data/e"), "a");
}

TEST_F(MountTableTest, ReadOnlyMountRefusesEveryChange) {
  auto fs = std::make_unique<MemoryFileSystem>();
  ASSERT_TRUE(fs->write_file("/f.txt", "ro", Parents::Create));
  ASSERT_TRUE(fs->mkdir("/dir", Parents::Create, false));
  ASSERT_TRUE(table->mount("/ro", std::move(fs), "memory", /*read_only=*/true));

  EXPECT_EQ(*table->read_file("/ro/f.txt"), "ro");
  EXPECT_EQ(error_of(table->write_file("/ro/f.txt", "x", Parents::Create)), "EROFS: read-only filesystem: /f.txt");
  EXPECT_EQ(table->pwrite("/ro/f.txt", 0, "x").error().errno_code, EROFS);
  EXPECT_EQ(table->truncate("/ro/f.txt", 0).error().errno_code, EROFS);
  EXPECT_EQ(table->remove_file("/ro/f.txt").error().errno_code, EROFS);
  EXPECT_EQ(table->remove_dir("/ro/dir", false).error().errno_code, EROFS);
  EXPECT_EQ(table->rename("/ro/f.txt", "/ro/g.txt", Parents::MustExist).error().errno_code, EROFS);
  EXPECT_EQ(table->symlink("f.txt", "/ro/s", Parents::MustExist).error().errno_code, EROFS);
  EXPECT_EQ(table->link("/ro/f.txt", "/ro/h", Parents::MustExist).error().errno_code, EROFS);
  EXPECT_EQ(table->chmod("/ro/f.txt", 0600, true).error().errno_code, EROFS);
  EXPECT_EQ(table->chown("/ro/f.txt", 1, 1, true).error().errno_code, EROFS);
  EXPECT_EQ(table->utimes("/ro/f.txt", 1, 1).error().errno_code, EROFS);
  EXPECT_EQ(error_of(table->mkdir("/ro/new", Parents::Create, false)), "EROFS: read-only filesystem: /new");
  // An existing name is reported first, and mkdir -p of an existing directory passes.
  EXPECT_EQ(table->mkdir("/ro/dir", Parents::Create, false).error().errno_code, EEXIST);
  EXPECT_TRUE(table->mkdir("/ro/dir", Parents::Create, true));
  EXPECT_EQ(*table->read_file("/ro/f.txt"), "ro");

  // A mount below a read-only mount works without a mountpoint directory there.
  MemoryFileSystem* inner = mount_memory("/ro/inner");
  ASSERT_TRUE(table->write_file("/ro/inner/w.txt", "w", Parents::Create));
  EXPECT_EQ(*inner->read_file("/w.txt"), "w");
  EXPECT_EQ(*table->read_dir("/ro", 100), (std::vector<std::string>{"dir", "f.txt", "inner"}));
}

TEST_F(MountTableTest, ExportAndUsageAreTheRootsAlone) {
  mount_memory("/data");
  ASSERT_TRUE(table->write_file("/data/big", std::string(1000, 'x'), Parents::Create));
  EXPECT_EQ(table->usage().bytes, 0u);
  for (const FsEntry& entry : table->export_entries()) EXPECT_NE(entry.path, "/data/big");
}

TEST_F(MountTableTest, MountCountIsBounded) {
  for (size_t index = 1; index < kMaxMounts; ++index) {
    ASSERT_TRUE(table->mount("/m" + std::to_string(index), std::make_unique<MemoryFileSystem>(), "memory", false));
  }
  EXPECT_EQ(error_of(table->mount("/one-more", std::make_unique<MemoryFileSystem>(), "memory", false)),
            "ENOSPC: mount table is full: at most " + std::to_string(kMaxMounts) + " mounts");
}

// Through the VM filesystem: a read-only root stays locked while a mount on it takes writes, and
// mounts are invisible to snapshots.
TEST(VmFilesystemMounts, ReadOnlyRootWithAWritableMount) {
  PermissionEngine engine{config::PermissionsPolicy::allow_all()};
  config::RootFilesystemConfig root;
  root.mode = config::RootFilesystemMode::ReadOnly;
  auto created = VmFilesystem::create(root, {}, engine);
  ASSERT_TRUE(created) << error_of(created);
  VmFilesystem& vm = **created;
  ASSERT_TRUE(vm.mount("/data", std::make_unique<MemoryFileSystem>(), "memory", false));

  EXPECT_TRUE(vm.write_file("/data/a.txt", "a"));
  EXPECT_TRUE(vm.mkdir("/data/d", false));
  EXPECT_EQ(*vm.read_file("/data/a.txt"), "a");
  EXPECT_EQ(vm.write_file("/a.txt", "a").error().errno_code, EROFS);
  EXPECT_EQ(vm.rename("/data/a.txt", "/tmp/a.txt").error().errno_code, EXDEV);
  EXPECT_EQ(vm.stat("/data").value().ino, 1u);  // the mounted root, not a directory of the root
  const std::vector<FsEntry> snapshot = vm.snapshot().value();
  for (const FsEntry& entry : snapshot) EXPECT_FALSE(entry.path.starts_with("/data/")) << entry.path;

  const std::vector<MountInfo> expected = {{"/data", "memory", false}, {"/", "root", true}};
  EXPECT_EQ(vm.mounts(), expected);
  ASSERT_TRUE(vm.unmount("/data"));
  EXPECT_EQ(vm.stat("/data/a.txt").error().errno_code, ENOENT);
}

}  // namespace
}  // namespace se::kernel::mount
