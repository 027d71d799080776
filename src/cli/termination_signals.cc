#include "cli/termination_signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace se::cli {

ErrorOr<std::unique_ptr<TerminationSignals>> TerminationSignals::install() {
  sigset_t forwarded;
  sigemptyset(&forwarded);
  sigaddset(&forwarded, SIGINT);
  sigaddset(&forwarded, SIGTERM);
  sigaddset(&forwarded, SIGHUP);
  sigaddset(&forwarded, SIGQUIT);
  sigaddset(&forwarded, SIGWINCH);
  sigset_t previous_mask;
  if (const int error = pthread_sigmask(SIG_BLOCK, &forwarded, &previous_mask); error != 0) {
    return fail(error, std::string("pthread_sigmask: ") + std::strerror(error));
  }
  // The sidecar is spawned with an empty mask but keeps ignored dispositions across exec.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  struct sigaction previous_sigint {};
  ::sigaction(SIGINT, &ignore, &previous_sigint);
  const int fd = ::signalfd(-1, &forwarded, SFD_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    ::sigaction(SIGINT, &previous_sigint, nullptr);
    pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    return fail(error, std::string("signalfd: ") + std::strerror(error));
  }
  return std::unique_ptr<TerminationSignals>(new TerminationSignals(fd, previous_sigint));
}

TerminationSignals::~TerminationSignals() {
  sidecar_spawned();
  ::close(fd_);
}

void TerminationSignals::sidecar_spawned() {
  if (sigint_restored_) return;
  ::sigaction(SIGINT, &previous_sigint_, nullptr);
  sigint_restored_ = true;
}

std::optional<int> TerminationSignals::take() {
  signalfd_siginfo info{};
  ssize_t got;
  do {
    got = ::read(fd_, &info, sizeof info);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof info)) return std::nullopt;
  return static_cast<int>(info.ssi_signo);
}

}  // namespace se::cli
