#include "bench/sidecar_harness.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace se::bench {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "se-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

client::Result<std::unique_ptr<client::Client>> spawn_sidecar(const std::string& path, const ScratchDir& tmpdir) {
  client::ClientOptions options;
  options.sidecar_path = path;
  options.env["TMPDIR"] = tmpdir.path();
  options.stderr_mode = client::StderrMode::kDiscard;
  options.request_timeout = kRequestTimeout;
  return client::Client::spawn(options);
}

client::Result<SidecarSession> open_session(const std::string& path) {
  SidecarSession session;
  session.tmpdir = std::make_unique<ScratchDir>();
  session.client = TRY_REQUEST(spawn_sidecar(path, *session.tmpdir));
  TRY_REQUEST(session.client->authenticate("se-bench", "bench"));
  TRY_REQUEST(session.client->open_session());
  return session;
}

wire::ExecuteRequest run_script(std::string process_id, const char* path) {
  wire::ExecuteRequest request;
  request.process_id = std::move(process_id);
  request.runtime = wire::GuestRuntimeKind::JAVA_SCRIPT;
  request.entrypoint = path;
  return request;
}

client::Result<client::VmHandle> create_vm(client::Client& client, const std::string& config) {
  wire::CreateVmRequest request;
  request.runtime = wire::GuestRuntimeKind::JAVA_SCRIPT;
  request.config = config;
  auto created = TRY_REQUEST(client.expect<wire::VmCreatedResponse>(
      client::session_scope(client.connection_id(), client.session_id()), std::move(request)));
  return client::VmHandle{client.connection_id(), client.session_id(), std::move(created.vm_id), {}};
}

client::Result<void> dispose_vm(client::Client& client, const client::VmHandle& vm) {
  wire::DisposeVmRequest request;
  request.reason = wire::DisposeReason::REQUESTED;
  TRY_REQUEST(client.expect<wire::VmDisposedResponse>(vm.ownership(), request));
  client.connection().take_events();
  return {};
}

std::optional<uint64_t> resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace se::bench
