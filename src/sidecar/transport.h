// The stdio transport of the sidecar: reads length-prefixed frames from stdin, hands requests to
// the service in arrival order, and writes responses and events to stdout (frames only; all
// diagnostics go to stderr). Malformed input never ends the process (spec/README.md D1-D3):
// only EOF on stdin does.
//
// Threads: the calling thread reads, decodes and dispatches (one thread hop fewer per request
// than a separate reader; handlers never block on stdin). A producer whose frames find stdout idle
// writes them itself; otherwise they join a bounded queue that a writer thread drains, batching
// whatever is queued into one write(2). Producers wait when the host stops draining stdout.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "service/service.h"
#include "wire/frame.h"

namespace se::sidecar {

// Bounded frame queue drained by one writer thread into a file descriptor.
class FrameWriter : public service::FrameSink {
 public:
  explicit FrameWriter(int fd, size_t max_pending_frames = 1024);
  ~FrameWriter() override;
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;

  // Encodes frames and writes them in order (inline when stdout is idle, else through the queue);
  // blocks while the queue is full.
  void send(const std::vector<wire::ProtocolFrame>& frames) override;
  // Waits until every queued frame is written (or the output failed), then stops the thread.
  void close();

 private:
  void run();
  bool write_all(const wire::Bytes& bytes);
  void mark_broken();  // requires mutex_

  int fd_;
  size_t max_pending_frames_;
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<wire::Bytes> pending_;
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
