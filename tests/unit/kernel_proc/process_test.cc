// The process table: pids, inheritance at spawn, exit and zombies, waitpid, reparenting, SIGCHLD,
// zombie reaping timers, process groups and sessions, and the process limits.
#include <gtest/gtest.h>

#include "proc_test_support.h"

namespace se::kernel::testing {
namespace {

TEST(ProcessTest, PidsStartAtOneAndAreNotReusedUntilTheCounterWraps) {
  KernelFixture f;
  EXPECT_EQ(f.spawn_top(), 1);
  EXPECT_EQ(f.spawn_child(1), 2);
  EXPECT_EQ(f.spawn_child(1), 3);
  ASSERT_TRUE(f.kernel->exit_process(2, 0));
  ASSERT_TRUE(f.kernel->waitpid(1, 2, 0));
  EXPECT_EQ(f.spawn_child(1), 4);  // 2 is free again, but allocation moves on
}

TEST(ProcessTest, TopLevelProcessesLeadTheirOwnSessionAndChildrenInherit) {
  KernelOptions options;
  options.default_cwd = "/home/user";
  options.default_env = {{"HOME", "/home/user"}};
  KernelFixture f({}, options);
  Pid top = f.spawn_top("exec-1");
  ProcessInfo info = f.info(top);
  EXPECT_EQ(info.ppid, 0);
  EXPECT_EQ(info.pgid, top);
  EXPECT_EQ(info.sid, top);
  EXPECT_EQ(info.uid, 1000u);
  EXPECT_EQ(info.gid, 1000u);
  EXPECT_EQ(info.cwd, "/home/user");
  EXPECT_EQ(info.env, options.default_env);
  EXPECT_EQ(info.process_id, "exec-1");
  EXPECT_EQ(info.status, ProcessStatus::Running);
  EXPECT_FALSE(info.exit_code);

  ASSERT_TRUE(f.kernel->set_cwd(top, "/tmp"));
  Pid child = f.spawn_child(top);
  ProcessInfo child_info = f.info(child);
  EXPECT_EQ(child_info.ppid, top);
  EXPECT_EQ(child_info.pgid, top);
  EXPECT_EQ(child_info.sid, top);
  EXPECT_EQ(child_info.cwd, "/tmp");
  EXPECT_EQ(child_info.env, options.default_env);
  EXPECT_EQ(child_info.process_id, "exec-1/child-1");
  EXPECT_EQ(f.info(f.spawn_child(top)).process_id, "exec-1/child-2");
  EXPECT_EQ(f.info(f.spawn_child(child)).process_id, "exec-1/child-1/child-1");
}

TEST(ProcessTest, SpawnTakesExplicitArgumentsEnvironmentAndCwd) {
  KernelFixture f;
  Pid top = f.spawn_top();
  SpawnRequest request;
  request.parent = top;
  request.process_id = "custom";
  request.driver_name = "wasm-driver";
  request.command = "ls";
  request.args = {"-l", "/"};
  request.env = Environment{{"A", "1"}};
  request.cwd = "/etc";
  auto pid = f.kernel->spawn(request);
  ASSERT_TRUE(pid) << error_of(pid);
  ProcessInfo info = f.info(*pid);
  EXPECT_EQ(info.process_id, "custom");
  EXPECT_EQ(info.driver_name, "wasm-driver");
  EXPECT_EQ(info.command, "ls");
  EXPECT_EQ(info.args, (std::vector<std::string>{"-l", "/"}));
  EXPECT_EQ(info.env, (Environment{{"A", "1"}}));
  EXPECT_EQ(info.cwd, "/etc");

  request.parent = 42;
  EXPECT_EQ(error_of(f.kernel->spawn(request)), "ESRCH: no such process 42");
}

TEST(ProcessTest, ExitedChildIsAZombieUntilItsParentWaits) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(child, 3));
  ProcessInfo zombie = f.info(child);
  EXPECT_EQ(zombie.status, ProcessStatus::Exited);
  EXPECT_EQ(zombie.exit_code, 3);
  EXPECT_EQ(f.kernel->snapshot().size(), 2u);
  EXPECT_EQ(error_of(f.kernel->kill(0, child, kSigTerm)), "<no error>");  // signalling a zombie is a no-op
  EXPECT_EQ(error_of(f.kernel->sigprocmask(child, SigmaskHow::Block, {})), "ESRCH: no such process 2");

  auto waited = f.kernel->waitpid(parent, child, 0);
  ASSERT_TRUE(waited) << error_of(waited);
  ASSERT_TRUE(*waited);
  EXPECT_EQ((*waited)->pid, child);
  EXPECT_EQ((*waited)->event, WaitEvent::Exited);
  EXPECT_EQ((*waited)->exit_code, 3);
  EXPECT_EQ((*waited)->status(), 3 << 8);
  EXPECT_EQ(f.kernel->snapshot().size(), 1u);
  EXPECT_EQ(error_of(f.kernel->waitpid(parent, child, 0)), "ECHILD: no child processes");
  EXPECT_EQ(error_of(f.kernel->process_info(child)), "ESRCH: no such process 2");
}

TEST(ProcessTest, ExitStatusKeepsTheLowByteAndExitingTwiceIsHarmless) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(child, 256 + 7));
  EXPECT_TRUE(f.kernel->exit_process(child, 9));
  EXPECT_EQ(f.info(child).exit_code, 7);
  EXPECT_EQ(error_of(f.kernel->exit_process(99, 0)), "ESRCH: no such process 99");
}

TEST(ProcessTest, WaitpidSelectorsAndNoHang) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid a = f.spawn_child(parent);
  Pid b = f.spawn_child(parent);
  Pid c = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->setpgid(c, c, 0));

  auto none = f.kernel->waitpid(parent, -1, kWaitNoHang);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  ASSERT_TRUE(f.kernel->exit_process(c, 1));
  ASSERT_TRUE(f.kernel->exit_process(b, 2));
  ASSERT_TRUE(f.kernel->exit_process(a, 0));
  EXPECT_EQ((*f.kernel->waitpid(parent, 0, 0))->pid, a);  // same group as the waiter, lowest pid first
  EXPECT_EQ((*f.kernel->waitpid(parent, -c, 0))->pid, c);
  EXPECT_EQ((*f.kernel->waitpid(parent, -1, 0))->pid, b);
  EXPECT_EQ(error_of(f.kernel->waitpid(parent, -1, kWaitNoHang)), "ECHILD: no child processes");
  EXPECT_EQ(error_of(f.kernel->waitpid(parent, -1, 0x100)), "EINVAL: invalid waitpid options 256");
}

TEST(ProcessTest, WaitpidOnlySeesTheWaitersOwnChildren) {
  KernelFixture f;
  Pid first = f.spawn_top();
  Pid second = f.spawn_top();
  Pid child = f.spawn_child(first);
  ASSERT_TRUE(f.kernel->exit_process(child, 0));
  EXPECT_EQ(error_of(f.kernel->waitpid(second, child, 0)), "ECHILD: no child processes");
  EXPECT_TRUE(f.kernel->waitpid(first, child, 0));
}

TEST(ProcessTest, TheHostWaitsForTopLevelProcesses) {
  KernelFixture f;
  Pid top = f.spawn_top();
  ASSERT_TRUE(f.kernel->kill(0, top, kSigTerm));
  auto waited = f.kernel->waitpid(0, top, 0);
  ASSERT_TRUE(waited) << error_of(waited);
  EXPECT_EQ((*waited)->event, WaitEvent::Signaled);
  EXPECT_EQ((*waited)->exit_code, 143);
  EXPECT_EQ((*waited)->signal, kSigTerm);
  EXPECT_EQ((*waited)->status(), kSigTerm);
  EXPECT_TRUE(f.kernel->snapshot().empty());
}

TEST(ProcessTest, BlockingWaitpidWakesWhenAChildExits) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  std::atomic<bool> returned = false;
  ErrorOr<std::optional<WaitResult>> result = std::optional<WaitResult>();
  std::thread waiter([&] {
    result = f.kernel->waitpid(parent, -1, 0);
    returned = true;
  });
  let_thread_block();
  EXPECT_FALSE(returned);
  ASSERT_TRUE(f.kernel->exit_process(child, 5));
  waiter.join();
  ASSERT_TRUE(result) << error_of(result);
  EXPECT_EQ((*result)->pid, child);
  EXPECT_EQ((*result)->exit_code, 5);
}

TEST(ProcessTest, BlockingWaitpidIsInterruptedByAHandledSignalAndByShutdown) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->sigaction(parent, kSigUsr1, SignalDisposition{SignalAction::User, {}, 0}));
  ErrorOr<std::optional<WaitResult>> result = std::optional<WaitResult>();
  std::thread waiter([&] { result = f.kernel->waitpid(parent, -1, 0); });
  let_thread_block();
  ASSERT_TRUE(f.kernel->kill(0, parent, kSigUsr1));
  waiter.join();
  EXPECT_EQ(error_of(result), "EINTR: interrupted system call");

  ASSERT_TRUE(f.kernel->dequeue_signal(parent));
  std::thread second([&] { result = f.kernel->waitpid(parent, -1, 0); });
  let_thread_block();
  f.kernel->shutdown();
  second.join();
  EXPECT_EQ(error_of(result), "EINVAL: kernel VM is disposed");
}

TEST(ProcessTest, ExitSendsSigchldToTheParent) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(child, 0));
  EXPECT_FALSE(f.driver->saw({"deliver", parent, kSigChld}));  // default disposition: ignored

  ASSERT_TRUE(f.kernel->sigaction(parent, kSigChld, SignalDisposition{SignalAction::User, {}, 0}));
  Pid second = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(second, 0));
  EXPECT_TRUE(f.driver->saw({"deliver", parent, kSigChld}));
  auto dequeued = f.kernel->dequeue_signal(parent);
  ASSERT_TRUE(dequeued && *dequeued);
  EXPECT_EQ((*dequeued)->signal, kSigChld);
}

TEST(ProcessTest, IgnoringSigchldReapsChildrenAutomatically) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  ASSERT_TRUE(f.kernel->sigaction(parent, kSigChld, SignalDisposition{SignalAction::Ignore, {}, 0}));
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(child, 0));
  EXPECT_EQ(error_of(f.kernel->waitpid(parent, -1, 0)), "ECHILD: no child processes");
  EXPECT_EQ(f.kernel->snapshot().size(), 1u);
  EXPECT_EQ(f.kernel->zombie_timer_count(), 0u);
}

TEST(ProcessTest, OrphansAreReparentedToPidOneOrToNoParent) {
  KernelFixture f;
  Pid init = f.spawn_top();
  Pid middle = f.spawn_child(init);
  Pid grandchild = f.spawn_child(middle);
  ASSERT_TRUE(f.kernel->exit_process(middle, 0));
  EXPECT_EQ(f.info(grandchild).ppid, init);
  EXPECT_TRUE(f.kernel->waitpid(init, grandchild, kWaitNoHang));  // the adopter can wait for it

  Pid other = f.spawn_top();
  Pid orphan = f.spawn_child(other);
  ASSERT_TRUE(f.kernel->exit_process(init, 0));
  ASSERT_TRUE(f.kernel->exit_process(other, 0));
  EXPECT_EQ(f.info(orphan).ppid, 0);  // pid 1 is gone: no adopter
}

TEST(ProcessTest, ZombieTimersReapOrphanedZombiesAndRearmForLivingParents) {
  KernelOptions options;
  options.zombie_ttl = 30ms;
  KernelFixture f({}, options);
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(child, 0));
  EXPECT_EQ(f.kernel->zombie_timer_count(), 1u);
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(f.kernel->zombie_timer_count(), 1u);  // the parent lives and may still wait: re-armed
  EXPECT_EQ(f.info(child).status, ProcessStatus::Exited);

  ASSERT_TRUE(f.kernel->exit_process(parent, 0));
  EXPECT_EQ(f.kernel->zombie_timer_count(), 2u);
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(f.kernel->zombie_timer_count(), 0u);
  EXPECT_TRUE(f.kernel->snapshot().empty());
}

TEST(ProcessTest, WaitingCancelsTheZombieTimer) {
  KernelFixture f;
  Pid parent = f.spawn_top();
  Pid a = f.spawn_child(parent);
  Pid b = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(a, 0));
  ASSERT_TRUE(f.kernel->exit_process(b, 0));
  EXPECT_EQ(f.kernel->zombie_timer_count(), 2u);
  ASSERT_TRUE(f.kernel->waitpid(parent, a, 0));
  EXPECT_EQ(f.kernel->zombie_timer_count(), 1u);
}

TEST(ProcessTest, ForkBombStopsAtMaxProcessesAndTheKernelKeepsWorking) {
  config::ResourceLimits limits;
  limits.max_processes = 16;
  KernelFixture f(limits);
  Pid root = f.spawn_top();
  std::vector<Pid> children;
  SpawnRequest request;
  request.parent = root;
  request.command = "node";
  ErrorOr<Pid> last = 0;
  for (int i = 0; i < 100; ++i) {
    last = f.kernel->spawn(request);
    if (!last) break;
    children.push_back(*last);
  }
  EXPECT_EQ(error_of(last), "EAGAIN: maximum process limit reached");
  EXPECT_EQ(children.size(), 15u);
  EXPECT_EQ(f.kernel->usage().processes, 16u);

  // Zombies still count; reaping one frees a slot.
  ASSERT_TRUE(f.kernel->kill(root, children.front(), kSigKill));
  EXPECT_EQ(error_of(f.kernel->spawn(request)), "EAGAIN: maximum process limit reached");
  ASSERT_TRUE(f.kernel->waitpid(root, children.front(), 0));
  auto again = f.kernel->spawn(request);
  EXPECT_TRUE(again) << error_of(again);
  EXPECT_TRUE(f.kernel->pipe(root));
}

TEST(ProcessTest, ExitedTopLevelProcessesFreeTheirSlotAndAreRetainedBriefly) {
  // A VM that runs one command after another must not run out of processes: nobody can wait for a
  // process Execute started, so its exit frees its maxProcesses slot at once.
  config::ResourceLimits limits;
  limits.max_processes = 4;
  KernelFixture f(limits);
  Pid last = 0;
  for (int i = 0; i < 20; ++i) {
    last = f.spawn_top();
    ASSERT_NE(last, 0) << "process " << i;
    ASSERT_TRUE(f.kernel->exit_process(last, 0));
  }
  // Still listed as an exit for snapshots, with its reaping timer.
  EXPECT_EQ(f.info(last).status, ProcessStatus::Exited);
  EXPECT_GE(f.kernel->zombie_timer_count(), 1u);

  // Orphaned zombies stop counting too once their parent is gone.
  Pid parent = f.spawn_top();
  Pid child = f.spawn_child(parent);
  ASSERT_TRUE(f.kernel->exit_process(child, 0));
  ASSERT_TRUE(f.kernel->exit_process(parent, 0));
  for (int i = 0; i < 4; ++i) EXPECT_NE(f.spawn_top(), 0);
  SpawnRequest another;
  another.command = "node";
  another.driver = f.driver;
  EXPECT_EQ(error_of(f.kernel->spawn(another)), "EAGAIN: maximum process limit reached");
}

TEST(ProcessTest, ArgvAndEnvironmentSizeLimits) {
  config::ResourceLimits limits;
  limits.max_process_argv_bytes = 16;
  limits.max_process_env_bytes = 10;
  KernelFixture f(limits);
  SpawnRequest request;
  request.command = "node";           // 5 bytes with its NUL
  request.args = {"abcd", "efghij"};  // 5 + 7: exactly 17 in total
  EXPECT_EQ(error_of(f.kernel->spawn(request)), "E2BIG: process argv payload 17 bytes exceeds configured limit 16");
  request.args = {"abcd", "efghi"};  // exactly the limit
  EXPECT_TRUE(f.kernel->spawn(request));
  request.env = Environment{{"KEY", "value"}};  // 4 + 6 = 10: the limit
  EXPECT_TRUE(f.kernel->spawn(request));
  request.env = Environment{{"KEY", "values"}};
  EXPECT_EQ(error_of(f.kernel->spawn(request)),
            "E2BIG: process environment payload 11 bytes exceeds configured limit 10");
  EXPECT_EQ(f.kernel->usage().processes, 2u);
}

TEST(ProcessTest, ProcessGroupsAndSessions) {
  KernelFixture f;
  Pid shell = f.spawn_top();
  Pid job = f.spawn_child(shell);
  Pid worker = f.spawn_child(job);
  Pid stranger = f.spawn_top();

  EXPECT_EQ(error_of(f.kernel->setsid(shell)), "EPERM: process 1 is already a process group leader");
  EXPECT_EQ(error_of(f.kernel->setpgid(shell, shell, 0)), "EPERM: process 1 is a session leader");
  ASSERT_TRUE(f.kernel->setpgid(shell, job, 0));  // the parent moves its child into a new group
  EXPECT_EQ(*f.kernel->getpgid(0, job), job);
  EXPECT_EQ(*f.kernel->getpgid(worker, 0), shell);  // the grandchild stayed behind
  ASSERT_TRUE(f.kernel->setpgid(worker, 0, job));   // joining an existing group in the session
  EXPECT_EQ(*f.kernel->getpgid(0, worker), job);
  EXPECT_EQ(error_of(f.kernel->setpgid(shell, worker, 0)), "ESRCH: no such process 3");  // not its child
  EXPECT_EQ(error_of(f.kernel->setpgid(job, job, stranger)), "EPERM: no such process group 4 in the session");
  EXPECT_EQ(error_of(f.kernel->setpgid(job, job, -1)), "EINVAL: invalid process group -1");

  EXPECT_EQ(error_of(f.kernel->setsid(job)), "EPERM: process 2 is already a process group leader");
  auto sid = f.kernel->setsid(worker);  // worker leads no group, so it may start a session
  ASSERT_TRUE(sid) << error_of(sid);
  EXPECT_EQ(*sid, worker);
  EXPECT_EQ(*f.kernel->getsid(0, worker), worker);
  EXPECT_EQ(*f.kernel->getpgid(0, worker), worker);
  EXPECT_EQ(error_of(f.kernel->setpgid(job, worker, job)), "EPERM: process 3 is a session leader");
  EXPECT_EQ(error_of(f.kernel->getpgid(0, 77)), "ESRCH: no such process 77");
}

TEST(ProcessTest, NewlyOrphanedGroupWithAStoppedMemberGetsHangupAndContinue) {
  KernelFixture f;
  Pid shell = f.spawn_top();
  Pid leader = f.spawn_child(shell);
  ASSERT_TRUE(f.kernel->setpgid(shell, leader, 0));
  Pid member = f.spawn_child(leader);
  ASSERT_TRUE(f.kernel->kill(0, member, kSigStop));
  EXPECT_EQ(f.info(member).status, ProcessStatus::Stopped);

  ASSERT_TRUE(f.kernel->exit_process(shell, 0));
  // SIGHUP's default action terminates both members of the orphaned group.
  EXPECT_EQ(f.info(leader).term_signal, kSigHup);
  EXPECT_EQ(f.info(member).term_signal, kSigHup);
  EXPECT_EQ(f.info(member).exit_code, 129);
}

TEST(ProcessTest, SnapshotListsEveryProcessWithItsWireFields) {
  KernelFixture f;
  Pid top = f.spawn_top("exec-7");
  Pid child = f.spawn_child(top);
  ASSERT_TRUE(f.kernel->kill(0, child, kSigStop));
  Pid zombie = f.spawn_child(top);
  ASSERT_TRUE(f.kernel->exit_process(zombie, 4));
  auto snapshot = f.kernel->snapshot();
  ASSERT_EQ(snapshot.size(), 3u);
  EXPECT_EQ(snapshot[0].process_id, "exec-7");
  EXPECT_EQ(snapshot[0].driver_name, "test-driver");
  EXPECT_EQ(snapshot[0].command, "node");
  EXPECT_EQ(snapshot[0].cwd, "/workspace");
  EXPECT_EQ(snapshot[1].status, ProcessStatus::Stopped);
  EXPECT_EQ(snapshot[1].process_id, "exec-7/child-1");
  EXPECT_EQ(snapshot[2].status, ProcessStatus::Exited);
  EXPECT_EQ(snapshot[2].exit_code, 4);
  auto usage = f.kernel->usage();
  EXPECT_EQ(usage.running, 1u);
  EXPECT_EQ(usage.stopped, 1u);
  EXPECT_EQ(usage.zombies, 1u);
}

TEST(ProcessTest, ShutdownKillsEveryProcessAndRefusesLaterCalls) {
  KernelFixture f;
  Pid top = f.spawn_top();
  Pid child = f.spawn_child(top);
  f.kernel->shutdown();
  EXPECT_TRUE(f.kernel->is_shut_down());
  EXPECT_TRUE(f.driver->saw({"terminate", top, kSigKill}));
  EXPECT_TRUE(f.driver->saw({"terminate", child, kSigKill}));
  EXPECT_EQ(f.info(child).exit_code, 137);
  EXPECT_EQ(f.kernel->zombie_timer_count(), 0u);
  EXPECT_EQ(error_of(f.kernel->spawn(SpawnRequest{})), "EINVAL: kernel VM is disposed");
  EXPECT_EQ(error_of(f.kernel->kill(0, top, kSigTerm)), "EINVAL: kernel VM is disposed");
  EXPECT_TRUE(f.kernel->exit_process(top, 0));  // a runtime finishing late is not an error
  f.kernel->shutdown();                         // idempotent
}

TEST(ProcessTest, UmaskIsInheritedAndApplied) {
  KernelFixture f;
  Pid top = f.spawn_top();
  EXPECT_EQ(*f.kernel->set_umask(top, 077), 022u);
  Pid child = f.spawn_child(top);
  EXPECT_EQ(f.info(child).umask, 077u);
  ASSERT_TRUE(f.kernel->open(child, "/new", kOpenCreate | kOpenWriteOnly, 0666));
  EXPECT_EQ(f.files->last_mode, 0600u);
}

}  // namespace
}  // namespace se::kernel::testing
