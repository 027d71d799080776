// /dev as a guest process and the host see it (kernel/special): device nodes, reads and writes by
// path and through descriptors, the per-process links, terminals, and what cannot be changed.
#include <gtest/gtest.h>

#include "special_test_support.h"

namespace se::kernel {
namespace {

using special::Change;
using testing::error_of;
using testing::SpecialFixture;

TEST(DevFs, NodesAreCharacterDevices) {
  SpecialFixture f;
  EXPECT_EQ(f.special->read_dir(0, "/dev").value(),
            (std::vector<std::string>{"fd", "full", "null", "pts", "random", "stderr", "stdin", "stdout", "tty",
                                      "urandom", "zero"}));
  const FileStat null = f.special->stat(0, "/dev/null").value();
  EXPECT_EQ(null.mode, special::kModeCharDevice | 0666);
  EXPECT_EQ(null.rdev, (1u << 8) | 3u);
  EXPECT_FALSE(null.is_directory);
  EXPECT_EQ(f.special->stat(0, "/dev/urandom")->rdev, (1u << 8) | 9u);
  EXPECT_EQ(f.special->stat(0, "/dev/random")->rdev, (1u << 8) | 8u);
  EXPECT_EQ(f.special->stat(0, "/dev/full")->rdev, (1u << 8) | 7u);
  EXPECT_TRUE(f.special->stat(0, "/dev")->is_directory);
  EXPECT_EQ(f.special->read_link(0, "/dev/stdout").value(), "/proc/self/fd/1");
  EXPECT_EQ(f.special->read_link(0, "/dev/fd").value(), "/proc/self/fd");
  EXPECT_EQ(error_of(f.special->stat(0, "/dev/nope")), "ENOENT: no such file or directory, stat '/dev/nope'");
  EXPECT_EQ(error_of(f.special->stat(0, "/dev/null/x")), "ENOTDIR: not a directory: /dev/null/x");
  // The host has no standard descriptors: the links dangle for it.
  EXPECT_FALSE(f.special->exists(0, "/dev/stdin").value());
  EXPECT_TRUE(f.special->lstat(0, "/dev/stdin")->is_symbolic_link);
}

TEST(DevFs, PathReadsAndWrites) {
  SpecialFixture f;
  EXPECT_EQ(f.special->read_file(0, "/dev/null").value(), "");
  EXPECT_EQ(f.special->read_file(0, "/dev/zero").value(), std::string(special::kEndlessDeviceReadBytes, '\0'));
  EXPECT_EQ(f.special->pread(0, "/dev/zero", 100, 7).value(), std::string(7, '\0'));
  const std::string first = f.special->pread(0, "/dev/urandom", 0, 64).value();
  const std::string second = f.special->read_file(0, "/dev/random").value();
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(second.size(), special::kEndlessDeviceReadBytes);
  EXPECT_NE(first, second.substr(0, 64));
  EXPECT_TRUE(f.special->write_file(0, "/dev/null", "gone"));
  EXPECT_TRUE(f.special->write_file(0, "/dev/zero", "gone"));
  EXPECT_EQ(error_of(f.special->write_file(0, "/dev/full", "x")), "ENOSPC: no space left on device");
  EXPECT_EQ(error_of(f.special->write_file(0, "/dev/new", "x")), "EACCES: permission denied, open '/dev/new'");
  EXPECT_EQ(error_of(f.special->read_file(0, "/dev/tty")), "ENXIO: no such device or address, open '/dev/tty'");
  EXPECT_EQ(error_of(f.special->pread(0, "/dev/zero", 0, (64ull << 20) + 1)),
            "EINVAL: pread length 67108865 exceeds configured limit 67108864");
}

TEST(DevFs, DescriptorsOnDevices) {
  config::ResourceLimits limits;
  limits.max_pread_bytes = 1024;
  SpecialFixture f(limits);
  const Pid pid = f.spawn();
  const int null = f.kernel->open(pid, "/dev/null", kOpenReadWrite).value();
  EXPECT_EQ(f.kernel->fd_info(pid, null)->kind, FileKind::Device);
  EXPECT_EQ(f.kernel->write(pid, null, "abc").value(), 3u);
  EXPECT_EQ(f.kernel->read(pid, null, 10).value(), "");
  const int zero = f.kernel->open(pid, "/dev/zero", kOpenReadOnly).value();
  EXPECT_EQ(f.kernel->read(pid, zero, 16).value(), std::string(16, '\0'));
  EXPECT_EQ(error_of(f.kernel->read(pid, zero, 1025)), "EINVAL: pread length 1025 exceeds configured limit 1024");
  const int full = f.kernel->open(pid, "/dev/full", kOpenWriteOnly).value();
  EXPECT_EQ(error_of(f.kernel->write(pid, full, "x")), "ENOSPC: no space left on device");
  const int random = f.kernel->open(pid, "/dev/urandom", kOpenReadOnly).value();
  EXPECT_EQ(f.kernel->read(pid, random, 32)->size(), 32u);
  EXPECT_EQ(error_of(f.kernel->open(pid, "/dev/null", kOpenWriteOnly | kOpenCreate | kOpenExclusive)),
            "EEXIST: file already exists, open '/dev/null'");
  EXPECT_EQ(error_of(f.kernel->open(pid, "/dev/made", kOpenWriteOnly | kOpenCreate)),
            "EACCES: permission denied, open '/dev/made'");
  EXPECT_EQ(error_of(f.kernel->lseek(pid, null, 0, kSeekSet)), "ESPIPE: illegal seek");
}

TEST(DevFs, StandardStreamsAreTheCallersDescriptors) {
  SpecialFixture f;
  const Pid pid = f.spawn();
  const int out = f.kernel->open(pid, "/dev/stdout", kOpenWriteOnly).value();
  ASSERT_TRUE(f.kernel->write(pid, out, "through /dev/stdout\n"));
  ASSERT_TRUE(f.special->write_file(pid, "/dev/fd/1", "by path\n"));
  EXPECT_EQ(f.out->written(), "through /dev/stdout\nby path\n");
  EXPECT_EQ(f.special->stat(pid, "/dev/stdout")->mode & kModeTypeMask, special::kModeFifo);
  EXPECT_EQ(f.special->realpath(pid, "/dev/stdin").value().rfind("pipe:[", 0), 0u);
  // /dev/fd lists the caller's descriptors.
  EXPECT_EQ(f.special->read_dir(pid, "/dev/fd").value(), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(error_of(f.kernel->open(pid, "/dev/fd/9", kOpenReadOnly)),
            "ENOENT: no such file or directory, stat '/dev/fd/9'");
  // Another process's pipe is not reachable through its fd link.
  const Pid other = f.spawn();
  EXPECT_EQ(f.kernel->open(other, "/proc/1/fd/1", kOpenWriteOnly).error().errno_code, ENXIO);
}

TEST(DevFs, Terminals) {
  SpecialFixture f;
  const Pid pid = f.spawn();
  EXPECT_EQ(f.special->read_dir(0, "/dev/pts").value(), std::vector<std::string>{});
  EXPECT_EQ(error_of(f.kernel->open(pid, "/dev/tty", kOpenReadWrite)),
            "ENXIO: no such device or address, open '/dev/tty'");
  const HostTerminal terminal = f.kernel->attach_host_terminal(pid).value();
  EXPECT_EQ(terminal.slave_path, "/dev/pts/0");
  EXPECT_EQ(f.special->read_dir(0, "/dev/pts").value(), std::vector<std::string>{"0"});
  EXPECT_EQ(f.special->stat(0, "/dev/pts/0")->rdev, (136u << 8) | 0u);
  EXPECT_EQ(f.special->read_link(pid, "/proc/self/fd/0").value(), "/dev/pts/0");
  const int tty = f.kernel->open(pid, "/dev/tty", kOpenReadWrite).value();
  EXPECT_EQ(f.kernel->fd_info(pid, tty)->kind, FileKind::PtySlave);
  EXPECT_TRUE(f.kernel->isatty(pid, tty).value());
  const int pts = f.kernel->open(pid, "/dev/pts/0", kOpenReadWrite).value();
  ASSERT_TRUE(f.kernel->write(pid, pts, "hi"));
  EXPECT_EQ(f.kernel->host_read(terminal.master, 100, std::chrono::milliseconds(1000)).value(), "hi");
  EXPECT_EQ(error_of(f.special->stat(0, "/dev/pts/1")), "ENOENT: no such file or directory, stat '/dev/pts/1'");
}

TEST(DevFs, NamesCannotChange) {
  SpecialFixture f;
  EXPECT_EQ(error_of(f.special->change(0, Change::Remove, "/dev/null")),
            "EPERM: operation not permitted, rm '/dev/null'");
  EXPECT_EQ(error_of(f.special->change(0, Change::Rename, "/dev/zero")),
            "EPERM: operation not permitted, rename '/dev/zero'");
  EXPECT_EQ(error_of(f.special->change(0, Change::RemoveDir, "/dev")), "EPERM: operation not permitted, rm '/dev'");
  EXPECT_EQ(error_of(f.special->change(0, Change::Mkdir, "/dev/pts")), "EEXIST: file exists: /dev/pts");
  EXPECT_EQ(error_of(f.special->change(0, Change::Mkdir, "/dev/new")), "EACCES: permission denied, mkdir '/dev/new'");
  EXPECT_TRUE(f.special->change(0, Change::Chmod, "/dev/null"));
  EXPECT_TRUE(f.special->change(0, Change::Truncate, "/dev/null"));
  EXPECT_EQ(f.special->stat(0, "/dev/null")->mode, special::kModeCharDevice | 0666);
  // Nor can the filesystem underneath gain entries there.
  EXPECT_EQ(error_of(f.fs->write_file("/dev/null", "x")), "EACCES: permission denied, write '/dev/null'");
  EXPECT_EQ(f.fs->mkdir("/dev/shm", true).error().errno_code, EACCES);
}

}  // namespace
}  // namespace se::kernel
