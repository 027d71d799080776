// Pipes with real threads: blocking and non-blocking I/O, EOF, EPIPE and SIGPIPE, PIPE_BUF
// atomicity, the 64 KiB capacity, read timeouts, interruption by signals and shutdown, host stdio
// pipes, poll, and the maxPipes limit.
#include <gtest/gtest.h>

#include "proc_test_support.h"

namespace se::kernel::testing {
namespace {

constexpr size_t kCapacity = Pipe::kCapacity;

TEST(PipeTest, DataFlowsAndEndOfFileFollowsTheLastWriter) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = f.kernel->pipe(pid);
  ASSERT_TRUE(fds) << error_of(fds);
  EXPECT_EQ(fds->read_fd, 3);
  EXPECT_EQ(fds->write_fd, 4);
  EXPECT_EQ(f.kernel->fd_info(pid, 3)->status_flags, kOpenReadOnly);
  EXPECT_EQ(f.kernel->fd_info(pid, 4)->status_flags, kOpenWriteOnly);
  EXPECT_EQ(*f.kernel->write(pid, fds->write_fd, "hello "), 6u);
  EXPECT_EQ(*f.kernel->write(pid, fds->write_fd, "world"), 5u);
  EXPECT_EQ(*f.kernel->read(pid, fds->read_fd, 3), "hel");
  EXPECT_EQ(*f.kernel->read(pid, fds->read_fd, 100), "lo world");
  int extra_writer = *f.kernel->dup(pid, fds->write_fd);
  ASSERT_TRUE(f.kernel->close(pid, fds->write_fd));
  EXPECT_EQ(error_of(f.kernel->read(pid, fds->read_fd, 1, 0ms)), "EAGAIN: pipe read timed out");
  ASSERT_TRUE(f.kernel->write(pid, extra_writer, "!"));
  ASSERT_TRUE(f.kernel->close(pid, extra_writer));
  EXPECT_EQ(*f.kernel->read(pid, fds->read_fd, 100), "!");  // buffered data first, then EOF
  EXPECT_EQ(*f.kernel->read(pid, fds->read_fd, 100), "");
  EXPECT_EQ(error_of(f.kernel->write(pid, fds->read_fd, "x")), "EBADF: bad file descriptor 3");
}

TEST(PipeTest, NonBlockingEndsAndZeroLengthWrites) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid, kOpenNonBlock);
  EXPECT_EQ(error_of(f.kernel->read(pid, fds.read_fd, 10)), "EAGAIN: pipe read would block");
  EXPECT_EQ(*f.kernel->write(pid, fds.write_fd, ""), 0u);
  EXPECT_EQ(error_of(f.kernel->read(pid, fds.read_fd, 10)), "EAGAIN: pipe read would block");  // no EOF chunk
  EXPECT_EQ(*f.kernel->read(pid, fds.read_fd, 0), "");
}

TEST(PipeTest, CapacityIs64KiBAndPipeBufWritesAreAtomic) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid, kOpenNonBlock);
  std::string chunk(1000, 'x');
  size_t total = 0;
  ErrorOr<size_t> written = size_t{0};
  while ((written = f.kernel->write(pid, fds.write_fd, chunk.substr(0, 100)))) total += *written;
  EXPECT_EQ(error_of(written), "EAGAIN: pipe buffer full");
  EXPECT_EQ(total, kCapacity - kCapacity % 100);  // 100-byte writes are atomic: the last 36 bytes stay free

  // 36 bytes free: a small write is all-or-nothing, a large one is split.
  EXPECT_EQ(error_of(f.kernel->write(pid, fds.write_fd, chunk.substr(0, 37))), "EAGAIN: pipe buffer full");
  EXPECT_EQ(*f.kernel->write(pid, fds.write_fd, std::string(5000, 'y')), kCapacity % 100);
  EXPECT_EQ(error_of(f.kernel->write(pid, fds.write_fd, std::string(5000, 'y'))), "EAGAIN: pipe buffer full");
  EXPECT_EQ(f.kernel->read(pid, fds.read_fd, kCapacity * 2)->size(), kCapacity);
}

TEST(PipeTest, BlockingWriteLargerThanTheCapacityCompletesAsTheReaderDrains) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  std::string payload;
  for (size_t i = 0; i < 3 * kCapacity + 123; ++i) payload.push_back(static_cast<char>('a' + i % 26));
  ErrorOr<size_t> written = size_t{0};
  std::thread writer([&] { written = f.kernel->write(pid, fds.write_fd, payload); });
  std::string received;
  while (received.size() < payload.size()) {
    auto chunk = f.kernel->read(pid, fds.read_fd, 10000, 5000ms);
    ASSERT_TRUE(chunk) << error_of(chunk);
    received += *chunk;
  }
  writer.join();
  EXPECT_EQ(*written, payload.size());
  EXPECT_EQ(received, payload);
}

TEST(PipeTest, ConcurrentPipeBufWritesNeverInterleave) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  constexpr int kWriters = 4;
  constexpr int kChunks = 40;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::string chunk(Pipe::kAtomicWriteBytes, static_cast<char>('A' + w));
      for (int i = 0; i < kChunks; ++i) EXPECT_EQ(*f.kernel->write(pid, fds.write_fd, chunk), chunk.size());
    });
  }
  std::map<char, int> counts;
  for (int i = 0; i < kWriters * kChunks; ++i) {
    auto chunk = f.kernel->read(pid, fds.read_fd, Pipe::kAtomicWriteBytes, 5000ms);
    ASSERT_TRUE(chunk) << error_of(chunk);
    ASSERT_EQ(chunk->size(), Pipe::kAtomicWriteBytes);
    EXPECT_EQ(std::string(chunk->size(), chunk->front()), *chunk) << "interleaved write";
    ++counts[chunk->front()];
  }
  for (auto& writer : writers) writer.join();
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(counts[static_cast<char>('A' + w)], kChunks);
}

TEST(PipeTest, BlockedReaderWakesOnDataAndOnWriterClose) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  std::atomic<bool> returned = false;
  ErrorOr<std::string> got = std::string();
  std::thread reader([&] {
    got = f.kernel->read(pid, fds.read_fd, 100, 10000ms);
    returned = true;
  });
  let_thread_block();
  EXPECT_FALSE(returned);
  ASSERT_TRUE(f.kernel->write(pid, fds.write_fd, "wake"));
  reader.join();
  EXPECT_EQ(*got, "wake");

  returned = false;
  std::thread eof_reader([&] {
    got = f.kernel->read(pid, fds.read_fd, 100, 10000ms);
    returned = true;
  });
  let_thread_block();
  EXPECT_FALSE(returned);
  ASSERT_TRUE(f.kernel->close(pid, fds.write_fd));
  eof_reader.join();
  EXPECT_EQ(*got, "");
}

TEST(PipeTest, BlockingReadsTimeOutAfterMaxBlockingReadMs) {
  config::ResourceLimits limits;
  limits.max_blocking_read_ms = 40;
  KernelFixture f(limits);
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of(f.kernel->read(pid, fds.read_fd, 10)), "EAGAIN: pipe read timed out");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 40ms);
  EXPECT_TRUE(f.kernel->write(pid, fds.write_fd, "still works"));
  EXPECT_EQ(*f.kernel->read(pid, fds.read_fd, 100), "still works");
}

TEST(PipeTest, WritingWithoutReadersIsEpipeAndSigpipe) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  auto fds = *f.kernel->pipe(parent);
  ASSERT_TRUE(f.kernel->close(parent, fds.read_fd));
  ASSERT_TRUE(f.kernel->sigaction(parent, kSigPipe, SignalDisposition{SignalAction::Ignore, {}, 0}));
  EXPECT_EQ(error_of(f.kernel->write(parent, fds.write_fd, "x")), "EPIPE: broken pipe: read end closed");
  EXPECT_EQ(f.info(parent).status, ProcessStatus::Running);

  Pid child = f.spawn_child(parent);  // inherits the ignore; reset it to see the default action
  ASSERT_TRUE(f.kernel->sigaction(child, kSigPipe, SignalDisposition{}));
  EXPECT_EQ(error_of(f.kernel->write(child, fds.write_fd, "x")), "EPIPE: broken pipe: read end closed");
  EXPECT_EQ(f.info(child).exit_code, 141);
  EXPECT_TRUE(f.driver->saw({"terminate", child, kSigPipe}));
}

TEST(PipeTest, BlockedWriterWakesWithEpipeWhenTheLastReaderCloses) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigPipe, SignalDisposition{SignalAction::Ignore, {}, 0}));
  auto fds = *f.kernel->pipe(pid);
  ASSERT_EQ(*f.kernel->write(pid, fds.write_fd, std::string(kCapacity, 'z')), kCapacity);
  ErrorOr<size_t> result = size_t{0};
  std::atomic<bool> returned = false;
  std::thread writer([&] {
    result = f.kernel->write(pid, fds.write_fd, "more");
    returned = true;
  });
  let_thread_block();
  EXPECT_FALSE(returned);
  ASSERT_TRUE(f.kernel->close(pid, fds.read_fd));
  writer.join();
  EXPECT_EQ(error_of(result), "EPIPE: broken pipe: read end closed");
}

TEST(PipeTest, BlockedReadIsInterruptedByAHandledSignalAndResumesAfterwards) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigInt, SignalDisposition{SignalAction::User, {}, 0}));
  ErrorOr<std::string> got = std::string();
  std::thread reader([&] { got = f.kernel->read(pid, fds.read_fd, 10, 10000ms); });
  let_thread_block();
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigInt));
  reader.join();
  EXPECT_EQ(error_of(got), "EINTR: interrupted system call");
  // Until the runtime takes the signal, blocking calls keep returning EINTR at once.
  EXPECT_EQ(error_of(f.kernel->read(pid, fds.read_fd, 10, 10000ms)), "EINTR: interrupted system call");
  auto dequeued = f.kernel->dequeue_signal(pid);
  ASSERT_TRUE(dequeued && *dequeued);
  EXPECT_EQ((*dequeued)->signal, kSigInt);
  ASSERT_TRUE(f.kernel->write(pid, fds.write_fd, "after"));
  EXPECT_EQ(*f.kernel->read(pid, fds.read_fd, 10, 1000ms), "after");
}

TEST(PipeTest, BlockedWriteIsInterruptedAndReportsThePartialCount) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigUsr1, SignalDisposition{SignalAction::User, {}, 0}));
  ErrorOr<size_t> result = size_t{0};
  std::thread writer([&] { result = f.kernel->write(pid, fds.write_fd, std::string(kCapacity + 1000, 'q')); });
  let_thread_block();
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigUsr1));
  writer.join();
  ASSERT_TRUE(result) << error_of(result);
  EXPECT_EQ(*result, kCapacity);
}

TEST(PipeTest, KillingABlockedProcessReleasesItsThread) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  auto fds = *f.kernel->pipe(parent);
  Pid child = f.spawn_child(parent);
  ErrorOr<std::string> got = std::string();
  std::thread reader([&] { got = f.kernel->read(child, fds.read_fd, 10, 10000ms); });
  let_thread_block();
  ASSERT_TRUE(f.kernel->kill(parent, child, kSigKill));
  reader.join();
  EXPECT_EQ(error_of(got), "EINTR: interrupted system call");
  EXPECT_EQ(f.info(child).exit_code, 137);
  EXPECT_EQ(error_of(f.kernel->read(child, fds.read_fd, 10)), "ESRCH: no such process 2");
}

TEST(PipeTest, ShutdownWakesEveryBlockedThread) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  auto full = *f.kernel->pipe(pid);
  ASSERT_TRUE(f.kernel->write(pid, full.write_fd, std::string(kCapacity, 'f')));
  ErrorOr<std::string> read_result = std::string();
  ErrorOr<size_t> write_result = size_t{0};
  ErrorOr<std::string> host_result = std::string();
  auto host = *f.kernel->attach_host_pipe(pid, 1, HostPipeDirection::FromProcess);
  std::thread reader([&] { read_result = f.kernel->read(pid, fds.read_fd, 10, 100000ms); });
  std::thread writer([&] { write_result = f.kernel->write(pid, full.write_fd, "x"); });
  std::thread host_reader([&] { host_result = f.kernel->host_read(host, 10); });
  let_thread_block();
  f.kernel->shutdown();
  reader.join();
  writer.join();
  host_reader.join();
  EXPECT_EQ(error_of(read_result), "EINVAL: kernel VM is disposed");
  EXPECT_EQ(error_of(write_result), "EINVAL: kernel VM is disposed");
  EXPECT_EQ(error_of(host_result), "EINVAL: kernel VM is disposed");
  EXPECT_EQ(error_of(f.kernel->pipe(pid)), "EINVAL: kernel VM is disposed");
}

TEST(PipeTest, DestroyingTheKernelWaitsForBlockedThreadsToLeave) {
  auto f = std::make_unique<KernelFixture>();
  Pid pid = f->spawn_top();
  auto host = *f->kernel->attach_host_pipe(pid, 0, HostPipeDirection::ToProcess);
  (void)host;
  ErrorOr<std::string> got = std::string();
  ProcessKernel* kernel = f->kernel.get();
  std::thread reader([&] { got = kernel->read(pid, 0, 10, 100000ms); });
  let_thread_block();
  f->kernel.reset();
  reader.join();
  EXPECT_FALSE(got);
}

TEST(PipeTest, HostPipesCarryStdioInBothDirections) {
  config::ResourceLimits limits;
  limits.max_pipes = 1;
  KernelFixture f(limits);
  Pid pid = f.spawn_top();
  auto in = f.kernel->attach_host_pipe(pid, 0, HostPipeDirection::ToProcess);
  auto out = f.kernel->attach_host_pipe(pid, 1, HostPipeDirection::FromProcess);
  ASSERT_TRUE(in && out);
  EXPECT_TRUE(f.kernel->pipe(pid));  // host pipes do not count toward maxPipes
  EXPECT_EQ(f.kernel->fd_info(pid, 0)->kind, FileKind::PipeReadEnd);
  EXPECT_EQ(*f.kernel->host_write(*in, "input"), 5u);
  EXPECT_EQ(*f.kernel->read(pid, 0, 100), "input");
  ASSERT_TRUE(f.kernel->host_close(*in));
  EXPECT_EQ(*f.kernel->read(pid, 0, 100), "");  // CloseStdin: end of file
  EXPECT_EQ(error_of(f.kernel->host_write(*in, "x")), "EBADF: bad host handle 1");

  ASSERT_TRUE(f.kernel->write(pid, 1, "output"));
  EXPECT_EQ(*f.kernel->host_read(*out, 100), "output");
  EXPECT_EQ(error_of(f.kernel->host_read(*out, 100, 0ms)), "EAGAIN: pipe read timed out");
  EXPECT_EQ(error_of(f.kernel->host_write(*out, "x")), "EBADF: host handle 2 is not writable");
  ASSERT_TRUE(f.kernel->exit_process(pid, 0));
  EXPECT_EQ(*f.kernel->host_read(*out, 100), "");  // the process's exit closed its end
}

TEST(PipeTest, PollReportsPipeReadiness) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  auto fds = *f.kernel->pipe(pid);
  std::vector<PollFd> polls = {
      {fds.read_fd, kPollIn, 0}, {fds.write_fd, kPollOut, 0}, {42, kPollIn, 0}, {-1, kPollIn, 0}};
  EXPECT_EQ(*f.kernel->poll(pid, polls, 0ms), 2u);
  EXPECT_EQ(polls[0].revents, 0);
  EXPECT_EQ(polls[1].revents, kPollOut);
  EXPECT_EQ(polls[2].revents, kPollNval);
  EXPECT_EQ(polls[3].revents, 0);

  std::vector<PollFd> readers = {{fds.read_fd, kPollIn, 0}};
  EXPECT_EQ(*f.kernel->poll(pid, readers, 0ms), 0u);
  std::thread writer([&] {
    let_thread_block();
    EXPECT_TRUE(f.kernel->write(pid, fds.write_fd, "x"));
  });
  EXPECT_EQ(*f.kernel->poll(pid, readers, 10000ms), 1u);
  EXPECT_EQ(readers[0].revents, kPollIn);
  writer.join();

  ASSERT_TRUE(f.kernel->close(pid, fds.write_fd));
  ASSERT_EQ(*f.kernel->poll(pid, readers, 0ms), 1u);
  EXPECT_EQ(readers[0].revents, kPollIn | kPollHup);

  auto other = *f.kernel->pipe(pid);
  ASSERT_TRUE(f.kernel->close(pid, other.read_fd));
  std::vector<PollFd> writers = {{other.write_fd, kPollOut, 0}};
  ASSERT_EQ(*f.kernel->poll(pid, writers, 0ms), 1u);
  EXPECT_EQ(writers[0].revents, kPollErr);
}

TEST(PipeTest, PipeBombStopsAtMaxPipesAndRecovers) {
  config::ResourceLimits limits;
  limits.max_pipes = 8;
  KernelFixture f(limits);
  Pid pid = f.spawn_top();
  std::vector<PipeFds> pipes;
  ErrorOr<PipeFds> last = PipeFds{};
  for (int i = 0; i < 100; ++i) {
    last = f.kernel->pipe(pid);
    if (!last) break;
    pipes.push_back(*last);
  }
  EXPECT_EQ(error_of(last), "EAGAIN: maximum pipe count reached");
  EXPECT_EQ(pipes.size(), 8u);
  EXPECT_EQ(f.kernel->usage().pipes, 8u);
  ASSERT_TRUE(f.kernel->close(pid, pipes[0].read_fd));
  EXPECT_EQ(error_of(f.kernel->pipe(pid)), "EAGAIN: maximum pipe count reached");  // one end still open
  ASSERT_TRUE(f.kernel->close(pid, pipes[0].write_fd));
  auto again = f.kernel->pipe(pid);
  ASSERT_TRUE(again) << error_of(again);
  ASSERT_TRUE(f.kernel->write(pid, again->write_fd, "ok"));
  EXPECT_EQ(*f.kernel->read(pid, again->read_fd, 10), "ok");
}

TEST(PipeTest, AnIoWatcherHearsOfDataAndHangUpUntilItStopsWatching) {
  KernelFixture f;
  Pid reader = f.spawn_top();
  Pid writer = f.spawn_top();
  auto fds = *f.kernel->pipe(reader, kOpenNonBlock);
  const RecordingDriver::Event ready{"io_ready", reader, 0};
  ASSERT_TRUE(f.kernel->set_io_watch(reader, true));
  ASSERT_TRUE(f.kernel->write(reader, fds.write_fd, "data"));
  EXPECT_TRUE(f.driver->saw(ready));
  EXPECT_FALSE(f.driver->saw({"io_ready", writer, 0}));  // only watchers are told
  f.driver->clear();
  ASSERT_TRUE(f.kernel->close(reader, fds.write_fd));  // hang-up is a readiness change too
  EXPECT_TRUE(f.driver->saw(ready));
  EXPECT_EQ(*f.kernel->read(reader, fds.read_fd, 10), "data");
  ASSERT_TRUE(f.kernel->set_io_watch(reader, false));
  f.driver->clear();
  auto more = *f.kernel->pipe(reader, kOpenNonBlock);
  ASSERT_TRUE(f.kernel->write(reader, more.write_fd, "x"));
  EXPECT_FALSE(f.driver->saw(ready));
  EXPECT_EQ(error_of(f.kernel->set_io_watch(9999, true)).substr(0, 5), "ESRCH");
}

}  // namespace
}  // namespace se::kernel::testing
