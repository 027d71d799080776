// One spawned sidecar and the framed protocol stream to it. Every frame the sidecar writes is decoded
// and routed: ResponseFrame -> the PendingResponse waiting on that request id (unknown or duplicate
// ids are dropped with a stderr warning), EventFrame -> a bounded event queue, SidecarRequestFrame ->
// a handler run on a callback thread whose answer is sent back echoing the request id and ownership.
// The stream is read by one thread at a time: a caller waiting in PendingResponse::wait or
// wait_event reads it itself whenever nobody else is (so its answer wakes it directly, without a
// hand-off between threads), and a background thread reads while no caller has for a moment.
// Requests may be pipelined; nothing busy-waits.
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "client/sidecar_process.h"
#include "wire/frame.h"

namespace se::client {

namespace detail {
struct ConnectionState;
struct ResponseSlot;
}  // namespace detail

// Answers one SidecarRequestFrame; the connection wraps the payload in a SidecarResponseFrame.
using SidecarRequestHandler = std::function<wire::SidecarResponsePayload(const wire::SidecarRequestFrame&)>;
using EventPredicate = std::function<bool(const wire::EventFrame&)>;

// The default SidecarRequestHandler: refuses every callback with an error result
// (HostCallbackResult/JsBridgeResult with `error` set; an ExtEnvelope is echoed with no payload).
wire::SidecarResponsePayload refuse_sidecar_request(const wire::SidecarRequestFrame& request);

struct ConnectionOptions {
  SpawnOptions spawn;
  size_t event_queue_capacity = 65536;             // the oldest event is dropped (with a warning) beyond this
  bool trace = false;                              // print every frame both ways as JSON to stderr
  bool record_frames = false;                      // keep every received frame, in order (tests, diffs)
  std::chrono::milliseconds shutdown_grace{5000};  // after closing stdin, before SIGKILL
};

// A request that was sent (or is expected) and may not have been answered yet.
class PendingResponse {
 public:
  int64_t request_id() const { return request_id_; }
  // The response, ETIMEDOUT after `timeout` (the request stays pending and may be waited on
  // again), or ECONNRESET when the sidecar's output ended first.
  ErrorOr<wire::ResponseFrame> wait(std::chrono::milliseconds timeout) const;

 private:
  friend class Connection;
  PendingResponse(std::shared_ptr<detail::ConnectionState> state, std::shared_ptr<detail::ResponseSlot> slot,
                  int64_t request_id)
      : state_(std::move(state)), slot_(std::move(slot)), request_id_(request_id) {}

  std::shared_ptr<detail::ConnectionState> state_;
  std::shared_ptr<detail::ResponseSlot> slot_;
  int64_t request_id_;
};

class Connection {
 public:
  static ErrorOr<std::unique_ptr<Connection>> start(ConnectionOptions options);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Closes stdin, waits up to shutdown_grace for the sidecar to exit, then kills it.
  ~Connection();

  // Host request ids count up from 1.
  int64_t allocate_request_id() { return next_request_id_.fetch_add(1); }

  // Sends RequestFrame{current schema, fresh id, ownership, payload}.
  ErrorOr<PendingResponse> send_request(const wire::OwnershipScope& ownership, wire::RequestPayload payload);
  ErrorOr<wire::ResponseFrame> request(const wire::OwnershipScope& ownership, wire::RequestPayload payload,
                                       std::chrono::milliseconds timeout);

  // Raw access for tests: register interest in an id before sending a hand-made frame with it.
  PendingResponse expect_response(int64_t request_id);
  ErrorOr<void> send_frame(const wire::ProtocolFrame& frame);
  ErrorOr<void> send_raw_bytes(const wire::Bytes& bytes);
  void close_stdin();
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool is_alive();
  pid_t pid() const;

  // Removes and returns the first queued event matching `predicate`, waiting up to `timeout`.
  // Returns nullopt at the timeout or as soon as the sidecar's output has ended with no match.
  std::optional<wire::EventFrame> wait_event(const EventPredicate& predicate, std::chrono::milliseconds timeout);
  std::vector<wire::EventFrame> take_events();
  size_t dropped_events() const;

  void set_sidecar_request_handler(SidecarRequestHandler handler);

  // Diagnostics of the sidecar's output stream.
  size_t unmatched_responses() const;                        // responses whose id nobody waited for
  std::vector<std::string> stream_errors() const;            // bytes on stdout that were not valid frames
  bool output_closed() const;                                // the sidecar's stdout reached EOF
  std::vector<wire::ProtocolFrame> received_frames() const;  // needs record_frames

 private:
  Connection(ConnectionOptions options, std::unique_ptr<SidecarProcess> process, int wake_fd);
  // The background reader: reads while no caller is waiting or has just read (connection.cc).
  void read_loop();
  void callback_loop();

  const ConnectionOptions options_;
  std::unique_ptr<SidecarProcess> process_;
  const int wake_fd_;  // eventfd that stops whichever thread is reading
  std::shared_ptr<detail::ConnectionState> state_;
  std::atomic<int64_t> next_request_id_{1};
  std::thread reader_;
  std::thread callback_worker_;
};

}  // namespace se::client
