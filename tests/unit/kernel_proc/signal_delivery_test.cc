// Signal generation and delivery through the kernel: default actions, handlers and the driver
// hook, masks and pending sets, uncatchable signals, job control stops, and group kills.
#include <gtest/gtest.h>

#include "proc_test_support.h"

namespace se::kernel::testing {
namespace {

const SignalDisposition kHandler{SignalAction::User, {}, 0};
const SignalDisposition kIgnore{SignalAction::Ignore, {}, 0};

TEST(SignalDeliveryTest, KillValidatesSignalAndTarget) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  EXPECT_EQ(error_of(f.kernel->kill(0, pid, 65)), "EINVAL: invalid signal 65");
  EXPECT_EQ(error_of(f.kernel->kill(0, pid, -1)), "EINVAL: invalid signal -1");
  EXPECT_EQ(error_of(f.kernel->kill(0, 99, kSigTerm)), "ESRCH: no such process 99");
  EXPECT_EQ(error_of(f.kernel->kill(0, -99, kSigTerm)), "ESRCH: no such process group 99");
  EXPECT_EQ(error_of(f.kernel->kill(0, 0, kSigTerm)), "ESRCH: no such process group 0");
  EXPECT_EQ(error_of(f.kernel->kill(55, pid, kSigTerm)), "ESRCH: no such process 55");
  EXPECT_TRUE(f.kernel->kill(0, pid, 0));  // the null signal probes existence only
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
  EXPECT_TRUE(f.driver->events().empty());
}

TEST(SignalDeliveryTest, DefaultTerminateRecordsTheSignalAndTellsTheDriver) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->kill(parent, child, kSigTerm));
  ProcessInfo info = f.info(child);
  EXPECT_EQ(info.status, ProcessStatus::Exited);
  EXPECT_EQ(info.exit_code, 143);
  EXPECT_EQ(info.term_signal, kSigTerm);
  EXPECT_TRUE(f.driver->saw({"terminate", child, kSigTerm}));
  auto waited = f.kernel->waitpid(parent, child, 0);
  EXPECT_EQ((*waited)->event, WaitEvent::Signaled);
  EXPECT_EQ((*waited)->status(), kSigTerm);
  // Core-dump signals terminate the same way (no core file).
  Pid other = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->kill(parent, other, kSigSegv));
  EXPECT_EQ(f.info(other).exit_code, 128 + kSigSegv);
}

TEST(SignalDeliveryTest, DefaultIgnoredSignalsDoNothing) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  for (int signal : {kSigChld, kSigWinch, kSigUrg, kSigCont}) ASSERT_TRUE(f.kernel->kill(0, pid, signal));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
  EXPECT_TRUE(f.driver->events().empty());
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigTerm, kIgnore));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigTerm));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
}

TEST(SignalDeliveryTest, HandledSignalsGoThroughTheDriverAndDequeue) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  SignalDisposition handler{SignalAction::User, SignalSet{kSigUsr2}, kSaRestart};
  auto previous = f.kernel->sigaction(pid, kSigUsr1, handler);
  ASSERT_TRUE(previous);
  EXPECT_EQ(*previous, SignalDisposition{});
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigUsr1));
  EXPECT_EQ(f.driver->events(), (std::vector<RecordingDriver::Event>{{"deliver", pid, kSigUsr1}}));
  auto dequeued = f.kernel->dequeue_signal(pid);
  ASSERT_TRUE(dequeued && *dequeued);
  EXPECT_EQ((*dequeued)->signal, kSigUsr1);
  EXPECT_EQ((*dequeued)->handler, handler);
  EXPECT_FALSE(*f.kernel->dequeue_signal(pid));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
}

TEST(SignalDeliveryTest, BlockedSignalsPendUntilUnblockedAndArriveInAscendingOrder) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  for (int signal : {kSigUsr1, kSigUsr2, kSigTerm}) ASSERT_TRUE(f.kernel->sigaction(pid, signal, kHandler));
  auto previous = f.kernel->sigprocmask(pid, SigmaskHow::Block, SignalSet{kSigUsr1, kSigUsr2, kSigTerm});
  ASSERT_TRUE(previous);
  EXPECT_TRUE(previous->empty());
  for (int signal : {kSigTerm, kSigUsr2, kSigUsr1, kSigUsr1}) ASSERT_TRUE(f.kernel->kill(0, pid, signal));
  EXPECT_EQ(*f.kernel->sigpending(pid), (SignalSet{kSigUsr1, kSigUsr2, kSigTerm}));  // a set: no duplicates
  EXPECT_TRUE(f.driver->events().empty());

  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::Unblock, SignalSet{kSigUsr2, kSigTerm}));
  EXPECT_EQ(*f.kernel->sigpending(pid), SignalSet{kSigUsr1});
  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::SetMask, SignalSet{}));
  std::vector<int> order;
  while (auto next = *f.kernel->dequeue_signal(pid)) order.push_back(next->signal);
  EXPECT_EQ(order, (std::vector<int>{kSigUsr1, kSigUsr2, kSigTerm}));
  EXPECT_EQ(f.driver->events().size(), 3u);
}

TEST(SignalDeliveryTest, UnblockingADefaultTerminateSignalKills) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::Block, SignalSet{kSigTerm}));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigTerm));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::SetMask, SignalSet{}));
  EXPECT_EQ(f.info(pid).term_signal, kSigTerm);
}

TEST(SignalDeliveryTest, KillAndStopCanBeNeitherCaughtIgnoredNorBlocked) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  EXPECT_EQ(error_of(f.kernel->sigaction(pid, kSigKill, kHandler)), "EINVAL: signal 9 cannot be caught or ignored");
  EXPECT_EQ(error_of(f.kernel->sigaction(pid, kSigStop, kIgnore)), "EINVAL: signal 19 cannot be caught or ignored");
  EXPECT_TRUE(f.kernel->sigaction(pid, kSigKill, std::nullopt));  // querying is allowed
  EXPECT_EQ(error_of(f.kernel->sigaction(pid, 0, kHandler)), "EINVAL: invalid signal 0");
  EXPECT_EQ(error_of(f.kernel->sigaction(pid, 65, kHandler)), "EINVAL: invalid signal 65");

  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::SetMask, SignalSet(~uint64_t{0})));
  SignalSet mask = *f.kernel->sigprocmask(pid, SigmaskHow::Block, {});
  EXPECT_FALSE(mask.contains(kSigKill));
  EXPECT_FALSE(mask.contains(kSigStop));
  EXPECT_TRUE(mask.contains(kSigTerm));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigStop));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Stopped);
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigKill));
  EXPECT_EQ(f.info(pid).exit_code, 137);
}

TEST(SignalDeliveryTest, IgnoringAPendingSignalDiscardsIt) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::Block, SignalSet{kSigInt}));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigInt));
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigInt, kIgnore));
  EXPECT_TRUE(f.kernel->sigpending(pid)->empty());
  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::SetMask, {}));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
}

TEST(SignalDeliveryTest, ResetHandRevertsTheHandlerOnDelivery) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigInt, SignalDisposition{SignalAction::User, {}, kSaResetHand}));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigInt));
  ASSERT_TRUE(*f.kernel->dequeue_signal(pid));
  EXPECT_EQ(*f.kernel->sigaction(pid, kSigInt, std::nullopt), SignalDisposition{});
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigInt));
  EXPECT_EQ(f.info(pid).exit_code, 130);
}

TEST(SignalDeliveryTest, DequeueActsOnADispositionChangedAfterDelivery) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigHup, kHandler));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigHup));
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigHup, SignalDisposition{}));
  EXPECT_FALSE(*f.kernel->dequeue_signal(pid));
  EXPECT_EQ(f.info(pid).term_signal, kSigHup);
}

TEST(SignalDeliveryTest, SignalHandlersReportsRegistrationsForGetSignalState) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  EXPECT_TRUE(f.kernel->signal_handlers(pid).empty());
  SignalDisposition handler{SignalAction::User, SignalSet{kSigTerm}, kSaRestart};
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigInt, handler));
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigPipe, kIgnore));
  auto handlers = f.kernel->signal_handlers(pid);
  ASSERT_EQ(handlers.size(), 2u);
  EXPECT_EQ(handlers[kSigInt], handler);
  EXPECT_EQ(handlers[kSigInt].mask.to_list(), std::vector<uint32_t>{15});
  EXPECT_EQ(handlers[kSigPipe].action, SignalAction::Ignore);
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigInt, SignalDisposition{}));
  EXPECT_EQ(f.kernel->signal_handlers(pid).size(), 1u);
  EXPECT_TRUE(f.kernel->signal_handlers(999).empty());
}

TEST(SignalDeliveryTest, SpawnKeepsIgnoredSignalsAndTheMaskButResetsHandlers) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(parent, kSigInt, kIgnore));
  ASSERT_TRUE(f.kernel->sigaction(parent, kSigTerm, kHandler));
  ASSERT_TRUE(f.kernel->sigprocmask(parent, SigmaskHow::Block, SignalSet{kSigUsr1}));
  ASSERT_TRUE(f.kernel->kill(0, parent, kSigUsr1));
  Pid child = f.spawn_child(parent);
  auto handlers = f.kernel->signal_handlers(child);
  ASSERT_EQ(handlers.size(), 1u);
  EXPECT_EQ(handlers[kSigInt].action, SignalAction::Ignore);
  EXPECT_EQ(*f.kernel->sigprocmask(child, SigmaskHow::Block, {}), SignalSet{kSigUsr1});
  EXPECT_TRUE(f.kernel->sigpending(child)->empty());  // pending signals are not inherited
}

TEST(SignalDeliveryTest, StopAndContinueWithWaitReports) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->kill(0, child, kSigStop));
  EXPECT_EQ(f.info(child).status, ProcessStatus::Stopped);
  EXPECT_TRUE(f.driver->saw({"stop", child, kSigStop}));
  EXPECT_FALSE(*f.kernel->waitpid(parent, child, kWaitNoHang));  // stops need WUNTRACED
  auto stopped = f.kernel->waitpid(parent, child, kWaitUntraced);
  ASSERT_TRUE(stopped && *stopped);
  EXPECT_EQ((*stopped)->event, WaitEvent::Stopped);
  EXPECT_EQ((*stopped)->signal, kSigStop);
  EXPECT_EQ((*stopped)->status(), 0x137f);
  EXPECT_FALSE(*f.kernel->waitpid(parent, child, kWaitUntraced | kWaitNoHang));  // reported once

  ASSERT_TRUE(f.kernel->kill(0, child, kSigCont));
  EXPECT_EQ(f.info(child).status, ProcessStatus::Running);
  EXPECT_TRUE(f.driver->saw({"resume", child, kSigCont}));
  auto continued = f.kernel->waitpid(parent, child, kWaitContinued);
  ASSERT_TRUE(continued && *continued);
  EXPECT_EQ((*continued)->event, WaitEvent::Continued);
  EXPECT_EQ((*continued)->status(), 0xffff);
}

TEST(SignalDeliveryTest, StopsNotifyTheParentUnlessNoCldStop) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->sigaction(parent, kSigChld, kHandler));
  ASSERT_TRUE(f.kernel->kill(0, child, kSigTstp));
  EXPECT_EQ(f.info(child).status, ProcessStatus::Stopped);
  EXPECT_TRUE(f.driver->saw({"deliver", parent, kSigChld}));
  ASSERT_TRUE(f.kernel->dequeue_signal(parent));
  f.driver->clear();
  ASSERT_TRUE(f.kernel->sigaction(parent, kSigChld, SignalDisposition{SignalAction::User, {}, kSaNoCldStop}));
  ASSERT_TRUE(f.kernel->kill(0, child, kSigCont));
  EXPECT_FALSE(f.driver->saw({"deliver", parent, kSigChld}));
}

TEST(SignalDeliveryTest, HandledTstpDoesNotStop) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigTstp, kHandler));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigTstp));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
  EXPECT_TRUE(f.driver->saw({"deliver", pid, kSigTstp}));
}

TEST(SignalDeliveryTest, ContinueWorksEvenWhenBlockedAndThenPendsItsHandler) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigCont, kHandler));
  ASSERT_TRUE(f.kernel->sigprocmask(pid, SigmaskHow::Block, SignalSet{kSigCont}));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigStop));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigCont));
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Running);
  EXPECT_EQ(*f.kernel->sigpending(pid), SignalSet{kSigCont});
}

TEST(SignalDeliveryTest, AStoppedProcessActsOnSignalsOnlyOnceContinued) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigUsr1, kHandler));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigStop));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigUsr1));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigTerm));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigWinch));  // ignored: discarded, not kept
  EXPECT_EQ(f.info(pid).status, ProcessStatus::Stopped);
  EXPECT_EQ(*f.kernel->sigpending(pid), (SignalSet{kSigUsr1, kSigTerm}));
  EXPECT_FALSE(f.driver->saw({"deliver", pid, kSigUsr1}));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigCont));
  EXPECT_TRUE(f.driver->saw({"deliver", pid, kSigUsr1}));  // ascending order: the handler first
  EXPECT_EQ(f.info(pid).term_signal, kSigTerm);            // then the default action of SIGTERM
}

TEST(SignalDeliveryTest, WaitWhileStoppedReturnsOnContinueOrKill) {
  KernelFixture f;
  Pid pid = f.spawn_top();
  ASSERT_TRUE(f.kernel->wait_while_stopped(pid));  // running: returns at once
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigStop));
  std::atomic<bool> returned = false;
  std::thread parked([&] {
    EXPECT_TRUE(f.kernel->wait_while_stopped(pid));
    returned = true;
  });
  let_thread_block();
  EXPECT_FALSE(returned);
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigCont));
  parked.join();
  EXPECT_TRUE(returned);

  ASSERT_TRUE(f.kernel->kill(0, pid, kSigStop));
  std::thread killed([&] { EXPECT_TRUE(f.kernel->wait_while_stopped(pid)); });
  let_thread_block();
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigKill));
  killed.join();
}

TEST(SignalDeliveryTest, GroupAndBroadcastKills) {
  KernelFixture f;
  Pid init = f.spawn_top();
  Pid a = f.spawn_child(init);
  Pid b = f.spawn_child(init);
  Pid c = f.spawn_child(init);
  ASSERT_TRUE(f.kernel->setpgid(init, a, 0));
  ASSERT_TRUE(f.kernel->setpgid(init, b, a));
  ASSERT_TRUE(f.kernel->kill(0, -a, kSigTerm));
  EXPECT_EQ(f.info(a).term_signal, kSigTerm);
  EXPECT_EQ(f.info(b).term_signal, kSigTerm);
  EXPECT_EQ(f.info(c).status, ProcessStatus::Running);
  EXPECT_TRUE(f.kernel->kill(0, -a, kSigTerm));  // only zombies left: the group still exists

  ASSERT_TRUE(f.kernel->kill(c, 0, kSigUsr1));  // 0: the sender's own group (init's)
  EXPECT_EQ(f.info(init).term_signal, kSigUsr1);
  EXPECT_EQ(f.info(c).term_signal, kSigUsr1);

  KernelFixture g;
  Pid one = g.spawn_top();
  Pid sender = g.spawn_top();
  Pid victim = g.spawn_top();
  ASSERT_TRUE(g.kernel->kill(sender, -1, kSigTerm));  // everyone but pid 1 and the sender
  EXPECT_EQ(g.info(one).status, ProcessStatus::Running);
  EXPECT_EQ(g.info(sender).status, ProcessStatus::Running);
  EXPECT_EQ(g.info(victim).term_signal, kSigTerm);
}

TEST(SignalDeliveryTest, DriverCallbacksRunWithoutTheKernelLock) {
  // A driver that calls back into the kernel from its callback must not deadlock.
  struct ReentrantDriver : ProcessDriver {
    ProcessKernel* kernel = nullptr;
    std::optional<DequeuedSignal> taken;
    void deliver_signal(Pid pid, int) override { taken = *kernel->dequeue_signal(pid); }
    void terminate(Pid pid, int) override { EXPECT_FALSE(kernel->process_info(pid)->status == ProcessStatus::Running); }
  };
  KernelFixture f;
  auto driver = std::make_shared<ReentrantDriver>();
  driver->kernel = f.kernel.get();
  SpawnRequest request;
  request.driver = driver;
  Pid pid = *f.kernel->spawn(request);
  ASSERT_TRUE(f.kernel->sigaction(pid, kSigUsr2, kHandler));
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigUsr2));
  ASSERT_TRUE(driver->taken);
  EXPECT_EQ(driver->taken->signal, kSigUsr2);
  ASSERT_TRUE(f.kernel->kill(0, pid, kSigTerm));
}

}  // namespace
}  // namespace se::kernel::testing
