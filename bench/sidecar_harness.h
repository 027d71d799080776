// What every se-bench measurement starts from: a sidecar process with its own TMPDIR (removed
// afterwards) and stderr discarded, driven by the C++ client, plus the clock and memory helpers.
// Thread-safety: single-threaded use.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client/client.h"

namespace se::bench {

using Clock = std::chrono::steady_clock;

inline constexpr auto kRequestTimeout = std::chrono::milliseconds(60000);

inline double elapsed_ms(Clock::time_point start, Clock::time_point end = Clock::now()) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

// A private TMPDIR for one sidecar process, removed with its contents afterwards.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Spawns the sidecar at `path`; no request is sent yet.
client::Result<std::unique_ptr<client::Client>> spawn_sidecar(const std::string& path, const ScratchDir& tmpdir);

// A sidecar spawned, authenticated and with an open session, in its own ScratchDir. The client is
// declared last so that it (and the sidecar) ends before the directory is removed.
struct SidecarSession {
  std::unique_ptr<ScratchDir> tmpdir;
  std::unique_ptr<client::Client> client;
};
client::Result<SidecarSession> open_session(const std::string& path);

// CreateVm (allow-all JavaScript VM, or `config` JSON) in the client's session, without waiting
// for lifecycle events.
client::Result<client::VmHandle> create_vm(client::Client& client, const std::string& config = client::kAllowAllConfig);
// Execute of the JavaScript file `path` as process `process_id`.
wire::ExecuteRequest run_script(std::string process_id, const char* path);
// DisposeVm, then drops every queued event (lifecycle and process events of the disposed VM).
client::Result<void> dispose_vm(client::Client& client, const client::VmHandle& vm);

// The resident set of a process (VmRSS of /proc/<pid>/status) in KiB; nullopt once it is gone.
std::optional<uint64_t> resident_kib(pid_t pid);

}  // namespace se::bench
