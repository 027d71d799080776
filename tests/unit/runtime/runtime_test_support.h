// Test support for the JavaScript runtime: a GuestHost that records output and the exit, and
// helpers that run a program to completion on a shared engine.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "runtime/js/guest_host.h"
#include "runtime/js/js_engine.h"

namespace se::runtime::js::testing {

class RecordingHost final : public GuestHost {
 public:
  ErrorOr<void> write_output(OutputStream stream, std::string_view bytes) override {
    std::lock_guard lock(mutex_);
    (stream == OutputStream::kStdout ? stdout_ : stderr_).append(bytes);
    if (first_output_ == std::chrono::steady_clock::time_point{}) first_output_ = std::chrono::steady_clock::now();
    changed_.notify_all();
    return {};
  }

  ErrorOr<std::string> read_file(std::string_view path) override {
    std::lock_guard lock(mutex_);
    auto it = files_.find(std::string(path));
    if (it == files_.end()) return fail(ENOENT, "no such file: " + std::string(path));
    return it->second;
  }

  void on_exit(const ExitStatus& status) override {
    std::lock_guard lock(mutex_);
    exit_ = status;
    exited_at_ = std::chrono::steady_clock::now();
    changed_.notify_all();
  }

  void add_file(std::string path, std::string contents) {
    std::lock_guard lock(mutex_);
    files_[std::move(path)] = std::move(contents);
  }

  std::string out() const {
    std::lock_guard lock(mutex_);
    return stdout_;
  }

  std::string err() const {
    std::lock_guard lock(mutex_);
    return stderr_;
  }

  std::optional<ExitStatus> exit() const {
    std::lock_guard lock(mutex_);
    return exit_;
  }

  std::chrono::steady_clock::time_point first_output() const {
    std::lock_guard lock(mutex_);
    return first_output_;
  }

  std::chrono::steady_clock::time_point exited_at() const {
    std::lock_guard lock(mutex_);
    return exited_at_;
  }

  // Waits until stdout contains `text`; false on timeout.
  bool wait_for_stdout(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return stdout_.find(text) != std::string::npos; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string stdout_;
  std::string stderr_;
  std::optional<ExitStatus> exit_;
  std::map<std::string, std::string> files_;
  std::chrono::steady_clock::time_point first_output_{};
  std::chrono::steady_clock::time_point exited_at_{};
};

// One engine for the whole test binary, like the sidecar has; shut down after the last test so
// its pooled isolates are disposed before the leak checker looks.
JsEngine& engine();

struct RunResult {
  std::string out;
  std::string err;
  ExitStatus status;
};

inline ProcessOptions file_options(std::string source, std::string filename = "/workspace/main.js") {
  ProcessOptions options;
  options.filename = filename;
  options.source = std::move(source);
  options.argv = {"/usr/bin/node", std::move(filename)};
  return options;
}

inline std::unique_ptr<JsProcess> start(ProcessOptions options, std::shared_ptr<RecordingHost> host) {
  auto started = engine().start(std::move(options), std::move(host));
  if (!started) throw std::runtime_error(started.error().to_string());
  return std::move(*started);
}

inline RunResult run(ProcessOptions options) {
  auto host = std::make_shared<RecordingHost>();
  auto process = start(std::move(options), host);
  ExitStatus status = process->wait();
  return RunResult{host->out(), host->err(), status};
}

inline RunResult run_js(std::string source) {
  return run(file_options(std::move(source)));
}

}  // namespace se::runtime::js::testing
