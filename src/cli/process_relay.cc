#include "cli/process_relay.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace se::cli {
namespace {

constexpr size_t kStdinChunkBytes = 64 * 1024;
// wait_event needs a bound; a guest may legitimately run for days.
constexpr auto kEventWait = std::chrono::hours(24);

// WriteStdin/CloseStdin/KillProcess racing the guest's exit: nothing left to deliver to.
bool process_gone(const client::RequestError& error) {
  return error.rejected && error.code == "invalid_state" &&
         error.message.find("has no active process") != std::string::npos;
}

void warn(const std::string& message) {
  std::fprintf(stderr, "secure-exec: %s\n", message.c_str());
}

bool write_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

// Forwards our stdin and the termination signals to the guest from its own thread, until destroyed.
class InputPump {
 public:
  InputPump(client::Client& client, const client::VmHandle& vm, std::string process_id, TerminationSignals& signals,
            bool terminal)
      : client_(client),
        vm_(vm),
        process_id_(std::move(process_id)),
        signals_(signals),
        terminal_(terminal),
        stop_fd_(::eventfd(0, EFD_CLOEXEC)),
        buffer_(kStdinChunkBytes) {
    if (stop_fd_ < 0) {
      warn(std::string("stdin and signals are not forwarded: eventfd: ") + std::strerror(errno));
      return;
    }
    thread_ = std::thread([this] { run(); });
  }
  InputPump(const InputPump&) = delete;
  InputPump& operator=(const InputPump&) = delete;
  ~InputPump() {
    if (stop_fd_ < 0) return;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t ignored = ::write(stop_fd_, &one, sizeof one);
    thread_.join();
    ::close(stop_fd_);
  }

 private:
  void run() {
    bool stdin_open = true;
    for (;;) {
      pollfd fds[3] = {{stop_fd_, POLLIN, 0}, {signals_.fd(), POLLIN, 0}, {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        warn(std::string("poll: ") + std::strerror(errno));
        return;
      }
      if (fds[0].revents != 0) return;
      if ((fds[1].revents & POLLIN) != 0) {
        if (const auto signal = signals_.take()) forward_signal(*signal);
      }
      if (fds[2].revents != 0) stdin_open = forward_stdin((fds[2].revents & POLLNVAL) != 0);
    }
  }

  void forward_signal(int signal) {
    if (signal == SIGWINCH) {
      if (!terminal_) return;
      const auto size = host_window_size(STDOUT_FILENO);
      if (!size) return;
      auto resized = client_.resize_terminal(vm_, process_id_, size->rows, size->cols);
      if (!resized && !process_gone(resized.error()))
        warn("cannot resize the terminal: " + resized.error().to_string());
      return;
    }
    const char* name = signal == SIGINT    ? "SIGINT"
                       : signal == SIGHUP  ? "SIGHUP"
                       : signal == SIGQUIT ? "SIGQUIT"
                                           : "SIGTERM";
    auto killed = client_.kill_process(vm_, process_id_, name);
    if (!killed && !process_gone(killed.error())) warn("cannot forward the signal: " + killed.error().to_string());
  }

  // Returns whether stdin should still be polled.
  bool forward_stdin(bool not_open) {
    ssize_t got = 0;
    if (!not_open) {
      got = ::read(STDIN_FILENO, buffer_.data(), buffer_.size());
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) return true;
      if (got < 0) warn(std::string("reading stdin: ") + std::strerror(errno));
    }
    if (got > 0) {
      auto written = client_.write_stdin(vm_, process_id_, wire::Bytes(buffer_.begin(), buffer_.begin() + got));
      if (written) return true;
      if (process_gone(written.error())) return false;
      warn("stdin: " + written.error().to_string());
    }
    // EOF, or nothing more can be delivered: let the guest see the end of its input.
    auto closed = client_.close_stdin(vm_, process_id_);
    if (!closed && !process_gone(closed.error())) warn("stdin: " + closed.error().to_string());
    return false;
  }

  client::Client& client_;
  const client::VmHandle& vm_;
  const std::string process_id_;
  TerminationSignals& signals_;
  const bool terminal_;
  const int stop_fd_;
  std::vector<uint8_t> buffer_;
  std::thread thread_;
};

}  // namespace

client::Result<int> relay_process(client::Client& client, const client::VmHandle& vm,
                                  const wire::ExecuteRequest& request, TerminationSignals& signals,
                                  std::optional<HostWindowSize> terminal) {
  if (terminal) TRY_REQUEST(client.open_terminal(vm, request.process_id, terminal->rows, terminal->cols));
  TRY_REQUEST(client.execute(vm, request));
  InputPump pump(client, vm, request.process_id, signals, terminal.has_value());
  const std::string& process_id = request.process_id;
  auto is_process_event = [&](const wire::EventFrame& event) {
    if (!client::event_is_for_vm(event, vm.vm_id)) return false;
    if (const auto* output = std::get_if<wire::ProcessOutputEvent>(&event.payload)) {
      return output->process_id == process_id;
    }
    if (const auto* exited = std::get_if<wire::ProcessExitedEvent>(&event.payload)) {
      return exited->process_id == process_id;
    }
    return false;
  };
  bool stdout_open = true;
  bool stderr_open = true;
  for (;;) {
    auto event = client.connection().wait_event(is_process_event, kEventWait);
    if (!event) {
      if (!client.connection().output_closed()) continue;
      return client::client_failure(client::kTransportError,
                                    "the sidecar exited before process " + process_id + " ended");
    }
    if (const auto* exited = std::get_if<wire::ProcessExitedEvent>(&event->payload)) return exited->exit_code;
    const auto& output = std::get<wire::ProcessOutputEvent>(event->payload);
    const bool to_stdout = output.channel == wire::StreamChannel::STDOUT;
    bool& open = to_stdout ? stdout_open : stderr_open;
    // A closed stdout or stderr drops the rest of that stream; the guest still runs to its end.
    if (open && !write_all(to_stdout ? STDOUT_FILENO : STDERR_FILENO, output.chunk.data(), output.chunk.size())) {
      open = false;
      warn(std::string("writing the guest's ") + (to_stdout ? "stdout" : "stderr") + ": " + std::strerror(errno));
    }
  }
}

}  // namespace se::cli
