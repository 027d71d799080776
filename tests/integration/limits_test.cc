// Resource limits and hostile input over the wire (spec/protocol.md s6.4 limits.resources,
// spec/kernel.md s11): each limit fails with its errno and a message naming it, and the VM - and
// the sidecar's other VMs - keep working afterwards. Also path tricks that must stay inside the
// VM's root. (maxFilesystemBytes / maxInodeCount single writes are in filesystem_test.cc.)
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;
using wire::GuestRuntimeKind;

// prefix + n (appending: g++ 12 warns falsely on literal + std::string&&).
std::string numbered(std::string prefix, int n) {
  prefix.append(std::to_string(n));
  return prefix;
}

class LimitsTest : public SidecarTest {
 protected:
  client::VmHandle vm_with(const std::string& resources) {
    std::string config = R"({"permissions":{"fs":"allow","childProcess":"allow","process":"allow"},)";
    config.append(R"("limits":{"resources":)").append(resources).append("}}");
    auto vm = client_->create_vm(GuestRuntimeKind::JAVA_SCRIPT, std::move(config));
    EXPECT_TRUE(vm.has_value()) << vm.error().to_string();
    return vm.value_or(client::VmHandle{});
  }

  // The VM answers a further request, and a fresh VM of the same sidecar does too.
  void expect_still_serving(const client::VmHandle& vm) {
    ASSERT_OK(client_->write_file(vm, "/tmp/alive", "yes"));
    EXPECT_EQ(ASSERT_OK(client_->read_file(vm, "/tmp/alive")), "yes");
    auto other = ASSERT_OK(client_->create_vm(GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
    ASSERT_OK(client_->write_file(other, "/tmp/other", "fine"));
    EXPECT_EQ(ASSERT_OK(client_->read_file(other, "/tmp/other")), "fine");
  }

  void SetUp() override { client_ = &start_with_session(); }

  client::Client* client_ = nullptr;
};

TEST_F(LimitsTest, DiskFillUntilEnospcThenDeleteAndWriteAgain) {
  auto vm = vm_with(R"({"maxFilesystemBytes":1048576})");
  const std::string chunk(64 * 1024, 'x');
  int written = 0;
  client::Result<void> last;
  for (; written < 64; ++written) {
    last = client_->write_file(vm, numbered("/tmp/fill-", written), chunk);
    if (!last.has_value()) break;
  }
  ASSERT_FALSE(last.has_value()) << "1 MiB never filled";
  EXPECT_EQ(last.error().code, "kernel_error");
  EXPECT_EQ(last.error().message, "ENOSPC: maximum filesystem size limit reached");
  EXPECT_GT(written, 4);
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm, numbered("/tmp/fill-", written))));  // nothing half-made
  ASSERT_OK(client_->remove_file(vm, "/tmp/fill-0"));
  ASSERT_OK(client_->write_file(vm, "/tmp/refill", chunk));
  EXPECT_EQ(ASSERT_OK(client_->stat(vm, "/tmp/refill")).size, chunk.size());
  ASSERT_OK(client_->remove_file(vm, "/tmp/refill"));
  expect_still_serving(vm);
}

TEST_F(LimitsTest, MaxInodeCountStopsAFileLoop) {
  auto vm = vm_with(R"({"maxInodeCount":300})");
  client::Result<void> last;
  int created = 0;
  for (; created < 400; ++created) {
    last = client_->write_file(vm, numbered("/tmp/n", created), "");
    if (!last.has_value()) break;
  }
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().message, "ENOSPC: maximum inode count limit reached");
  EXPECT_REJECTED(client_->mkdir(vm, "/tmp/dir"), "kernel_error", "ENOSPC: maximum inode count limit reached");
  ASSERT_OK(client_->remove_file(vm, "/tmp/n0"));
  ASSERT_OK(client_->mkdir(vm, "/tmp/dir"));
  ASSERT_OK(client_->remove_dir(vm, "/tmp/dir"));
  expect_still_serving(vm);
}

TEST_F(LimitsTest, HundredThousandEntryDirectoryHitsMaxReaddirEntries) {
  constexpr int kEntries = 100000;
  auto vm = vm_with(R"({"maxInodeCount":200000,"maxReaddirEntries":50000})");
  for (int i = 0; i < kEntries; ++i) ASSERT_OK(client_->create_dir(vm, numbered("/tmp/big/", i)));
  EXPECT_REJECTED(client_->read_dir(vm, "/tmp/big"), "kernel_error",
                  "ENOMEM: directory listing for '/tmp/big' exceeds configured limit of 50000 entries");
  // Smaller listings still work; removing the whole tree works and frees the inodes.
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm, "/tmp")), std::vector<std::string>{"big"});
  ASSERT_OK(client_->remove_dir(vm, "/tmp/big", true));
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm, "/tmp/big")));
  expect_still_serving(vm);
}

TEST_F(LimitsTest, MaxPreadBytes) {
  auto vm = vm_with(R"({"maxPreadBytes":1024})");
  ASSERT_OK(client_->write_file(vm, "/tmp/f", std::string(4096, 'a')));
  EXPECT_EQ(ASSERT_OK(client_->pread(vm, "/tmp/f", 0, 1024)).size(), 1024u);
  EXPECT_REJECTED(client_->pread(vm, "/tmp/f", 0, 1025), "kernel_error",
                  "EINVAL: pread length 1025 exceeds configured limit 1024");
  EXPECT_REJECTED(client_->pread(vm, "/dev/zero", 0, 1u << 30), "kernel_error",
                  "EINVAL: pread length 1073741824 exceeds configured limit 1024");
  expect_still_serving(vm);
}

TEST_F(LimitsTest, MaxProcessesRejectsFurtherExecutes) {
  auto vm = vm_with(R"({"maxProcesses":3})");
  auto live = [](std::string id) {
    wire::ExecuteRequest request;
    request.process_id = std::move(id);
    request.command = "node";
    request.args = {"-e", "setInterval(() => {}, 1000)"};
    return request;
  };
  for (int i = 0; i < 3; ++i) ASSERT_OK(client_->execute(vm, live(numbered("p", i))));
  EXPECT_REJECTED(client_->execute(vm, live("p3")), "kernel_error", "EAGAIN: maximum process limit reached");
  EXPECT_EQ(ASSERT_OK(client_->get_process_snapshot(vm)).processes.size(), 3u);
  expect_still_serving(vm);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(client_->kill_process(vm, numbered("p", i), "SIGKILL"));
    ASSERT_OK(client_->wait_process(vm, numbered("p", i), 10s));
  }
}

TEST_F(LimitsTest, SymlinkLoopIsEloop) {
  auto vm = vm_with("{}");
  ASSERT_OK(client_->symlink(vm, "/tmp/b", "/tmp/a"));
  ASSERT_OK(client_->symlink(vm, "/tmp/a", "/tmp/b"));
  ASSERT_OK(client_->symlink(vm, "self", "/tmp/self"));
  EXPECT_REJECTED(client_->read_file(vm, "/tmp/a"), "kernel_error", "ELOOP: too many levels of symbolic links");
  EXPECT_REJECTED(client_->write_file(vm, "/tmp/self/x", "x"), "kernel_error",
                  "ELOOP: too many levels of symbolic links");
  EXPECT_REJECTED(client_->stat(vm, "/tmp/b"), "kernel_error", "ELOOP: too many levels of symbolic links");
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm, "/tmp/a")));
  EXPECT_TRUE(ASSERT_OK(client_->lstat(vm, "/tmp/a")).is_symbolic_link);
  expect_still_serving(vm);
}

TEST_F(LimitsTest, EscapesStayInsideTheVmRoot) {
  auto vm = vm_with("{}");
  const std::string hostname = ASSERT_OK(client_->read_file(vm, "/etc/hostname"));
  EXPECT_EQ(hostname, "secure-exec\n");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm, "/workspace/../../etc/hostname")), hostname);
  EXPECT_EQ(ASSERT_OK(client_->realpath(vm, "/workspace/../../../..")), "/");
  ASSERT_OK(client_->symlink(vm, "/", "/tmp/root"));
  ASSERT_OK(client_->symlink(vm, "../../../../../../../../..", "/tmp/up"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm, "/tmp/root/etc/hostname")), hostname);
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm, "/tmp/up/etc/hostname")), hostname);
  EXPECT_EQ(ASSERT_OK(client_->realpath(vm, "/tmp/up")), "/");
  // ".." is lexical (spec/kernel.md s14 #1): it pops the name written before it, never a host directory.
  EXPECT_EQ(ASSERT_OK(client_->realpath(vm, "/tmp/root/..")), "/tmp");
  EXPECT_EQ(ASSERT_OK(client_->realpath(vm, "/tmp/root/etc/../..")), "/tmp");
  EXPECT_EQ(ASSERT_OK(client_->realpath(vm, "/tmp/root/etc/..")), "/");
  // The listing of "/" reached through the links is the VM's own root.
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm, "/tmp/up")), ASSERT_OK(client_->read_dir(vm, "/")));
  // Writes through them land in the VM, visible at the plain path.
  ASSERT_OK(client_->write_file(vm, "/tmp/up/tmp/through-up", "in the vm"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm, "/tmp/through-up")), "in the vm");
  expect_still_serving(vm);
}

}  // namespace
}  // namespace se::integration
