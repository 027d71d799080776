#include "cli/vm_session.h"

namespace se::cli {

client::Result<VmSession> VmSession::open(const GlobalOptions& options, const std::string& config_json) {
  client::ClientOptions client_options;
  client_options.sidecar_path = options.sidecar_path;
  client_options.trace = options.trace;
  auto client = TRY_REQUEST(client::Client::spawn(client_options));
  TRY_REQUEST(client->authenticate("secure-exec-cli", ""));
  TRY_REQUEST(client->open_session());
  auto vm = TRY_REQUEST(client->create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, config_json));
  return VmSession(std::move(client), std::move(vm));
}

client::Result<void> VmSession::dispose() {
  TRY_REQUEST(client_->dispose_vm(vm_));
  return {};
}

}  // namespace se::cli
