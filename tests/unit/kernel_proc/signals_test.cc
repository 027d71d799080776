// The signal table: numbers, names, aliases, default actions, and signal sets.
#include "kernel/proc/signals.h"

#include <gtest/gtest.h>

namespace se::kernel {
namespace {

TEST(SignalTable, CanonicalNamesFollowLinux) {
  EXPECT_EQ(signal_name(kSigHup), "SIGHUP");
  EXPECT_EQ(signal_name(kSigKill), "SIGKILL");
  EXPECT_EQ(signal_name(kSigTerm), "SIGTERM");
  EXPECT_EQ(signal_name(kSigChld), "SIGCHLD");
  EXPECT_EQ(signal_name(kSigWinch), "SIGWINCH");
  EXPECT_EQ(signal_name(kSigSys), "SIGSYS");
  EXPECT_EQ(signal_name(34), "SIGRTMIN");
  EXPECT_EQ(signal_name(35), "SIGRTMIN+1");
  EXPECT_EQ(signal_name(49), "SIGRTMIN+15");
  EXPECT_EQ(signal_name(50), "SIGRTMAX-14");
  EXPECT_EQ(signal_name(63), "SIGRTMAX-1");
  EXPECT_EQ(signal_name(64), "SIGRTMAX");
  EXPECT_EQ(signal_name(0), "");
  EXPECT_EQ(signal_name(65), "");
}

TEST(SignalTable, ParsesNamesNumbersAndAliases) {
  for (const char* text : {"TERM", "SIGTERM", "sigterm", "Term", "15"}) {
    EXPECT_EQ(parse_signal(text), kSigTerm) << text;
  }
  EXPECT_EQ(parse_signal("IOT"), kSigAbrt);
  EXPECT_EQ(parse_signal("SIGIOT"), kSigAbrt);
  EXPECT_EQ(parse_signal("POLL"), kSigIo);
  EXPECT_EQ(parse_signal("CLD"), kSigChld);
  EXPECT_EQ(parse_signal("RTMIN+2"), 36);
  EXPECT_EQ(parse_signal("SIGRTMAX-1"), 63);
  EXPECT_EQ(parse_signal("rtmax"), 64);
  EXPECT_EQ(parse_signal("0"), 0);
  EXPECT_EQ(parse_signal("64"), 64);
  for (const char* text : {"", "65", "-1", "FOO", "SIG", "RTMIN+31", "RTMAX-31", "RTMIN-1", "15x", "TERM "}) {
    EXPECT_EQ(parse_signal(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(SignalTable, EveryCanonicalNameRoundTrips) {
  for (int number = 1; number <= kMaxSignal; ++number) {
    EXPECT_EQ(parse_signal(signal_name(number)), number) << signal_name(number);
  }
  auto names = signal_names();
  EXPECT_EQ(names.size(), 64u + 3u);
  EXPECT_NE(std::find(names.begin(), names.end(), std::pair<std::string, int>{"SIGPOLL", kSigIo}), names.end());
}

TEST(SignalTable, DefaultActionsFollowSignal7) {
  auto action = [](int number) { return signal_info(number)->default_action; };
  for (int number : {kSigHup, kSigInt, kSigKill, kSigUsr1, kSigUsr2, kSigPipe, kSigAlrm, kSigTerm, kSigIo, 40}) {
    EXPECT_EQ(action(number), SignalDefaultAction::Terminate) << number;
  }
  for (int number : {kSigQuit, kSigIll, kSigAbrt, kSigSegv, kSigSys, kSigXcpu}) {
    EXPECT_EQ(action(number), SignalDefaultAction::CoreDump) << number;
  }
  for (int number : {kSigChld, kSigUrg, kSigWinch}) EXPECT_EQ(action(number), SignalDefaultAction::Ignore) << number;
  for (int number : {kSigStop, kSigTstp, kSigTtin, kSigTtou}) {
    EXPECT_EQ(action(number), SignalDefaultAction::Stop) << number;
    EXPECT_TRUE(is_stop_signal(number));
  }
  EXPECT_EQ(action(kSigCont), SignalDefaultAction::Continue);
  EXPECT_FALSE(signal_info(0));
  EXPECT_FALSE(signal_info(65));
  EXPECT_EQ(exit_code_for_signal(kSigKill), 137);
  EXPECT_EQ(exit_code_for_signal(kSigTerm), 143);
}

TEST(SignalTable, OnlyKillAndStopAreUncatchable) {
  for (int number = 1; number <= kMaxSignal; ++number) {
    EXPECT_EQ(signal_is_catchable(number), number != kSigKill && number != kSigStop) << number;
  }
}

TEST(SignalSetTest, UsesTheSigsetBitLayout) {
  SignalSet set{kSigHup, kSigTerm, 64};
  EXPECT_EQ(set.bits(), (uint64_t{1} << 0) | (uint64_t{1} << 14) | (uint64_t{1} << 63));
  EXPECT_TRUE(set.contains(kSigTerm));
  EXPECT_FALSE(set.contains(kSigInt));
  EXPECT_FALSE(set.contains(0));
  EXPECT_EQ(set.lowest(), kSigHup);
  set.remove(kSigHup);
  EXPECT_EQ(set.lowest(), kSigTerm);
  EXPECT_EQ(set.to_list(), (std::vector<uint32_t>{15, 64}));
  EXPECT_EQ(SignalSet::from_list({2, 0, 99, 2}).to_list(), std::vector<uint32_t>{2});
  EXPECT_EQ((SignalSet{1, 2} & ~SignalSet{2}), SignalSet{1});
  EXPECT_TRUE(SignalSet().empty());
  EXPECT_EQ(SignalSet().lowest(), 0);
}

}  // namespace
}  // namespace se::kernel
