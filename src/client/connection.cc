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

// The frame being read from the sidecar's stdout. Only the thread holding the read role touches
// it, so a waiter that reaches its deadline mid-frame leaves the rest to the next reader.
struct PartialFrame {
  uint8_t prefix[4] = {};
  size_t prefix_got = 0;
  wire::Bytes payload;
  size_t payload_got = 0;
};

// Everything the reader thread, the callback thread and PendingResponse handles share.
struct ConnectionState {
  mutable std::mutex mutex;
  // Responses, events, the read role and the end of the stream: what waiting callers wait for.
  std::condition_variable changed;
  std::condition_variable sidecar_requests_changed;
  // The background reader's sleep while callers read; only shutdown notifies it.
  std::condition_variable background_wake;

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

  // Fixed at start.
  int output_fd = -1;
  int wake_fd = -1;  // eventfd: readable once the connection shuts down
  bool trace = false;
  bool record_frames = false;
  size_t event_queue_capacity = 0;

  // The read role: one thread at a time reads the sidecar's stdout, preferably a caller waiting
  // for a response or event (its answer then wakes it directly instead of through a hand-off).
  bool reading = false;
  size_t waiters = 0;  // callers inside await()
  std::chrono::steady_clock::time_point last_caller_read;
  PartialFrame partial;
};

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;
using Deadline = std::optional<Clock::time_point>;

// After a caller read its own answer, the background reader leaves the stream alone this long:
// the same caller usually sends its next request at once, and taking the role back after every
// response would reinstate the hand-off the caller reads to avoid.
constexpr auto kCallerReadGrace = std::chrono::milliseconds(2);

enum class ReadStatus { kFrame, kTimeout, kEof, kStopped, kError, kOversized };

std::string frame_json(const wire::ProtocolFrame& frame) {
  return wire::to_json_value(frame).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void trace_frame(const char* direction, const wire::ProtocolFrame& frame) {
  std::fprintf(stderr, "%s %s\n", direction, frame_json(frame).c_str());
}

uint32_t prefix_length(const uint8_t* prefix) {
  return (uint32_t{prefix[0]} << 24) | (uint32_t{prefix[1]} << 16) | (uint32_t{prefix[2]} << 8) | uint32_t{prefix[3]};
}

// Continues state.partial until it holds a whole frame, which is moved into `payload`. Waits in
// poll() until `deadline` (none: indefinitely) and stops as soon as wake_fd becomes readable.
// Call only while holding the read role, without the mutex.
ReadStatus read_frame(detail::ConnectionState& state, const Deadline& deadline, wire::Bytes& payload) {
  auto& partial = state.partial;
  for (;;) {
    if (partial.prefix_got == sizeof partial.prefix && partial.payload_got == partial.payload.size()) {
      payload = std::move(partial.payload);
      partial = {};
      return ReadStatus::kFrame;
    }
    int timeout_ms = -1;
    if (deadline) {
      const auto left = *deadline - Clock::now();
      if (left <= Clock::duration::zero()) return ReadStatus::kTimeout;
      timeout_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
    }
    pollfd fds[2] = {{state.output_fd, POLLIN, 0}, {state.wake_fd, POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      return ReadStatus::kError;
    }
    if (fds[1].revents & POLLIN) return ReadStatus::kStopped;
    if (fds[0].revents == 0) continue;
    const bool in_prefix = partial.prefix_got < sizeof partial.prefix;
    uint8_t* out = in_prefix ? partial.prefix + partial.prefix_got : partial.payload.data() + partial.payload_got;
    const size_t want =
        in_prefix ? sizeof partial.prefix - partial.prefix_got : partial.payload.size() - partial.payload_got;
    const ssize_t n = ::read(state.output_fd, out, want);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ReadStatus::kError;
    }
    if (n == 0) return ReadStatus::kEof;
    if (!in_prefix) {
      partial.payload_got += static_cast<size_t>(n);
      continue;
    }
    partial.prefix_got += static_cast<size_t>(n);
    if (partial.prefix_got < sizeof partial.prefix) continue;
    const uint32_t length = prefix_length(partial.prefix);
    // The stream cannot be trusted past an insane length: stop reading.
    if (length > wire::kMaxFrameBytes) return ReadStatus::kOversized;
    partial.payload.resize(length);
  }
}

const char* frame_kind(const wire::ProtocolFrame& frame) {
  static constexpr const char* kNames[] = {"RequestFrame", "ResponseFrame", "EventFrame", "SidecarRequestFrame",
                                           "SidecarResponseFrame"};
  return kNames[frame.index()];
}

void close_locked(detail::ConnectionState& state, std::string reason) {
  if (state.closed) return;
  state.closed = true;
  state.close_reason = std::move(reason);
}

// Delivers one decoded frame. Lock held, by the holder of the read role, so frames are routed in
// the order they were read.
void route_locked(detail::ConnectionState& state, wire::ProtocolFrame frame) {
  if (state.trace) trace_frame("<-", frame);
  if (state.record_frames) state.received.push_back(frame);
  if (auto* response = std::get_if<wire::ResponseFrame>(&frame)) {
    const auto it = state.pending.find(response->request_id);
    if (it == state.pending.end()) {
      ++state.unmatched_responses;
      std::fprintf(stderr, "se-client: dropping response to unknown or already answered request id %lld\n",
                   static_cast<long long>(response->request_id));
      return;
    }
    it->second->frame = std::move(*response);
    state.pending.erase(it);
  } else if (auto* event = std::get_if<wire::EventFrame>(&frame)) {
    if (state.events.size() >= state.event_queue_capacity) {
      state.events.pop_front();
      if (state.dropped_events++ % 1000 == 0) {
        std::fprintf(stderr, "se-client: event queue full (%zu); dropping the oldest events\n",
                     state.event_queue_capacity);
      }
    }
    state.events.push_back(std::move(*event));
  } else if (auto* sidecar_request = std::get_if<wire::SidecarRequestFrame>(&frame)) {
    state.sidecar_requests.push_back(std::move(*sidecar_request));
    state.sidecar_requests_changed.notify_one();
  } else {
    const std::string error = std::string("sidecar sent a ") + frame_kind(frame) + ", which only a host sends";
    state.stream_errors.push_back(error);
    std::fprintf(stderr, "se-client: %s\n", error.c_str());
  }
}

// What one read_frame call produced: a frame is routed; the end of the stream is recorded.
void settle_locked(detail::ConnectionState& state, ReadStatus status, const wire::Bytes& payload, int read_errno) {
  switch (status) {
    case ReadStatus::kFrame: {
      auto decoded = wire::decode_frame(std::span<const uint8_t>(payload.data(), payload.size()));
      if (decoded) {
        route_locked(state, std::move(decoded).value());
        return;
      }
      const std::string error = "undecodable frame from sidecar: " + decoded.error().to_string();
      std::fprintf(stderr, "se-client: %s\n", error.c_str());
      state.stream_errors.push_back(error);
      return;
    }
    case ReadStatus::kTimeout:
      return;
    case ReadStatus::kEof: {
      const auto& partial = state.partial;
      if (partial.prefix_got == 0) return close_locked(state, "sidecar closed its stdout");
      std::string reason = partial.prefix_got < sizeof partial.prefix ? "sidecar output ended inside a length prefix"
                                                                      : "sidecar output ended inside a frame";
      state.stream_errors.push_back(reason);
      return close_locked(state, std::move(reason));
    }
    case ReadStatus::kStopped:
      return close_locked(state, "connection shut down");
    case ReadStatus::kError:
      return close_locked(state, std::string("reading sidecar stdout failed: ") + std::strerror(read_errno));
    case ReadStatus::kOversized: {
      std::string reason = "sidecar sent a frame length of " + std::to_string(prefix_length(state.partial.prefix)) +
                           " bytes, limit is " + std::to_string(wire::kMaxFrameBytes);
      state.stream_errors.push_back(reason);
      return close_locked(state, std::move(reason));
    }
  }
}

// Takes the read role for one read_frame call. Lock held on entry and on return.
void read_once(detail::ConnectionState& state, std::unique_lock<std::mutex>& lock, const Deadline& deadline) {
  state.reading = true;
  lock.unlock();
  wire::Bytes payload;
  const ReadStatus status = read_frame(state, deadline, payload);
  const int read_errno = errno;
  lock.lock();
  settle_locked(state, status, payload, read_errno);
  state.reading = false;
  state.changed.notify_all();
}

// Waits under `lock` until done() holds, the stream has ended or `deadline` passes; whenever no
// other thread is reading, the waiting caller reads and routes frames itself. Returns done().
template <typename Done>
bool await(detail::ConnectionState& state, std::unique_lock<std::mutex>& lock, Clock::time_point deadline,
           Done&& done) {
  ++state.waiters;
  bool satisfied = false;
  for (;;) {
    if ((satisfied = done())) break;
    if (state.closed || Clock::now() >= deadline) break;
    if (state.reading) {
      state.changed.wait_until(lock, deadline);
      continue;
    }
    read_once(state, lock, deadline);
    state.last_caller_read = Clock::now();
  }
  --state.waiters;
  return satisfied;
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
  if (await(*state_, lock, Clock::now() + timeout, [&] { return slot_->frame.has_value(); })) return *slot_->frame;
  if (state_->closed) {
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
  state_->output_fd = process_->stdout_fd();
  state_->wake_fd = wake_fd_;
  state_->trace = options_.trace;
  state_->record_frames = options_.record_frames;
  state_->event_queue_capacity = options_.event_queue_capacity;
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
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->background_wake.notify_all();
  reader_.join();
  {
    // A caller may still hold the read role; the eventfd ends its poll. Nobody reads after this.
    std::unique_lock lock(state_->mutex);
    state_->changed.wait(lock, [&] { return !state_->reading; });
    close_locked(*state_, "connection shut down");
  }
  state_->changed.notify_all();
  state_->sidecar_requests_changed.notify_all();
  callback_worker_.join();
  ::close(wake_fd_);
}

void Connection::read_loop() {
  auto& state = *state_;
  std::unique_lock lock(state.mutex);
  while (!state.closed && !state.stopping) {
    // While callers wait or have just read, the stream is theirs (see kCallerReadGrace).
    const auto resume = state.last_caller_read + kCallerReadGrace;
    if (state.reading || state.waiters > 0 || Clock::now() < resume) {
      state.background_wake.wait_until(lock, std::max(resume, Clock::now() + kCallerReadGrace));
      continue;
    }
    read_once(state, lock, std::nullopt);
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
  std::unique_lock lock(state_->mutex);
  std::optional<wire::EventFrame> found;
  await(*state_, lock, Clock::now() + timeout, [&] {
    for (auto it = state_->events.begin(); it != state_->events.end(); ++it) {
      if (predicate(*it)) {
        found = std::move(*it);
        state_->events.erase(it);
        return true;
      }
    }
    return false;
  });
  return found;
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
