#include "kernel/root_entries.h"

#include <gtest/gtest.h>

#include "kernel/vfs/memory_file_system.h"

namespace se::kernel {
namespace {

using config::ContentEncoding;
using config::EntryKind;
using config::RootFilesystemEntry;
using vfs::MemoryFileSystem;

RootFilesystemEntry configured(std::string path, EntryKind kind) {
  RootFilesystemEntry entry;
  entry.path = std::move(path);
  entry.kind = kind;
  return entry;
}

FsEntry make(std::string path, FsEntryKind kind, uint32_t permissions, std::string data = {}) {
  FsEntry entry;
  entry.path = std::move(path);
  entry.kind = kind;
  entry.mode = mode_type_bits(kind) | permissions;
  if (kind == FsEntryKind::Symlink) {
    entry.target = std::move(data);
  } else {
    entry.content = std::move(data);
  }
  return entry;
}

TEST(MaterializeEntry, AppliesDefaults) {
  auto file = materialize_entry(configured("/a/./b/../f.txt", EntryKind::File));
  ASSERT_TRUE(file);
  EXPECT_EQ(file->path, "/a/f.txt");
  EXPECT_EQ(file->kind, FsEntryKind::File);
  EXPECT_EQ(file->mode, 0100644u);
  EXPECT_EQ(file->uid, 0u);
  EXPECT_EQ(file->gid, 0u);
  EXPECT_EQ(file->content, "");

  RootFilesystemEntry executable = configured("/bin/tool", EntryKind::File);
  executable.executable = true;
  EXPECT_EQ(materialize_entry(executable)->mode, 0100755u);
  EXPECT_EQ(materialize_entry(configured("/d", EntryKind::Directory))->mode, 040755u);

  RootFilesystemEntry link = configured("/l", EntryKind::Symlink);
  link.target = "/d";
  EXPECT_EQ(materialize_entry(link)->mode, 0120777u);
  EXPECT_EQ(materialize_entry(link)->target, "/d");
}

TEST(MaterializeEntry, KeepsExplicitModeAndOwnerAndStripsTypeBits) {
  RootFilesystemEntry entry = configured("/f", EntryKind::File);
  entry.mode = 040600;  // directory type bits on a file entry are ignored
  entry.uid = 7;
  entry.gid = 8;
  entry.executable = true;
  auto result = materialize_entry(entry);
  EXPECT_EQ(result->mode, 0100600u);
  EXPECT_EQ(result->uid, 7u);
  EXPECT_EQ(result->gid, 8u);
}

TEST(MaterializeEntry, DecodesContent) {
  RootFilesystemEntry entry = configured("/f", EntryKind::File);
  entry.content = "aGk=";
  EXPECT_EQ(materialize_entry(entry)->content, "aGk=");
  entry.encoding = ContentEncoding::Utf8;
  EXPECT_EQ(materialize_entry(entry)->content, "aGk=");
  entry.encoding = ContentEncoding::Base64;
  EXPECT_EQ(materialize_entry(entry)->content, "hi");
}

TEST(MaterializeEntry, ReportsInvalidBase64AsAPlainError) {
  RootFilesystemEntry entry = configured("/x/../f", EntryKind::File);
  entry.content = "a!==";
  entry.encoding = ContentEncoding::Base64;
  auto result = materialize_entry(entry);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().errno_code, 0);
  EXPECT_EQ(result.error().message, "invalid base64 root filesystem content for /f: Invalid symbol 33, offset 1.");
}

TEST(MaterializeEntry, SymlinkNeedsATarget) {
  auto result = materialize_entry(configured("/l", EntryKind::Symlink));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().errno_code, 0);
  EXPECT_EQ(result.error().message, "root filesystem bootstrap for symlink /l requires a target");
  RootFilesystemEntry empty = configured("/l", EntryKind::Symlink);
  empty.target = "";
  EXPECT_FALSE(materialize_entry(empty));
}

TEST(SortForApplication, OrdersByDepthThenPathAndKeepsDuplicatesInOrder) {
  std::vector<FsEntry> entries = {make("/b/c", FsEntryKind::File, 0644, "1"), make("/a", FsEntryKind::Directory, 0755),
                                  make("/", FsEntryKind::Directory, 0755), make("/b/c", FsEntryKind::File, 0644, "2"),
                                  make("/b", FsEntryKind::Directory, 0755)};
  sort_for_application(entries);
  std::vector<std::string> paths;
  for (const FsEntry& entry : entries) paths.push_back(entry.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/", "/a", "/b", "/b/c", "/b/c"}));
  EXPECT_EQ(entries[3].content, "1");
  EXPECT_EQ(entries[4].content, "2");
}

TEST(ApplyEntries, CreatesMissingAncestorsAsRootOwnedDirectories) {
  MemoryFileSystem fs;
  FsEntry file = make("/a/b/f", FsEntryKind::File, 0600, "data");
  file.uid = 5;
  file.gid = 6;
  ASSERT_TRUE(apply_entries(fs, std::vector<FsEntry>{file}, EntryConflicts::Fail));
  for (std::string_view ancestor : {"/a", "/a/b"}) {
    auto stat = fs.stat(ancestor, false);
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->mode, 040755u);
    EXPECT_EQ(stat->uid, 0u);
    EXPECT_EQ(stat->gid, 0u);
  }
  auto stat = fs.stat("/a/b/f", false);
  EXPECT_EQ(stat->mode, 0100600u);
  EXPECT_EQ(stat->uid, 5u);
  EXPECT_EQ(stat->gid, 6u);
  EXPECT_EQ(fs.read_file("/a/b/f").value(), "data");
}

TEST(ApplyEntries, SetsSymlinkModeAndOwnerWithoutTouchingTheTarget) {
  MemoryFileSystem fs;
  FsEntry target = make("/t", FsEntryKind::File, 0644, "x");
  target.uid = 11;
  FsEntry link = make("/l", FsEntryKind::Symlink, 0700, "/t");
  link.uid = 3;
  link.gid = 4;
  ASSERT_TRUE(apply_entries(fs, std::vector<FsEntry>{target, link}, EntryConflicts::Fail));
  auto link_stat = fs.stat("/l", false);
  EXPECT_EQ(link_stat->mode, 0120700u);
  EXPECT_EQ(link_stat->uid, 3u);
  auto target_stat = fs.stat("/t", false);
  EXPECT_EQ(target_stat->mode, 0100644u);
  EXPECT_EQ(target_stat->uid, 11u);
}

TEST(ApplyEntries, LaterEntriesOverwriteEarlierOnes) {
  MemoryFileSystem fs;
  std::vector<FsEntry> entries = {
      make("/f", FsEntryKind::File, 0644, "one"),   make("/f", FsEntryKind::File, 0600, "two"),
      make("/l", FsEntryKind::Symlink, 0777, "/a"), make("/l", FsEntryKind::Symlink, 0777, "/b"),
      make("/d", FsEntryKind::Directory, 0755),     make("/d", FsEntryKind::Directory, 0700)};
  ASSERT_TRUE(apply_entries(fs, entries, EntryConflicts::Fail));
  EXPECT_EQ(fs.read_file("/f").value(), "two");
  EXPECT_EQ(fs.stat("/f", false)->mode, 0100600u);
  EXPECT_EQ(fs.read_link("/l").value(), "/b");
  EXPECT_EQ(fs.stat("/d", false)->mode, 040700u);
}

TEST(ApplyEntries, RootEntrySetsRootMetadata) {
  MemoryFileSystem fs;
  FsEntry root = make("/", FsEntryKind::Directory, 0700);
  root.uid = 9;
  ASSERT_TRUE(apply_entries(fs, std::vector<FsEntry>{root}, EntryConflicts::Fail));
  EXPECT_EQ(fs.stat("/", false)->mode, 040700u);
  EXPECT_EQ(fs.stat("/", false)->uid, 9u);
}

TEST(ApplyEntries, FailModeReportsConflictsLikeTheSystemCalls) {
  MemoryFileSystem fs;
  ASSERT_TRUE(apply_entries(
      fs, std::vector<FsEntry>{make("/d", FsEntryKind::Directory, 0755), make("/f", FsEntryKind::File, 0644, "x")},
      EntryConflicts::Fail));
  EXPECT_EQ(apply_entries(fs, std::vector<FsEntry>{make("/d", FsEntryKind::File, 0644)}, EntryConflicts::Fail)
                .error()
                .to_string(),
            "EISDIR: illegal operation on a directory, open '/d'");
  EXPECT_EQ(apply_entries(fs, std::vector<FsEntry>{make("/f", FsEntryKind::Directory, 0755)}, EntryConflicts::Fail)
                .error()
                .to_string(),
            "EEXIST: file exists: /f");
  EXPECT_EQ(apply_entries(fs, std::vector<FsEntry>{make("/f/x", FsEntryKind::File, 0644)}, EntryConflicts::Fail)
                .error()
                .to_string(),
            "ENOTDIR: not a directory: /f");
  EXPECT_EQ(apply_entries(fs, std::vector<FsEntry>{make("/d", FsEntryKind::Symlink, 0777, "/f")}, EntryConflicts::Fail)
                .error()
                .to_string(),
            "EEXIST: file already exists, symlink '/d'");
}

TEST(ApplyEntries, FailModeWritesFilesThroughSymlinks) {
  MemoryFileSystem fs;
  ASSERT_TRUE(apply_entries(fs,
                            std::vector<FsEntry>{make("/real", FsEntryKind::Directory, 0755),
                                                 make("/alias", FsEntryKind::Symlink, 0777, "real"),
                                                 make("/alias/f", FsEntryKind::File, 0644, "x"),
                                                 make("/lf", FsEntryKind::Symlink, 0777, "/real/g"),
                                                 make("/lf", FsEntryKind::File, 0644, "y")},
                            EntryConflicts::Fail));
  EXPECT_EQ(fs.read_file("/real/f").value(), "x");
  EXPECT_TRUE(fs.stat("/alias", false)->is_symbolic_link);
  EXPECT_EQ(fs.read_file("/real/g").value(), "y");
  EXPECT_TRUE(fs.stat("/lf", false)->is_symbolic_link);
}

TEST(ApplyEntries, ReplaceModeLetsHigherLayersWinConflicts) {
  MemoryFileSystem fs;
  ASSERT_TRUE(apply_entries(
      fs,
      std::vector<FsEntry>{make("/d/child", FsEntryKind::File, 0644, "lower"),
                           make("/f", FsEntryKind::File, 0644, "lower"), make("/l", FsEntryKind::Symlink, 0777, "/f")},
      EntryConflicts::Replace));
  const uint64_t inodes_before = fs.usage().inodes;
  ASSERT_TRUE(apply_entries(fs,
                            std::vector<FsEntry>{make("/d", FsEntryKind::File, 0644, "upper"),
                                                 make("/f/x", FsEntryKind::File, 0644, "nested"),
                                                 make("/l", FsEntryKind::File, 0600, "file")},
                            EntryConflicts::Replace));
  EXPECT_EQ(fs.read_file("/d").value(), "upper");
  EXPECT_TRUE(fs.stat("/f", false)->is_directory);
  EXPECT_EQ(fs.read_file("/f/x").value(), "nested");
  EXPECT_FALSE(fs.stat("/l", false)->is_symbolic_link);
  EXPECT_EQ(fs.read_file("/l").value(), "file");
  // /d (dir) + /d/child became one file; /f became a directory holding one file.
  EXPECT_EQ(fs.usage().inodes, inodes_before);
}

}  // namespace
}  // namespace se::kernel
