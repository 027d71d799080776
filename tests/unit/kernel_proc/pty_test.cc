// PTYs through the kernel: numbering, the line discipline end to end, job-control signals to the
// foreground group, window size and SIGWINCH, hangup, blocking reads, host terminals, maxPtys.
#include <gtest/gtest.h>

#include "proc_test_support.h"

namespace se::kernel::testing {
namespace {

const SignalDisposition kHandler{SignalAction::User, {}, 0};

// A shell (session leader) with a terminal, and a job in its own foreground process group.
struct JobControlFixture : KernelFixture {
  JobControlFixture() {
    shell = spawn_top("shell");
    terminal = *kernel->open_pty(shell);
    job = spawn_child(shell);
    EXPECT_TRUE(kernel->setpgid(shell, job, 0));
    EXPECT_TRUE(kernel->tcsetpgrp(shell, terminal.slave_fd, job));
  }
  Pid shell = 0, job = 0;
  PtyFds terminal;
};

TEST(PtyTest, PairsAreNumberedLowestFreeAndAreTerminals) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto first = f.kernel->open_pty(pid);
  ASSERT_TRUE(first) << error_of(first);
  EXPECT_EQ(first->master_fd, 3);
  EXPECT_EQ(first->slave_fd, 4);
  EXPECT_EQ(first->slave_path, "/dev/pts/0");
  auto second = *f.kernel->open_pty(pid);
  EXPECT_EQ(second.slave_path, "/dev/pts/1");
  EXPECT_EQ(*f.kernel->ptsname(pid, second.master_fd), "/dev/pts/1");
  EXPECT_EQ(f.kernel->fd_info(pid, first->slave_fd)->path, "/dev/pts/0");
  EXPECT_EQ(f.kernel->fd_info(pid, first->master_fd)->kind, FileKind::PtyMaster);
  EXPECT_TRUE(*f.kernel->isatty(pid, first->slave_fd));
  EXPECT_TRUE(*f.kernel->isatty(pid, first->master_fd));
  auto pipe = *f.kernel->pipe(pid);
  EXPECT_FALSE(*f.kernel->isatty(pid, pipe.read_fd));
  EXPECT_EQ(error_of(f.kernel->isatty(pid, 99)), "EBADF: bad file descriptor 99");
  EXPECT_EQ(error_of(f.kernel->tcgetattr(pid, pipe.read_fd)), "ENOTTY: not a terminal");

  ASSERT_TRUE(f.kernel->close(pid, first->master_fd));
  EXPECT_EQ(error_of(f.kernel->open_pty_slave(pid, 0)), "ENOENT: no such PTY: /dev/pts/0");
  ASSERT_TRUE(f.kernel->close(pid, first->slave_fd));
  EXPECT_EQ(f.kernel->open_pty(pid)->slave_path, "/dev/pts/0");  // the index is free again
  auto reopened = f.kernel->open_pty_slave(pid, 1);
  ASSERT_TRUE(reopened) << error_of(reopened);
  ASSERT_TRUE(f.kernel->write(pid, second.master_fd, "x\n"));
  EXPECT_EQ(*f.kernel->read(pid, *reopened, 10), "x\n");
}

TEST(PtyTest, CanonicalInputEchoAndOutputProcessing) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto pty = *f.kernel->open_pty(pid);
  ASSERT_TRUE(f.kernel->fcntl(pid, pty.slave_fd, kFcntlSetFl, static_cast<int>(kOpenNonBlock)));
  EXPECT_EQ(*f.kernel->write(pid, pty.master_fd, "helo"), 4u);
  EXPECT_EQ(error_of(f.kernel->read(pid, pty.slave_fd, 100)), "EAGAIN: PTY read would block");
  EXPECT_EQ(*f.kernel->write(pid, pty.master_fd, "\x7flo\r"), 4u);
  EXPECT_EQ(*f.kernel->read(pid, pty.slave_fd, 100), "hello\n");
  EXPECT_EQ(*f.kernel->read(pid, pty.master_fd, 100), "helo\b \blo\r\n");
  EXPECT_EQ(*f.kernel->write(pid, pty.slave_fd, "out\n"), 4u);
  EXPECT_EQ(*f.kernel->read(pid, pty.master_fd, 100), "out\r\n");
  ASSERT_TRUE(f.kernel->write(pid, pty.master_fd, "gone\x15kept\n"));
  EXPECT_EQ(*f.kernel->read(pid, pty.slave_fd, 100), "kept\n");
}

TEST(PtyTest, ControlDIsEndOfFileAndTheTerminalKeepsWorking) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto pty = *f.kernel->open_pty(pid);
  ASSERT_TRUE(f.kernel->write(pid, pty.master_fd, "\x04"));
  EXPECT_EQ(*f.kernel->read(pid, pty.slave_fd, 100), "");
  ASSERT_TRUE(f.kernel->write(pid, pty.master_fd, "more\n"));
  EXPECT_EQ(*f.kernel->read(pid, pty.slave_fd, 100), "more\n");
}

TEST(PtyTest, RawModeThroughTcsetattr) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto pty = *f.kernel->open_pty(pid);
  Termios termios = *f.kernel->tcgetattr(pid, pty.slave_fd);
  EXPECT_EQ(termios, Termios::defaults());
  ASSERT_TRUE(f.kernel->tcsetattr(pid, pty.slave_fd, Termios::raw(termios)));
  EXPECT_EQ(*f.kernel->tcgetattr(pid, pty.master_fd), Termios::raw(termios));  // one termios per pair
  ASSERT_TRUE(f.kernel->write(pid, pty.master_fd, "k\x03"));
  EXPECT_EQ(*f.kernel->read(pid, pty.slave_fd, 100), "k\x03");
  ASSERT_TRUE(f.kernel->fcntl(pid, pty.master_fd, kFcntlSetFl, static_cast<int>(kOpenNonBlock)));
  EXPECT_EQ(error_of(f.kernel->read(pid, pty.master_fd, 100)), "EAGAIN: PTY read would block");  // no echo
}

TEST(PtyTest, InterruptCharacterSignalsTheForegroundGroupOnly) {
  JobControlFixture f;
  EXPECT_EQ(*f.kernel->tcgetpgrp(f.shell, f.terminal.master_fd), f.job);
  ASSERT_TRUE(f.kernel->write(f.shell, f.terminal.master_fd, "\x03"));
  EXPECT_EQ(f.info(f.job).exit_code, 130);
  EXPECT_EQ(f.info(f.job).term_signal, kSigInt);
  EXPECT_TRUE(f.driver->saw({"terminate", f.job, kSigInt}));
  EXPECT_EQ(f.info(f.shell).status, ProcessStatus::Running);
  EXPECT_EQ(*f.kernel->read(f.shell, f.terminal.master_fd, 10), "^C");
}

TEST(PtyTest, SuspendAndQuitCharacters) {
  JobControlFixture f;
  ASSERT_TRUE(f.kernel->write(f.shell, f.terminal.master_fd, "\x1a"));
  EXPECT_EQ(f.info(f.job).status, ProcessStatus::Stopped);
  auto stopped = f.kernel->waitpid(f.shell, f.job, kWaitUntraced);
  ASSERT_TRUE(stopped && *stopped);
  EXPECT_EQ((*stopped)->signal, kSigTstp);

  ASSERT_TRUE(f.kernel->kill(f.shell, -f.job, kSigCont));  // `fg`
  ASSERT_TRUE(f.kernel->write(f.shell, f.terminal.master_fd, "\x1c"));
  EXPECT_EQ(f.info(f.job).exit_code, 131);
}

TEST(PtyTest, HandledInterruptReachesTheRuntime) {
  JobControlFixture f;
  ASSERT_TRUE(f.kernel->sigaction(f.job, kSigInt, kHandler));
  ASSERT_TRUE(f.kernel->write(f.shell, f.terminal.master_fd, "typed\x03"));
  EXPECT_TRUE(f.driver->saw({"deliver", f.job, kSigInt}));
  EXPECT_EQ(f.info(f.job).status, ProcessStatus::Running);
  ASSERT_TRUE(f.kernel->write(f.shell, f.terminal.master_fd, "\n"));
  EXPECT_EQ(*f.kernel->read(f.shell, f.terminal.slave_fd, 100), "\n");  // ^C discarded "typed"
}

TEST(PtyTest, ForegroundGroupRules) {
  JobControlFixture f;
  EXPECT_EQ(error_of(f.kernel->tcsetpgrp(f.shell, f.terminal.slave_fd, 99)), "ESRCH: no such process group 99");
  EXPECT_EQ(error_of(f.kernel->tcsetpgrp(f.shell, f.terminal.slave_fd, 0)), "EINVAL: invalid process group 0");
  Pid outsider = f.spawn_top();
  EXPECT_EQ(error_of(f.kernel->tcsetpgrp(f.shell, f.terminal.slave_fd, outsider)),
            "EPERM: cannot set foreground process group in different session");
  auto pipe = *f.kernel->pipe(f.shell);
  EXPECT_EQ(error_of(f.kernel->tcsetpgrp(f.shell, pipe.read_fd, f.job)), "ENOTTY: not a terminal");
  ASSERT_TRUE(f.kernel->tcsetpgrp(f.shell, f.terminal.slave_fd, f.shell));
  EXPECT_EQ(*f.kernel->tcgetpgrp(f.job, f.terminal.slave_fd), f.shell);  // the job inherited the fds
}

TEST(PtyTest, WindowSizeChangesSendSigwinchToTheForegroundGroup) {
  JobControlFixture f;
  ASSERT_TRUE(f.kernel->sigaction(f.job, kSigWinch, kHandler));
  EXPECT_EQ(*f.kernel->get_window_size(f.shell, f.terminal.slave_fd), (WindowSize{24, 80, 0, 0}));
  ASSERT_TRUE(f.kernel->set_window_size(f.shell, f.terminal.master_fd, {40, 120, 0, 0}));
  EXPECT_EQ(*f.kernel->get_window_size(f.job, f.terminal.slave_fd), (WindowSize{40, 120, 0, 0}));
  EXPECT_TRUE(f.driver->saw({"deliver", f.job, kSigWinch}));
  ASSERT_TRUE(f.kernel->dequeue_signal(f.job));
  f.driver->clear();
  ASSERT_TRUE(f.kernel->set_window_size(f.shell, f.terminal.master_fd, {40, 120, 0, 0}));
  EXPECT_TRUE(f.driver->events().empty());                    // unchanged size: no signal
  EXPECT_EQ(f.info(f.shell).status, ProcessStatus::Running);  // SIGWINCH is ignored by default
}

TEST(PtyTest, BlockedSlaveReadWakesOnInputAndTimesOut) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto pty = *f.kernel->open_pty(pid);
  std::atomic<bool> returned = false;
  ErrorOr<std::string> got = std::string();
  std::thread reader([&] {
    got = f.kernel->read(pid, pty.slave_fd, 100, 10000ms);
    returned = true;
  });
  let_thread_block();
  ASSERT_TRUE(f.kernel->write(pid, pty.master_fd, "partial"));
  let_thread_block();
  EXPECT_FALSE(returned);  // canonical mode: no line yet
  ASSERT_TRUE(f.kernel->write(pid, pty.master_fd, " line\r"));
  reader.join();
  EXPECT_EQ(*got, "partial line\n");
  EXPECT_EQ(error_of(f.kernel->read(pid, pty.slave_fd, 100, 20ms)), "EAGAIN: PTY read timed out");
}

TEST(PtyTest, BlockedReadersWakeOnShutdown) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto pty = *f.kernel->open_pty(pid);
  ErrorOr<std::string> slave = std::string();
  ErrorOr<std::string> master = std::string();
  std::thread slave_reader([&] { slave = f.kernel->read(pid, pty.slave_fd, 100, 100000ms); });
  std::thread master_reader([&] { master = f.kernel->read(pid, pty.master_fd, 100, 100000ms); });
  let_thread_block();
  f.kernel->shutdown();
  slave_reader.join();
  master_reader.join();
  EXPECT_EQ(error_of(slave), "EINVAL: kernel VM is disposed");
  EXPECT_EQ(error_of(master), "EINVAL: kernel VM is disposed");
}

TEST(PtyTest, FullOutputBlocksTheWriterUntilTheMasterReads) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto pty = *f.kernel->open_pty(pid);
  std::string payload(Terminal::kBufferBytes + 5000, 'o');
  ErrorOr<size_t> written = size_t{0};
  std::atomic<bool> returned = false;
  std::thread writer([&] {
    written = f.kernel->write(pid, pty.slave_fd, payload);
    returned = true;
  });
  let_thread_block();
  EXPECT_FALSE(returned);
  size_t received = 0;
  while (received < payload.size()) received += f.kernel->read(pid, pty.master_fd, 4096, 5000ms)->size();
  writer.join();
  EXPECT_EQ(*written, payload.size());

  ASSERT_TRUE(f.kernel->fcntl(pid, pty.slave_fd, kFcntlSetFl, static_cast<int>(kOpenNonBlock)));
  EXPECT_EQ(*f.kernel->write(pid, pty.slave_fd, payload), Terminal::kBufferBytes);
  EXPECT_EQ(error_of(f.kernel->write(pid, pty.slave_fd, "x")), "EAGAIN: PTY output buffer full");
}

TEST(PtyTest, ClosingTheMasterHangsUpTheSlave) {
  JobControlFixture f;
  ASSERT_TRUE(f.kernel->sigaction(f.shell, kSigHup, SignalDisposition{SignalAction::Ignore, {}, 0}));
  Pid job = f.job;
  ASSERT_TRUE(f.kernel->close(f.shell, f.terminal.master_fd));
  EXPECT_EQ(f.info(job).status, ProcessStatus::Running);  // the job still holds the master (inherited)
  ASSERT_TRUE(f.kernel->close(job, f.terminal.master_fd));
  EXPECT_EQ(f.info(job).term_signal, kSigHup);  // hangup: SIGHUP to the foreground group
  EXPECT_EQ(*f.kernel->read(f.shell, f.terminal.slave_fd, 100), "");
  EXPECT_EQ(error_of(f.kernel->write(f.shell, f.terminal.slave_fd, "x")), "EIO: master closed");
}

TEST(PtyTest, ClosingTheSlaveGivesTheMasterEndOfFile) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto pty = *f.kernel->open_pty(pid);
  ASSERT_TRUE(f.kernel->write(pid, pty.slave_fd, "bye"));
  ASSERT_TRUE(f.kernel->close(pid, pty.slave_fd));
  EXPECT_EQ(*f.kernel->read(pid, pty.master_fd, 100), "bye");
  EXPECT_EQ(*f.kernel->read(pid, pty.master_fd, 100), "");
  EXPECT_EQ(error_of(f.kernel->write(pid, pty.master_fd, "x")), "EIO: slave closed");
}

TEST(PtyTest, HostTerminalForAnInteractiveShell) {
  KernelFixture f;
  Pid shell = f.spawn_top("shell");
  auto terminal = f.kernel->attach_host_terminal(shell);
  ASSERT_TRUE(terminal) << error_of(terminal);
  EXPECT_EQ(terminal->slave_path, "/dev/pts/0");
  for (int fd : {0, 1, 2}) EXPECT_TRUE(*f.kernel->isatty(shell, fd)) << fd;
  EXPECT_EQ(*f.kernel->tcgetpgrp(shell, 0), shell);

  ASSERT_TRUE(f.kernel->host_write(terminal->master, "ls\r"));
  EXPECT_EQ(*f.kernel->read(shell, 0, 100), "ls\n");
  ASSERT_TRUE(f.kernel->write(shell, 1, "a b\n"));
  EXPECT_EQ(*f.kernel->host_read(terminal->master, 100), "ls\r\na b\r\n");  // echo, then output

  ASSERT_TRUE(f.kernel->sigaction(shell, kSigWinch, kHandler));
  ASSERT_TRUE(f.kernel->host_set_window_size(terminal->master, {30, 100, 0, 0}));
  EXPECT_TRUE(f.driver->saw({"deliver", shell, kSigWinch}));
  EXPECT_EQ(f.kernel->get_window_size(shell, 1)->cols, 100);

  ASSERT_TRUE(f.kernel->host_close(terminal->master));  // the user closed the terminal
  EXPECT_EQ(f.info(shell).term_signal, kSigHup);
}

TEST(PtyTest, PtyLimitIsEagainAndRecovers) {
  config::ResourceLimits limits;
  limits.max_ptys = 4;
  KernelFixture f(limits);
  Pid pid = f.spawn_top();
  std::vector<PtyFds> ptys;
  ErrorOr<PtyFds> last = PtyFds{};
  for (int i = 0; i < 10; ++i) {
    last = f.kernel->open_pty(pid);
    if (!last) break;
    ptys.push_back(*last);
  }
  EXPECT_EQ(error_of(last), "EAGAIN: maximum PTY count reached");
  EXPECT_EQ(ptys.size(), 4u);
  EXPECT_EQ(error_of(f.kernel->attach_host_terminal(pid)), "EAGAIN: maximum PTY count reached");
  EXPECT_EQ(f.kernel->usage().ptys, 4u);
  ASSERT_TRUE(f.kernel->close(pid, ptys[2].master_fd));
  ASSERT_TRUE(f.kernel->close(pid, ptys[2].slave_fd));
  auto again = f.kernel->open_pty(pid);
  ASSERT_TRUE(again) << error_of(again);
  EXPECT_EQ(again->slave_path, "/dev/pts/2");
}

}  // namespace
}  // namespace se::kernel::testing
