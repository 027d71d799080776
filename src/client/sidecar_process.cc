#include "client/sidecar_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace se::client {
namespace {

// Used only when the kernel lacks pidfd_open (before Linux 5.3): the period of the wait_exit poll.
constexpr auto kReapPollPeriod = std::chrono::milliseconds(2);

Error errno_error(const std::string& what) {
  return Error::from_errno(errno, what + ": " + std::strerror(errno));
}

std::vector<std::string> build_environment(const SpawnOptions& options) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string key(text.substr(0, text.find('=')));
    bool drop = options.env_set.contains(key);
    for (const auto& unset : options.env_unset) drop = drop || unset == key;
    if (!drop) env.emplace_back(text);
  }
  for (const auto& [key, value] : options.env_set) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> as_argv(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

void close_if_open(int fd) {
  if (fd >= 0) ::close(fd);
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ErrorOr<std::unique_ptr<SidecarProcess>> SidecarProcess::spawn(const SpawnOptions& options) {
  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed (the parent may be multi-threaded).
  std::vector<std::string> argv_strings{options.executable};
  argv_strings.insert(argv_strings.end(), options.args.begin(), options.args.end());
  std::vector<std::string> env_strings = build_environment(options);
  std::vector<char*> argv = as_argv(argv_strings);
  std::vector<char*> envp = as_argv(env_strings);

  int stdin_pipe[2];
  int stdout_pipe[2];
  int exec_report[2];
  if (::pipe2(stdin_pipe, O_CLOEXEC) != 0) return fail(errno_error("pipe"));
  if (::pipe2(stdout_pipe, O_CLOEXEC) != 0) {
    const Error error = errno_error("pipe");
    ::close(stdin_pipe[0]);
    ::close(stdin_pipe[1]);
    return fail(error);
  }
  if (::pipe2(exec_report, O_CLOEXEC) != 0) {
    const Error error = errno_error("pipe");
    for (int fd : {stdin_pipe[0], stdin_pipe[1], stdout_pipe[0], stdout_pipe[1]}) ::close(fd);
    return fail(error);
  }
  int stderr_fd = -1;
  if (options.stderr_mode == StderrMode::kFile) {
    stderr_fd = ::open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } else if (options.stderr_mode == StderrMode::kDiscard) {
    stderr_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  }
  auto close_all = [&] {
    for (int fd : {stdin_pipe[0], stdin_pipe[1], stdout_pipe[0], stdout_pipe[1], exec_report[0], exec_report[1]}) {
      ::close(fd);
    }
    close_if_open(stderr_fd);
  };
  if (options.stderr_mode != StderrMode::kInherit && stderr_fd < 0) {
    const Error error = errno_error("open " + options.stderr_path);
    close_all();
    return fail(error);
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    const Error error = errno_error("fork");
    close_all();
    return fail(error);
  }
  if (pid == 0) {
    // Child: wire up stdio, restore default signal handling, exec. dup2 clears O_CLOEXEC.
    if (::dup2(stdin_pipe[0], STDIN_FILENO) < 0 || ::dup2(stdout_pipe[1], STDOUT_FILENO) < 0 ||
        (stderr_fd >= 0 && ::dup2(stderr_fd, STDERR_FILENO) < 0)) {
      const int code = errno;
      [[maybe_unused]] ssize_t ignored = ::write(exec_report[1], &code, sizeof code);
      ::_exit(127);
    }
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    const int code = errno;
    [[maybe_unused]] ssize_t ignored = ::write(exec_report[1], &code, sizeof code);
    ::_exit(127);
  }

  ::close(stdin_pipe[0]);
  ::close(stdout_pipe[1]);
  ::close(exec_report[1]);
  close_if_open(stderr_fd);
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(exec_report[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  ::close(exec_report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(stdin_pipe[1]);
    ::close(stdout_pipe[0]);
    return fail(exec_errno, "cannot execute " + options.executable + ": " + std::strerror(exec_errno));
  }
  const int pid_fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  return std::unique_ptr<SidecarProcess>(new SidecarProcess(pid, stdin_pipe[1], stdout_pipe[0], pid_fd));
}

SidecarProcess::SidecarProcess(pid_t pid, int stdin_fd, int stdout_fd, int pid_fd)
    : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd), pid_fd_(pid_fd) {}

SidecarProcess::~SidecarProcess() {
  close_stdin();
  if (is_alive()) {
    send_signal(SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
  ::close(stdout_fd_);
  close_if_open(pid_fd_);
}

ErrorOr<void> SidecarProcess::write_all(std::span<const uint8_t> bytes) {
  std::lock_guard lock(stdin_mutex_);
  if (stdin_fd_ < 0) return fail(EPIPE, "sidecar stdin is already closed");
  // Block SIGPIPE on this thread for the write; a SIGPIPE raised by it is consumed afterwards so
  // that a dead sidecar turns into an EPIPE error value, not a killed host.
  sigset_t pipe_only;
  sigset_t previous;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  sigset_t pending_before;
  sigpending(&pending_before);
  const bool was_pending = sigismember(&pending_before, SIGPIPE) == 1;

  size_t offset = 0;
  int write_errno = 0;
  while (offset < bytes.size()) {
    const ssize_t n = ::write(stdin_fd_, bytes.data() + offset, bytes.size() - offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_errno = errno;
      break;
    }
    offset += static_cast<size_t>(n);
  }
  if (write_errno == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (write_errno != 0) {
    return fail(write_errno, std::string("writing to sidecar stdin failed: ") + std::strerror(write_errno));
  }
  return {};
}

void SidecarProcess::close_stdin() {
  std::lock_guard lock(stdin_mutex_);
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

void SidecarProcess::try_reap_locked() {
  if (exit_status_.has_value()) return;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) exit_status_ = decode_wait_status(status);
}

std::optional<int> SidecarProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(status_mutex_);
      try_reap_locked();
      if (exit_status_.has_value()) return exit_status_;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (pid_fd_ >= 0) {
      pollfd pfd{pid_fd_, POLLIN, 0};
      ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(remaining.count() + 1, INT32_MAX)));
    } else {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(remaining, kReapPollPeriod));
    }
  }
}

bool SidecarProcess::is_alive() {
  std::lock_guard lock(status_mutex_);
  try_reap_locked();
  return !exit_status_.has_value();
}

void SidecarProcess::send_signal(int signal_number) {
  std::lock_guard lock(status_mutex_);
  try_reap_locked();
  if (!exit_status_.has_value()) ::kill(pid_, signal_number);
}

}  // namespace se::client
