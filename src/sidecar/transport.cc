#include "sidecar/transport.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace se::sidecar {
namespace {

void log_error(const std::string& message) {
  std::string line = "secure-exec-sidecar: ";
  line.append(message).push_back('\n');
  // Diagnostics only; a failed stderr write has nowhere else to go.
  [[maybe_unused]] ssize_t ignored = ::write(2, line.data(), line.size());
}

uint32_t read_be32(const uint8_t* bytes) {
  return (uint32_t(bytes[0]) << 24) | (uint32_t(bytes[1]) << 16) | (uint32_t(bytes[2]) << 8) | uint32_t(bytes[3]);
}

// Buffered reader over a file descriptor: frames that arrive together are parsed from one read.
class InputBuffer {
 public:
  explicit InputBuffer(int fd) : fd_(fd) { storage_.resize(64 * 1024); }

  // Makes at least `count` bytes available; false on EOF (or a read error) before that.
  bool fill(size_t count) {
    if (available() >= count) return true;
    if (begin_ > 0) {
      std::memmove(storage_.data(), storage_.data() + begin_, available());
      end_ -= begin_;
      begin_ = 0;
    }
    if (storage_.size() < count) storage_.resize(count);
    while (end_ < count) {
      ssize_t got = ::read(fd_, storage_.data() + end_, storage_.size() - end_);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        log_error(std::string("stdin read failed: ") + std::strerror(errno));
        return false;
      }
      if (got == 0) return false;
      end_ += static_cast<size_t>(got);
    }
    return true;
  }

  size_t available() const { return end_ - begin_; }
  std::span<const uint8_t> peek(size_t count) const { return {storage_.data() + begin_, count}; }
  void consume(size_t count) { begin_ += count; }

  // Discards `count` bytes without buffering more than one chunk at a time.
  bool skip(size_t count) {
    while (count > 0) {
      if (available() == 0 && !fill(1)) return false;
      size_t step = std::min(count, available());
      consume(step);
      count -= step;
    }
    return true;
  }

  // Releases memory after an unusually large frame.
  void shrink() {
    if (available() == 0 && storage_.size() > 1024 * 1024) {
      storage_.assign(64 * 1024, 0);
      begin_ = end_ = 0;
    }
  }

 private:
  int fd_;
  std::vector<uint8_t> storage_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

wire::ProtocolFrame rejection_frame(const wire::RequestEnvelope& envelope, std::string code, std::string message) {
  return wire::ResponseFrame{.schema = wire::current_schema(),
                             .request_id = envelope.request_id,
                             .ownership = envelope.ownership,
                             .payload = wire::RejectedResponse{.code = std::move(code), .message = std::move(message)}};
}

const char* frame_kind_name(const wire::ProtocolFrame& frame) {
  switch (frame.index()) {
    case 1:
      return "response";
    case 2:
      return "event";
    case 3:
      return "sidecar_request";
    default:
      return "request";
  }
}

}  // namespace

FrameWriter::FrameWriter(int fd, size_t max_pending_frames, uint64_t max_held_bytes)
    : fd_(fd), max_pending_frames_(max_pending_frames), max_held_bytes_(max_held_bytes), thread_([this] { run(); }) {}

FrameWriter::~FrameWriter() {
  close();
}

namespace {

wire::Bytes encode_frames(const std::vector<wire::ProtocolFrame>& frames) {
  wire::Bytes batch;
  for (const auto& frame : frames) {
    const size_t start = batch.size();
    wire::append_framed(batch, frame);
    const size_t payload_bytes = batch.size() - start - 4;
    if (payload_bytes > wire::kMaxFrameBytes) {
      log_error("dropping an outbound frame of " + std::to_string(payload_bytes) + " bytes (limit " +
                std::to_string(wire::kMaxFrameBytes) + ")");
      batch.resize(start);
    }
  }
  return batch;
}

}  // namespace

void FrameWriter::send(const std::vector<wire::ProtocolFrame>& frames) {
  enqueue(Batch{.bytes = encode_frames(frames), .written = {}});
}

void FrameWriter::send_tracked(wire::ProtocolFrame frame, std::function<void()> written) {
  std::vector<wire::ProtocolFrame> frames;
  frames.push_back(std::move(frame));
  enqueue(Batch{.bytes = encode_frames(frames), .written = std::move(written)});
}

void FrameWriter::notify_written(std::vector<std::function<void()>>& callbacks) {
  for (auto& callback : callbacks) callback();
  callbacks.clear();
}

void FrameWriter::enqueue(Batch batch) {
  std::vector<std::function<void()>> done;
  if (batch.written) done.push_back(std::move(batch.written));
  if (batch.bytes.empty()) return notify_written(done);
  const uint64_t size = batch.bytes.size();
  std::unique_lock lock(mutex_);
  if (pending_.empty() && !writing_ && !broken_) {
    // Fast path: nothing is queued or being written, so the caller writes itself and saves the
    // hand-off to the writer thread (one wake-up per request). Order is kept by `writing_`.
    writing_ = true;
    held_bytes_ += size;
    lock.unlock();
    const bool ok = write_all(batch.bytes);
    lock.lock();
    writing_ = false;
    held_bytes_ -= size;
    if (!ok) {
      auto dropped = mark_broken();
      done.insert(done.end(), std::make_move_iterator(dropped.begin()), std::make_move_iterator(dropped.end()));
    }
    // The writer thread may be waiting for this write to finish (queued frames, or close()).
    if (!pending_.empty() || closing_) not_empty_.notify_one();
    lock.unlock();
    not_full_.notify_all();
    return notify_written(done);
  }
  if (held_bytes_ >= max_held_bytes_ && !reported_full_) {
    reported_full_ = true;
    log_error("the host is not reading stdout: " + std::to_string(held_bytes_) +
              " bytes of frames are waiting (limit kMaxHeldOutputBytes = " + std::to_string(max_held_bytes_) +
              "); producers wait until it reads");
  }
  not_full_.wait(lock,
                 [&] { return (pending_.size() < max_pending_frames_ && held_bytes_ < max_held_bytes_) || broken_; });
  if (broken_) {
    lock.unlock();
    return notify_written(done);
  }
  held_bytes_ += size;
  batch.written = done.empty() ? std::function<void()>() : std::move(done.front());
  pending_.push_back(std::move(batch));
  lock.unlock();
  not_empty_.notify_one();
}

bool FrameWriter::write_all(const wire::Bytes& bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      log_error(std::string("stdout write failed, dropping further frames: ") + std::strerror(errno));
      return false;
    }
    written += static_cast<size_t>(n);
  }
  return true;
}

std::vector<std::function<void()>> FrameWriter::mark_broken() {
  broken_ = true;
  std::vector<std::function<void()>> dropped;
  for (auto& batch : pending_) {
    held_bytes_ -= batch.bytes.size();
    if (batch.written) dropped.push_back(std::move(batch.written));
  }
  pending_.clear();
  not_full_.notify_all();
  return dropped;
}

void FrameWriter::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  not_empty_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void FrameWriter::run() {
  for (;;) {
    std::deque<Batch> taken;
    {
      std::unique_lock lock(mutex_);
      not_empty_.wait(lock, [&] { return (!pending_.empty() && !writing_) || (closing_ && !writing_); });
      if (pending_.empty()) return;
      taken.swap(pending_);
      writing_ = true;
    }
    not_full_.notify_all();
    uint64_t size = 0;
    bool ok = true;
    if (taken.size() == 1) {
      size = taken.front().bytes.size();
      ok = write_all(taken.front().bytes);
    } else {
      // One write(2) for everything queued; a fresh buffer, so a burst's size is not kept.
      wire::Bytes joined;
      for (const auto& batch : taken) size += batch.bytes.size();
      joined.reserve(size);
      for (const auto& batch : taken) joined.insert(joined.end(), batch.bytes.begin(), batch.bytes.end());
      ok = write_all(joined);
    }
    std::vector<std::function<void()>> done;
    for (auto& batch : taken) {
      if (batch.written) done.push_back(std::move(batch.written));
    }
    taken.clear();
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
      held_bytes_ -= size;
      if (!ok) {
        auto dropped = mark_broken();
        done.insert(done.end(), std::make_move_iterator(dropped.begin()), std::make_move_iterator(dropped.end()));
      }
    }
    not_full_.notify_all();
    notify_written(done);
  }
}

namespace {

// Request frames at least this large are followed by malloc_trim (see run_transport).
constexpr uint32_t kLargeFrameBytes = 1u << 20;

}  // namespace

int run_transport(service::Service& service, FrameWriter& writer, const TransportOptions& options) {
  InputBuffer input(options.input_fd);
  bool trim_heap = false;
  for (;;) {
    if (trim_heap) {
      // Decoding and handling a large request (a CreateVm carrying a snapshot lower, a big file
      // write) leaves several copies' worth of freed heap that glibc would keep; give it back so
      // the sidecar's RSS reflects what its VMs hold.
      malloc_trim(0);
      trim_heap = false;
    }
    // EOF anywhere inside the 4-byte prefix is a clean end (spec/protocol.md s1.2).
    if (!input.fill(4)) break;
    const uint32_t length = read_be32(input.peek(4).data());
    input.consume(4);

    if (length > wire::kMaxFrameBytes) {
      // Drained, never buffered whole; the start says who to answer when it is readable.
      size_t head = std::min<size_t>(length, 64 * 1024);
      bool have_head = input.fill(head);
      auto envelope = have_head ? wire::peek_request_envelope(input.peek(head)) : std::nullopt;
      std::string message =
          "protocol frame is " + std::to_string(length) + " bytes, limit is " + std::to_string(wire::kMaxFrameBytes);
      if (!have_head || !input.skip(length)) {
        log_error(message + "; stdin ended inside it");
        break;
      }
      if (envelope) {
        writer.send({rejection_frame(*envelope, "frame_too_large", message)});
      } else {
        log_error(message + "; skipped");
      }
      continue;
    }

    if (!input.fill(length)) {
      log_error("stdin ended inside a " + std::to_string(length) + "-byte frame");
      break;
    }
    std::span<const uint8_t> payload = input.peek(length);
    auto frame = wire::decode_frame(payload);
    if (!frame) {
      auto envelope = wire::peek_request_envelope(payload);
      if (envelope) {
        writer.send({rejection_frame(*envelope, "invalid_frame", frame.error().to_string())});
      } else {
        log_error("skipping malformed frame: " + frame.error().to_string());
      }
      input.consume(length);
      input.shrink();
      continue;
    }
    input.consume(length);

    if (auto* request = std::get_if<wire::RequestFrame>(&*frame)) {
      writer.send(service.handle(*request));
      service.run_deferred();
      trim_heap = length >= kLargeFrameBytes;
    } else if (auto* sidecar_response = std::get_if<wire::SidecarResponseFrame>(&*frame)) {
      log_error("dropping stale sidecar response " + std::to_string(sidecar_response->request_id));
    } else {
      log_error(std::string("expected request or sidecar_response frame on stdin, received ") +
                frame_kind_name(*frame) + "; skipped");
    }
    input.shrink();
  }
  service.shutdown();
  writer.close();
  return 0;
}

}  // namespace se::sidecar
