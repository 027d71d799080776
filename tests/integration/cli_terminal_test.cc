// `secure-exec run` on a real host terminal: the test holds the master of a PTY (forkpty) whose
// slave is the CLI's stdin/stdout/stderr, as an interactive shell would give it. The guest then
// runs on a terminal of the same size, keys typed reach it through its line discipline, and the
// host terminal's settings are back when the CLI ends; --no-tty keeps pipes.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using Clock = std::chrono::steady_clock;

class CliTerminalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sidecar_ = sidecar_under_test();
    if (sidecar_.empty()) GTEST_SKIP() << "no sidecar binary";
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }

  // Starts `secure-exec run --sidecar S EXTRA... script.js` on a new 30x100 terminal.
  void start(const std::string& source, const std::vector<std::string>& extra = {}) {
    const std::string script = dir_.path() + "/script.js";
    std::ofstream(script) << source;
    std::vector<std::string> strings{SECURE_EXEC_CLI_PATH, "run", "--sidecar", sidecar_};
    strings.insert(strings.end(), extra.begin(), extra.end());
    strings.push_back(script);
    std::vector<char*> argv;
    for (auto& s : strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    winsize size{};
    size.ws_row = 30;
    size.ws_col = 100;
    pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
    ASSERT_GE(pid_, 0) << "forkpty failed";
    if (pid_ == 0) {
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }

  // Reads the terminal until `needle` shows (true) or it closes / 30 s pass (false).
  bool wait_for(const std::string& needle) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (screen_.find(needle) == std::string::npos) {
      if (!read_some(deadline)) return false;
    }
    return true;
  }

  // Reads to the end of the terminal's output and reaps the CLI; its exit status.
  std::optional<int> finish() {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (read_some(deadline)) {
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void type(const std::string& keys) {
    ASSERT_EQ(::write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }

  // The terminal's local flags as the CLI left them.
  tcflag_t local_flags() {
    termios settings{};
    EXPECT_EQ(::tcgetattr(master_, &settings), 0);
    return settings.c_lflag;
  }

  std::string screen_;
  pid_t pid_ = -1;

 private:
  bool read_some(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fd{master_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left)) <= 0) return false;
    char buffer[4096];
    const ssize_t got = ::read(master_, buffer, sizeof buffer);
    if (got <= 0) return false;  // EIO once the CLI and everything else closed the slave
    screen_.append(buffer, static_cast<size_t>(got));
    return true;
  }

  std::string sidecar_;
  TempDir dir_;
  int master_ = -1;
};

constexpr const char* kDescribe =
    "console.log(JSON.stringify([process.stdin.isTTY, process.stdout.isTTY, process.stdout.columns ?? null, "
    "process.stdout.rows ?? null]))";

TEST_F(CliTerminalTest, TheGuestGetsATerminalOfTheHostsSize) {
  start(kDescribe);
  EXPECT_EQ(finish(), 0);
  EXPECT_NE(screen_.find("[true,true,100,30]\r\n"), std::string::npos) << screen_;
  // Raw mode was undone on the way out.
  EXPECT_NE(local_flags() & ICANON, 0u);
  EXPECT_NE(local_flags() & ECHO, 0u);
}

TEST_F(CliTerminalTest, NoTtyKeepsPipes) {
  start(kDescribe, {"--no-tty"});
  EXPECT_EQ(finish(), 0);
  EXPECT_NE(screen_.find("[false,false,null,null]"), std::string::npos) << screen_;
}

TEST_F(CliTerminalTest, KeysReachTheGuestsLineDisciplineAndControlCEndsIt) {
  start(
      "process.stdin.setEncoding('utf8'); process.stdin.on('data', (l) => console.log('line=' + JSON.stringify(l)));"
      "console.log('ready')");
  ASSERT_TRUE(wait_for("ready\r\n")) << screen_;
  // The host terminal is raw: the guest's terminal echoes and turns CR into NL.
  EXPECT_EQ(local_flags() & (ICANON | ECHO), 0u);
  type("abc\r");
  ASSERT_TRUE(wait_for("line=\"abc\\n\"")) << screen_;
  EXPECT_NE(screen_.find("abc\r\n"), std::string::npos) << screen_;
  type("\x03");  // ^C: SIGINT to the guest's foreground group, not to the CLI
  EXPECT_EQ(finish(), 130);
  EXPECT_NE(local_flags() & ICANON, 0u);
}

TEST_F(CliTerminalTest, TerminalSettingsComeBackWhenTheCliIsTerminated) {
  start("setInterval(() => {}, 1000); console.log('ready')");
  ASSERT_TRUE(wait_for("ready\r\n")) << screen_;
  ASSERT_EQ(local_flags() & ICANON, 0u);
  ::kill(pid_, SIGTERM);
  EXPECT_EQ(finish(), 143);
  EXPECT_NE(local_flags() & ICANON, 0u);
  EXPECT_NE(local_flags() & ECHO, 0u);
}

}  // namespace
}  // namespace se::integration
