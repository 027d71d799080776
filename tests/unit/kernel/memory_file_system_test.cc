#include "kernel/vfs/memory_file_system.h"

#include <gtest/gtest.h>

#include <string>

namespace se::kernel::vfs {
namespace {

uint64_t fake_now = 0;
uint64_t fake_clock() {
  return fake_now;
}

template <typename T>
std::string error_of(const ErrorOr<T>& result) {
  return result ? std::string("<no error>") : result.error().to_string();
}

class MemoryFileSystemTest : public ::testing::Test {
 protected:
  MemoryFileSystemTest() { fake_now = 1000; }

  void write(std::string_view path, std::string_view data) {
    ASSERT_TRUE(fs.write_file(path, data, Parents::Create)) << path;
  }

  MemoryFileSystem fs{fake_clock};
};

TEST_F(MemoryFileSystemTest, StartsWithARootOwnedRoot) {
  auto root = fs.stat("/", true);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->mode, 040755u);
  EXPECT_TRUE(root->is_directory);
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->ino, 1u);
  EXPECT_EQ(fs.usage().inodes, 1u);
  EXPECT_EQ(fs.usage().bytes, 0u);
}

TEST_F(MemoryFileSystemTest, StatReportsLinuxShapedFields) {
  write("/f", std::string(513, 'x'));
  auto file = fs.stat("/f", true);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->mode, 0100644u);
  EXPECT_EQ(file->size, 513u);
  EXPECT_EQ(file->blocks, 2u);
  EXPECT_EQ(file->nlink, 1u);
  EXPECT_EQ(file->uid, 1000u);
  EXPECT_EQ(file->gid, 1000u);
  EXPECT_EQ(file->dev, fs.device_id());
  EXPECT_EQ(file->rdev, 0u);
  EXPECT_EQ(file->birthtime_ms, 1000u);
  EXPECT_FALSE(file->is_directory);
  EXPECT_FALSE(file->is_symbolic_link);

  ASSERT_TRUE(fs.mkdir("/d", Parents::MustExist, false));
  auto directory = fs.stat("/d", true);
  EXPECT_EQ(directory->mode, 040755u);
  EXPECT_EQ(directory->size, 4096u);
  EXPECT_EQ(directory->blocks, 8u);
  EXPECT_EQ(directory->nlink, 2u);

  ASSERT_TRUE(fs.symlink("/f", "/l", Parents::MustExist));
  auto link = fs.stat("/l", false);
  EXPECT_EQ(link->mode, 0120777u);
  EXPECT_EQ(link->size, 2u);
  EXPECT_EQ(link->blocks, 1u);
  EXPECT_TRUE(link->is_symbolic_link);
  EXPECT_EQ(fs.stat("/l", true)->ino, file->ino);

  write("/empty", "");
  EXPECT_EQ(fs.stat("/empty", true)->blocks, 0u);
}

TEST_F(MemoryFileSystemTest, DirectoriesKeepTwoLinksWhateverTheirChildren) {
  ASSERT_TRUE(fs.mkdir("/d/a/b", Parents::Create, false));
  ASSERT_TRUE(fs.mkdir("/d/c", Parents::Create, false));
  EXPECT_EQ(fs.stat("/d", true)->nlink, 2u);
  ASSERT_TRUE(fs.remove_dir("/d/c", false));
  EXPECT_EQ(fs.stat("/d", true)->nlink, 2u);
}

TEST_F(MemoryFileSystemTest, InodeNumbersAreNeverReused) {
  write("/a", "1");
  const uint64_t first = fs.stat("/a", true)->ino;
  ASSERT_TRUE(fs.remove_file("/a"));
  write("/a", "1");
  EXPECT_GT(fs.stat("/a", true)->ino, first);
}

TEST_F(MemoryFileSystemTest, EachInstanceHasItsOwnDevice) {
  MemoryFileSystem other;
  EXPECT_NE(other.device_id(), fs.device_id());
}

TEST_F(MemoryFileSystemTest, WriteCreatesReplacesAndReadsBack) {
  write("/f", "hello");
  EXPECT_EQ(fs.read_file("/f").value(), "hello");
  const uint64_t ino = fs.stat("/f", true)->ino;
  ASSERT_TRUE(fs.chmod("/f", 0600, true));
  write("/f", "bye");
  EXPECT_EQ(fs.read_file("/f").value(), "bye");
  EXPECT_EQ(fs.stat("/f", true)->ino, ino);
  EXPECT_EQ(fs.stat("/f", true)->mode, 0100600u);  // mode and owner survive a rewrite
}

TEST_F(MemoryFileSystemTest, ParentsMustExistForLinuxStyleCreates) {
  EXPECT_EQ(error_of(fs.write_file("/a/b", "x", Parents::MustExist)), "ENOENT: no such file or directory, open '/a/b'");
  EXPECT_EQ(error_of(fs.mkdir("/a/b", Parents::MustExist, false)), "ENOENT: no such file or directory, mkdir '/a/b'");
  EXPECT_EQ(error_of(fs.symlink("/t", "/a/b", Parents::MustExist)),
            "ENOENT: no such file or directory, symlink '/a/b'");
  write("/f", "x");
  EXPECT_EQ(error_of(fs.link("/f", "/a/b", Parents::MustExist)), "ENOENT: no such file or directory, link '/a/b'");
  EXPECT_EQ(error_of(fs.rename("/f", "/a/b", Parents::MustExist)), "ENOENT: no such file: /a");
  EXPECT_EQ(fs.usage().inodes, 2u);  // nothing was created
  ASSERT_TRUE(fs.mkdir("/a", Parents::MustExist, false));
  EXPECT_TRUE(fs.write_file("/a/b", "x", Parents::MustExist));
}

TEST_F(MemoryFileSystemTest, CreatesWithParentsMakeDefaultDirectories) {
  write("/x/y/z/f", "data");
  auto stat = fs.stat("/x/y", true);
  EXPECT_EQ(stat->mode, 040755u);
  EXPECT_EQ(stat->uid, 1000u);
  EXPECT_EQ(fs.usage().inodes, 5u);
}

TEST_F(MemoryFileSystemTest, ComponentThatIsAFileIsNotADirectory) {
  write("/f", "x");
  EXPECT_EQ(error_of(fs.read_file("/f/x")), "ENOTDIR: not a directory: /f/x");
  EXPECT_EQ(error_of(fs.stat("/f/x", false)), "ENOTDIR: not a directory: /f/x");
  EXPECT_EQ(error_of(fs.write_file("/f/x", "y", Parents::Create)), "ENOTDIR: not a directory: /f/x");
  EXPECT_EQ(error_of(fs.mkdir("/f/x/y", Parents::Create, true)), "ENOTDIR: not a directory: /f/x/y");
}

TEST_F(MemoryFileSystemTest, SymlinksResolveRelativeAndAbsoluteTargets) {
  ASSERT_TRUE(fs.mkdir("/data/sub", Parents::Create, false));
  write("/data/sub/f", "content");
  ASSERT_TRUE(fs.symlink("/data", "/abs", Parents::MustExist));
  ASSERT_TRUE(fs.symlink("sub/f", "/data/rel", Parents::MustExist));
  ASSERT_TRUE(fs.symlink("../sub", "/data/sub/up", Parents::MustExist));
  EXPECT_EQ(fs.read_file("/abs/sub/f").value(), "content");
  EXPECT_EQ(fs.read_file("/data/rel").value(), "content");
  EXPECT_EQ(fs.read_file("/abs/rel").value(), "content");
  EXPECT_EQ(fs.realpath("/abs/rel").value(), "/data/sub/f");
  EXPECT_EQ(fs.realpath("/data/sub/up/up/f").value(), "/data/sub/f");
  EXPECT_EQ(fs.read_link("/data/rel").value(), "sub/f");
}

TEST_F(MemoryFileSystemTest, DotDotIsLexicalBeforeSymlinks) {
  ASSERT_TRUE(fs.mkdir("/target/inner", Parents::Create, false));
  ASSERT_TRUE(fs.symlink("/target/inner", "/link", Parents::MustExist));
  write("/other", "root-level");
  // "/link/../other" is "/other" lexically, not "/target/other".
  EXPECT_EQ(fs.read_file("/other").value(), "root-level");
}

TEST_F(MemoryFileSystemTest, SymlinkChainsUpToFortyExpansionsResolve) {
  write("/target", "end");
  ASSERT_TRUE(fs.symlink("/target", "/l0", Parents::MustExist));
  for (int i = 1; i < 40; ++i) {
    ASSERT_TRUE(fs.symlink("/l" + std::to_string(i - 1), "/l" + std::to_string(i), Parents::MustExist));
  }
  EXPECT_EQ(fs.read_file("/l39").value(), "end");  // 40 expansions
  ASSERT_TRUE(fs.symlink("/l39", "/l40", Parents::MustExist));
  EXPECT_EQ(error_of(fs.read_file("/l40")), "ELOOP: too many levels of symbolic links");
  EXPECT_TRUE(fs.stat("/l40", false));  // the link itself is fine
}

TEST_F(MemoryFileSystemTest, SymlinkLoopsAreELoop) {
  ASSERT_TRUE(fs.symlink("/b", "/a", Parents::MustExist));
  ASSERT_TRUE(fs.symlink("/a", "/b", Parents::MustExist));
  ASSERT_TRUE(fs.symlink("self", "/self", Parents::MustExist));
  EXPECT_EQ(error_of(fs.stat("/a", true)), "ELOOP: too many levels of symbolic links");
  EXPECT_EQ(error_of(fs.realpath("/self")), "ELOOP: too many levels of symbolic links");
  EXPECT_EQ(error_of(fs.write_file("/a/x", "y", Parents::Create)), "ELOOP: too many levels of symbolic links");
  EXPECT_EQ(error_of(fs.resolve_destination("/a/x", false)), "ELOOP: too many levels of symbolic links");
  EXPECT_TRUE(fs.remove_file("/a"));
}

TEST_F(MemoryFileSystemTest, DanglingSymlinksAreHarmless) {
  ASSERT_TRUE(fs.symlink("/nowhere", "/dangle", Parents::MustExist));
  EXPECT_TRUE(fs.stat("/dangle", false)->is_symbolic_link);
  EXPECT_EQ(fs.read_link("/dangle").value(), "/nowhere");
  EXPECT_EQ(error_of(fs.stat("/dangle", true)), "ENOENT: no such file: /dangle");
  EXPECT_EQ(error_of(fs.read_file("/dangle")), "ENOENT: no such file: /dangle");
  EXPECT_EQ(error_of(fs.realpath("/dangle")), "ENOENT: no such file: /dangle");
  // Nothing else is affected.
  write("/other", "x");
  EXPECT_EQ(fs.read_dir("/", 100).value(), (std::vector<std::string>{"dangle", "other"}));
  // Writing through it creates the target and its parents.
  ASSERT_TRUE(fs.symlink("/made/here", "/dangle2", Parents::MustExist));
  write("/dangle2", "through");
  EXPECT_EQ(fs.read_file("/made/here").value(), "through");
  EXPECT_TRUE(fs.remove_file("/dangle"));
  EXPECT_EQ(error_of(fs.stat("/dangle", false)), "ENOENT: no such file: /dangle");
}

TEST_F(MemoryFileSystemTest, SymlinkRejectsExistingNamesAndEmptyTargets) {
  write("/f", "x");
  EXPECT_EQ(error_of(fs.symlink("/t", "/f", Parents::Create)), "EEXIST: file already exists, symlink '/f'");
  ASSERT_TRUE(fs.symlink("/nowhere", "/dangle", Parents::Create));
  EXPECT_EQ(error_of(fs.symlink("/t", "/dangle", Parents::Create)), "EEXIST: file already exists, symlink '/dangle'");
  EXPECT_EQ(error_of(fs.symlink("", "/empty", Parents::Create)), "ENOENT: no such file or directory, symlink '/empty'");
}

TEST_F(MemoryFileSystemTest, ReadLinkOfANonLinkIsEInval) {
  write("/f", "x");
  EXPECT_EQ(error_of(fs.read_link("/f")), "EINVAL: invalid argument, readlink '/f'");
  EXPECT_EQ(error_of(fs.read_link("/missing")), "ENOENT: no such file: /missing");
}

TEST_F(MemoryFileSystemTest, HardLinksShareDataAndMetadata) {
  write("/a", "shared");
  ASSERT_TRUE(fs.link("/a", "/dir/b", Parents::Create));
  auto a = fs.stat("/a", true);
  auto b = fs.stat("/dir/b", true);
  EXPECT_EQ(a->ino, b->ino);
  EXPECT_EQ(a->nlink, 2u);
  write("/dir/b", "changed");
  EXPECT_EQ(fs.read_file("/a").value(), "changed");
  ASSERT_TRUE(fs.chmod("/a", 0600, true));
  EXPECT_EQ(fs.stat("/dir/b", true)->mode, 0100600u);
  const uint64_t bytes = fs.usage().bytes;
  ASSERT_TRUE(fs.remove_file("/a"));
  EXPECT_EQ(fs.read_file("/dir/b").value(), "changed");
  EXPECT_EQ(fs.stat("/dir/b", true)->nlink, 1u);
  EXPECT_EQ(fs.usage().bytes, bytes);  // the data is still referenced
  ASSERT_TRUE(fs.remove_file("/dir/b"));
  EXPECT_EQ(fs.usage().bytes, 0u);
}

TEST_F(MemoryFileSystemTest, LinkFollowsASymlinkSourceAndRejectsDirectories) {
  write("/target", "x");
  ASSERT_TRUE(fs.symlink("/target", "/sym", Parents::MustExist));
  ASSERT_TRUE(fs.link("/sym", "/hard", Parents::MustExist));
  EXPECT_EQ(fs.stat("/hard", false)->ino, fs.stat("/target", false)->ino);
  ASSERT_TRUE(fs.mkdir("/d", Parents::MustExist, false));
  EXPECT_EQ(error_of(fs.link("/d", "/d2", Parents::MustExist)), "EPERM: operation not permitted, link '/d'");
  EXPECT_EQ(error_of(fs.link("/target", "/hard", Parents::MustExist)), "EEXIST: file already exists, link '/hard'");
  EXPECT_EQ(error_of(fs.link("/missing", "/x", Parents::MustExist)), "ENOENT: no such file: /missing");
}

TEST_F(MemoryFileSystemTest, RenameMovesEntriesAndKeepsInodes) {
  write("/a/f", "x");
  const uint64_t ino = fs.stat("/a/f", true)->ino;
  fake_now = 2000;
  ASSERT_TRUE(fs.rename("/a/f", "/b/g", Parents::Create));
  EXPECT_EQ(error_of(fs.stat("/a/f", true)), "ENOENT: no such file: /a/f");
  auto moved = fs.stat("/b/g", true);
  EXPECT_EQ(moved->ino, ino);
  EXPECT_EQ(moved->ctime_ms, 2000u);
  EXPECT_EQ(moved->mtime_ms, 1000u);

  ASSERT_TRUE(fs.rename("/a", "/c", Parents::Create));
  EXPECT_TRUE(fs.stat("/c", true)->is_directory);
}

TEST_F(MemoryFileSystemTest, RenameMovesWholeSubtrees) {
  write("/src/x/y/f", "deep");
  ASSERT_TRUE(fs.rename("/src", "/dst", Parents::Create));
  EXPECT_EQ(fs.read_file("/dst/x/y/f").value(), "deep");
  EXPECT_FALSE(fs.stat("/src", false));
}

TEST_F(MemoryFileSystemTest, RenameReplacesFilesAndEmptyDirectories) {
  write("/a", "new");
  write("/b", "old");
  const uint64_t inodes = fs.usage().inodes;
  ASSERT_TRUE(fs.rename("/a", "/b", Parents::Create));
  EXPECT_EQ(fs.read_file("/b").value(), "new");
  EXPECT_EQ(fs.usage().inodes, inodes - 1);
  EXPECT_EQ(fs.usage().bytes, 3u);

  ASSERT_TRUE(fs.mkdir("/d1/inner", Parents::Create, false));
  ASSERT_TRUE(fs.mkdir("/d2", Parents::Create, false));
  ASSERT_TRUE(fs.rename("/d1", "/d2", Parents::Create));
  EXPECT_TRUE(fs.stat("/d2/inner", true));
}

TEST_F(MemoryFileSystemTest, RenameFollowsLinuxTypeRules) {
  write("/f", "x");
  write("/full/child", "x");
  ASSERT_TRUE(fs.mkdir("/empty", Parents::Create, false));
  ASSERT_TRUE(fs.mkdir("/d", Parents::Create, false));
  EXPECT_EQ(error_of(fs.rename("/f", "/empty", Parents::Create)),
            "EISDIR: illegal operation on a directory, rename '/empty'");
  EXPECT_EQ(error_of(fs.rename("/d", "/f", Parents::Create)), "ENOTDIR: not a directory, rename '/f'");
  EXPECT_EQ(error_of(fs.rename("/d", "/full", Parents::Create)), "ENOTEMPTY: directory not empty, rmdir '/full'");
  EXPECT_EQ(error_of(fs.rename("/d", "/d/sub", Parents::Create)),
            "EINVAL: cannot move '/d' into its own descendant '/d/sub'");
  EXPECT_EQ(error_of(fs.rename("/missing", "/x", Parents::Create)), "ENOENT: no such file: /missing");
  EXPECT_EQ(error_of(fs.rename("/", "/x", Parents::Create)), "EPERM: operation not permitted, rename '/'");
  EXPECT_EQ(error_of(fs.rename("/f", "/", Parents::Create)), "EISDIR: illegal operation on a directory, rename '/'");
  EXPECT_EQ(error_of(fs.rename("/d", "/f/x", Parents::Create)), "ENOTDIR: not a directory: /f/x");
  // Through a symlink, the own-subtree check still applies.
  ASSERT_TRUE(fs.symlink("/d", "/alias", Parents::Create));
  EXPECT_EQ(error_of(fs.rename("/d", "/alias/x", Parents::Create)),
            "EINVAL: cannot move '/d' into its own descendant '/alias/x'");
  EXPECT_TRUE(fs.stat("/d", true));
}

TEST_F(MemoryFileSystemTest, RenameOntoItselfOrAnotherHardLinkIsANoOp) {
  write("/a", "x");
  ASSERT_TRUE(fs.link("/a", "/b", Parents::Create));
  EXPECT_TRUE(fs.rename("/a", "/a", Parents::Create));
  EXPECT_TRUE(fs.rename("/a", "/b", Parents::Create));
  EXPECT_TRUE(fs.stat("/a", true));
  EXPECT_EQ(fs.stat("/b", true)->nlink, 2u);
}

TEST_F(MemoryFileSystemTest, RenameMovesSymlinksNotTheirTargets) {
  write("/t", "x");
  ASSERT_TRUE(fs.symlink("/t", "/l", Parents::Create));
  ASSERT_TRUE(fs.rename("/l", "/m", Parents::Create));
  EXPECT_TRUE(fs.stat("/m", false)->is_symbolic_link);
  EXPECT_EQ(fs.read_file("/t").value(), "x");
}

TEST_F(MemoryFileSystemTest, RemoveFileAndRemoveDir) {
  write("/d/f", "x");
  EXPECT_EQ(error_of(fs.remove_file("/d")), "EISDIR: illegal operation on a directory, unlink '/d'");
  EXPECT_EQ(error_of(fs.remove_file("/missing")), "ENOENT: no such file: /missing");
  EXPECT_EQ(error_of(fs.remove_dir("/d", false)), "ENOTEMPTY: directory not empty, rmdir '/d'");
  EXPECT_EQ(error_of(fs.remove_dir("/d/f", false)), "ENOTDIR: not a directory: /d/f");
  EXPECT_EQ(error_of(fs.remove_dir("/missing", false)), "ENOENT: no such directory: /missing");
  EXPECT_EQ(error_of(fs.remove_dir("/", true)), "EPERM: operation not permitted, rmdir '/'");
  ASSERT_TRUE(fs.remove_file("/d/f"));
  ASSERT_TRUE(fs.remove_dir("/d", false));
  EXPECT_EQ(fs.usage().inodes, 1u);
}

TEST_F(MemoryFileSystemTest, RemoveDirDoesNotFollowAFinalSymlink) {
  ASSERT_TRUE(fs.mkdir("/d", Parents::Create, false));
  ASSERT_TRUE(fs.symlink("/d", "/l", Parents::Create));
  EXPECT_EQ(error_of(fs.remove_dir("/l", true)), "ENOTDIR: not a directory: /l");
  EXPECT_TRUE(fs.remove_file("/l"));
  EXPECT_TRUE(fs.stat("/d", true));
}

TEST_F(MemoryFileSystemTest, RecursiveRemoveReleasesTheSubtree) {
  write("/keep", "outside");
  write("/tree/a/b/f", "12345");
  ASSERT_TRUE(fs.link("/keep", "/tree/a/hard", Parents::Create));
  ASSERT_TRUE(fs.symlink("/keep", "/tree/l", Parents::Create));
  ASSERT_TRUE(fs.remove_dir("/tree", true));
  EXPECT_FALSE(fs.stat("/tree", false));
  EXPECT_EQ(fs.read_file("/keep").value(), "outside");
  EXPECT_EQ(fs.stat("/keep", true)->nlink, 1u);
  EXPECT_EQ(fs.usage().inodes, 2u);
  EXPECT_EQ(fs.usage().bytes, 7u);
}

TEST_F(MemoryFileSystemTest, MkdirExistingRules) {
  ASSERT_TRUE(fs.mkdir("/d", Parents::Create, false));
  EXPECT_EQ(error_of(fs.mkdir("/d", Parents::Create, false)), "EEXIST: file exists: /d");
  EXPECT_TRUE(fs.mkdir("/d", Parents::Create, true));
  write("/f", "x");
  EXPECT_EQ(error_of(fs.mkdir("/f", Parents::Create, true)), "EEXIST: file exists: /f");
  ASSERT_TRUE(fs.symlink("/d", "/to-dir", Parents::Create));
  EXPECT_TRUE(fs.mkdir("/to-dir", Parents::Create, true));
  EXPECT_EQ(error_of(fs.mkdir("/to-dir", Parents::Create, false)), "EEXIST: file exists: /to-dir");
  EXPECT_EQ(error_of(fs.mkdir("/", Parents::Create, false)), "EEXIST: file exists: /");
  EXPECT_TRUE(fs.mkdir("/", Parents::Create, true));
}

TEST_F(MemoryFileSystemTest, ReadDirListsSortedNamesAndHonoursTheLimit) {
  for (std::string_view name : {"b", "a", "C", "\xc3\xa9", "_"}) write("/d/" + std::string(name), "");
  ASSERT_TRUE(fs.mkdir("/d/sub", Parents::Create, false));
  auto names = fs.read_dir("/d", 100);
  EXPECT_EQ(names.value(), (std::vector<std::string>{"C", "_", "a", "b", "sub", "\xc3\xa9"}));
  EXPECT_TRUE(fs.read_dir("/d", 6));
  EXPECT_EQ(error_of(fs.read_dir("/d", 5)), "ENOMEM: directory listing for '/d' exceeds configured limit of 5 entries");
  EXPECT_EQ(error_of(fs.read_dir("/d/a", 100)), "ENOTDIR: not a directory, scandir '/d/a'");
  EXPECT_EQ(error_of(fs.read_dir("/nope", 100)), "ENOENT: no such file: /nope");
}

TEST_F(MemoryFileSystemTest, PreadAndTruncate) {
  write("/f", "hello");
  EXPECT_EQ(fs.pread("/f", 1, 3).value(), "ell");
  EXPECT_EQ(fs.pread("/f", 3, 100).value(), "lo");
  EXPECT_EQ(fs.pread("/f", 5, 1).value(), "");
  EXPECT_EQ(fs.pread("/f", 99, 1).value(), "");
  ASSERT_TRUE(fs.truncate("/f", 8));
  EXPECT_EQ(fs.read_file("/f").value(), std::string("hello\0\0\0", 8));
  EXPECT_EQ(fs.usage().bytes, 8u);
  ASSERT_TRUE(fs.truncate("/f", 2));
  EXPECT_EQ(fs.read_file("/f").value(), "he");
  EXPECT_EQ(fs.usage().bytes, 2u);
  ASSERT_TRUE(fs.mkdir("/d", Parents::Create, false));
  EXPECT_EQ(error_of(fs.truncate("/d", 0)), "EISDIR: illegal operation on a directory, truncate '/d'");
  EXPECT_EQ(error_of(fs.pread("/d", 0, 1)), "EISDIR: illegal operation on a directory, open '/d'");
  EXPECT_EQ(error_of(fs.truncate("/missing", 0)), "ENOENT: no such file: /missing");
}

TEST_F(MemoryFileSystemTest, ChmodKeepsTypeBitsAndChownSetsBothIds) {
  write("/f", "x");
  ASSERT_TRUE(fs.chmod("/f", 040000 | 04755, true));
  EXPECT_EQ(fs.stat("/f", true)->mode, 0104755u);
  EXPECT_FALSE(fs.stat("/f", true)->is_directory);
  ASSERT_TRUE(fs.chown("/f", 0, 42, true));
  EXPECT_EQ(fs.stat("/f", true)->uid, 0u);
  EXPECT_EQ(fs.stat("/f", true)->gid, 42u);
  ASSERT_TRUE(fs.symlink("/f", "/l", Parents::Create));
  ASSERT_TRUE(fs.chown("/l", 7, 7, false));
  EXPECT_EQ(fs.stat("/l", false)->uid, 7u);
  EXPECT_EQ(fs.stat("/f", true)->uid, 0u);
  EXPECT_EQ(error_of(fs.chmod("/missing", 0, true)), "ENOENT: no such file: /missing");
  EXPECT_EQ(error_of(fs.chown("/missing", 0, 0, true)), "ENOENT: no such file: /missing");
}

TEST_F(MemoryFileSystemTest, TimestampsFollowLinux) {
  write("/f", "x");
  ASSERT_TRUE(fs.mkdir("/d", Parents::Create, false));
  auto created = fs.stat("/f", true).value();
  EXPECT_EQ(created.atime_ms, 1000u);
  EXPECT_EQ(created.mtime_ms, 1000u);
  EXPECT_EQ(created.ctime_ms, 1000u);

  fake_now = 2000;
  ASSERT_TRUE(fs.read_file("/f"));
  auto read = fs.stat("/f", true).value();
  EXPECT_EQ(read.atime_ms, 2000u);
  EXPECT_EQ(read.mtime_ms, 1000u);
  EXPECT_EQ(read.ctime_ms, 1000u);

  fake_now = 3000;
  write("/f", "y");
  auto written = fs.stat("/f", true).value();
  EXPECT_EQ(written.atime_ms, 2000u);
  EXPECT_EQ(written.mtime_ms, 3000u);
  EXPECT_EQ(written.ctime_ms, 3000u);
  EXPECT_EQ(written.birthtime_ms, 1000u);

  fake_now = 4000;
  ASSERT_TRUE(fs.chmod("/f", 0600, true));
  EXPECT_EQ(fs.stat("/f", true)->ctime_ms, 4000u);
  EXPECT_EQ(fs.stat("/f", true)->mtime_ms, 3000u);

  fake_now = 5000;
  ASSERT_TRUE(fs.utimes("/f", 111, 222));
  auto touched = fs.stat("/f", true).value();
  EXPECT_EQ(touched.atime_ms, 111u);
  EXPECT_EQ(touched.mtime_ms, 222u);
  EXPECT_EQ(touched.ctime_ms, 5000u);

  fake_now = 6000;
  ASSERT_TRUE(fs.truncate("/f", 0));
  EXPECT_EQ(fs.stat("/f", true)->mtime_ms, 6000u);

  fake_now = 7000;
  ASSERT_TRUE(fs.read_dir("/d", 10));
  EXPECT_EQ(fs.stat("/d", true)->atime_ms, 7000u);

  fake_now = 8000;
  ASSERT_TRUE(fs.link("/f", "/g", Parents::Create));
  EXPECT_EQ(fs.stat("/f", true)->ctime_ms, 8000u);
  fake_now = 9000;
  ASSERT_TRUE(fs.remove_file("/g"));
  EXPECT_EQ(fs.stat("/f", true)->ctime_ms, 9000u);

  // Creating children does not touch the parent (reference behaviour).
  fake_now = 10000;
  write("/d/child", "x");
  EXPECT_EQ(fs.stat("/d", true)->mtime_ms, 1000u);
}

TEST_F(MemoryFileSystemTest, ResolveDestinationResolvesExistingParents) {
  ASSERT_TRUE(fs.mkdir("/real", Parents::Create, false));
  ASSERT_TRUE(fs.symlink("/real", "/alias", Parents::Create));
  write("/real/file", "x");
  EXPECT_EQ(fs.resolve_destination("/alias/new", false).value(), "/real/new");
  EXPECT_EQ(fs.resolve_destination("/alias/missing/deeper", false).value(), "/real/missing/deeper");
  EXPECT_EQ(fs.resolve_destination("/alias", false).value(), "/alias");
  EXPECT_EQ(fs.resolve_destination("/alias", true).value(), "/real");
  EXPECT_EQ(fs.resolve_destination("/alias/file/x", false).value(), "/real/file/x");
  EXPECT_EQ(fs.resolve_destination("/", false).value(), "/");
  ASSERT_TRUE(fs.symlink("/real/not-yet", "/dangle", Parents::Create));
  EXPECT_EQ(fs.resolve_destination("/dangle", false).value(), "/dangle");
  EXPECT_EQ(fs.resolve_destination("/dangle", true).value(), "/real/not-yet");
}

TEST_F(MemoryFileSystemTest, LimitsRejectGrowthWithoutSideEffects) {
  fs.set_limits(FsLimits{10, 4});
  write("/a", "12345");
  EXPECT_EQ(error_of(fs.write_file("/b", "123456", Parents::Create)), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_FALSE(fs.stat("/b", false));
  write("/b", "12345");  // exactly at the byte limit
  EXPECT_EQ(fs.usage().bytes, 10u);
  EXPECT_EQ(error_of(fs.truncate("/a", 6)), "ENOSPC: maximum filesystem size limit reached");
  EXPECT_EQ(error_of(fs.write_file("/a", "123456", Parents::Create)), "ENOSPC: maximum filesystem size limit reached");
  write("/a", "1");  // shrinking is always possible
  EXPECT_EQ(fs.usage().bytes, 6u);
  EXPECT_EQ(error_of(fs.mkdir("/x/y", Parents::Create, false)), "ENOSPC: maximum inode count limit reached");
  EXPECT_FALSE(fs.stat("/x", false));
  ASSERT_TRUE(fs.mkdir("/x", Parents::Create, false));  // 4 inodes: the limit exactly
  EXPECT_EQ(error_of(fs.symlink("/a", "/l", Parents::Create)), "ENOSPC: maximum inode count limit reached");
  EXPECT_TRUE(fs.link("/a", "/x/hard", Parents::Create));  // no new inode
  EXPECT_EQ(error_of(fs.rename("/a", "/new/a", Parents::Create)), "ENOSPC: maximum inode count limit reached");
}

TEST_F(MemoryFileSystemTest, SingleStepAccessByInodeNumber) {
  write("/d/b", "bytes");
  write("/d/a", "");
  ASSERT_TRUE(fs.symlink("b", "/d/l", Parents::Create));
  const auto directory = fs.child(fs.root_ino(), "d");
  ASSERT_TRUE(directory);
  EXPECT_EQ(directory->kind, FsEntryKind::Directory);
  EXPECT_EQ(fs.child_names(directory->ino), (std::vector<std::string_view>{"a", "b", "l"}));
  EXPECT_FALSE(fs.child(directory->ino, "missing"));
  const auto link = fs.child(directory->ino, "l");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->kind, FsEntryKind::Symlink);
  EXPECT_EQ(fs.inode_data(link->ino), "b");  // not followed
  const auto file = fs.child(directory->ino, "b");
  EXPECT_EQ(fs.inode_data(file->ino), "bytes");
  EXPECT_EQ(fs.inode_stat(file->ino), fs.stat("/d/b", false).value());
}

TEST_F(MemoryFileSystemTest, ExportListsTheTreeDepthFirstWithSortedChildren) {
  write("/b/z", "zz");
  write("/b/a", "aa");
  ASSERT_TRUE(fs.mkdir("/a", Parents::Create, false));
  ASSERT_TRUE(fs.symlink("b/a", "/c", Parents::Create));
  const auto entries = fs.export_entries();
  std::vector<std::string> paths;
  for (const FsEntry& entry : entries) paths.push_back(entry.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/", "/a", "/b", "/b/a", "/b/z", "/c"}));
  EXPECT_EQ(entries[3].kind, FsEntryKind::File);
  EXPECT_EQ(entries[3].content, "aa");
  EXPECT_EQ(entries[3].mode, 0100644u);
  EXPECT_EQ(entries[5].kind, FsEntryKind::Symlink);
  EXPECT_EQ(entries[5].target, "b/a");
  EXPECT_EQ(entries[0].kind, FsEntryKind::Directory);
}

}  // namespace
}  // namespace se::kernel::vfs
