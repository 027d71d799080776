#include "kernel/vm_filesystem.h"

#include <gtest/gtest.h>

#include "vm_test_support.h"

namespace se::kernel {
namespace {

using testing::error_of;

class VmFilesystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs = testing::make_vm_filesystem(engine);
    ASSERT_TRUE(fs);
    ASSERT_TRUE(fs->mkdir("/w", false));
    ASSERT_TRUE(fs->write_file("/w/f.txt", "hello"));
  }

  PermissionEngine engine{config::PermissionsPolicy::allow_all()};
  std::unique_ptr<VmFilesystem> fs;
};

TEST_F(VmFilesystemTest, WriteAndReadFiles) {
  EXPECT_EQ(fs->read_file("/w/f.txt").value(), "hello");
  ASSERT_TRUE(fs->write_file("/w/bin.dat", std::string("\x00\xff\x01", 3)));
  EXPECT_EQ(fs->read_file("/w/bin.dat").value(), std::string("\x00\xff\x01", 3));
  ASSERT_TRUE(fs->write_file("/w/f.txt", "replaced"));
  EXPECT_EQ(fs->read_file("/w/f.txt").value(), "replaced");
}

TEST_F(VmFilesystemTest, WriteCreatesMissingParents) {
  ASSERT_TRUE(fs->write_file("/nodir/f.txt", "x"));
  EXPECT_TRUE(fs->stat("/nodir")->is_directory);
  EXPECT_EQ(error_of(fs->write_file("/w", "x")), "EISDIR: illegal operation on a directory, open '/w'");
  EXPECT_EQ(error_of(fs->write_file("/w/f.txt/x", "x")), "ENOTDIR: not a directory: /w/f.txt/x");
}

TEST_F(VmFilesystemTest, ReadErrors) {
  EXPECT_EQ(error_of(fs->read_file("/w/missing")), "ENOENT: no such file: /w/missing");
  EXPECT_EQ(error_of(fs->read_file("/w")), "EISDIR: illegal operation on a directory, open '/w'");
}

TEST_F(VmFilesystemTest, MkdirAlwaysCreatesParents) {
  ASSERT_TRUE(fs->mkdir("/x/y", false));
  EXPECT_TRUE(fs->stat("/x/y")->is_directory);
  EXPECT_EQ(error_of(fs->mkdir("/w", false)), "EEXIST: file exists: /w");
  EXPECT_TRUE(fs->mkdir("/w", true));
  EXPECT_EQ(error_of(fs->mkdir("/w/f.txt", true)), "EEXIST: file exists: /w/f.txt");
  EXPECT_TRUE(fs->mkdir("/p/q/r", true));
}

TEST_F(VmFilesystemTest, CreateDir) {
  ASSERT_TRUE(fs->create_dir("/w/cd"));
  EXPECT_EQ(error_of(fs->create_dir("/w/cd")), "EEXIST: file exists: /w/cd");
  EXPECT_EQ(fs->stat("/w/cd")->mode, 040755u);
}

TEST_F(VmFilesystemTest, StatAndLstat) {
  ASSERT_TRUE(fs->symlink("/w/f.txt", "/w/link"));
  auto file = fs->stat("/w/f.txt").value();
  EXPECT_EQ(file.mode, 33188u);
  EXPECT_EQ(file.size, 5u);
  EXPECT_EQ(file.uid, 1000u);
  auto directory = fs->stat("/w").value();
  EXPECT_EQ(directory.mode, 16877u);
  EXPECT_EQ(directory.size, 4096u);
  auto link = fs->lstat("/w/link").value();
  EXPECT_EQ(link.mode, 41471u);
  EXPECT_TRUE(link.is_symbolic_link);
  EXPECT_EQ(fs->stat("/w/link")->ino, file.ino);
  EXPECT_EQ(error_of(fs->stat("/w/nope")), "ENOENT: no such file: /w/nope");
  EXPECT_EQ(error_of(fs->lstat("/w/nope")), "ENOENT: no such file: /w/nope");
}

TEST_F(VmFilesystemTest, Exists) {
  EXPECT_TRUE(fs->exists("/w/f.txt").value());
  EXPECT_TRUE(fs->exists("/").value());
  EXPECT_FALSE(fs->exists("/w/nope").value());
  EXPECT_FALSE(fs->exists("/w/f.txt/below").value());
  ASSERT_TRUE(fs->symlink("/a", "/loop-b"));
  ASSERT_TRUE(fs->symlink("/loop-b", "/a"));
  EXPECT_FALSE(fs->exists("/a").value());
  EXPECT_FALSE(fs->exists("/a/x").value());
}

TEST_F(VmFilesystemTest, ReadDir) {
  ASSERT_TRUE(fs->write_file("/w/b", ""));
  ASSERT_TRUE(fs->mkdir("/w/a", false));
  EXPECT_EQ(fs->read_dir("/w").value(), (std::vector<std::string>{"a", "b", "f.txt"}));
  EXPECT_EQ(error_of(fs->read_dir("/w/nope")), "ENOENT: no such file: /w/nope");
  EXPECT_EQ(error_of(fs->read_dir("/w/f.txt")), "ENOTDIR: not a directory, scandir '/w/f.txt'");
}

TEST_F(VmFilesystemTest, SymlinkReadLinkAndRealpath) {
  ASSERT_TRUE(fs->symlink("/w/f.txt", "/w/link"));
  ASSERT_TRUE(fs->symlink("f.txt", "/w/rel"));
  EXPECT_EQ(fs->read_link("/w/link").value(), "/w/f.txt");
  EXPECT_EQ(fs->read_link("/w/rel").value(), "f.txt");  // returned verbatim
  EXPECT_EQ(fs->read_file("/w/rel").value(), "hello");
  EXPECT_EQ(fs->realpath("/w/rel").value(), "/w/f.txt");
  EXPECT_EQ(fs->realpath("/w/../w/./f.txt").value(), "/w/f.txt");
  EXPECT_EQ(error_of(fs->symlink("/x", "/w/link")), "EEXIST: file already exists, symlink '/w/link'");
  EXPECT_EQ(error_of(fs->read_link("/w/f.txt")), "EINVAL: invalid argument, readlink '/w/f.txt'");
  EXPECT_EQ(error_of(fs->realpath("/w/missing")), "ENOENT: no such file: /w/missing");
}

TEST_F(VmFilesystemTest, DanglingSymlinkDoesNotPoisonAnything) {
  ASSERT_TRUE(fs->symlink("/nowhere", "/w/dangle"));
  EXPECT_TRUE(fs->lstat("/w/dangle")->is_symbolic_link);
  EXPECT_EQ(fs->read_link("/w/dangle").value(), "/nowhere");
  EXPECT_FALSE(fs->exists("/w/dangle").value());
  EXPECT_EQ(error_of(fs->stat("/w/dangle")), "ENOENT: no such file: /w/dangle");
  EXPECT_EQ(error_of(fs->read_file("/w/dangle")), "ENOENT: no such file: /w/dangle");
  EXPECT_EQ(fs->read_file("/w/f.txt").value(), "hello");
  EXPECT_TRUE(fs->stat("/etc/hostname"));
  EXPECT_TRUE(fs->exists("/w").value());
  ASSERT_TRUE(fs->snapshot());
  ASSERT_TRUE(fs->remove_file("/w/dangle"));
  EXPECT_FALSE(fs->lstat("/w/dangle"));
}

TEST_F(VmFilesystemTest, LinkChmodChownUtimesTruncate) {
  ASSERT_TRUE(fs->link("/w/f.txt", "/w/hard"));
  EXPECT_EQ(fs->stat("/w/hard")->nlink, 2u);
  ASSERT_TRUE(fs->chmod("/w/f.txt", 0600));
  EXPECT_EQ(fs->stat("/w/hard")->mode, 0100600u);
  ASSERT_TRUE(fs->chown("/w/f.txt", 0, 42));
  EXPECT_EQ(fs->stat("/w/hard")->gid, 42u);
  ASSERT_TRUE(fs->utimes("/w/f.txt", 1000, 2000));
  EXPECT_EQ(fs->stat("/w/f.txt")->atime_ms, 1000u);
  EXPECT_EQ(fs->stat("/w/f.txt")->mtime_ms, 2000u);
  ASSERT_TRUE(fs->write_file("/w/t", "0123456789"));
  ASSERT_TRUE(fs->truncate("/w/t", 5));
  EXPECT_EQ(fs->stat("/w/t")->size, 5u);
  for (auto result : {fs->link("/w/nope", "/w/x"), fs->chmod("/w/nope", 0600), fs->chown("/w/nope", 1, 1),
                      fs->utimes("/w/nope", 1, 1), fs->truncate("/w/nope", 1)}) {
    EXPECT_EQ(error_of(result), "ENOENT: no such file: /w/nope");
  }
}

TEST_F(VmFilesystemTest, WriteUpdatesModificationTime) {
  ASSERT_TRUE(fs->utimes("/w/f.txt", 1000, 2000));
  ASSERT_TRUE(fs->write_file("/w/f.txt", "new"));
  auto stat = fs->stat("/w/f.txt").value();
  EXPECT_GT(stat.mtime_ms, 2000u);
  EXPECT_EQ(stat.atime_ms, 1000u);
  ASSERT_TRUE(fs->read_file("/w/f.txt"));
  EXPECT_GT(fs->stat("/w/f.txt")->atime_ms, 1000u);
}

TEST_F(VmFilesystemTest, Pread) {
  EXPECT_EQ(fs->pread("/w/f.txt", 1, 3).value(), "ell");
  EXPECT_EQ(fs->pread("/w/f.txt", 10, 3).value(), "");
  EXPECT_EQ(error_of(fs->pread("/w/missing", 0, 1)), "ENOENT: no such file: /w/missing");
}

TEST_F(VmFilesystemTest, Rename) {
  // The destination directory must exist (Linux; the reference agrees, see tests/differential).
  EXPECT_EQ(error_of(fs->rename("/w/f.txt", "/elsewhere/deep/g.txt")), "ENOENT: no such file: /elsewhere/deep");
  ASSERT_TRUE(fs->mkdir("/elsewhere/deep", true));
  ASSERT_TRUE(fs->rename("/w/f.txt", "/elsewhere/deep/g.txt"));
  EXPECT_EQ(fs->read_file("/elsewhere/deep/g.txt").value(), "hello");
  EXPECT_EQ(error_of(fs->rename("/w/f.txt", "/w/x")), "ENOENT: no such file: /w/f.txt");
  ASSERT_TRUE(fs->mkdir("/w/a/b", true));
  EXPECT_EQ(error_of(fs->rename("/w/a", "/w/a/b/c")), "EINVAL: cannot move '/w/a' into its own descendant '/w/a/b/c'");
  ASSERT_TRUE(fs->write_file("/w/file", "x"));
  EXPECT_EQ(error_of(fs->rename("/w/file", "/w/a")), "EISDIR: illegal operation on a directory, rename '/w/a'");
  EXPECT_EQ(error_of(fs->rename("/w/a", "/w/file")), "ENOTDIR: not a directory, rename '/w/file'");
  ASSERT_TRUE(fs->mkdir("/w/empty", false));
  EXPECT_EQ(error_of(fs->rename("/w/empty", "/w/a")), "ENOTEMPTY: directory not empty, rmdir '/w/a'");
  ASSERT_TRUE(fs->rename("/w/a", "/w/empty"));
  EXPECT_TRUE(fs->stat("/w/empty/b")->is_directory);
  ASSERT_TRUE(fs->write_file("/w/other", "y"));
  ASSERT_TRUE(fs->rename("/w/file", "/w/other"));
  EXPECT_EQ(fs->read_file("/w/other").value(), "x");
}

TEST_F(VmFilesystemTest, RemoveFile) {
  ASSERT_TRUE(fs->mkdir("/w/a2/sub", true));
  EXPECT_EQ(error_of(fs->remove_file("/w/nope")), "ENOENT: no such file: /w/nope");
  EXPECT_EQ(error_of(fs->remove_file("/w/a2")), "EISDIR: illegal operation on a directory, unlink '/w/a2'");
  ASSERT_TRUE(fs->remove_file("/w/f.txt"));
  EXPECT_FALSE(fs->exists("/w/f.txt").value());
}

TEST_F(VmFilesystemTest, RemoveDirHonoursRecursive) {
  ASSERT_TRUE(fs->write_file("/w/a2/sub/f", "x"));
  ASSERT_TRUE(fs->write_file("/w/bin.dat", "x"));
  EXPECT_EQ(error_of(fs->remove_dir("/w/a2", false)), "ENOTEMPTY: directory not empty, rmdir '/w/a2'");
  EXPECT_EQ(error_of(fs->remove_dir("/w/bin.dat", false)), "ENOTDIR: not a directory: /w/bin.dat");
  EXPECT_EQ(error_of(fs->remove_dir("/w/gone", false)), "ENOENT: no such directory: /w/gone");
  const uint64_t inodes = fs->used_inodes();
  ASSERT_TRUE(fs->remove_dir("/w/a2", true));
  EXPECT_FALSE(fs->exists("/w/a2").value());
  EXPECT_EQ(fs->used_inodes(), inodes - 3);
  ASSERT_TRUE(fs->mkdir("/w/empty", false));
  EXPECT_TRUE(fs->remove_dir("/w/empty", false));
}

TEST_F(VmFilesystemTest, PathsAreNormalised) {
  ASSERT_TRUE(fs->write_file("w/bin.dat", "rel"));
  EXPECT_EQ(fs->read_file("/w/bin.dat").value(), "rel");
  ASSERT_TRUE(fs->write_file("/w/../w/x", "x"));
  EXPECT_EQ(fs->read_file("/w/x").value(), "x");
  EXPECT_EQ(fs->read_file("/../../etc/hostname").value(), "secure-exec\n");
  EXPECT_TRUE(fs->stat("")->is_directory);
  EXPECT_EQ(fs->read_dir("").value(), fs->read_dir("/").value());
}

TEST_F(VmFilesystemTest, InvalidPathsAreRejectedWithoutSideEffects) {
  EXPECT_EQ(error_of(fs->write_file(std::string("/w/a\0b", 6), "x")), "EINVAL: path contains NUL byte");
  EXPECT_EQ(error_of(fs->mkdir("/w/a\x01", true)), "EINVAL: path contains control character byte 0x01");
  EXPECT_EQ(fs->read_dir("/w").value(), (std::vector<std::string>{"f.txt"}));
  EXPECT_EQ(fs->exists("/" + std::string(5000, 'a')).error().errno_code, ENAMETOOLONG);
}

}  // namespace
}  // namespace se::kernel
