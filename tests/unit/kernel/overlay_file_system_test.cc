#include "kernel/vfs/overlay_file_system.h"

#include <gtest/gtest.h>

#include <set>

#include "kernel/layer_builder.h"
#include "vm_test_support.h"

namespace se::kernel::vfs {
namespace {

using kernel::testing::error_of;

FsEntry file(std::string path, std::string content, uint32_t permissions = 0644) {
  FsEntry entry;
  entry.path = std::move(path);
  entry.kind = FsEntryKind::File;
  entry.mode = kModeRegular | permissions;
  entry.content = std::move(content);
  return entry;
}

FsEntry directory(std::string path, uint32_t permissions = 0755, uint32_t owner = 0) {
  FsEntry entry;
  entry.path = std::move(path);
  entry.kind = FsEntryKind::Directory;
  entry.mode = kModeDirectory | permissions;
  entry.uid = entry.gid = owner;
  return entry;
}

FsEntry symlink(std::string path, std::string target) {
  FsEntry entry;
  entry.path = std::move(path);
  entry.kind = FsEntryKind::Symlink;
  entry.mode = kModeSymlink | 0777;
  entry.target = std::move(target);
  return entry;
}

std::shared_ptr<const Layer> layer(std::vector<FsEntry> entries) {
  return build_layer(std::move(entries)).value();
}

// Two lowers: "top" (index 0) over "bottom".
class OverlayFileSystemTest : public ::testing::Test {
 protected:
  OverlayFileSystemTest()
      : top(layer({directory("/", 0755), file("/etc/hostname", "top\n"), file("/shared/from-top", "t"),
                   directory("/shared", 0700, 7), file("/data/big", std::string(1000, 'b'), 0600),
                   symlink("/etc/link-to-bottom", "/opt/tool"), symlink("/etc/relative", "hostname"),
                   file("/replaced", "a file over a directory")})),
        bottom(layer({file("/etc/hostname", "bottom\n"), file("/shared/from-bottom", "b"),
                      file("/opt/tool", "bottom tool"), file("/replaced/hidden", "never seen"),
                      directory("/empty-lower")})),
        fs({top, bottom}) {}

  FileStat stat_of(std::string_view path, bool follow = true) { return fs.stat(path, follow).value(); }
  std::vector<std::string> list(std::string_view path) { return fs.read_dir(path, 1000).value(); }

  std::shared_ptr<const Layer> top;
  std::shared_ptr<const Layer> bottom;
  OverlayFileSystem fs;
};

TEST_F(OverlayFileSystemTest, HigherLayersWinAndDirectoriesMerge) {
  EXPECT_EQ(fs.read_file("/etc/hostname").value(), "top\n");
  EXPECT_EQ(list("/shared"), (std::vector<std::string>{"from-bottom", "from-top"}));
  const FileStat shared = stat_of("/shared");
  EXPECT_EQ(shared.mode, 040700u);  // the highest layer's metadata
  EXPECT_EQ(shared.uid, 7u);
  EXPECT_EQ(fs.read_file("/replaced").value(), "a file over a directory");  // a non-directory ends the merge
  EXPECT_EQ(error_of(fs.stat("/replaced/hidden", true)), "ENOTDIR: not a directory: /replaced/hidden");
  EXPECT_EQ(list("/"), (std::vector<std::string>{"data", "empty-lower", "etc", "opt", "replaced", "shared"}));
  EXPECT_EQ(stat_of("/").uid, 0u);  // "/" takes the highest lower's root
}

TEST_F(OverlayFileSystemTest, SymlinksResolveOnTheMergedTree) {
  // A link in one layer pointing into another (spec/README.md D10).
  EXPECT_EQ(fs.read_file("/etc/link-to-bottom").value(), "bottom tool");
  EXPECT_EQ(fs.realpath("/etc/link-to-bottom").value(), "/opt/tool");
  // An upper link pointing into a lower, and a lower link pointing at an upper-only file.
  ASSERT_TRUE(fs.symlink("/etc/hostname", "/tmp/p", Parents::Create));
  EXPECT_EQ(fs.read_file("/tmp/p").value(), "top\n");
  EXPECT_EQ(stat_of("/tmp/p").ino, stat_of("/etc/hostname").ino);
  ASSERT_TRUE(fs.remove_file("/opt/tool"));
  EXPECT_EQ(error_of(fs.read_file("/etc/link-to-bottom")), "ENOENT: no such file: /etc/link-to-bottom");
  ASSERT_TRUE(fs.write_file("/opt/tool", "upper tool", Parents::Create));
  EXPECT_EQ(fs.read_file("/etc/link-to-bottom").value(), "upper tool");
  // After a copy-up the link reads the new bytes.
  ASSERT_TRUE(fs.write_file("/etc/hostname", "changed\n", Parents::Create));
  EXPECT_EQ(fs.read_file("/etc/relative").value(), "changed\n");
  EXPECT_EQ(fs.read_file("/tmp/p").value(), "changed\n");
  // Writing through a link writes its target.
  ASSERT_TRUE(fs.write_file("/etc/link-to-bottom", "through", Parents::Create));
  EXPECT_EQ(fs.read_file("/opt/tool").value(), "through");
  EXPECT_TRUE(fs.stat("/etc/link-to-bottom", false)->is_symbolic_link);
}

TEST_F(OverlayFileSystemTest, WriteCopiesUpAndKeepsIdentity) {
  const FileStat before = stat_of("/data/big");
  ASSERT_TRUE(fs.write_file("/data/big", "small", Parents::Create));
  const FileStat after = stat_of("/data/big");
  EXPECT_EQ(fs.read_file("/data/big").value(), "small");
  EXPECT_EQ(after.ino, before.ino);
  EXPECT_EQ(after.mode, 0100600u);
  EXPECT_EQ(after.size, 5u);
  EXPECT_EQ(after.dev, before.dev);
  // The shared layer is untouched.
  EXPECT_EQ(top->root().children.at("data")->children.at("big")->content->bytes, std::string(1000, 'b'));
}

TEST_F(OverlayFileSystemTest, EveryMutationCopiesUp) {
  const uint64_t ino = stat_of("/shared/from-bottom").ino;
  ASSERT_TRUE(fs.chmod("/shared/from-bottom", 0600, true));
  EXPECT_EQ(stat_of("/shared/from-bottom").mode, 0100600u);
  ASSERT_TRUE(fs.chown("/opt/tool", 5, 6, true));
  EXPECT_EQ(stat_of("/opt/tool").uid, 5u);
  ASSERT_TRUE(fs.utimes("/etc/hostname", 1000, 2000));
  EXPECT_EQ(stat_of("/etc/hostname").mtime_ms, 2000u);
  ASSERT_TRUE(fs.truncate("/data/big", 10));
  EXPECT_EQ(fs.read_file("/data/big").value(), std::string(10, 'b'));
  ASSERT_TRUE(fs.link("/shared/from-top", "/shared/hard", Parents::MustExist));
  EXPECT_EQ(stat_of("/shared/hard").nlink, 2u);
  EXPECT_EQ(stat_of("/shared/hard").ino, stat_of("/shared/from-top").ino);
  ASSERT_TRUE(fs.write_file("/shared/hard", "via the link", Parents::Create));
  EXPECT_EQ(fs.read_file("/shared/from-top").value(), "via the link");
  EXPECT_EQ(stat_of("/shared/from-bottom").ino, ino);
  // A directory copy-up changes its metadata only: the lower children stay visible (Linux).
  ASSERT_TRUE(fs.chmod("/shared", 0750, true));
  EXPECT_EQ(stat_of("/shared").mode, 040750u);
  EXPECT_EQ(list("/shared"), (std::vector<std::string>{"from-bottom", "from-top", "hard"}));
  // A symlink is copied up as a link.
  ASSERT_TRUE(fs.chown("/etc/relative", 3, 3, false));
  EXPECT_EQ(stat_of("/etc/relative", false).uid, 3u);
  EXPECT_EQ(fs.read_link("/etc/relative").value(), "hostname");
  EXPECT_EQ(stat_of("/etc/hostname").uid, 0u);
}

TEST_F(OverlayFileSystemTest, WhiteoutsHideLowerEntries) {
  ASSERT_TRUE(fs.remove_file("/shared/from-bottom"));
  EXPECT_EQ(error_of(fs.stat("/shared/from-bottom", false)), "ENOENT: no such file: /shared/from-bottom");
  EXPECT_EQ(list("/shared"), std::vector<std::string>{"from-top"});
  EXPECT_EQ(list("/"), (std::vector<std::string>{"data", "empty-lower", "etc", "opt", "replaced", "shared"}));
  // Both layers had /etc/hostname; one removal hides both.
  ASSERT_TRUE(fs.remove_file("/etc/hostname"));
  EXPECT_FALSE(fs.stat("/etc/hostname", true));
  ASSERT_TRUE(fs.write_file("/etc/hostname", "new\n", Parents::MustExist));
  EXPECT_EQ(fs.read_file("/etc/hostname").value(), "new\n");
  EXPECT_EQ(stat_of("/etc/hostname").mode, 0100644u);
  // A dangling symlink can be removed.
  ASSERT_TRUE(fs.remove_file("/opt/tool"));
  ASSERT_TRUE(fs.remove_file("/etc/link-to-bottom"));
  EXPECT_EQ(error_of(fs.remove_file("/etc")), "EISDIR: illegal operation on a directory, unlink '/etc'");
  for (const FsEntry& entry : fs.export_entries()) {
    EXPECT_NE(entry.path, "/shared/from-bottom");
    EXPECT_EQ(entry.path.find(".secure-exec"), std::string::npos);
  }
}

TEST_F(OverlayFileSystemTest, RemovedDirectoriesComeBackOpaque) {
  ASSERT_TRUE(fs.remove_dir("/shared", true));
  EXPECT_FALSE(fs.stat("/shared/from-top", true));
  ASSERT_TRUE(fs.mkdir("/shared", Parents::MustExist, false));
  EXPECT_EQ(list("/shared"), std::vector<std::string>{});
  EXPECT_EQ(error_of(fs.stat("/shared/from-bottom", true)), "ENOENT: no such file: /shared/from-bottom");
  EXPECT_EQ(stat_of("/shared").mode, 040755u);
  ASSERT_TRUE(fs.write_file("/shared/new", "n", Parents::MustExist));
  EXPECT_EQ(list("/shared"), std::vector<std::string>{"new"});
  // A create below a removed directory recreates it opaque as well.
  ASSERT_TRUE(fs.remove_dir("/opt", true));
  ASSERT_TRUE(fs.write_file("/opt/other/file", "x", Parents::Create));
  EXPECT_EQ(list("/opt"), std::vector<std::string>{"other"});
  // Removing a file a lower directory stood under, then making a directory there.
  ASSERT_TRUE(fs.remove_file("/replaced"));
  ASSERT_TRUE(fs.mkdir("/replaced", Parents::MustExist, false));
  EXPECT_EQ(list("/replaced"), std::vector<std::string>{});
}

TEST_F(OverlayFileSystemTest, RmdirJudgesTheMergedView) {
  EXPECT_EQ(error_of(fs.remove_dir("/shared", false)), "ENOTEMPTY: directory not empty, rmdir '/shared'");
  ASSERT_TRUE(fs.remove_file("/shared/from-bottom"));
  EXPECT_EQ(error_of(fs.remove_dir("/shared", false)), "ENOTEMPTY: directory not empty, rmdir '/shared'");
  ASSERT_TRUE(fs.remove_file("/shared/from-top"));
  ASSERT_TRUE(fs.remove_dir("/shared", false));
  EXPECT_FALSE(fs.stat("/shared", false));
  ASSERT_TRUE(fs.remove_dir("/empty-lower", false));
  EXPECT_EQ(error_of(fs.remove_dir("/empty-lower", false)), "ENOENT: no such directory: /empty-lower");
  EXPECT_EQ(error_of(fs.remove_dir("/etc/hostname", false)), "ENOTDIR: not a directory: /etc/hostname");
  EXPECT_EQ(error_of(fs.remove_dir("/", true)), "EPERM: operation not permitted, rmdir '/'");
  ASSERT_TRUE(fs.mkdir("/etc/sub", Parents::MustExist, false));
  EXPECT_EQ(error_of(fs.remove_dir("/etc", false)), "ENOTEMPTY: directory not empty, rmdir '/etc'");
}

TEST_F(OverlayFileSystemTest, RenameAcrossLayers) {
  const uint64_t ino = stat_of("/opt/tool").ino;
  ASSERT_TRUE(fs.rename("/opt/tool", "/data/tool", Parents::MustExist));
  EXPECT_EQ(fs.read_file("/data/tool").value(), "bottom tool");
  EXPECT_EQ(stat_of("/data/tool").ino, ino);
  EXPECT_FALSE(fs.stat("/opt/tool", false));
  EXPECT_EQ(list("/opt"), std::vector<std::string>{});

  // A merged directory moves whole: lower children of both layers and upper children.
  ASSERT_TRUE(fs.write_file("/shared/upper-child", "u", Parents::MustExist));
  ASSERT_TRUE(fs.remove_file("/shared/from-top"));
  ASSERT_TRUE(fs.rename("/shared", "/moved", Parents::MustExist));
  EXPECT_EQ(list("/moved"), (std::vector<std::string>{"from-bottom", "upper-child"}));
  EXPECT_EQ(stat_of("/moved").mode, 040700u);
  EXPECT_FALSE(fs.stat("/shared", false));
  // Moving it back over its own whiteout: nothing of the lowers' /shared shows through.
  ASSERT_TRUE(fs.rename("/moved", "/shared", Parents::MustExist));
  EXPECT_EQ(list("/shared"), (std::vector<std::string>{"from-bottom", "upper-child"}));
  EXPECT_FALSE(fs.stat("/shared/from-top", false));

  // Replacing a lower file, and an empty lower directory.
  ASSERT_TRUE(fs.write_file("/new", "fresh", Parents::MustExist));
  ASSERT_TRUE(fs.rename("/new", "/etc/hostname", Parents::MustExist));
  EXPECT_EQ(fs.read_file("/etc/hostname").value(), "fresh");
  ASSERT_TRUE(fs.mkdir("/dir", Parents::MustExist, false));
  ASSERT_TRUE(fs.rename("/dir", "/empty-lower", Parents::MustExist));
  EXPECT_TRUE(stat_of("/empty-lower").is_directory);

  EXPECT_EQ(error_of(fs.rename("/etc", "/etc/x", Parents::MustExist)),
            "EINVAL: cannot move '/etc' into its own descendant '/etc/x'");
  EXPECT_EQ(error_of(fs.rename("/etc/hostname", "/etc", Parents::MustExist)),
            "EISDIR: illegal operation on a directory, rename '/etc'");
  EXPECT_EQ(error_of(fs.rename("/etc", "/data/big", Parents::MustExist)),
            "ENOTDIR: not a directory, rename '/data/big'");
  EXPECT_EQ(error_of(fs.rename("/empty-lower", "/etc", Parents::MustExist)),
            "ENOTEMPTY: directory not empty, rmdir '/etc'");
  EXPECT_EQ(error_of(fs.rename("/etc/hostname", "/nowhere/x", Parents::MustExist)), "ENOENT: no such file: /nowhere");
  EXPECT_EQ(error_of(fs.rename("/missing", "/x", Parents::MustExist)), "ENOENT: no such file: /missing");
  EXPECT_TRUE(fs.rename("/etc/hostname", "/etc/hostname", Parents::MustExist));
}

TEST_F(OverlayFileSystemTest, InodeNumbersAreStable) {
  const FileStat top_hostname = stat_of("/etc/hostname");
  EXPECT_EQ(stat_of("/etc/hostname").ino, top_hostname.ino);
  EXPECT_NE(stat_of("/opt/tool").ino, top_hostname.ino);
  std::set<uint64_t> numbers;
  for (const char* path : {"/", "/etc", "/etc/hostname", "/opt", "/opt/tool", "/shared", "/shared/from-top",
                           "/shared/from-bottom", "/data/big"}) {
    EXPECT_TRUE(numbers.insert(stat_of(path, false).ino).second) << path;
  }
  ASSERT_TRUE(fs.write_file("/created", "", Parents::MustExist));
  EXPECT_TRUE(numbers.insert(stat_of("/created").ino).second);
  ASSERT_TRUE(fs.chmod("/etc", 0700, true));
  EXPECT_EQ(stat_of("/etc/hostname").ino, top_hostname.ino);
  // Another overlay over the same layers numbers them the same way.
  OverlayFileSystem other({top, bottom});
  EXPECT_EQ(other.stat("/etc/hostname", true)->ino, top_hostname.ino);
  EXPECT_NE(other.device_id(), fs.device_id());
}

TEST_F(OverlayFileSystemTest, UsageCountsTheMergedView) {
  // "/" + etc, hostname, link-to-bottom, relative, shared, from-top, from-bottom, data, big, replaced,
  // opt, tool, empty-lower.
  const FsUsage initial = fs.usage();
  EXPECT_EQ(initial.inodes, 14u);
  EXPECT_EQ(initial.bytes, 4u + 1 + 1 + 1000 + 9 + 8 + 23 + 11);
  ASSERT_TRUE(fs.write_file("/etc/hostname", "longer hostname\n", Parents::MustExist));
  EXPECT_EQ(fs.usage().bytes, initial.bytes - 4 + 16);
  EXPECT_EQ(fs.usage().inodes, initial.inodes);  // a copy-up changes nothing
  ASSERT_TRUE(fs.chmod("/shared", 0700, true));
  EXPECT_EQ(fs.usage().inodes, initial.inodes);
  ASSERT_TRUE(fs.remove_dir("/shared", true));
  EXPECT_EQ(fs.usage().inodes, initial.inodes - 3);
  ASSERT_TRUE(fs.remove_file("/data/big"));
  EXPECT_EQ(fs.usage().bytes, initial.bytes - 4 + 16 - 2 - 1000);
  ASSERT_TRUE(fs.rename("/opt", "/opt2", Parents::MustExist));
  EXPECT_EQ(fs.usage().inodes, initial.inodes - 4);
  ASSERT_TRUE(fs.write_file("/a/b/c", "123", Parents::Create));
  EXPECT_EQ(fs.usage().inodes, initial.inodes - 1);
}

TEST_F(OverlayFileSystemTest, LimitsCoverTheMergedView) {
  const FsUsage initial = fs.usage();
  fs.set_limits(FsLimits{initial.bytes + 10, initial.inodes + 1});
  EXPECT_EQ(error_of(fs.write_file("/etc/hostname", std::string(15, 'x'), Parents::MustExist)),
            "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(fs.read_file("/etc/hostname").value(), "top\n");
  ASSERT_TRUE(fs.write_file("/etc/hostname", std::string(14, 'x'), Parents::MustExist));  // exactly at the limit
  ASSERT_TRUE(fs.write_file("/one-more", "", Parents::MustExist));
  EXPECT_EQ(error_of(fs.mkdir("/d", Parents::MustExist, false)), "ENOSPC: maximum inode count limit reached");
  // At both limits, copy-ups still work: they move an entry, they add nothing.
  ASSERT_TRUE(fs.chmod("/opt/tool", 0700, true));
  ASSERT_TRUE(fs.link("/shared/from-bottom", "/shared/second-name", Parents::MustExist));
  ASSERT_TRUE(fs.rename("/data", "/data2", Parents::MustExist));
  ASSERT_TRUE(fs.remove_file("/data2/big"));
  EXPECT_TRUE(fs.write_file("/after-freeing", std::string(1000, 'y'), Parents::MustExist));
}

TEST_F(OverlayFileSystemTest, OverlaysSharingALayerDoNotSeeEachOther) {
  OverlayFileSystem other({top, bottom});
  ASSERT_TRUE(fs.write_file("/etc/hostname", "mine\n", Parents::MustExist));
  ASSERT_TRUE(fs.remove_dir("/shared", true));
  ASSERT_TRUE(fs.write_file("/workspace/only-here", "x", Parents::Create));
  EXPECT_EQ(other.read_file("/etc/hostname").value(), "top\n");
  EXPECT_EQ(other.read_dir("/shared", 10)->size(), 2u);
  EXPECT_FALSE(other.stat("/workspace", true));
  EXPECT_EQ(other.usage().inodes, 14u);
  // The layer is shared, not copied: the fixture and the two overlays hold it.
  EXPECT_EQ(top.use_count(), 3);
}

TEST_F(OverlayFileSystemTest, CreatesFollowTheMemoryFileSystemRules) {
  EXPECT_EQ(error_of(fs.mkdir("/etc", Parents::MustExist, false)), "EEXIST: file exists: /etc");
  EXPECT_TRUE(fs.mkdir("/etc", Parents::MustExist, true));
  EXPECT_EQ(error_of(fs.mkdir("/etc/hostname", Parents::MustExist, true)), "EEXIST: file exists: /etc/hostname");
  EXPECT_EQ(error_of(fs.mkdir("/x/y", Parents::MustExist, false)), "ENOENT: no such file or directory, mkdir '/x/y'");
  EXPECT_EQ(error_of(fs.write_file("/x/y", "", Parents::MustExist)), "ENOENT: no such file or directory, open '/x/y'");
  EXPECT_EQ(error_of(fs.write_file("/etc", "", Parents::MustExist)),
            "EISDIR: illegal operation on a directory, open '/etc'");
  EXPECT_EQ(error_of(fs.write_file("/etc/hostname/x", "", Parents::Create)),
            "ENOTDIR: not a directory: /etc/hostname/x");
  EXPECT_EQ(error_of(fs.symlink("/x", "/etc/hostname", Parents::MustExist)),
            "EEXIST: file already exists, symlink '/etc/hostname'");
  EXPECT_EQ(error_of(fs.link("/etc", "/l", Parents::MustExist)), "EPERM: operation not permitted, link '/etc'");
  EXPECT_EQ(error_of(fs.link("/etc/hostname", "/opt/tool", Parents::MustExist)),
            "EEXIST: file already exists, link '/opt/tool'");
  EXPECT_EQ(error_of(fs.read_link("/etc/hostname")), "EINVAL: invalid argument, readlink '/etc/hostname'");
  EXPECT_EQ(error_of(fs.read_dir("/etc/hostname", 10)), "ENOTDIR: not a directory, scandir '/etc/hostname'");
  EXPECT_EQ(error_of(fs.read_dir("/shared", 1)),
            "ENOMEM: directory listing for '/shared' exceeds configured limit of 1 entries");
  EXPECT_EQ(fs.resolve_destination("/etc/link-to-bottom/x", true).value(), "/opt/tool/x");
  EXPECT_EQ(fs.resolve_destination("/etc/hostname/x/y", false).value(), "/etc/hostname/x/y");
  EXPECT_EQ(fs.pread("/data/big", 998, 10).value(), "bb");
  ASSERT_TRUE(fs.symlink("/loop-b", "/loop-a", Parents::MustExist));
  ASSERT_TRUE(fs.symlink("/loop-a", "/loop-b", Parents::MustExist));
  EXPECT_EQ(error_of(fs.stat("/loop-a", true)), "ELOOP: too many levels of symbolic links");
}

TEST_F(OverlayFileSystemTest, ExportIsTheMergedTree) {
  ASSERT_TRUE(fs.write_file("/etc/hostname", "exported\n", Parents::MustExist));
  ASSERT_TRUE(fs.remove_file("/shared/from-bottom"));
  const std::vector<FsEntry> entries = fs.export_entries();
  std::vector<std::string> paths;
  for (const FsEntry& entry : entries) paths.push_back(entry.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/", "/data", "/data/big", "/empty-lower", "/etc", "/etc/hostname",
                                             "/etc/link-to-bottom", "/etc/relative", "/opt", "/opt/tool", "/replaced",
                                             "/shared", "/shared/from-top"}));
  EXPECT_EQ(entries[5].content, "exported\n");
  EXPECT_EQ(entries[6].target, "/opt/tool");
  EXPECT_EQ(entries[11].mode, 040700u);
  // Re-importing the export as a single layer gives the same tree.
  OverlayFileSystem reimported({layer(entries)});
  EXPECT_EQ(reimported.export_entries(), entries);
}

}  // namespace
}  // namespace se::kernel::vfs
