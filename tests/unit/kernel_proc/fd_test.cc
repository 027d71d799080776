// Descriptor tables: lowest-free allocation, shared descriptions (offset, O_APPEND), access modes,
// dup / dup2 / fcntl, FD_CLOEXEC at spawn, stdio devices, and the EMFILE / ENFILE limits.
#include <gtest/gtest.h>

#include "proc_test_support.h"

namespace se::kernel::testing {
namespace {

TEST(FdTest, TopLevelStdioIsBackedByTheGivenDevices) {
  KernelFixture f;
  auto out = std::make_shared<CaptureDevice>();
  auto in = std::make_shared<CaptureDevice>("typed");
  SpawnRequest request;
  request.stdio = {in, out, nullptr};
  Pid pid = *f.kernel->spawn(request);
  EXPECT_EQ(*f.kernel->write(pid, 1, "hello"), 5u);
  EXPECT_EQ(out->output(), "hello");
  EXPECT_EQ(*f.kernel->read(pid, 0, 3), "typ");
  EXPECT_EQ(*f.kernel->write(pid, 2, "dropped"), 7u);  // no device: like /dev/null
  EXPECT_EQ(error_of(f.kernel->write(pid, 0, "x")), "EBADF: bad file descriptor 0");
  EXPECT_EQ(error_of(f.kernel->read(pid, 1, 1)), "EBADF: bad file descriptor 1");
  auto fds = *f.kernel->list_fds(pid);
  ASSERT_EQ(fds.size(), 3u);
  EXPECT_EQ(fds[0].path, "/dev/stdin");
  EXPECT_EQ(fds[1].path, "/dev/stdout");
  EXPECT_EQ(fds[2].status_flags, kOpenWriteOnly);
  EXPECT_EQ(*f.kernel->isatty(pid, 1), false);
}

TEST(FdTest, AllocationIsLowestFree) {
  KernelFixture f;
  f.files->files["/a"] = "";
  Pid pid = f.spawn_top();
  EXPECT_EQ(*f.kernel->open(pid, "/a", kOpenReadOnly), 3);
  EXPECT_EQ(*f.kernel->open(pid, "/a", kOpenReadOnly), 4);
  EXPECT_EQ(*f.kernel->open(pid, "/a", kOpenReadOnly), 5);
  ASSERT_TRUE(f.kernel->close(pid, 3));
  ASSERT_TRUE(f.kernel->close(pid, 0));
  EXPECT_EQ(*f.kernel->open(pid, "/a", kOpenReadOnly), 0);
  EXPECT_EQ(*f.kernel->open(pid, "/a", kOpenReadOnly), 3);
  EXPECT_EQ(*f.kernel->open(pid, "/a", kOpenReadOnly), 6);
  EXPECT_EQ(error_of(f.kernel->close(pid, 3)), "<no error>");
  EXPECT_EQ(error_of(f.kernel->close(pid, 3)), "EBADF: bad file descriptor 3");
}

TEST(FdTest, DuplicatesShareOffsetAndStatusFlags) {
  KernelFixture f;
  f.files->files["/data"] = "0123456789";
  Pid pid = f.spawn_top();
  int fd = *f.kernel->open(pid, "/data", kOpenReadWrite);
  int copy = *f.kernel->dup(pid, fd);
  EXPECT_EQ(*f.kernel->read(pid, fd, 4), "0123");
  EXPECT_EQ(*f.kernel->read(pid, copy, 3), "456");
  EXPECT_EQ(*f.kernel->lseek(pid, copy, 0, kSeekCur), 7u);
  ASSERT_TRUE(f.kernel->fcntl(pid, fd, kFcntlSetFl, static_cast<int>(kOpenAppend)));
  EXPECT_EQ(*f.kernel->fcntl(pid, copy, kFcntlGetFl), static_cast<int>(kOpenReadWrite | kOpenAppend));
  ASSERT_TRUE(f.kernel->write(pid, copy, "AB"));
  EXPECT_EQ(f.files->files["/data"], "0123456789AB");
  EXPECT_EQ(*f.kernel->lseek(pid, fd, 0, kSeekCur), 12u);

  int separate = *f.kernel->open(pid, "/data", kOpenReadOnly);  // a second open: its own offset
  EXPECT_EQ(*f.kernel->read(pid, separate, 2), "01");
}

TEST(FdTest, AccessModesAreEnforced) {
  KernelFixture f;
  f.files->files["/file"] = "content";
  f.files->directories.insert("/dir");
  Pid pid = f.spawn_top();
  int read_only = *f.kernel->open(pid, "/file", kOpenReadOnly);
  int write_only = *f.kernel->open(pid, "/file", kOpenWriteOnly);
  EXPECT_EQ(error_of(f.kernel->write(pid, read_only, "x")), "EBADF: bad file descriptor 3");
  EXPECT_EQ(error_of(f.kernel->pwrite(pid, read_only, "x", 0)), "EBADF: bad file descriptor 3");
  EXPECT_EQ(error_of(f.kernel->read(pid, write_only, 1)), "EBADF: bad file descriptor 4");
  EXPECT_EQ(error_of(f.kernel->pread(pid, write_only, 1, 0)), "EBADF: bad file descriptor 4");
  EXPECT_EQ(error_of(f.kernel->ftruncate(pid, read_only, 0)),
            "EINVAL: descriptor 3 is not a regular file open for writing");
  EXPECT_EQ(*f.kernel->write(pid, write_only, "C"), 1u);
  EXPECT_EQ(f.files->files["/file"], "Content");

  EXPECT_EQ(error_of(f.kernel->open(pid, "/dir", kOpenWriteOnly)),
            "EISDIR: illegal operation on a directory, open '/dir'");
  int dir = *f.kernel->open(pid, "/dir", kOpenReadOnly);
  EXPECT_EQ(error_of(f.kernel->read(pid, dir, 1)), "EISDIR: illegal operation on a directory, read");
  EXPECT_EQ(error_of(f.kernel->open(pid, "/missing", kOpenReadOnly)), "ENOENT: no such file: /missing");
}

TEST(FdTest, SeekPreadPwriteAndTruncate) {
  KernelFixture f;
  f.files->files["/f"] = "abcdef";
  Pid pid = f.spawn_top();
  int fd = *f.kernel->open(pid, "/f", kOpenReadWrite);
  EXPECT_EQ(*f.kernel->lseek(pid, fd, -2, kSeekEnd), 4u);
  EXPECT_EQ(*f.kernel->read(pid, fd, 10), "ef");
  EXPECT_EQ(*f.kernel->read(pid, fd, 10), "");  // end of file
  EXPECT_EQ(error_of(f.kernel->lseek(pid, fd, -1, kSeekSet)), "EINVAL: invalid seek position");
  EXPECT_EQ(error_of(f.kernel->lseek(pid, fd, 0, 7)), "EINVAL: invalid whence 7");
  EXPECT_EQ(*f.kernel->lseek(pid, fd, 10, kSeekSet), 10u);  // past the end is allowed
  EXPECT_EQ(*f.kernel->pread(pid, fd, 3, 1), "bcd");
  EXPECT_EQ(*f.kernel->pwrite(pid, fd, "XY", 0), 2u);
  EXPECT_EQ(*f.kernel->lseek(pid, fd, 0, kSeekCur), 10u);  // pread/pwrite leave the offset alone
  ASSERT_TRUE(f.kernel->write(pid, fd, "!"));
  EXPECT_EQ(f.files->files["/f"], std::string("XYcdef\0\0\0\0!", 11));
  ASSERT_TRUE(f.kernel->ftruncate(pid, fd, 2));
  EXPECT_EQ(f.files->files["/f"], "XY");

  int append = *f.kernel->open(pid, "/f", kOpenWriteOnly | kOpenAppend);
  EXPECT_EQ(*f.kernel->pwrite(pid, append, "Z", 0), 1u);  // Linux: O_APPEND wins over the offset
  EXPECT_EQ(f.files->files["/f"], "XYZ");

  auto pipe = *f.kernel->pipe(pid);
  EXPECT_EQ(error_of(f.kernel->lseek(pid, pipe.read_fd, 0, kSeekSet)), "ESPIPE: illegal seek");
  EXPECT_EQ(error_of(f.kernel->pread(pid, pipe.read_fd, 1, 0)), "ESPIPE: illegal seek");
}

TEST(FdTest, OpenFlagsReachTheBackendAndCreateFiles) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->open(pid, "/made", kOpenCreate | kOpenWriteOnly, 0644));
  EXPECT_TRUE(f.files->files.contains("/made"));
  EXPECT_EQ(f.files->last_mode, 0644u);
  EXPECT_EQ(error_of(f.kernel->open(pid, "/made", kOpenCreate | kOpenExclusive | kOpenWriteOnly)),
            "EEXIST: file exists");
  f.files->files["/made"] = "old";
  ASSERT_TRUE(f.kernel->open(pid, "/made", kOpenWriteOnly | kOpenTruncate));
  EXPECT_EQ(f.files->files["/made"], "");

  KernelOptions options;
  options.files = nullptr;
  ProcessKernel bare({}, options);
  Pid bare_pid = *bare.spawn(SpawnRequest{});
  EXPECT_EQ(error_of(bare.open(bare_pid, "/x", kOpenReadOnly)), "ENOSYS: no filesystem is bound to the process kernel");
}

TEST(FdTest, Dup2ReplacesAndClearsCloseOnExec) {
  KernelFixture f;
  f.files->files["/a"] = "A";
  f.files->files["/b"] = "B";
  Pid pid = f.spawn_top();
  int a = *f.kernel->open(pid, "/a", kOpenReadOnly | kOpenCloseOnExec);
  int b = *f.kernel->open(pid, "/b", kOpenReadOnly);
  EXPECT_EQ(*f.kernel->fcntl(pid, a, kFcntlGetFd), kFdCloseOnExec);
  EXPECT_EQ(*f.kernel->dup2(pid, a, b), b);
  EXPECT_EQ(*f.kernel->read(pid, b, 1), "A");
  EXPECT_EQ(*f.kernel->fcntl(pid, b, kFcntlGetFd), 0);
  EXPECT_EQ(*f.kernel->dup2(pid, a, a), a);
  EXPECT_EQ(error_of(f.kernel->dup2(pid, a, a, true)), "EINVAL: dup3 needs two different descriptors");
  EXPECT_EQ(*f.kernel->dup2(pid, a, 10, true), 10);
  EXPECT_EQ(*f.kernel->fcntl(pid, 10, kFcntlGetFd), kFdCloseOnExec);
  EXPECT_EQ(error_of(f.kernel->dup2(pid, a, 256)), "EBADF: bad file descriptor 256");
  EXPECT_EQ(error_of(f.kernel->dup2(pid, a, -1)), "EBADF: bad file descriptor -1");
  EXPECT_EQ(error_of(f.kernel->dup2(pid, 99, 5)), "EBADF: bad file descriptor 99");
  EXPECT_EQ(f.kernel->usage().open_fds, 6u);  // 0, 1, 2, a, b, 10
}

TEST(FdTest, FcntlCommands) {
  KernelFixture f;
  f.files->files["/a"] = "";
  Pid pid = f.spawn_top();
  int fd = *f.kernel->open(pid, "/a", kOpenReadOnly | kOpenNonBlock);
  EXPECT_EQ(*f.kernel->fcntl(pid, fd, kFcntlDupFd, 10), 10);
  EXPECT_EQ(*f.kernel->fcntl(pid, fd, kFcntlDupFd, 10), 11);
  EXPECT_EQ(*f.kernel->fcntl(pid, fd, kFcntlDupFdCloseOnExec, 0), 4);
  EXPECT_EQ(*f.kernel->fcntl(pid, 4, kFcntlGetFd), kFdCloseOnExec);
  EXPECT_EQ(*f.kernel->fcntl(pid, fd, kFcntlSetFd, kFdCloseOnExec), 0);
  EXPECT_EQ(*f.kernel->fcntl(pid, fd, kFcntlGetFd), kFdCloseOnExec);
  EXPECT_EQ(*f.kernel->fcntl(pid, 10, kFcntlGetFd), 0);  // per descriptor
  EXPECT_EQ(*f.kernel->fcntl(pid, fd, kFcntlGetFl), static_cast<int>(kOpenNonBlock));
  ASSERT_TRUE(f.kernel->fcntl(pid, 10, kFcntlSetFl, static_cast<int>(kOpenWriteOnly | kOpenTruncate)));
  EXPECT_EQ(*f.kernel->fcntl(pid, fd, kFcntlGetFl), 0);  // access mode kept; O_NONBLOCK cleared for all copies
  EXPECT_EQ(error_of(f.kernel->fcntl(pid, fd, kFcntlDupFd, 256)), "EINVAL: fd 256 exceeds process fd limit");
  EXPECT_EQ(error_of(f.kernel->fcntl(pid, fd, 99)), "EINVAL: unsupported fcntl command 99");
  EXPECT_EQ(error_of(f.kernel->fcntl(pid, 50, kFcntlGetFd)), "EBADF: bad file descriptor 50");
}

TEST(FdTest, SpawnInheritsDescriptorsExceptCloseOnExecAndAppliesMappings) {
  KernelFixture f;
  f.files->files["/shared"] = "abcdef";
  Pid parent = f.spawn_top();
  int shared = *f.kernel->open(parent, "/shared", kOpenReadOnly);
  int secret = *f.kernel->open(parent, "/shared", kOpenReadOnly | kOpenCloseOnExec);
  auto pipe = *f.kernel->pipe(parent, kOpenCloseOnExec);
  Pid child = f.spawn_child(parent, {{1, pipe.write_fd}});
  EXPECT_EQ(*f.kernel->read(child, shared, 2), "ab");
  EXPECT_EQ(*f.kernel->read(parent, shared, 2), "cd");  // inherited descriptions share the offset
  EXPECT_EQ(error_of(f.kernel->fd_info(child, secret)), "EBADF: bad file descriptor 4");
  EXPECT_EQ(error_of(f.kernel->fd_info(child, pipe.write_fd)), "EBADF: bad file descriptor 6");
  EXPECT_EQ(f.kernel->fd_info(child, 1)->kind, FileKind::PipeWriteEnd);
  EXPECT_FALSE(f.kernel->fd_info(child, 1)->close_on_exec);
  ASSERT_TRUE(f.kernel->write(child, 1, "from child"));
  EXPECT_EQ(*f.kernel->read(parent, pipe.read_fd, 100), "from child");

  SpawnRequest bad;
  bad.parent = parent;
  bad.fd_mappings = {{0, 77}};
  EXPECT_EQ(error_of(f.kernel->spawn(bad)), "EBADF: bad file descriptor 77");
}

TEST(FdTest, ExitClosesEveryDescriptor) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  auto pipe = *f.kernel->pipe(parent);
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->close(parent, pipe.write_fd));
  ASSERT_TRUE(f.kernel->write(child, pipe.write_fd, "last words"));
  uint64_t before = f.kernel->usage().open_fds;
  ASSERT_TRUE(f.kernel->exit_process(child, 0));
  EXPECT_EQ(f.kernel->usage().open_fds, before - 5);
  EXPECT_EQ(*f.kernel->read(parent, pipe.read_fd, 100), "last words");
  EXPECT_EQ(*f.kernel->read(parent, pipe.read_fd, 100), "");  // the child held the last writer
}

TEST(FdTest, FdBombStopsAtMaxOpenFdsWithEmfileAndRecovers) {
  config::ResourceLimits limits;
  limits.max_open_fds = 16;
  KernelFixture f(limits);
  f.files->files["/x"] = "";
  Pid pid = f.spawn_top();
  ErrorOr<int> last = 0;
  int opened = 0;
  for (int i = 0; i < 100; ++i) {
    last = f.kernel->open(pid, "/x", kOpenReadOnly);
    if (!last) break;
    ++opened;
  }
  EXPECT_EQ(error_of(last), "EMFILE: too many open files");
  EXPECT_EQ(opened, 13);  // 16 minus stdio
  EXPECT_EQ(error_of(f.kernel->dup(pid, 3)), "EMFILE: too many open files");
  EXPECT_EQ(error_of(f.kernel->pipe(pid)), "EMFILE: too many open files");
  EXPECT_EQ(error_of(f.kernel->open_pty(pid)), "EMFILE: too many open files");
  EXPECT_EQ(error_of(f.kernel->fcntl(pid, 3, kFcntlDupFd, 0)), "EMFILE: too many open files");
  // Another process has its own table.
  Pid other = f.spawn_top();
  EXPECT_TRUE(f.kernel->open(other, "/x", kOpenReadOnly));
  ASSERT_TRUE(f.kernel->close(pid, 7));
  EXPECT_EQ(*f.kernel->open(pid, "/x", kOpenReadOnly), 7);
}

TEST(FdTest, VmWideDescriptorLimitIsEnfile) {
  KernelOptions options;
  options.max_vm_open_fds = 8;
  KernelFixture f({}, options);
  f.files->files["/x"] = "";
  Pid first = f.spawn_top();
  Pid second = f.spawn_top();  // 6 descriptors in use
  EXPECT_TRUE(f.kernel->open(first, "/x", kOpenReadOnly));
  EXPECT_TRUE(f.kernel->open(second, "/x", kOpenReadOnly));
  EXPECT_EQ(error_of(f.kernel->open(first, "/x", kOpenReadOnly)), "ENFILE: maximum open file descriptor limit reached");
  EXPECT_EQ(error_of(f.kernel->spawn(SpawnRequest{})), "ENFILE: maximum open file descriptor limit reached");
  EXPECT_EQ(error_of(f.kernel->dup2(first, 0, 9)), "ENFILE: maximum open file descriptor limit reached");
  EXPECT_TRUE(f.kernel->dup2(first, 0, 1));  // replacing a descriptor needs no new slot
  ASSERT_TRUE(f.kernel->close(second, 3));
  EXPECT_TRUE(f.kernel->open(first, "/x", kOpenReadOnly));
}

TEST(FdTest, WriteSizeLimit) {
  config::ResourceLimits limits;
  limits.max_fd_write_bytes = 8;
  limits.max_pread_bytes = 4;
  KernelFixture f(limits);
  f.files->files["/x"] = "0123456789";
  Pid pid = f.spawn_top();
  int fd = *f.kernel->open(pid, "/x", kOpenReadWrite);
  auto pipe = *f.kernel->pipe(pid);
  EXPECT_EQ(error_of(f.kernel->write(pid, fd, "123456789")), "EINVAL: write size 9 exceeds configured limit 8");
  EXPECT_EQ(error_of(f.kernel->write(pid, pipe.write_fd, "123456789")),
            "EINVAL: write size 9 exceeds configured limit 8");
  EXPECT_EQ(error_of(f.kernel->write(pid, 1, "123456789")), "EINVAL: write size 9 exceeds configured limit 8");
  EXPECT_EQ(*f.kernel->write(pid, pipe.write_fd, "12345678"), 8u);
  EXPECT_EQ(error_of(f.kernel->read(pid, fd, 5)), "EINVAL: pread length 5 exceeds configured limit 4");
  EXPECT_EQ(*f.kernel->read(pid, fd, 4), "0123");                  // the write above failed without effect
  EXPECT_EQ(*f.kernel->read(pid, pipe.read_fd, 100), "12345678");  // pipes are not capped by maxPreadBytes
}

TEST(FdTest, OpenDeviceAndFdInfo) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto sink = std::make_shared<CaptureDevice>();
  int fd = *f.kernel->open_device(pid, "/dev/tty-sink", sink, kOpenWriteOnly | kOpenCloseOnExec);
  ASSERT_TRUE(f.kernel->write(pid, fd, "bytes"));
  EXPECT_EQ(sink->output(), "bytes");
  FdInfo info = *f.kernel->fd_info(pid, fd);
  EXPECT_EQ(info.kind, FileKind::Device);
  EXPECT_EQ(info.path, "/dev/tty-sink");
  EXPECT_TRUE(info.close_on_exec);
  EXPECT_EQ(error_of(f.kernel->lseek(pid, fd, 0, kSeekSet)), "ESPIPE: illegal seek");
}

}  // namespace
}  // namespace se::kernel::testing
