// Helpers shared by the process-kernel tests: a recording ProcessDriver, an in-memory FileBackend,
// a capturing CharacterDevice, and shorthands for building kernels and processes.
// Thread-safety: the driver and the device are thread-safe (kernel callbacks come from any thread);
// the file backend is called under the kernel lock only.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kernel/proc/process_kernel.h"

namespace se::kernel::testing {

using namespace std::chrono_literals;

// "EAGAIN: maximum pipe count reached", or "<no error>" when the call succeeded.
template <typename T>
std::string error_of(const ErrorOr<T>& result) {
  return result ? std::string("<no error>") : result.error().to_string();
}

class RecordingDriver : public ProcessDriver {
 public:
  struct Event {
    std::string kind;  // "deliver", "terminate", "stop", "resume"
    Pid pid = 0;
    int signal = 0;
    bool operator==(const Event&) const = default;
  };

  void deliver_signal(Pid pid, int signal) override { record({"deliver", pid, signal}); }
  void terminate(Pid pid, int signal) override { record({"terminate", pid, signal}); }
  void stop(Pid pid, int signal) override { record({"stop", pid, signal}); }
  void resume(Pid pid) override { record({"resume", pid, 18}); }
  void io_ready(Pid pid) override { record({"io_ready", pid, 0}); }

  std::vector<Event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  bool saw(const Event& event) {
    std::lock_guard lock(mutex_);
    return std::find(events_.begin(), events_.end(), event) != events_.end();
  }
  void clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
  }

 private:
  void record(Event event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::mutex mutex_;
  std::vector<Event> events_;
};

// Regular files in a map; directories are the paths in `directories`.
class MemoryFiles : public FileBackend {
 public:
  ErrorOr<FileOpenResult> open(Pid, std::string_view path, uint32_t flags, uint32_t mode) override {
    std::string name(path);
    last_mode = mode;
    if (directories.contains(name)) return FileOpenResult{name, true};
    bool exists = files.contains(name);
    if (exists && (flags & kOpenCreate) != 0 && (flags & kOpenExclusive) != 0) return fail(EEXIST, "file exists");
    if (!exists && (flags & kOpenCreate) == 0) return fail(ENOENT, "no such file: " + name);
    if (!exists || (flags & kOpenTruncate) != 0) files[name].clear();
    return FileOpenResult{name, false};
  }
  ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) override {
    const std::string& data = files.at(std::string(path));
    if (offset >= data.size()) return std::string();
    return data.substr(offset, length);
  }
  ErrorOr<uint64_t> pwrite(std::string_view path, uint64_t offset, std::string_view bytes) override {
    std::string& data = files.at(std::string(path));
    if (data.size() < offset + bytes.size()) data.resize(offset + bytes.size(), '\0');
    data.replace(offset, bytes.size(), bytes);
    return bytes.size();
  }
  ErrorOr<uint64_t> size(std::string_view path) override { return files.at(std::string(path)).size(); }
  ErrorOr<void> truncate(std::string_view path, uint64_t length) override {
    files.at(std::string(path)).resize(length, '\0');
    return {};
  }

  std::map<std::string, std::string> files;
  std::set<std::string> directories;
  uint32_t last_mode = 0;
};

// A stdout-like sink that records what was written, and a stdin-like source with fixed content.
class CaptureDevice : public CharacterDevice {
 public:
  explicit CaptureDevice(std::string input = {}) : input_(std::move(input)) {}
  ErrorOr<std::string> read(size_t max_bytes) override {
    std::lock_guard lock(mutex_);
    std::string out = input_.substr(0, max_bytes);
    input_.erase(0, out.size());
    return out;
  }
  ErrorOr<size_t> write(std::string_view bytes) override {
    std::lock_guard lock(mutex_);
    output_.append(bytes);
    return bytes.size();
  }
  std::string output() {
    std::lock_guard lock(mutex_);
    return output_;
  }

 private:
  std::mutex mutex_;
  std::string input_;
  std::string output_;
};

struct KernelFixture {
  explicit KernelFixture(config::ResourceLimits limits = {}, KernelOptions options = {}) {
    files = std::make_shared<MemoryFiles>();
    if (!options.files) options.files = files;
    kernel = std::make_unique<ProcessKernel>(limits, std::move(options));
    driver = std::make_shared<RecordingDriver>();
  }

  Pid spawn_top(std::string process_id = {}) {
    SpawnRequest request;
    request.process_id = std::move(process_id);
    request.driver_name = "test-driver";
    request.command = "node";
    request.driver = driver;
    auto pid = kernel->spawn(request);
    EXPECT_TRUE(pid) << error_of(pid);
    return pid ? *pid : 0;
  }

  Pid spawn_child(Pid parent, std::vector<FdMapping> mappings = {}) {
    SpawnRequest request;
    request.parent = parent;
    request.driver_name = "test-driver";
    request.command = "node";
    request.driver = driver;
    request.fd_mappings = std::move(mappings);
    auto pid = kernel->spawn(request);
    EXPECT_TRUE(pid) << error_of(pid);
    return pid ? *pid : 0;
  }

  ProcessInfo info(Pid pid) {
    auto result = kernel->process_info(pid);
    EXPECT_TRUE(result) << error_of(result);
    return result ? *result : ProcessInfo{};
  }

  std::shared_ptr<MemoryFiles> files;
  std::unique_ptr<ProcessKernel> kernel;
  std::shared_ptr<RecordingDriver> driver;
};

// Sleeps briefly so another thread can reach its blocking call; tests stay correct if it has not
// (they then exercise the non-blocking path of the same code).
inline void let_thread_block() {
  std::this_thread::sleep_for(50ms);
}

}  // namespace se::kernel::testing
