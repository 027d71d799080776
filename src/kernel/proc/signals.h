// The Linux (x86-64) signal table as a guest sees it: numbers 1..64, names and aliases, default
// actions (signal(7)), signal sets, and the per-process disposition a guest registers with
// sigaction / process.on('SIG...') (what GetSignalState reports, spec/protocol.md s3.16).
// Thread-safety: constant tables and plain values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace se::kernel {

// Standard signals (Linux x86-64 numbering). The names avoid the <csignal> macros.
inline constexpr int kSigHup = 1;
inline constexpr int kSigInt = 2;
inline constexpr int kSigQuit = 3;
inline constexpr int kSigIll = 4;
inline constexpr int kSigTrap = 5;
inline constexpr int kSigAbrt = 6;
inline constexpr int kSigBus = 7;
inline constexpr int kSigFpe = 8;
inline constexpr int kSigKill = 9;
inline constexpr int kSigUsr1 = 10;
inline constexpr int kSigSegv = 11;
inline constexpr int kSigUsr2 = 12;
inline constexpr int kSigPipe = 13;
inline constexpr int kSigAlrm = 14;
inline constexpr int kSigTerm = 15;
inline constexpr int kSigStkflt = 16;
inline constexpr int kSigChld = 17;
inline constexpr int kSigCont = 18;
inline constexpr int kSigStop = 19;
inline constexpr int kSigTstp = 20;
inline constexpr int kSigTtin = 21;
inline constexpr int kSigTtou = 22;
inline constexpr int kSigUrg = 23;
inline constexpr int kSigXcpu = 24;
inline constexpr int kSigXfsz = 25;
inline constexpr int kSigVtalrm = 26;
inline constexpr int kSigProf = 27;
inline constexpr int kSigWinch = 28;
inline constexpr int kSigIo = 29;
inline constexpr int kSigPwr = 30;
inline constexpr int kSigSys = 31;
// glibc reserves 32 and 33; SIGRTMIN as a guest sees it is 34.
inline constexpr int kSigRtMin = 34;
inline constexpr int kSigRtMax = 64;
inline constexpr int kMaxSignal = 64;

// What happens when a signal with the DEFAULT disposition is delivered.
enum class SignalDefaultAction { Terminate, CoreDump, Ignore, Stop, Continue };

struct SignalInfo {
  int number = 0;
  std::string name;  // canonical: "SIGTERM", "SIGRTMIN+3"; "SIG32" for the glibc-reserved two
  SignalDefaultAction default_action = SignalDefaultAction::Terminate;
};

// nullopt outside 1..64.
std::optional<SignalInfo> signal_info(int number);
// "SIGTERM" for 15; "" outside 1..64.
std::string signal_name(int number);
// Accepts a decimal number 0..64 ("0" is the null signal used to probe a pid), or a name in any
// case with or without the SIG prefix, including the aliases IOT (6), CLD (17), POLL (29) and the
// real-time forms RTMIN, RTMIN+n, RTMAX-n, RTMAX. nullopt for anything else.
std::optional<int> parse_signal(std::string_view text);
// Every name parse_signal accepts with its number (canonical names then aliases), for listings.
std::vector<std::pair<std::string, int>> signal_names();

// SIGKILL and SIGSTOP can be neither caught, ignored nor blocked.
bool signal_is_catchable(int number);
bool is_stop_signal(int number);  // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
// The exit code a process killed by `number` reports: 128 + number (spec/kernel.md s6.5).
inline int exit_code_for_signal(int number) {
  return 128 + number;
}

// A set of signals 1..64; bit (n - 1) stands for signal n (the sigset_t layout).
class SignalSet {
 public:
  constexpr SignalSet() = default;
  constexpr explicit SignalSet(uint64_t bits) : bits_(bits) {}
  SignalSet(std::initializer_list<int> numbers);

  static SignalSet from_list(const std::vector<uint32_t>& numbers);  // out-of-range numbers are skipped
  std::vector<uint32_t> to_list() const;                             // ascending

  constexpr uint64_t bits() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  bool contains(int number) const;
  void add(int number);
  void remove(int number);
  // Lowest member, or 0 when empty: pending signals are delivered in ascending order.
  int lowest() const;

  SignalSet operator|(SignalSet other) const { return SignalSet(bits_ | other.bits_); }
  SignalSet operator&(SignalSet other) const { return SignalSet(bits_ & other.bits_); }
  SignalSet operator~() const { return SignalSet(~bits_); }
  bool operator==(const SignalSet&) const = default;

 private:
  uint64_t bits_ = 0;
};

// The three dispositions of the wire enum SignalDispositionAction (0 DEFAULT, 1 IGNORE, 2 USER).
enum class SignalAction : uint8_t { Default = 0, Ignore = 1, User = 2 };

// sa_flags bits (Linux values). The kernel honours SA_RESETHAND (the handler reverts to DEFAULT
// when delivered), SA_NOCLDSTOP and SA_NOCLDWAIT on SIGCHLD; the others are stored and reported.
inline constexpr uint32_t kSaNoCldStop = 0x00000001;
inline constexpr uint32_t kSaNoCldWait = 0x00000002;
inline constexpr uint32_t kSaSigInfo = 0x00000004;
inline constexpr uint32_t kSaOnStack = 0x08000000;
inline constexpr uint32_t kSaRestart = 0x10000000;
inline constexpr uint32_t kSaNoDefer = 0x40000000;
inline constexpr uint32_t kSaResetHand = 0x80000000;

struct SignalDisposition {
  SignalAction action = SignalAction::Default;
  SignalSet mask;  // signals the guest blocks while its handler runs (reported, applied by the runtime)
  uint32_t flags = 0;
  bool operator==(const SignalDisposition&) const = default;
};

}  // namespace se::kernel
