#include <gtest/gtest.h>

#include "kernel/builtin_layers.h"
#include "kernel/vm_filesystem.h"
#include "vm_test_support.h"

namespace se::kernel {
namespace {

using config::EntryKind;
using config::RootFilesystemConfig;
using config::RootFilesystemLower;
using testing::configured_entry;
using testing::error_of;

config::RootFilesystemEntry to_configured(const FsEntry& entry) {
  config::RootFilesystemEntry configured;
  configured.path = entry.path;
  configured.kind = entry.kind == FsEntryKind::File        ? EntryKind::File
                    : entry.kind == FsEntryKind::Directory ? EntryKind::Directory
                                                           : EntryKind::Symlink;
  configured.mode = entry.mode & kModePermissionMask;
  configured.uid = entry.uid;
  configured.gid = entry.gid;
  if (entry.kind == FsEntryKind::File) configured.content = entry.content;
  if (entry.kind == FsEntryKind::Symlink) configured.target = entry.target;
  return configured;
}

RootFilesystemLower lower_of(std::vector<config::RootFilesystemEntry> entries) {
  RootFilesystemLower lower;
  lower.entries = std::move(entries);
  return lower;
}

class VmFilesystemRootTest : public ::testing::Test {
 protected:
  PermissionEngine engine{config::PermissionsPolicy::allow_all()};
};

TEST_F(VmFilesystemRootTest, DefaultRootIsTheBundledBaseLayer) {
  auto fs = testing::make_vm_filesystem(engine);
  EXPECT_EQ(fs->read_file("/etc/hostname").value(), "secure-exec\n");
  auto workspace = fs->stat("/workspace").value();
  EXPECT_EQ(workspace.mode, 040755u);
  EXPECT_EQ(workspace.uid, 1000u);
  EXPECT_EQ(workspace.gid, 1000u);
  EXPECT_EQ(fs->stat("/tmp")->mode, 041777u);
  EXPECT_EQ(fs->stat("/etc/shadow")->gid, 42u);
  EXPECT_EQ(fs->stat("/")->uid, 0u);
  EXPECT_EQ(fs->read_link("/etc/os-release").value(), "../usr/lib/os-release");
  EXPECT_NE(fs->read_file("/etc/os-release")->find("ID=alpine"), std::string::npos);
  EXPECT_EQ(fs->realpath("/var/run").value(), "/run");
  EXPECT_TRUE(fs->lstat("/usr/bin/env")->is_symbolic_link);
  EXPECT_FALSE(fs->exists("/usr/bin/env").value());  // dangling until a busybox exists
  EXPECT_FALSE(fs->exists("/dev").value());
  EXPECT_EQ(fs->read_dir("/").value(),
            (std::vector<std::string>{"bin", "etc", "home", "lib", "media", "mnt", "opt", "root", "run", "sbin", "srv",
                                      "sys", "tmp", "usr", "var", "workspace"}));
  EXPECT_EQ(fs->used_inodes(), 70u);
}

TEST_F(VmFilesystemRootTest, VmsDoNotShareState) {
  auto first = testing::make_vm_filesystem(engine);
  auto second = testing::make_vm_filesystem(engine);
  ASSERT_TRUE(first->write_file("/etc/hostname", "changed\n"));
  ASSERT_TRUE(first->remove_dir("/var", true));
  EXPECT_EQ(second->read_file("/etc/hostname").value(), "secure-exec\n");
  EXPECT_TRUE(second->exists("/var/log").value());
  EXPECT_NE(first->stat("/")->dev, second->stat("/")->dev);
}

TEST_F(VmFilesystemRootTest, DisabledBaseWithoutLowersIsTheMinimalSkeleton) {
  RootFilesystemConfig root;
  root.disable_default_base_layer = true;
  auto fs = testing::make_vm_filesystem(engine, root);
  EXPECT_FALSE(fs->exists("/etc/hostname").value());
  EXPECT_TRUE(fs->stat("/etc/agentos")->is_directory);
  EXPECT_EQ(fs->stat("/tmp")->mode, 040755u);
  EXPECT_EQ(fs->read_file("/usr/bin/env").value(), "");
  EXPECT_EQ(fs->used_inodes(), minimal_root_entries().size());
}

TEST_F(VmFilesystemRootTest, LowersStackWithIndexZeroOnTop) {
  RootFilesystemConfig root;
  root.lowers.push_back(lower_of({configured_entry("/etc/hostname", EntryKind::File, "top\n"),
                                  configured_entry("/tmp", EntryKind::File, "tmp is a file here")}));
  root.lowers.push_back(lower_of({configured_entry("/etc/hostname", EntryKind::File, "middle\n"),
                                  configured_entry("/only-middle/f", EntryKind::File, "m"),
                                  configured_entry("/tmp/from-middle", EntryKind::File, "hidden")}));
  auto fs = testing::make_vm_filesystem(engine, root);
  EXPECT_EQ(fs->read_file("/etc/hostname").value(), "top\n");
  EXPECT_EQ(fs->read_file("/only-middle/f").value(), "m");
  EXPECT_EQ(fs->read_file("/tmp").value(), "tmp is a file here");       // a higher layer's file hides the directory
  EXPECT_EQ(fs->read_file("/etc/alpine-release").value(), "3.22.4\n");  // the base is still the lowest layer
  auto ancestor = fs->stat("/only-middle").value();
  EXPECT_EQ(ancestor.mode, 040755u);
  EXPECT_EQ(ancestor.uid, 0u);
}

TEST_F(VmFilesystemRootTest, DisabledBaseKeepsOnlyTheGivenLowers) {
  RootFilesystemConfig root;
  root.disable_default_base_layer = true;
  root.lowers.push_back(lower_of({configured_entry("/app/main.js", EntryKind::File, "1")}));
  auto fs = testing::make_vm_filesystem(engine, root);
  EXPECT_EQ(fs->read_dir("/").value(), std::vector<std::string>{"app"});

  RootFilesystemLower base;
  base.bundled_base = true;
  root.lowers.push_back(base);
  fs = testing::make_vm_filesystem(engine, root);
  EXPECT_EQ(fs->read_file("/etc/hostname").value(), "secure-exec\n");
  EXPECT_EQ(fs->read_file("/app/main.js").value(), "1");
}

TEST_F(VmFilesystemRootTest, BootstrapEntriesGoOnTopAndSkipSynthesisedTrees) {
  RootFilesystemConfig root;
  root.bootstrap_entries = {configured_entry("/etc/hostname", EntryKind::File, "booted\n"),
                            configured_entry("/workspace/app/index.js", EntryKind::File, "code"),
                            configured_entry("/dev/null", EntryKind::File, "x"),
                            configured_entry("/proc", EntryKind::Directory),
                            configured_entry("/sys/kernel/x", EntryKind::File, "x"),
                            configured_entry("/devices/kept", EntryKind::File, "x")};
  root.bootstrap_entries[1].executable = true;
  root.lowers.push_back(lower_of({configured_entry("/etc/hostname", EntryKind::File, "lower\n")}));
  auto fs = testing::make_vm_filesystem(engine, root);
  EXPECT_EQ(fs->read_file("/etc/hostname").value(), "booted\n");
  EXPECT_EQ(fs->stat("/workspace/app/index.js")->mode, 0100755u);
  EXPECT_EQ(fs->stat("/workspace")->uid, 1000u);  // existing ancestors keep their owner
  EXPECT_FALSE(fs->exists("/dev").value());
  EXPECT_FALSE(fs->exists("/proc").value());
  EXPECT_FALSE(fs->exists("/sys/kernel").value());
  EXPECT_TRUE(fs->exists("/devices/kept").value());
}

TEST_F(VmFilesystemRootTest, BootstrapFailuresFailCreation) {
  RootFilesystemConfig root;
  root.bootstrap_entries = {configured_entry("/tmp", EntryKind::File, "x")};
  EXPECT_EQ(error_of(VmFilesystem::create(root, {}, engine)), "EISDIR: illegal operation on a directory, open '/tmp'");

  root.bootstrap_entries = {configured_entry("/f", EntryKind::File, "%%%%")};
  root.bootstrap_entries[0].encoding = config::ContentEncoding::Base64;
  EXPECT_EQ(error_of(VmFilesystem::create(root, {}, engine)),
            "invalid base64 root filesystem content for /f: Invalid symbol 37, offset 0.");

  root.bootstrap_entries = {configured_entry("/l", EntryKind::Symlink)};
  EXPECT_EQ(error_of(VmFilesystem::create(root, {}, engine)),
            "root filesystem bootstrap for symlink /l requires a target");
}

TEST_F(VmFilesystemRootTest, ReadOnlyRootLocksMutations) {
  RootFilesystemConfig root;
  root.mode = config::RootFilesystemMode::ReadOnly;
  root.bootstrap_entries = {configured_entry("/workspace/seed.txt", EntryKind::File, "seed")};
  auto fs = testing::make_vm_filesystem(engine, root);
  EXPECT_EQ(fs->read_file("/workspace/seed.txt").value(), "seed");
  EXPECT_EQ(error_of(fs->write_file("/tmp/x", "x")), "EROFS: read-only filesystem: /tmp/x");
  EXPECT_EQ(error_of(fs->mkdir("/tmp/new", true)), "EROFS: read-only filesystem: /tmp/new");
  EXPECT_EQ(error_of(fs->create_dir("/tmp/new")), "EROFS: read-only filesystem: /tmp/new");
  EXPECT_EQ(error_of(fs->remove_file("/etc/hostname")), "EROFS: read-only filesystem: /etc/hostname");
  EXPECT_EQ(error_of(fs->remove_dir("/tmp", true)), "EROFS: read-only filesystem: /tmp");
  EXPECT_EQ(error_of(fs->rename("/etc/hostname", "/tmp/h")), "EROFS: read-only filesystem: /etc/hostname");
  EXPECT_EQ(error_of(fs->symlink("/x", "/tmp/l")), "EROFS: read-only filesystem: /tmp/l");
  EXPECT_EQ(error_of(fs->link("/etc/hostname", "/tmp/h")), "EROFS: read-only filesystem: /tmp/h");
  EXPECT_EQ(error_of(fs->chmod("/etc/hostname", 0600)), "EROFS: read-only filesystem: /etc/hostname");
  EXPECT_EQ(error_of(fs->chown("/etc/hostname", 1, 1)), "EROFS: read-only filesystem: /etc/hostname");
  EXPECT_EQ(error_of(fs->utimes("/etc/hostname", 1, 1)), "EROFS: read-only filesystem: /etc/hostname");
  EXPECT_EQ(error_of(fs->truncate("/etc/hostname", 0)), "EROFS: read-only filesystem: /etc/hostname");
  FsEntry entry;
  entry.path = "/boot";
  entry.kind = FsEntryKind::Directory;
  entry.mode = 040755;
  EXPECT_EQ(error_of(fs->apply_entries({entry})), "EROFS: read-only filesystem: /boot");
  // Changes that would change nothing are still answered.
  EXPECT_TRUE(fs->mkdir("/tmp", true));
  EXPECT_EQ(error_of(fs->mkdir("/tmp", false)), "EEXIST: file exists: /tmp");
  EXPECT_EQ(error_of(fs->create_dir("/tmp")), "EEXIST: file exists: /tmp");
  EXPECT_TRUE(fs->apply_entries({}));
  // Command stubs are part of VM construction.
  EXPECT_TRUE(fs->install_command_stub("node"));
  EXPECT_TRUE(fs->exists("/bin/node").value());
  EXPECT_EQ(fs->read_file("/etc/hostname").value(), "secure-exec\n");
}

TEST_F(VmFilesystemRootTest, InstallCommandStub) {
  auto fs = testing::make_vm_filesystem(engine);
  ASSERT_TRUE(fs->install_command_stub("node"));
  EXPECT_EQ(fs->read_file("/bin/node").value(), "#!/bin/sh\n# kernel command stub\n");
  EXPECT_EQ(fs->stat("/bin/node")->mode, 0100755u);
  ASSERT_TRUE(fs->write_file("/bin/wasm", "custom"));
  ASSERT_TRUE(fs->install_command_stub("wasm"));
  EXPECT_EQ(fs->read_file("/bin/wasm").value(), "custom");
  ASSERT_TRUE(fs->install_command_stub("node"));  // idempotent
  for (const std::string& name : {std::string(), std::string("."), std::string(".."), std::string("../escape"),
                                  std::string("nested/escape"), std::string("nul\0byte", 8), std::string("tab\t")}) {
    EXPECT_EQ(error_of(fs->install_command_stub(name)), "EINVAL: invalid command name: " + name);
  }
}

TEST_F(VmFilesystemRootTest, ApplyEntriesBootstrapsInOrder) {
  auto fs = testing::make_vm_filesystem(engine);
  FsEntry file;
  file.path = "/srv/app/../app/config.json";
  file.kind = FsEntryKind::File;
  file.mode = 0100600;
  file.uid = 1000;
  file.content = "{}";
  FsEntry link;
  link.path = "/srv/current";
  link.kind = FsEntryKind::Symlink;
  link.mode = 0120777;
  link.target = "app";
  ASSERT_TRUE(fs->apply_entries({file, link}));
  EXPECT_EQ(fs->read_file("/srv/current/config.json").value(), "{}");
  EXPECT_EQ(fs->stat("/srv/app/config.json")->mode, 0100600u);
  EXPECT_EQ(fs->stat("/srv/app")->uid, 0u);
  FsEntry conflict;
  conflict.path = "/tmp";
  conflict.kind = FsEntryKind::File;
  conflict.mode = 0100644;
  EXPECT_EQ(error_of(fs->apply_entries({conflict})), "EISDIR: illegal operation on a directory, open '/tmp'");
}

TEST_F(VmFilesystemRootTest, SnapshotListsTheTreeDepthFirstFromRoot) {
  auto fs = testing::make_vm_filesystem(engine);
  const auto entries = fs->snapshot().value();
  ASSERT_EQ(entries.size(), 70u);
  EXPECT_EQ(entries[0].path, "/");
  EXPECT_EQ(entries[0].kind, FsEntryKind::Directory);
  EXPECT_EQ(entries[1].path, "/bin");
  EXPECT_EQ(entries[2].path, "/etc");
  EXPECT_EQ(entries[3].path, "/etc/alpine-release");
  EXPECT_EQ(entries[3].content, "3.22.4\n");
  EXPECT_EQ(entries[3].mode, 0100644u);
  EXPECT_EQ(entries.back().path, "/workspace");
}

TEST_F(VmFilesystemRootTest, SnapshotRoundTrips) {
  auto original = testing::make_vm_filesystem(engine);
  ASSERT_TRUE(original->write_file("/workspace/app/main.js", "console.log(1)"));
  ASSERT_TRUE(original->write_file("/workspace/bin.dat", std::string("\x00\xff", 2)));
  ASSERT_TRUE(original->chmod("/workspace/app/main.js", 0700));
  ASSERT_TRUE(original->chown("/workspace/app", 5, 6));
  ASSERT_TRUE(original->symlink("app/main.js", "/workspace/entry"));
  ASSERT_TRUE(original->symlink("/nowhere", "/workspace/dangling"));
  ASSERT_TRUE(original->write_file("/etc/hostname", "vm-1\n"));
  const auto snapshot = original->snapshot().value();

  auto applied = testing::make_vm_filesystem(engine);
  ASSERT_TRUE(applied->apply_entries(snapshot));
  EXPECT_EQ(applied->snapshot().value(), snapshot);

  RootFilesystemConfig root;
  root.disable_default_base_layer = true;
  std::vector<config::RootFilesystemEntry> configured;
  for (const FsEntry& entry : snapshot) configured.push_back(to_configured(entry));
  root.lowers.push_back(lower_of(configured));
  auto imported = testing::make_vm_filesystem(engine, root);
  EXPECT_EQ(imported->snapshot().value(), snapshot);
}

}  // namespace
}  // namespace se::kernel
