#include "kernel/builtin_layers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace se::kernel {
namespace {

const FsEntry* find_entry(const std::vector<FsEntry>& entries, std::string_view path) {
  auto found = std::find_if(entries.begin(), entries.end(), [&](const FsEntry& entry) { return entry.path == path; });
  return found == entries.end() ? nullptr : &*found;
}

TEST(BundledBaseLayer, EmbedsTheAssetVerbatim) {
  const std::string_view json = bundled_base_filesystem_json();
  EXPECT_TRUE(json.starts_with("{"));
  EXPECT_NE(json.find("\"alpine:3.22\""), std::string_view::npos);
}

TEST(BundledBaseLayer, Has70EntriesOfTheExpectedKinds) {
  const auto& entries = bundled_base_entries();
  ASSERT_EQ(entries.size(), 70u);
  std::map<FsEntryKind, int> kinds;
  for (const FsEntry& entry : entries) ++kinds[entry.kind];
  EXPECT_EQ(kinds[FsEntryKind::Directory], 56);
  EXPECT_EQ(kinds[FsEntryKind::File], 9);
  EXPECT_EQ(kinds[FsEntryKind::Symlink], 5);
}

TEST(BundledBaseLayer, CarriesModesOwnersContentAndTargets) {
  const auto& entries = bundled_base_entries();
  const FsEntry* hostname = find_entry(entries, "/etc/hostname");
  ASSERT_NE(hostname, nullptr);
  EXPECT_EQ(hostname->content, "secure-exec\n");
  EXPECT_EQ(hostname->mode, 0100644u);

  const FsEntry* workspace = find_entry(entries, "/workspace");
  ASSERT_NE(workspace, nullptr);
  EXPECT_EQ(workspace->mode, 040755u);
  EXPECT_EQ(workspace->uid, 1000u);
  EXPECT_EQ(workspace->gid, 1000u);

  EXPECT_EQ(find_entry(entries, "/tmp")->mode, 041777u);
  EXPECT_EQ(find_entry(entries, "/home/agentos")->mode, 042755u);
  EXPECT_EQ(find_entry(entries, "/root")->mode, 040700u);
  const FsEntry* shadow = find_entry(entries, "/etc/shadow");
  EXPECT_EQ(shadow->mode, 0100640u);
  EXPECT_EQ(shadow->gid, 42u);

  const FsEntry* os_release = find_entry(entries, "/etc/os-release");
  EXPECT_EQ(os_release->kind, FsEntryKind::Symlink);
  EXPECT_EQ(os_release->mode, 0120777u);
  EXPECT_EQ(os_release->target, "../usr/lib/os-release");
  EXPECT_EQ(find_entry(entries, "/usr/bin/env")->target, "/bin/busybox");
  EXPECT_EQ(find_entry(entries, "/etc/alpine-release")->content, "3.22.4\n");
  EXPECT_NE(find_entry(entries, "/etc/passwd")->content.find("agentos:x:1000:1000::/home/agentos:/bin/sh"),
            std::string::npos);
  EXPECT_EQ(find_entry(entries, "/dev"), nullptr);
  EXPECT_EQ(find_entry(entries, "/proc"), nullptr);
}

TEST(BundledBaseLayer, IsParsedOncePerProcess) {
  EXPECT_EQ(&bundled_base_entries(), &bundled_base_entries());
}

TEST(ParseBaseFilesystemJson, AcceptsUtf8AndBase64Content) {
  auto entries = parse_base_filesystem_json(R"({"filesystem":{"entries":[
      {"path":"/a","type":"file","mode":"600","uid":1,"gid":2,"content":"hi"},
      {"path":"/b","type":"file","mode":"100755","uid":0,"gid":0,"content":"aGk=","encoding":"base64"},
      {"path":"c/../d","type":"directory","mode":"755","uid":0,"gid":0}]}})");
  ASSERT_TRUE(entries) << entries.error().to_string();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].mode, 0100600u);
  EXPECT_EQ((*entries)[0].uid, 1u);
  EXPECT_EQ((*entries)[0].gid, 2u);
  EXPECT_EQ((*entries)[0].content, "hi");
  EXPECT_EQ((*entries)[1].mode, 0100755u);
  EXPECT_EQ((*entries)[1].content, "hi");
  EXPECT_EQ((*entries)[2].path, "/d");
}

TEST(ParseBaseFilesystemJson, RejectsMalformedDocuments) {
  EXPECT_EQ(parse_base_filesystem_json("{").error().message, "base filesystem is not valid JSON");
  EXPECT_EQ(parse_base_filesystem_json("{}").error().message, "base filesystem has no filesystem object");
  EXPECT_EQ(parse_base_filesystem_json(R"({"filesystem":{}})").error().message,
            "base filesystem has no filesystem.entries array");
  EXPECT_EQ(parse_base_filesystem_json(R"({"filesystem":{"entries":[{"type":"file","mode":"644"}]}})").error().message,
            "invalid base filesystem entry 0: missing path");
  EXPECT_EQ(parse_base_filesystem_json(R"({"filesystem":{"entries":[{"path":"/a","type":"fifo","mode":"644"}]}})")
                .error()
                .message,
            "invalid base filesystem entry 0: unknown type fifo");
  EXPECT_EQ(parse_base_filesystem_json(R"({"filesystem":{"entries":[{"path":"/a","type":"file","mode":"9z"}]}})")
                .error()
                .message,
            "invalid base filesystem entry 0: invalid mode 9z");
  EXPECT_EQ(parse_base_filesystem_json(R"({"filesystem":{"entries":[{"path":"/a","type":"symlink","mode":"777"}]}})")
                .error()
                .message,
            "invalid base filesystem entry 0: symlink without target");
}

TEST(MinimalRoot, ListsTheSkeletonDirectoriesAndAnEmptyEnv) {
  const auto& entries = minimal_root_entries();
  EXPECT_EQ(entries.size(), 40u);
  EXPECT_EQ(entries.front().path, "/");
  for (std::string_view path : {"/dev", "/proc", "/tmp", "/etc/agentos", "/usr/share/man", "/var/tmp"}) {
    const FsEntry* entry = find_entry(entries, path);
    ASSERT_NE(entry, nullptr) << path;
    EXPECT_EQ(entry->mode, 040755u) << path;
    EXPECT_EQ(entry->uid, 0u);
  }
  const FsEntry* env = find_entry(entries, "/usr/bin/env");
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->kind, FsEntryKind::File);
  EXPECT_EQ(env->mode, 0100644u);
  EXPECT_TRUE(env->content.empty());
}

}  // namespace
}  // namespace se::kernel
