// The stdio transport of the sidecar: reads length-prefixed frames from stdin, hands requests to
// the service in arrival order, and writes responses and events to stdout (frames only; all
// diagnostics go to stderr). Malformed input never ends the process (spec/README.md D1-D3):
// only EOF on stdin does.
//
// Threads: the calling thread reads, decodes and dispatches (one thread hop fewer per request
// than a separate reader; handlers never block on stdin). A producer whose frames find stdout idle
// writes them itself; otherwise they join a bounded queue that a writer thread drains, batching
// whatever is queued into one write(2). Producers wait when the host stops draining stdout: the
// queue holds at most 1024 batches and kMaxHeldOutputBytes (64 MiB) of encoded frames for all
// processes together (each process is also held to its capturedOutputLimitBytes by the service).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "service/service.h"
#include "wire/frame.h"

namespace se::sidecar {

// Bounded frame queue drained by one writer thread into a file descriptor.
class FrameWriter : public service::FrameSink {
 public:
  // Encoded bytes queued or being written beyond which producers wait: the sidecar's memory bound
  // for a host that does not read stdout. A batch is admitted while the held bytes are below it,
  // so the most held is this plus one 16 MiB frame.
  static constexpr uint64_t kMaxHeldOutputBytes = 64ull * 1024 * 1024;

  explicit FrameWriter(int fd, size_t max_pending_frames = 1024, uint64_t max_held_bytes = kMaxHeldOutputBytes);
  ~FrameWriter() override;
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;

  // Encodes frames and writes them in order (inline when stdout is idle, else through the queue);
  // blocks while the queue is full.
  void send(const std::vector<wire::ProtocolFrame>& frames) override;
  void send_tracked(wire::ProtocolFrame frame, std::function<void()> written) override;
  // Waits until every queued frame is written (or the output failed), then stops the thread.
  void close();

 private:
  struct Batch {
    wire::Bytes bytes;
    std::function<void()> written;  // may be empty
  };

  void enqueue(Batch batch);
  void run();
  bool write_all(const wire::Bytes& bytes);
  // Requires mutex_; returns the callbacks of the dropped batches, to run without it.
  std::vector<std::function<void()>> mark_broken();
  static void notify_written(std::vector<std::function<void()>>& callbacks);

  int fd_;
  size_t max_pending_frames_;
  uint64_t max_held_bytes_;
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<Batch> pending_;
  uint64_t held_bytes_ = 0;  // encoded bytes queued or being written
  bool reported_full_ = false;
  bool closing_ = false;
  bool writing_ = false;  // a write(2) is in progress (inline or by the writer thread)
  bool broken_ = false;   // stdout failed (EPIPE...): frames are dropped from then on
  std::thread thread_;
};

struct TransportOptions {
  int input_fd = 0;
  int output_fd = 1;
};

// Runs until EOF on the input; returns the process exit status (0). `writer` writes the output and
// is also the service's sink for asynchronous events.
int run_transport(service::Service& service, FrameWriter& writer, const TransportOptions& options);

}  // namespace se::sidecar
