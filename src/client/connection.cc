#include "client/connection.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <span>

namespace se::client {

namespace detail {

struct ResponseSlot {
  std::optional<wire::ResponseFrame> frame;
};

// Everything the reader thread, the callback thread and PendingResponse handles share.
struct ConnectionState {
  mutable std::mutex mutex;
  std::condition_variable responses_changed;
  std::condition_variable events_changed;
  std::condition_variable sidecar_requests_changed;

  std::map<int64_t, std::shared_ptr<ResponseSlot>> pending;
  std::deque<wire::EventFrame> events;
  size_t dropped_events = 0;
  std::deque<wire::SidecarRequestFrame> sidecar_requests;
  SidecarRequestHandler handler = refuse_sidecar_request;
  bool stopping = false;

  size_t unmatched_responses = 0;
  std::vector<std::string> stream_errors;
  std::vector<wire::ProtocolFrame> received;
  bool closed = false;
  std::string close_reason;
};

}  // namespace detail

namespace {

enum class ReadStatus { kOk, kEof, kStopped, kError };

std::string frame_json(const wire::ProtocolFrame& frame) {
  return wire::to_json_value(frame).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void trace_frame(const char* direction, const wire::ProtocolFrame& frame) {
  std::fprintf(stderr, "%s %s\n", direction, frame_json(frame).c_str());
}

// Reads exactly `size` bytes from `fd`, waking up when `wake_fd` becomes readable. `got` reports
// how many bytes arrived before an EOF.
ReadStatus read_exact(int fd, int wake_fd, uint8_t* out, size_t size, size_t& got) {
  got = 0;
  while (got < size) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return ReadStatus::kError;
    }
    if (fds[1].revents & POLLIN) return ReadStatus::kStopped;
    if (fds[0].revents == 0) continue;
    const ssize_t n = ::read(fd, out + got, size - got);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ReadStatus::kError;
    }
    if (n == 0) return ReadStatus::kEof;
    got += static_cast<size_t>(n);
  }
  return ReadStatus::kOk;
}

const char* frame_kind(const wire::ProtocolFrame& frame) {
  static constexpr const char* kNames[] = {"RequestFrame", "ResponseFrame", "EventFrame", "SidecarRequestFrame",
                                           "SidecarResponseFrame"};
  return kNames[frame.index()];
}

}  // namespace

wire::SidecarResponsePayload refuse_sidecar_request(const wire::SidecarRequestFrame& request) {
  const std::string reason = "this host has no handler for sidecar requests";
  if (const auto* callback = std::get_if<wire::HostCallbackRequest>(&request.payload)) {
    wire::HostCallbackResultResponse result;
    result.invocation_id = callback->invocation_id;
    result.error = reason;
    return result;
  }
  if (const auto* bridge = std::get_if<wire::JsBridgeCallRequest>(&request.payload)) {
    wire::JsBridgeResultResponse result;
    result.call_id = bridge->call_id;
    result.error = reason;
    return result;
  }
  wire::ExtEnvelope envelope;
  envelope.namespace_ = std::get<wire::ExtEnvelope>(request.payload).namespace_;
  return envelope;
}

ErrorOr<wire::ResponseFrame> PendingResponse::wait(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  const bool ready =
      state_->responses_changed.wait_for(lock, timeout, [&] { return slot_->frame.has_value() || state_->closed; });
  if (slot_->frame.has_value()) return *slot_->frame;
  if (ready) {
    return fail(ECONNRESET, "sidecar output ended before the response to request " + std::to_string(request_id_) +
                                " (" + state_->close_reason + ")");
  }
  return fail(ETIMEDOUT, "no response to request " + std::to_string(request_id_) + " within " +
                             std::to_string(timeout.count()) + " ms");
}

ErrorOr<std::unique_ptr<Connection>> Connection::start(ConnectionOptions options) {
  auto process = TRY(SidecarProcess::spawn(options.spawn));
  const int wake_fd = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd < 0) return fail(errno, std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<Connection>(new Connection(std::move(options), std::move(process), wake_fd));
}

Connection::Connection(ConnectionOptions options, std::unique_ptr<SidecarProcess> process, int wake_fd)
    : options_(std::move(options)),
      process_(std::move(process)),
      wake_fd_(wake_fd),
      state_(std::make_shared<detail::ConnectionState>()) {
  reader_ = std::thread([this] { read_loop(); });
  callback_worker_ = std::thread([this] { callback_loop(); });
}

Connection::~Connection() {
  process_->close_stdin();
  if (!process_->wait_exit(options_.shutdown_grace).has_value()) {
    std::fprintf(stderr, "se-client: sidecar pid %d did not exit within %lld ms of EOF; killing it\n",
                 static_cast<int>(process_->pid()), static_cast<long long>(options_.shutdown_grace.count()));
    process_->send_signal(SIGKILL);
    process_->wait_exit(std::chrono::seconds(10));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  reader_.join();
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->sidecar_requests_changed.notify_all();
  callback_worker_.join();
  ::close(wake_fd_);
}

void Connection::read_loop() {
  std::string reason = "sidecar closed its stdout";
  wire::Bytes payload;
  for (;;) {
    uint8_t prefix[4];
    size_t got = 0;
    ReadStatus status = read_exact(process_->stdout_fd(), wake_fd_, prefix, sizeof prefix, got);
    if (status == ReadStatus::kEof && got != 0) {
      reason = "sidecar output ended inside a length prefix";
      std::lock_guard lock(state_->mutex);
      state_->stream_errors.push_back(reason);
    }
    if (status != ReadStatus::kOk) {
      if (status == ReadStatus::kStopped) reason = "connection shut down";
      if (status == ReadStatus::kError) reason = std::string("reading sidecar stdout failed: ") + std::strerror(errno);
      break;
    }
    const uint32_t length =
        (uint32_t{prefix[0]} << 24) | (uint32_t{prefix[1]} << 16) | (uint32_t{prefix[2]} << 8) | uint32_t{prefix[3]};
    if (length > wire::kMaxFrameBytes) {
      // The stream cannot be trusted past an insane length: stop reading.
      reason = "sidecar sent a frame length of " + std::to_string(length) + " bytes, limit is " +
               std::to_string(wire::kMaxFrameBytes);
      std::lock_guard lock(state_->mutex);
      state_->stream_errors.push_back(reason);
      break;
    }
    payload.resize(length);
    status = read_exact(process_->stdout_fd(), wake_fd_, payload.data(), length, got);
    if (status != ReadStatus::kOk) {
      reason = status == ReadStatus::kStopped ? "connection shut down" : "sidecar output ended inside a frame";
      if (status != ReadStatus::kStopped) {
        std::lock_guard lock(state_->mutex);
        state_->stream_errors.push_back(reason);
      }
      break;
    }
    auto decoded = wire::decode_frame(std::span<const uint8_t>(payload.data(), payload.size()));
    if (!decoded) {
      const std::string error = "undecodable frame from sidecar: " + decoded.error().to_string();
      std::fprintf(stderr, "se-client: %s\n", error.c_str());
      std::lock_guard lock(state_->mutex);
      state_->stream_errors.push_back(error);
      continue;
    }
    route(std::move(decoded).value());
  }
  {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
    state_->close_reason = reason;
  }
  state_->responses_changed.notify_all();
  state_->events_changed.notify_all();
}

void Connection::route(wire::ProtocolFrame frame) {
  if (options_.trace) trace_frame("<-", frame);
  std::unique_lock lock(state_->mutex);
  if (options_.record_frames) state_->received.push_back(frame);
  if (auto* response = std::get_if<wire::ResponseFrame>(&frame)) {
    const auto it = state_->pending.find(response->request_id);
    if (it == state_->pending.end()) {
      ++state_->unmatched_responses;
      lock.unlock();
      std::fprintf(stderr, "se-client: dropping response to unknown or already answered request id %lld\n",
                   static_cast<long long>(response->request_id));
      return;
    }
    it->second->frame = std::move(*response);
    state_->pending.erase(it);
    lock.unlock();
    state_->responses_changed.notify_all();
  } else if (auto* event = std::get_if<wire::EventFrame>(&frame)) {
    if (state_->events.size() >= options_.event_queue_capacity) {
      state_->events.pop_front();
      if (state_->dropped_events++ % 1000 == 0) {
        std::fprintf(stderr, "se-client: event queue full (%zu); dropping the oldest events\n",
                     options_.event_queue_capacity);
      }
    }
    state_->events.push_back(std::move(*event));
    lock.unlock();
    state_->events_changed.notify_all();
  } else if (auto* sidecar_request = std::get_if<wire::SidecarRequestFrame>(&frame)) {
    state_->sidecar_requests.push_back(std::move(*sidecar_request));
    lock.unlock();
    state_->sidecar_requests_changed.notify_one();
  } else {
    const std::string error = std::string("sidecar sent a ") + frame_kind(frame) + ", which only a host sends";
    state_->stream_errors.push_back(error);
    lock.unlock();
    std::fprintf(stderr, "se-client: %s\n", error.c_str());
  }
}

void Connection::callback_loop() {
  for (;;) {
    wire::SidecarRequestFrame request;
    SidecarRequestHandler handler;
    {
      std::unique_lock lock(state_->mutex);
      state_->sidecar_requests_changed.wait(lock,
                                            [&] { return state_->stopping || !state_->sidecar_requests.empty(); });
      if (state_->sidecar_requests.empty()) return;
      request = std::move(state_->sidecar_requests.front());
      state_->sidecar_requests.pop_front();
      handler = state_->handler;
    }
    wire::SidecarResponseFrame response;
    response.schema = wire::current_schema();
    response.request_id = request.request_id;
    response.ownership = request.ownership;
    response.payload = handler(request);
    if (auto sent = send_frame(response); !sent) {
      std::fprintf(stderr, "se-client: cannot answer sidecar request %lld: %s\n",
                   static_cast<long long>(request.request_id), sent.error().to_string().c_str());
    }
  }
}

ErrorOr<PendingResponse> Connection::send_request(const wire::OwnershipScope& ownership, wire::RequestPayload payload) {
  wire::RequestFrame frame;
  frame.schema = wire::current_schema();
  frame.request_id = allocate_request_id();
  frame.ownership = ownership;
  frame.payload = std::move(payload);
  PendingResponse pending = expect_response(frame.request_id);
  if (auto sent = send_frame(frame); !sent) {
    std::lock_guard lock(state_->mutex);
    state_->pending.erase(frame.request_id);
    return fail(sent.error());
  }
  return pending;
}

ErrorOr<wire::ResponseFrame> Connection::request(const wire::OwnershipScope& ownership, wire::RequestPayload payload,
                                                 std::chrono::milliseconds timeout) {
  const PendingResponse pending = TRY(send_request(ownership, std::move(payload)));
  return pending.wait(timeout);
}

PendingResponse Connection::expect_response(int64_t request_id) {
  auto slot = std::make_shared<detail::ResponseSlot>();
  std::lock_guard lock(state_->mutex);
  state_->pending[request_id] = slot;
  return PendingResponse(state_, std::move(slot), request_id);
}

ErrorOr<void> Connection::send_frame(const wire::ProtocolFrame& frame) {
  if (options_.trace) trace_frame("->", frame);
  wire::Bytes bytes;
  wire::append_framed(bytes, frame);
  return process_->write_all(bytes);
}

ErrorOr<void> Connection::send_raw_bytes(const wire::Bytes& bytes) {
  return process_->write_all(bytes);
}

void Connection::close_stdin() {
  process_->close_stdin();
}

std::optional<int> Connection::wait_exit(std::chrono::milliseconds timeout) {
  return process_->wait_exit(timeout);
}

bool Connection::is_alive() {
  return process_->is_alive();
}

pid_t Connection::pid() const {
  return process_->pid();
}

std::optional<wire::EventFrame> Connection::wait_event(const EventPredicate& predicate,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(state_->mutex);
  auto take_match = [&]() -> std::optional<wire::EventFrame> {
    for (auto it = state_->events.begin(); it != state_->events.end(); ++it) {
      if (predicate(*it)) {
        wire::EventFrame event = std::move(*it);
        state_->events.erase(it);
        return event;
      }
    }
    return std::nullopt;
  };
  for (;;) {
    if (auto event = take_match()) return event;
    if (state_->closed) return std::nullopt;
    if (state_->events_changed.wait_until(lock, deadline) == std::cv_status::timeout) return take_match();
  }
}

std::vector<wire::EventFrame> Connection::take_events() {
  std::lock_guard lock(state_->mutex);
  std::vector<wire::EventFrame> events(std::make_move_iterator(state_->events.begin()),
                                       std::make_move_iterator(state_->events.end()));
  state_->events.clear();
  return events;
}

size_t Connection::dropped_events() const {
  std::lock_guard lock(state_->mutex);
  return state_->dropped_events;
}

void Connection::set_sidecar_request_handler(SidecarRequestHandler handler) {
  std::lock_guard lock(state_->mutex);
  state_->handler = handler ? std::move(handler) : SidecarRequestHandler(refuse_sidecar_request);
}

size_t Connection::unmatched_responses() const {
  std::lock_guard lock(state_->mutex);
  return state_->unmatched_responses;
}

std::vector<std::string> Connection::stream_errors() const {
  std::lock_guard lock(state_->mutex);
  return state_->stream_errors;
}

bool Connection::output_closed() const {
  std::lock_guard lock(state_->mutex);
  return state_->closed;
}

std::vector<wire::ProtocolFrame> Connection::received_frames() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

}  // namespace se::client
