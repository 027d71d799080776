// The `secure-exec` CLI end to end: the built binary is spawned with pipes for its stdin, stdout
// and stderr and runs JavaScript guests in the real sidecar (`run`, `exec`, --mount-dir, --env,
// stdin forwarding, signal forwarding, exit codes and error reporting).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/sidecar_locator.h"
#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Long enough for a sidecar spawn, a VM and a guest on a loaded 2-vCPU machine.
constexpr auto kCliTimeout = 30s;

struct CliResult {
  std::string out;
  std::string err;
  std::optional<int> status;  // exit code, or 128 + signal; nullopt when it did not end in time
};

// One running `secure-exec` process with pipes on all three standard streams.
class CliProcess {
 public:
  explicit CliProcess(const std::vector<std::string>& args) {
    int in[2];
    int out[2];
    int err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2 failed";
      return;
    }
    std::vector<std::string> strings{SECURE_EXEC_CLI_PATH};
    strings.insert(strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own process group, like a foreground job in a terminal
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;
  ~CliProcess() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void write_stdin(const std::string& bytes) {
    ASSERT_EQ(::write(stdin_fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  void close_stdin() {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  void send_signal(int signal) { ::kill(pid_, signal); }
  // What a terminal does on Ctrl-C: the signal goes to every process of the job, the sidecar included.
  void signal_process_group(int signal) { ::kill(-pid_, signal); }

  // Reads until stdout contains `needle`; false at the timeout or at EOF without it.
  bool wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (result_.out.find(needle) == std::string::npos) {
      if (!pump(deadline)) return false;
    }
    return true;
  }

  // Reads both streams to EOF and reaps the process.
  CliResult finish(std::chrono::milliseconds timeout = kCliTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (stdout_fd_ >= 0 || stderr_fd_ >= 0) {
      if (!pump(deadline)) break;
    }
    while (!status_ && Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else {
        std::this_thread::sleep_for(5ms);
      }
    }
    result_.status = status_;
    return result_;
  }

 private:
  // One poll round over the open output pipes; false at the deadline or when both are closed.
  bool pump(Clock::time_point deadline) {
    std::vector<pollfd> fds;
    for (int fd : {stdout_fd_, stderr_fd_}) {
      if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    }
    if (fds.empty()) return false;
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (remaining <= 0) return false;
    if (::poll(fds.data(), fds.size(), static_cast<int>(remaining)) <= 0) return true;
    for (const auto& polled : fds) {
      if (polled.revents == 0) continue;
      char buffer[4096];
      const ssize_t got = ::read(polled.fd, buffer, sizeof buffer);
      const bool is_stdout = polled.fd == stdout_fd_;
      if (got > 0) {
        (is_stdout ? result_.out : result_.err).append(buffer, static_cast<size_t>(got));
      } else {
        ::close(polled.fd);
        (is_stdout ? stdout_fd_ : stderr_fd_) = -1;
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::optional<int> status_;
  CliResult result_;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sidecar_ = sidecar_under_test();
    ASSERT_FALSE(sidecar_.empty()) << "no secure-exec-sidecar binary: set " << client::kSidecarPathEnv;
  }

  // `secure-exec COMMAND --sidecar <binary under test> ARGS...`.
  std::vector<std::string> cli_args(const std::string& command, std::vector<std::string> args) const {
    std::vector<std::string> all{command, "--sidecar", sidecar_};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }

  // Runs the CLI with `input` on its stdin (then EOF) and waits for it.
  CliResult run_cli(const std::string& command, std::vector<std::string> args, const std::string& input = "") {
    CliProcess cli(cli_args(command, std::move(args)));
    if (!input.empty()) cli.write_stdin(input);
    cli.close_stdin();
    return cli.finish();
  }

  std::string write_script(const std::string& name, const std::string& source) {
    const std::string path = dir_.path() + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << source;
    return path;
  }

  TempDir dir_;
  std::string sidecar_;
};

TEST_F(CliTest, RunKeepsStdoutAndStderrApartAndExitsWithTheGuestsCode) {
  const auto script =
      write_script("streams.js", "console.log('to stdout'); console.error('to stderr'); process.exit(3)");
  const auto result = run_cli("run", {script});
  EXPECT_EQ(result.out, "to stdout\n");
  EXPECT_EQ(result.err, "to stderr\n");
  EXPECT_EQ(result.status, std::optional<int>(3));
}

TEST_F(CliTest, RunForwardsArgumentsAndEnvironment) {
  const auto script =
      write_script("argv.js", "console.log(JSON.stringify(process.argv.slice(1)), process.env.GREETING)");
  const auto result = run_cli("run", {"--env", "GREETING=hey", script, "a1", "a b", "--flag"});
  EXPECT_EQ(result.out, "[\"/workspace/argv.js\",\"a1\",\"a b\",\"--flag\"] hey\n");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(result.status, std::optional<int>(0));
}

TEST_F(CliTest, ExecRunsNodeEvalAndPrint) {
  auto eval = run_cli("exec", {"--", "node", "-e", "console.log(1 + 1); process.exitCode = 4"});
  EXPECT_EQ(eval.out, "2\n");
  EXPECT_EQ(eval.status, std::optional<int>(4));
  auto print = run_cli("exec", {"--", "node", "-p", "6 * 7"});
  EXPECT_EQ(print.out, "42\n");
  EXPECT_EQ(print.status, std::optional<int>(0));
}

TEST_F(CliTest, StdinIsPipedThroughAndClosedAtEof) {
  const auto script =
      write_script("upper.js",
                   "let seen = '';"
                   "process.stdin.on('data', d => { seen += d; process.stdout.write(String(d).toUpperCase()) });"
                   "process.stdin.on('end', () => console.log(`[end after ${seen.length} bytes]`))");
  const auto result = run_cli("run", {script}, "hi\nthere\n");
  EXPECT_EQ(result.out, "HI\nTHERE\n[end after 9 bytes]\n");
  EXPECT_EQ(result.status, std::optional<int>(0));
}

TEST_F(CliTest, OutputArrivesWhileTheGuestStillRuns) {
  const auto script = write_script("interactive.js",
                                   "console.log('ready');"
                                   "process.stdin.on('data', d => console.log('got ' + String(d).trim()));"
                                   "process.stdin.on('end', () => console.log('bye'))");
  CliProcess cli(cli_args("run", {script}));
  ASSERT_TRUE(cli.wait_for_stdout("ready\n", kCliTimeout)) << "the first line was not streamed before stdin closed";
  cli.write_stdin("ping\n");
  ASSERT_TRUE(cli.wait_for_stdout("got ping\n", kCliTimeout));
  cli.close_stdin();
  const auto result = cli.finish();
  EXPECT_EQ(result.out, "ready\ngot ping\nbye\n");
  EXPECT_EQ(result.status, std::optional<int>(0));
}

TEST_F(CliTest, AGuestThatDoesNotReadStdinExitsWhileStdinStaysOpen) {
  const auto script = write_script("quick.js", "console.log('done')");
  CliProcess cli(cli_args("run", {script}));
  const auto start = Clock::now();
  const auto result = cli.finish();  // stdin is never written to or closed
  EXPECT_EQ(result.out, "done\n");
  EXPECT_EQ(result.status, std::optional<int>(0));
  EXPECT_LT(Clock::now() - start, 10s);
}

TEST_F(CliTest, CtrlCAndSigtermBecomeKillProcess) {
  const auto handled = write_script("handler.js",
                                    "process.on('SIGINT', () => { console.log('interrupted'); process.exit(7) });"
                                    "console.log('ready'); setInterval(() => {}, 1000)");
  {
    CliProcess cli(cli_args("run", {handled}));
    ASSERT_TRUE(cli.wait_for_stdout("ready\n", kCliTimeout));
    cli.signal_process_group(SIGINT);
    const auto result = cli.finish();
    EXPECT_EQ(result.out, "ready\ninterrupted\n");
    EXPECT_EQ(result.status, std::optional<int>(7));
  }
  const auto busy = write_script("busy.js", "console.log('ready'); for (;;) {}");
  CliProcess cli(cli_args("run", {busy}));
  ASSERT_TRUE(cli.wait_for_stdout("ready\n", kCliTimeout));
  cli.send_signal(SIGTERM);
  EXPECT_EQ(cli.finish().status, std::optional<int>(143));
}

TEST_F(CliTest, MissingFilesAndRejectedRequestsExitOneWithAMessage) {
  const auto missing = run_cli("run", {dir_.path() + "/nope.js"});
  EXPECT_EQ(missing.status, std::optional<int>(1));
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err, "secure-exec: cannot read " + dir_.path() + "/nope.js: No such file or directory\n");

  const auto rejected = run_cli("exec", {"--", "node", "nope.js"});
  EXPECT_EQ(rejected.status, std::optional<int>(1));
  EXPECT_EQ(rejected.err, "secure-exec: kernel_error: ENOENT: no such file: /workspace/nope.js\n");
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli("run", {}).status, std::optional<int>(2));
  EXPECT_EQ(run_cli("run", {"--bogus", "x.js"}).status, std::optional<int>(2));
  EXPECT_EQ(run_cli("run", {"--env", "NOEQUALS", "x.js"}).status, std::optional<int>(2));
  EXPECT_EQ(run_cli("exec", {"--"}).status, std::optional<int>(2));
}

TEST_F(CliTest, MountDirIsCopiedIntoTheWorkspace) {
  write_script("app/main.js", "console.log('main at ' + process.argv[1])");
  write_script("app/lib/second.js", "console.log('second at ' + process.argv[1])");
  std::filesystem::create_symlink("lib/second.js", dir_.path() + "/app/alias.js");
  const std::string app = dir_.path() + "/app";

  const auto entry = run_cli("run", {"--mount-dir", app, app + "/main.js"});
  EXPECT_EQ(entry.out, "main at /workspace/main.js\n");
  EXPECT_EQ(entry.status, std::optional<int>(0));

  const auto nested = run_cli("exec", {"--mount-dir", app, "--", "node", "lib/second.js"});
  EXPECT_EQ(nested.out, "second at /workspace/lib/second.js\n");
  EXPECT_EQ(nested.status, std::optional<int>(0));

  const auto linked = run_cli("exec", {"--mount-dir", app, "--", "node", "alias.js"});
  EXPECT_EQ(linked.out, "second at /workspace/alias.js\n") << linked.err;
  EXPECT_EQ(linked.status, std::optional<int>(0));
}

TEST_F(CliTest, MountDirRefusesSymlinksThatLeaveIt) {
  write_script("app/main.js", "console.log('must not run')");
  std::filesystem::create_symlink("/etc/passwd", dir_.path() + "/app/passwd");
  const std::string app = dir_.path() + "/app";
  const auto result = run_cli("run", {"--mount-dir", app, app + "/main.js"});
  EXPECT_EQ(result.status, std::optional<int>(1));
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("secure-exec: refusing " + app + "/passwd: it is a symlink to /etc/passwd, outside"),
            std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace se::integration
