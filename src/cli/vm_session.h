// One sidecar, authenticated, with one session and one fresh VM: what every `secure-exec` command
// that touches a VM starts from. Thread-safety: single-threaded use.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client/client.h"

namespace se::cli {

struct GlobalOptions {
  std::optional<std::string> sidecar_path;
  bool trace = false;
};

class VmSession {
 public:
  // Spawns the sidecar, authenticates, opens a session and creates a JavaScript VM with `config_json`.
  static client::Result<VmSession> open(const GlobalOptions& options, const std::string& config_json);

  client::Client& client() { return *client_; }
  const client::VmHandle& vm() const { return vm_; }
  // Disposes the VM; the sidecar exits when the session is destroyed (stdin closed).
  client::Result<void> dispose();

 private:
  VmSession(std::unique_ptr<client::Client> client, client::VmHandle vm)
      : client_(std::move(client)), vm_(std::move(vm)) {}

  std::unique_ptr<client::Client> client_;
  client::VmHandle vm_;
};

}  // namespace se::cli
