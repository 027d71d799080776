#include "kernel/proc/signals.h"

#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <tuple>

namespace se::kernel {
namespace {

struct StandardSignal {
  std::string_view name;  // without the SIG prefix
  SignalDefaultAction action;
};

using enum SignalDefaultAction;

// signal(7), x86-64 column; index = number - 1.
constexpr std::array<StandardSignal, 31> kStandardSignals = {{
    {"HUP", Terminate},    {"INT", Terminate},  {"QUIT", CoreDump},  {"ILL", CoreDump},   {"TRAP", CoreDump},
    {"ABRT", CoreDump},    {"BUS", CoreDump},   {"FPE", CoreDump},   {"KILL", Terminate}, {"USR1", Terminate},
    {"SEGV", CoreDump},    {"USR2", Terminate}, {"PIPE", Terminate}, {"ALRM", Terminate}, {"TERM", Terminate},
    {"STKFLT", Terminate}, {"CHLD", Ignore},    {"CONT", Continue},  {"STOP", Stop},      {"TSTP", Stop},
    {"TTIN", Stop},        {"TTOU", Stop},      {"URG", Ignore},     {"XCPU", CoreDump},  {"XFSZ", CoreDump},
    {"VTALRM", Terminate}, {"PROF", Terminate}, {"WINCH", Ignore},   {"IO", Terminate},   {"PWR", Terminate},
    {"SYS", CoreDump},
}};

struct Alias {
  std::string_view name;
  int number;
};
constexpr std::array<Alias, 3> kAliases = {{{"IOT", kSigAbrt}, {"CLD", kSigChld}, {"POLL", kSigIo}}};

// Name without the SIG prefix, as `kill -l` prints it.
std::string bare_name(int number) {
  if (number >= 1 && number <= kSigSys) return std::string(kStandardSignals[number - 1].name);
  if (number == 32 || number == 33) return std::to_string(number);
  if (number == kSigRtMin) return "RTMIN";
  if (number == kSigRtMax) return "RTMAX";
  constexpr int kMiddle = (kSigRtMin + kSigRtMax) / 2;  // 49: the last RTMIN+n form
  if (number <= kMiddle) return "RTMIN+" + std::to_string(number - kSigRtMin);
  return "RTMAX-" + std::to_string(kSigRtMax - number);
}

std::optional<int> parse_decimal(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int> parse_realtime(std::string_view upper) {
  for (auto [prefix, base, sign] :
       {std::tuple{std::string_view("RTMIN"), kSigRtMin, 1}, std::tuple{std::string_view("RTMAX"), kSigRtMax, -1}}) {
    if (!upper.starts_with(prefix)) continue;
    std::string_view rest = upper.substr(prefix.size());
    if (rest.empty()) return base;
    if (rest.front() != (sign > 0 ? '+' : '-')) return std::nullopt;
    auto offset = parse_decimal(rest.substr(1));
    if (!offset || *offset < 0) return std::nullopt;
    int number = base + sign * *offset;
    if (number < kSigRtMin || number > kSigRtMax) return std::nullopt;
    return number;
  }
  return std::nullopt;
}

}  // namespace

std::optional<SignalInfo> signal_info(int number) {
  if (number < 1 || number > kMaxSignal) return std::nullopt;
  SignalDefaultAction action = number <= kSigSys ? kStandardSignals[number - 1].action : Terminate;
  std::string name = number == 32 || number == 33 ? "SIG" + std::to_string(number) : "SIG" + bare_name(number);
  return SignalInfo{number, std::move(name), action};
}

std::string signal_name(int number) {
  auto info = signal_info(number);
  return info ? info->name : std::string();
}

std::optional<int> parse_signal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text.front()))) {
    auto number = parse_decimal(text);
    if (!number || *number > kMaxSignal) return std::nullopt;
    return number;
  }
  std::string upper;
  upper.reserve(text.size());
  for (char c : text) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  std::string_view name = upper;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  if (name == "32" || name == "33") return parse_decimal(name);  // "SIG32" / "SIG33", as signal_name spells them
  for (int number = 1; number <= kSigSys; ++number) {
    if (kStandardSignals[number - 1].name == name) return number;
  }
  for (const Alias& alias : kAliases) {
    if (alias.name == name) return alias.number;
  }
  return parse_realtime(name);
}

std::vector<std::pair<std::string, int>> signal_names() {
  std::vector<std::pair<std::string, int>> names;
  for (int number = 1; number <= kMaxSignal; ++number) names.emplace_back(signal_name(number), number);
  for (const Alias& alias : kAliases) names.emplace_back("SIG" + std::string(alias.name), alias.number);
  return names;
}

bool signal_is_catchable(int number) {
  return number != kSigKill && number != kSigStop;
}

bool is_stop_signal(int number) {
  return number == kSigStop || number == kSigTstp || number == kSigTtin || number == kSigTtou;
}

SignalSet::SignalSet(std::initializer_list<int> numbers) {
  for (int number : numbers) add(number);
}

SignalSet SignalSet::from_list(const std::vector<uint32_t>& numbers) {
  SignalSet set;
  for (uint32_t number : numbers) {
    if (number >= 1 && number <= kMaxSignal) set.add(static_cast<int>(number));
  }
  return set;
}

std::vector<uint32_t> SignalSet::to_list() const {
  std::vector<uint32_t> numbers;
  for (int number = 1; number <= kMaxSignal; ++number) {
    if (contains(number)) numbers.push_back(static_cast<uint32_t>(number));
  }
  return numbers;
}

bool SignalSet::contains(int number) const {
  return number >= 1 && number <= kMaxSignal && (bits_ >> (number - 1) & 1) != 0;
}

void SignalSet::add(int number) {
  if (number >= 1 && number <= kMaxSignal) bits_ |= uint64_t{1} << (number - 1);
}

void SignalSet::remove(int number) {
  if (number >= 1 && number <= kMaxSignal) bits_ &= ~(uint64_t{1} << (number - 1));
}

int SignalSet::lowest() const {
  return bits_ == 0 ? 0 : std::countr_zero(bits_) + 1;
}

}  // namespace se::kernel
