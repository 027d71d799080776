// /proc as a guest process and the host see it (kernel/special): nodes, rendered text, symlinks,
// listings, read-only rules and opening through the process kernel.
#include <gtest/gtest.h>

#include <algorithm>

#include "special_test_support.h"

namespace se::kernel {
namespace {

using special::Change;
using testing::error_of;
using testing::SpecialFixture;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(ProcFs, RootListsProcessesAndMachineFiles) {
  SpecialFixture f;
  const Pid first = f.spawn();
  const Pid second = f.spawn();
  auto names = f.special->read_dir(second, "/proc");
  ASSERT_TRUE(names) << error_of(names);
  EXPECT_EQ(*names, (std::vector<std::string>{"1", "2", "cpuinfo", "loadavg", "meminfo", "mounts", "self", "uptime",
                                              "version"}));
  // The host has no /proc/self.
  EXPECT_FALSE(contains(f.special->read_dir(0, "/proc").value(), "self"));
  EXPECT_EQ(f.special->read_link(first, "/proc/self").value(), "1");
  EXPECT_EQ(f.special->read_link(second, "/proc/self").value(), "2");
  EXPECT_EQ(error_of(f.special->read_link(0, "/proc/self")), "ENOENT: no such file or directory, stat '/proc/self'");
  EXPECT_EQ(error_of(f.special->stat(0, "/proc/3")), "ENOENT: no such file or directory, stat '/proc/3'");
  EXPECT_EQ(error_of(f.special->stat(0, "/proc/01")), "ENOENT: no such file or directory, stat '/proc/01'");
  EXPECT_TRUE(f.special->stat(0, "/proc")->is_directory);
  EXPECT_FALSE(f.special->exists(0, "/proc/self").value());
  EXPECT_TRUE(f.special->exists(first, "/proc/self/status").value());
}

TEST(ProcFs, ProcessFilesDescribeTheProcess) {
  SpecialFixture f;
  const Pid pid = f.spawn({"-e", "x)y"}, {{"A", "1"}, {"B", "two"}});
  EXPECT_EQ(f.special->read_file(0, "/proc/1/cmdline").value(), std::string("node\0-e\0x)y\0", 12));
  EXPECT_EQ(f.special->read_file(pid, "/proc/self/environ").value(), std::string("A=1\0B=two\0", 10));
  const std::string status = f.special->read_file(pid, "/proc/self/status").value();
  EXPECT_NE(status.find("Name:\tnode\n"), std::string::npos) << status;
  EXPECT_NE(status.find("State:\tR (running)\n"), std::string::npos) << status;
  EXPECT_NE(status.find("Pid:\t1\nPPid:\t0\n"), std::string::npos) << status;
  EXPECT_NE(status.find("Uid:\t1000\t1000\t1000\t1000\n"), std::string::npos) << status;
  EXPECT_NE(status.find("Umask:\t0022\n"), std::string::npos) << status;

  const std::string stat = f.special->read_file(pid, "/proc/1/stat").value();
  EXPECT_EQ(stat.rfind("1 (node) R 0 1 1 ", 0), 0u) << stat;
  EXPECT_EQ(stat.back(), '\n');
  EXPECT_EQ(std::count(stat.begin(), stat.end(), ' ') + 1, 52) << stat;

  EXPECT_EQ(f.special->read_link(pid, "/proc/self/cwd").value(), "/workspace");
  EXPECT_EQ(f.special->read_link(pid, "/proc/self/exe").value(), "/bin/node");
  EXPECT_EQ(f.special->read_dir(0, "/proc/1").value(),
            (std::vector<std::string>{"cmdline", "cwd", "environ", "exe", "fd", "stat", "status"}));
  // A symlink that leaves /proc continues in the filesystem.
  ASSERT_TRUE(f.fs->write_file("/workspace/note", "hi"));
  EXPECT_EQ(f.special->read_file(pid, "/proc/self/cwd/note").value(), "hi");
  EXPECT_TRUE(f.special->stat(pid, "/proc/self/cwd")->is_directory);
  EXPECT_TRUE(f.special->lstat(pid, "/proc/self/cwd")->is_symbolic_link);
  EXPECT_EQ(f.special->realpath(pid, "/proc/self/cwd").value(), "/workspace");
  EXPECT_EQ(f.special->realpath(pid, "/proc/self/status").value(), "/proc/1/status");
  EXPECT_EQ(error_of(f.special->read_link(pid, "/proc/self/status")),
            "EINVAL: invalid argument, readlink '/proc/self/status'");
  EXPECT_EQ(error_of(f.special->read_file(pid, "/proc/1")), "EISDIR: illegal operation on a directory, read '/proc/1'");
  EXPECT_EQ(error_of(f.special->read_dir(pid, "/proc/1/stat")), "ENOTDIR: not a directory, scandir '/proc/1/stat'");
}

TEST(ProcFs, ZombiesAndReapedProcesses) {
  SpecialFixture f;
  const Pid parent = f.spawn();
  const Pid child = f.spawn({"child.js"}, {}, parent);
  ASSERT_TRUE(f.kernel->exit_process(child, 3));
  EXPECT_NE(f.special->read_file(0, "/proc/2/status")->find("State:\tZ (zombie)\n"), std::string::npos);
  EXPECT_EQ(f.special->read_file(0, "/proc/2/cmdline").value(), "");
  EXPECT_EQ(f.special->read_dir(0, "/proc/2/fd").value(), std::vector<std::string>{});
  ASSERT_TRUE(f.kernel->waitpid(parent, child, 0));
  EXPECT_EQ(error_of(f.special->stat(0, "/proc/2")), "ENOENT: no such file or directory, stat '/proc/2'");
}

TEST(ProcFs, DescriptorLinks) {
  SpecialFixture f;
  const Pid pid = f.spawn();
  ASSERT_TRUE(f.fs->write_file("/workspace/data", "0123456789"));
  const int file_fd = f.kernel->open(pid, "/workspace/data", kOpenReadOnly).value();
  const PipeFds pipe = f.kernel->pipe(pid).value();
  auto names = f.special->read_dir(pid, "/proc/self/fd").value();
  EXPECT_EQ(names, (std::vector<std::string>{"0", "1", "2", std::to_string(file_fd), std::to_string(pipe.read_fd),
                                             std::to_string(pipe.write_fd)}));
  EXPECT_EQ(f.special->read_link(pid, "/proc/self/fd/" + std::to_string(file_fd)).value(), "/workspace/data");
  const std::string pipe_target = f.special->read_link(pid, "/dev/fd/" + std::to_string(pipe.read_fd)).value();
  EXPECT_EQ(pipe_target.rfind("pipe:[", 0), 0u) << pipe_target;
  // stat follows to the pipe (a FIFO) and to the file.
  EXPECT_EQ(f.special->stat(pid, "/proc/1/fd/" + std::to_string(pipe.read_fd))->mode & kModeTypeMask,
            special::kModeFifo);
  EXPECT_EQ(f.special->stat(pid, "/proc/1/fd/" + std::to_string(file_fd))->size, 10u);
  EXPECT_EQ(error_of(f.special->stat(pid, "/proc/1/fd/99")), "ENOENT: no such file or directory, stat '/proc/1/fd/99'");

  // Opening an fd link of a file reopens the file (its own offset); of a pipe shares the pipe.
  ASSERT_TRUE(f.kernel->read(pid, file_fd, 4));
  const int again = f.kernel->open(pid, "/proc/self/fd/" + std::to_string(file_fd), kOpenReadOnly).value();
  EXPECT_EQ(f.kernel->read(pid, again, 4).value(), "0123");
  const int pipe_again = f.kernel->open(pid, "/dev/fd/" + std::to_string(pipe.write_fd), kOpenWriteOnly).value();
  ASSERT_TRUE(f.kernel->write(pid, pipe_again, "via dup"));
  EXPECT_EQ(f.kernel->read(pid, pipe.read_fd, 100).value(), "via dup");
}

TEST(ProcFs, MachineFiles) {
  special::MachineInfo machine;
  machine.cpu_count = 2;
  machine.memory_bytes = 128ull << 20;
  machine.boot_wall_ms = 1234;
  SpecialFixture f({}, config::PermissionsPolicy::allow_all(), machine);
  const std::string cpuinfo = f.special->read_file(0, "/proc/cpuinfo").value();
  EXPECT_NE(cpuinfo.find("processor\t: 1\nmodel name\t: secure-exec Virtual CPU\n"), std::string::npos) << cpuinfo;
  EXPECT_EQ(cpuinfo.find("processor\t: 2"), std::string::npos);
  EXPECT_EQ(f.special->read_file(0, "/proc/meminfo")->substr(0, 23), "MemTotal:  131072 kB\nMe");
  EXPECT_EQ(f.special->read_file(0, "/proc/mounts").value(), "root / root rw 0 0\n");
  EXPECT_EQ(f.special->read_file(0, "/proc/version").value(),
            "Linux version 6.8.0-agentos (agentos@localhost) #1 SMP boot=1234\n");
  const std::string uptime = f.special->read_file(0, "/proc/uptime").value();
  EXPECT_EQ(std::count(uptime.begin(), uptime.end(), '.'), 2) << uptime;
  f.spawn();
  EXPECT_EQ(f.special->read_file(0, "/proc/loadavg").value(), "0.00 0.00 0.00 1/1 1\n");
  EXPECT_EQ(f.special->pread(0, "/proc/version", 6, 7).value(), "version");
  EXPECT_EQ(f.special->stat(0, "/proc/version")->mode, kModeRegular | 0444);
}

TEST(ProcFs, IsReadOnly) {
  SpecialFixture f;
  const Pid pid = f.spawn();
  EXPECT_EQ(error_of(f.special->write_file(pid, "/proc/self/status", "x")),
            "EROFS: read-only filesystem: /proc/self/status");
  EXPECT_EQ(error_of(f.special->write_file(pid, "/proc/new", "x")), "EROFS: read-only filesystem: /proc/new");
  EXPECT_EQ(error_of(f.special->change(pid, Change::Mkdir, "/proc/d")), "EROFS: read-only filesystem: /proc/d");
  EXPECT_EQ(error_of(f.special->change(pid, Change::Remove, "/proc/1/stat")),
            "EROFS: read-only filesystem: /proc/1/stat");
  EXPECT_EQ(error_of(f.special->change(pid, Change::Chmod, "/proc/cpuinfo")),
            "EROFS: read-only filesystem: /proc/cpuinfo");
  EXPECT_EQ(error_of(f.kernel->open(pid, "/proc/self/status", kOpenWriteOnly)),
            "EROFS: read-only filesystem: /proc/1/status");
  EXPECT_EQ(error_of(f.kernel->open(pid, "/proc/x", kOpenWriteOnly | kOpenCreate)),
            "EROFS: read-only filesystem: /proc/x");
  // The filesystem underneath never stores anything there, even through a symlink.
  EXPECT_EQ(error_of(f.fs->write_file("/proc/x", "x")), "EROFS: read-only filesystem: /proc/x");
  EXPECT_EQ(error_of(f.fs->mkdir("/proc/d", true)), "EROFS: read-only filesystem: /proc/d");
  ASSERT_TRUE(f.fs->symlink("/proc", "/tmp/p"));
  EXPECT_EQ(error_of(f.fs->write_file("/tmp/p/x", "x")), "EROFS: read-only filesystem: /tmp/p/x");
  EXPECT_EQ(error_of(f.fs->write_file("/sys/x", "x")), "EROFS: read-only filesystem: /sys/x");
  FsEntry hidden;
  hidden.path = "/proc/1/boot";
  hidden.mode = kModeRegular | 0644;
  FsEntry kept = hidden;
  kept.path = "/tmp/kept";
  ASSERT_TRUE(f.fs->apply_entries({hidden, kept}));
  const std::vector<FsEntry> snapshot = f.fs->snapshot().value();
  for (const FsEntry& entry : snapshot) {
    EXPECT_FALSE(entry.path.starts_with("/proc/") || entry.path.starts_with("/dev/")) << entry.path;
  }
  EXPECT_TRUE(f.fs->exists("/tmp/kept").value());
}

TEST(ProcFs, PolicyAppliesToTheGuestVisiblePath) {
  SpecialFixture f({}, config::PermissionsPolicy::deny_all());
  const Pid pid = f.spawn();
  EXPECT_EQ(f.special->read_file(pid, "/proc/self/status").error().errno_code, EACCES);
  EXPECT_EQ(f.special->read_dir(pid, "/proc").error().errno_code, EACCES);
  EXPECT_EQ(f.kernel->open(pid, "/proc/self/status", kOpenReadOnly).error().errno_code, EACCES);
  EXPECT_EQ(f.special->write_file(pid, "/proc/x", "x").error().errno_code, EACCES);  // the policy speaks first
}

TEST(ProcFs, OpenedFilesAreRenderedAtOpen) {
  SpecialFixture f;
  const Pid pid = f.spawn({"script.js"});
  const int fd = f.kernel->open(pid, "/proc/self/cmdline", kOpenReadOnly).value();
  EXPECT_EQ(f.kernel->fd_info(pid, fd)->kind, FileKind::Device);
  EXPECT_EQ(f.kernel->fd_info(pid, fd)->path, "/proc/1/cmdline");
  EXPECT_EQ(f.kernel->read(pid, fd, 5).value(), std::string("node\0", 5));
  EXPECT_EQ(f.kernel->read(pid, fd, 100).value(), std::string("script.js\0", 10));
  EXPECT_EQ(f.kernel->read(pid, fd, 100).value(), "");
  EXPECT_EQ(error_of(f.kernel->write(pid, fd, "x")), "EBADF: bad file descriptor " + std::to_string(fd));
  const int dir = f.kernel->open(pid, "/proc/self/fd", kOpenReadOnly).value();
  EXPECT_EQ(f.kernel->fd_info(pid, dir)->kind, FileKind::Directory);
  EXPECT_EQ(error_of(f.kernel->open(pid, "/proc/self/fd", kOpenReadWrite)),
            "EISDIR: illegal operation on a directory, open '/proc/1/fd'");
}

TEST(ProcFs, ReaddirLimitApplies) {
  config::ResourceLimits limits;
  limits.max_readdir_entries = 8;
  SpecialFixture f(limits);
  EXPECT_EQ(error_of(f.special->read_dir(0, "/dev")),
            "ENOMEM: directory listing for '/dev' exceeds configured limit of 8 entries");
  EXPECT_TRUE(f.special->read_dir(0, "/proc"));  // 6 machine files, no processes
  f.spawn();
  f.spawn();
  f.spawn();
  EXPECT_EQ(f.special->read_dir(0, "/proc").error().errno_code, ENOMEM);
}

}  // namespace
}  // namespace se::kernel
