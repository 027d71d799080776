// /proc and /dev of a VM over the wire (GuestFilesystemCall is the host's view: no calling
// process, so no /proc/self): the VM's own process table, machine and devices, never the host's;
// read-only rules; nothing synthetic in snapshots.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;
using wire::GuestRuntimeKind;

constexpr uint32_t kCharDeviceMode = 020666;

class ProcDevTest : public SidecarTest {
 protected:
  void SetUp() override {
    client_ = &start_with_session();
    auto vm = client_->create_vm(GuestRuntimeKind::JAVA_SCRIPT,
                                 R"({"permissions":{"fs":"allow","childProcess":"allow","env":"allow"},
                                     "limits":{"resources":{"cpuCount":2}}})");
    ASSERT_TRUE(vm.has_value()) << vm.error().to_string();
    vm_ = *vm;
  }

  client::Client* client_ = nullptr;
  client::VmHandle vm_;
};

TEST_F(ProcDevTest, RunningProcessIsDescribed) {
  ASSERT_OK(client_->write_file(vm_, "/workspace/live.js", "setInterval(() => {}, 1000)"));
  wire::ExecuteRequest request;
  request.process_id = "live";
  request.command = "node";
  request.args = {"/workspace/live.js", "--flag"};
  const uint32_t pid = ASSERT_OK(client_->execute(vm_, request)).pid.value_or(0);
  ASSERT_NE(pid, 0u);
  const std::string dir = "/proc/" + std::to_string(pid);

  const std::string cmdline = ASSERT_OK(client_->read_file(vm_, dir + "/cmdline"));
  constexpr char kCmdline[] = "node\0/workspace/live.js\0--flag\0";
  EXPECT_EQ(cmdline, std::string(kCmdline, sizeof kCmdline - 1));
  const std::string status = ASSERT_OK(client_->read_file(vm_, dir + "/status"));
  EXPECT_NE(status.find("Pid:\t" + std::to_string(pid) + "\n"), std::string::npos) << status;
  EXPECT_NE(status.find("State:\tR (running)\n"), std::string::npos) << status;
  EXPECT_EQ(ASSERT_OK(client_->read_link(vm_, dir + "/cwd")), "/workspace");
  const auto listing = ASSERT_OK(client_->read_dir(vm_, "/proc"));
  EXPECT_NE(std::find(listing.begin(), listing.end(), std::to_string(pid)), listing.end());
  EXPECT_TRUE(ASSERT_OK(client_->stat(vm_, dir)).is_directory);
  // The host is not a process of the VM.
  EXPECT_REJECTED(client_->read_link(vm_, "/proc/self"), "kernel_error",
                  "ENOENT: no such file or directory, stat '/proc/self'");
  EXPECT_REJECTED(client_->read_file(vm_, "/proc/999/status"), "kernel_error",
                  "ENOENT: no such file or directory, stat '/proc/999/status'");
  ASSERT_OK(client_->kill_process(vm_, "live", "SIGKILL"));
  ASSERT_OK(client_->wait_process(vm_, "live", 10s));
}

TEST_F(ProcDevTest, MachineFilesDescribeTheVm) {
  const std::string cpuinfo = ASSERT_OK(client_->read_file(vm_, "/proc/cpuinfo"));
  EXPECT_NE(cpuinfo.find("processor\t: 1\nmodel name\t: secure-exec Virtual CPU\n"), std::string::npos) << cpuinfo;
  EXPECT_EQ(cpuinfo.find("processor\t: 2"), std::string::npos) << cpuinfo;
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/proc/meminfo")).rfind("MemTotal:  131072 kB\n", 0), 0u);
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/proc/mounts")), "root / root rw 0 0\n");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/proc/version")).rfind("Linux version 6.8.0-agentos ", 0), 0u);
}

TEST_F(ProcDevTest, DevicesByPath) {
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/dev/null")), "");
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/dev/zero")), std::string(4096, '\0'));
  const std::string first = ASSERT_OK(client_->read_file(vm_, "/dev/urandom"));
  const std::string second = ASSERT_OK(client_->pread(vm_, "/dev/urandom", 0, 4096));
  EXPECT_EQ(first.size(), 4096u);
  EXPECT_EQ(second.size(), 4096u);
  EXPECT_NE(first, second);
  ASSERT_OK(client_->write_file(vm_, "/dev/null", "discarded"));
  EXPECT_REJECTED(client_->write_file(vm_, "/dev/full", "x"), "kernel_error", "ENOSPC: no space left on device");
  const auto null = ASSERT_OK(client_->stat(vm_, "/dev/null"));
  EXPECT_EQ(null.mode, kCharDeviceMode);
  EXPECT_FALSE(null.is_directory);
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm_, "/dev")),
            (std::vector<std::string>{"fd", "full", "null", "pts", "random", "stderr", "stdin", "stdout", "tty",
                                      "urandom", "zero"}));
  EXPECT_EQ(ASSERT_OK(client_->read_link(vm_, "/dev/stdout")), "/proc/self/fd/1");
}

TEST_F(ProcDevTest, SyntheticTreesAreReadOnlyAndNeverSnapshotted) {
  EXPECT_REJECTED(client_->write_file(vm_, "/proc/x", "x"), "kernel_error", "EROFS: read-only filesystem: /proc/x");
  EXPECT_REJECTED(client_->mkdir(vm_, "/proc/d"), "kernel_error", "EROFS: read-only filesystem: /proc/d");
  EXPECT_REJECTED(client_->remove_file(vm_, "/dev/null"), "kernel_error",
                  "EPERM: operation not permitted, rm '/dev/null'");
  EXPECT_REJECTED(client_->mkdir(vm_, "/dev/shm"), "kernel_error", "EACCES: permission denied, mkdir '/dev/shm'");
  EXPECT_REJECTED(client_->rename(vm_, "/dev/zero", "/tmp/zero"), "kernel_error",
                  "EPERM: operation not permitted, rename '/dev/zero'");
  // A symlink into /proc does not let a write land there.
  ASSERT_OK(client_->symlink(vm_, "/proc", "/tmp/p"));
  EXPECT_REJECTED(client_->write_file(vm_, "/tmp/p/planted", "x"), "kernel_error",
                  "EROFS: read-only filesystem: /tmp/p/planted");
  const auto entries = ASSERT_OK(client_->snapshot_root_filesystem(vm_));
  for (const auto& entry : entries) {
    EXPECT_FALSE(entry.path.starts_with("/proc/") || entry.path.starts_with("/dev/")) << entry.path;
  }
  ASSERT_OK(client_->write_file(vm_, "/tmp/after", "still working"));
  EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/tmp/after")), "still working");
}

TEST_F(ProcDevTest, PolicyGuardsProc) {
  auto denied = ASSERT_OK(client_->create_vm(GuestRuntimeKind::JAVA_SCRIPT, R"({"permissions":{"fs":"deny"}})"));
  EXPECT_REJECTED(client_->read_file(denied, "/proc/cpuinfo"), "kernel_error",
                  "EACCES: permission denied, read '/proc/cpuinfo': blocked by fs.read policy");
  EXPECT_REJECTED(client_->read_file(denied, "/dev/zero"), "kernel_error",
                  "EACCES: permission denied, read '/dev/zero': blocked by fs.read policy");
}

}  // namespace
}  // namespace se::integration
