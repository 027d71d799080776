#include <gtest/gtest.h>

#include <functional>

#include "kernel/vm_filesystem.h"
#include "vm_test_support.h"

namespace se::kernel {
namespace {

using config::PermissionMode;
using config::PermissionRule;
using config::PermissionRuleSet;
using config::PermissionsPolicy;
using testing::error_of;

PermissionsPolicy fs_rules(PermissionMode default_mode, std::vector<PermissionRule> rules) {
  PermissionsPolicy policy = PermissionsPolicy::allow_all();
  policy.fs = PermissionRuleSet{default_mode, std::move(rules)};
  return policy;
}

class VmFilesystemPermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs = testing::make_vm_filesystem(engine);
    ASSERT_TRUE(fs);
    ASSERT_TRUE(fs->write_file("/data/secret.txt", "secret"));
    ASSERT_TRUE(fs->write_file("/data/host.txt", "host"));
    ASSERT_TRUE(fs->symlink("/data/secret.txt", "/tmp/p"));
    ASSERT_TRUE(fs->symlink("/data", "/alias"));
  }

  PermissionEngine engine{PermissionsPolicy::allow_all()};
  std::unique_ptr<VmFilesystem> fs;
};

struct DeniedCall {
  const char* name;
  std::function<std::string(VmFilesystem&)> call;
  const char* message;
};

TEST_F(VmFilesystemPermissionsTest, DenyAllNamesTheKernelOperationAndCapability) {
  engine.set_policy(PermissionsPolicy::deny_all());
  const std::vector<DeniedCall> calls = {
      {"read_file", [](VmFilesystem& f) { return error_of(f.read_file("/etc/hostname")); },
       "EACCES: permission denied, read '/etc/hostname': blocked by fs.read policy"},
      {"read_file dir", [](VmFilesystem& f) { return error_of(f.read_file("/tmp")); },
       "EACCES: permission denied, read '/tmp': blocked by fs.read policy"},
      {"pread", [](VmFilesystem& f) { return error_of(f.pread("/etc/hostname", 0, 1)); },
       "EACCES: permission denied, read '/etc/hostname': blocked by fs.read policy"},
      {"write_file", [](VmFilesystem& f) { return error_of(f.write_file("/etc/hostname", "x")); },
       "EACCES: permission denied, write '/etc/hostname': blocked by fs.write policy"},
      {"create_dir", [](VmFilesystem& f) { return error_of(f.create_dir("/newdir")); },
       "EACCES: permission denied, createDir '/newdir': blocked by fs.create_dir policy"},
      {"mkdir", [](VmFilesystem& f) { return error_of(f.mkdir("/newdir", true)); },
       "EACCES: permission denied, mkdir '/newdir': blocked by fs.create_dir policy"},
      {"exists", [](VmFilesystem& f) { return error_of(f.exists("/")); },
       "EACCES: permission denied, exists '/': blocked by fs.stat policy"},
      {"stat", [](VmFilesystem& f) { return error_of(f.stat("/etc/hostname")); },
       "EACCES: permission denied, stat '/etc/hostname': blocked by fs.stat policy"},
      {"lstat", [](VmFilesystem& f) { return error_of(f.lstat("/tmp/p")); },
       "EACCES: permission denied, stat '/tmp/p': blocked by fs.stat policy"},
      {"read_dir", [](VmFilesystem& f) { return error_of(f.read_dir("/etc")); },
       "EACCES: permission denied, readdir '/etc': blocked by fs.readdir policy"},
      {"remove_file", [](VmFilesystem& f) { return error_of(f.remove_file("/etc/hostname")); },
       "EACCES: permission denied, rm '/etc/hostname': blocked by fs.rm policy"},
      {"remove_dir", [](VmFilesystem& f) { return error_of(f.remove_dir("/tmp", true)); },
       "EACCES: permission denied, rm '/tmp': blocked by fs.rm policy"},
      {"rename", [](VmFilesystem& f) { return error_of(f.rename("/etc/hostname", "/etc/h2")); },
       "EACCES: permission denied, rename '/etc/hostname': blocked by fs.rename policy"},
      {"realpath", [](VmFilesystem& f) { return error_of(f.realpath("/tmp/p")); },
       "EACCES: permission denied, read '/data/secret.txt': blocked by fs.read policy"},
      {"symlink", [](VmFilesystem& f) { return error_of(f.symlink("/x", "/newlink")); },
       "EACCES: permission denied, symlink '/newlink': blocked by fs.symlink policy"},
      {"read_link", [](VmFilesystem& f) { return error_of(f.read_link("/etc/os-release")); },
       "EACCES: permission denied, readlink '/etc/os-release': blocked by fs.read policy"},
      {"link", [](VmFilesystem& f) { return error_of(f.link("/etc/hostname", "/h2")); },
       "EACCES: permission denied, link '/etc/hostname': blocked by fs.write policy"},
      {"chmod", [](VmFilesystem& f) { return error_of(f.chmod("/etc/hostname", 0600)); },
       "EACCES: permission denied, chmod '/etc/hostname': blocked by fs.write policy"},
      {"chown", [](VmFilesystem& f) { return error_of(f.chown("/etc/hostname", 1, 1)); },
       "EACCES: permission denied, chown '/etc/hostname': blocked by fs.write policy"},
      {"utimes", [](VmFilesystem& f) { return error_of(f.utimes("/etc/hostname", 1, 1)); },
       "EACCES: permission denied, utimes '/etc/hostname': blocked by fs.write policy"},
      {"truncate", [](VmFilesystem& f) { return error_of(f.truncate("/etc/hostname", 0)); },
       "EACCES: permission denied, truncate '/etc/hostname': blocked by fs.write policy"},
  };
  const auto before = fs->snapshot().value();
  for (const DeniedCall& denied : calls) EXPECT_EQ(denied.call(*fs), denied.message) << denied.name;
  EXPECT_EQ(fs->snapshot().value(), before);  // no denied call changed anything
}

TEST_F(VmFilesystemPermissionsTest, AskDeniesWithAPromptReason) {
  PermissionsPolicy policy = PermissionsPolicy::allow_all();
  policy.fs = PermissionMode::Ask;
  engine.set_policy(policy);
  EXPECT_EQ(error_of(fs->read_file("/etc/hostname")),
            "EACCES: permission denied, read '/etc/hostname': permission prompt required for fs.read");
}

TEST_F(VmFilesystemPermissionsTest, ResolvedSubjectErrorsComeBeforeThePolicy) {
  engine.set_policy(PermissionsPolicy::deny_all());
  EXPECT_EQ(error_of(fs->read_file("/missing")), "ENOENT: no such file: /missing");
  EXPECT_EQ(error_of(fs->stat("/missing")), "ENOENT: no such file: /missing");
  EXPECT_EQ(error_of(fs->chmod("/missing", 0)), "ENOENT: no such file: /missing");
  // exists() reports absence as false, but a denial as an error.
  EXPECT_EQ(error_of(fs->exists("/missing")),
            "EACCES: permission denied, exists '/missing': blocked by fs.stat policy");
}

TEST_F(VmFilesystemPermissionsTest, WriteRuleBlocksOnlyWrites) {
  engine.set_policy(fs_rules(PermissionMode::Allow, {PermissionRule{PermissionMode::Deny, {"write"}, {"/data/**"}}}));
  EXPECT_EQ(error_of(fs->write_file("/data/host.txt", "x")),
            "EACCES: permission denied, write '/data/host.txt': blocked by fs.write policy");
  EXPECT_EQ(error_of(fs->write_file("/data/new.txt", "x")),
            "EACCES: permission denied, write '/data/new.txt': blocked by fs.write policy");
  EXPECT_EQ(fs->read_file("/data/host.txt").value(), "host");
  EXPECT_TRUE(fs->write_file("/tmp/ok", "x"));
  EXPECT_FALSE(fs->exists("/data/new.txt").value());
}

TEST_F(VmFilesystemPermissionsTest, ReadsAreJudgedOnTheResolvedPath) {
  engine.set_policy(
      fs_rules(PermissionMode::Allow, {PermissionRule{PermissionMode::Deny, {"read"}, {"/data/secret.txt"}}}));
  EXPECT_EQ(error_of(fs->read_file("/tmp/p")),
            "EACCES: permission denied, read '/data/secret.txt': blocked by fs.read policy");
  EXPECT_EQ(error_of(fs->read_file("/alias/secret.txt")),
            "EACCES: permission denied, read '/data/secret.txt': blocked by fs.read policy");
  // The link itself is not the secret: lstat and readlink judge the link path.
  EXPECT_TRUE(fs->lstat("/tmp/p"));
  EXPECT_EQ(fs->read_link("/tmp/p").value(), "/data/secret.txt");
  EXPECT_EQ(fs->read_file("/alias/host.txt").value(), "host");
}

TEST_F(VmFilesystemPermissionsTest, CreatesAreJudgedOnTheResolvedDestination) {
  engine.set_policy(fs_rules(PermissionMode::Allow,
                             {PermissionRule{PermissionMode::Deny, {"create_dir", "write", "symlink"}, {"/data/**"}}}));
  EXPECT_EQ(error_of(fs->write_file("/alias/new", "x")),
            "EACCES: permission denied, write '/data/new': blocked by fs.write policy");
  EXPECT_EQ(error_of(fs->mkdir("/alias/a/b/c", true)),
            "EACCES: permission denied, mkdir '/data/a/b/c': blocked by fs.create_dir policy");
  EXPECT_EQ(error_of(fs->symlink("/etc", "/alias/l")),
            "EACCES: permission denied, symlink '/data/l': blocked by fs.symlink policy");
  // Writing through a link into the denied tree is caught too, even when the link dangles.
  ASSERT_TRUE(fs->symlink("/data/host.txt", "/tmp/to-host"));
  EXPECT_EQ(error_of(fs->write_file("/tmp/to-host", "x")),
            "EACCES: permission denied, write '/data/host.txt': blocked by fs.write policy");
  ASSERT_TRUE(fs->symlink("/data/planted.txt", "/tmp/dangling"));
  EXPECT_EQ(error_of(fs->write_file("/tmp/dangling", "x")),
            "EACCES: permission denied, write '/data/planted.txt': blocked by fs.write policy");
  EXPECT_FALSE(fs->lstat("/data/planted.txt"));
}

TEST_F(VmFilesystemPermissionsTest, RenameAndLinkCheckBothPaths) {
  engine.set_policy(fs_rules(PermissionMode::Allow, {PermissionRule{PermissionMode::Deny, {"rename"}, {"/locked/**"}},
                                                     PermissionRule{PermissionMode::Deny, {"write"}, {"/data/**"}}}));
  EXPECT_EQ(error_of(fs->rename("/tmp/p", "/locked/p")),
            "EACCES: permission denied, rename '/locked/p': blocked by fs.rename policy");
  EXPECT_TRUE(fs->lstat("/tmp/p"));
  EXPECT_EQ(error_of(fs->link("/tmp/p", "/tmp/hard")),
            "EACCES: permission denied, link '/data/secret.txt': blocked by fs.write policy");
  ASSERT_TRUE(fs->write_file("/tmp/mine", "x"));
  EXPECT_EQ(error_of(fs->link("/tmp/mine", "/data/hard")),
            "EACCES: permission denied, link '/data/hard': blocked by fs.write policy");
  EXPECT_TRUE(fs->link("/tmp/mine", "/tmp/hard"));
}

TEST_F(VmFilesystemPermissionsTest, AttributeChangesMapToWrite) {
  engine.set_policy(
      fs_rules(PermissionMode::Allow, {PermissionRule{PermissionMode::Deny, {"chmod", "truncate"}, {"**"}}}));
  // Rules naming chmod/truncate never match: the kernel asks for fs.write (spec/kernel.md s14 #24).
  EXPECT_TRUE(fs->chmod("/data/host.txt", 0600));
  EXPECT_TRUE(fs->truncate("/data/host.txt", 1));
  engine.set_policy(fs_rules(PermissionMode::Allow, {PermissionRule{PermissionMode::Deny, {"write"}, {"**"}}}));
  EXPECT_EQ(error_of(fs->utimes("/tmp/p", 1, 1)),
            "EACCES: permission denied, utimes '/data/secret.txt': blocked by fs.write policy");
}

TEST_F(VmFilesystemPermissionsTest, RemoveUsesTheRmCapability) {
  engine.set_policy(fs_rules(PermissionMode::Allow, {PermissionRule{PermissionMode::Deny, {"rm"}, {"/data/*"}}}));
  EXPECT_EQ(error_of(fs->remove_file("/data/host.txt")),
            "EACCES: permission denied, rm '/data/host.txt': blocked by fs.rm policy");
  EXPECT_EQ(error_of(fs->remove_dir("/alias/x", false)),
            "EACCES: permission denied, rm '/data/x': blocked by fs.rm policy");
  EXPECT_TRUE(fs->remove_file("/alias"));  // the link lives in "/", not under /data
}

TEST_F(VmFilesystemPermissionsTest, PolicyChangesApplyImmediately) {
  engine.set_policy(PermissionsPolicy::deny_all());
  EXPECT_FALSE(fs->read_file("/etc/hostname"));
  engine.set_policy(PermissionsPolicy::allow_all());
  EXPECT_EQ(fs->read_file("/etc/hostname").value(), "secure-exec\n");
}

TEST_F(VmFilesystemPermissionsTest, HostSideOperationsBypassThePolicy) {
  engine.set_policy(PermissionsPolicy::deny_all());
  FsEntry entry;
  entry.path = "/boot-file";
  entry.kind = FsEntryKind::File;
  entry.mode = 0100644;
  entry.content = "x";
  EXPECT_TRUE(fs->apply_entries({entry}));
  EXPECT_TRUE(fs->install_command_stub("node"));
  EXPECT_TRUE(fs->snapshot());
}

}  // namespace
}  // namespace se::kernel
