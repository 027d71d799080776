// Typed host API over a Connection: the handshake, sessions, VMs and every VM-scoped request of
// protocol secure-exec-sidecar v7. Each call sends one request and waits for its response; a
// RejectedResponse becomes a RequestError carrying the sidecar's code and message verbatim.
// Thread-safety: calls may be issued from several threads (the connection pipelines them), but the
// remembered connection/session ids are set by authenticate/open_session and are not synchronised:
// finish the handshake before sharing a Client.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "client/request_error.h"

namespace se::client {

// A CreateVmConfig that allows every permission domain.
inline constexpr const char* kAllowAllConfig =
    R"({"permissions":{"fs":"allow","network":"allow","childProcess":"allow","process":"allow","env":"allow","binding":"allow"}})";

struct ClientOptions {
  std::optional<std::string> sidecar_path;  // else locate_sidecar()'s search
  std::vector<std::string> sidecar_args;
  std::map<std::string, std::string> env;  // added to the sidecar's environment
  std::vector<std::string> env_unset;
  StderrMode stderr_mode = StderrMode::kInherit;
  std::string stderr_path;
  bool trace = false;
  bool record_frames = false;
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds lifecycle_timeout{5000};  // waiting for CREATING/READY, DISPOSING/DISPOSED
};

// The ids that own one VM, plus the lifecycle states reported for it so far, in order.
struct VmHandle {
  std::string connection_id;
  std::string session_id;
  std::string vm_id;
  std::vector<wire::VmLifecycleState> lifecycle;

  wire::OwnershipScope ownership() const;
};

// Everything one guest process wrote, and how it ended.
struct ProcessResult {
  std::string stdout_bytes;
  std::string stderr_bytes;
  int exit_code = 0;
};

// Convenience constructors for requests and scopes.
wire::OwnershipScope connection_scope(std::string connection_id);
wire::OwnershipScope session_scope(std::string connection_id, std::string session_id);
wire::OwnershipScope vm_scope(std::string connection_id, std::string session_id, std::string vm_id);
wire::GuestFilesystemCallRequest fs_call(wire::GuestFilesystemOperation operation, std::string path);
// The variant's type name as the wire JSON spells it ("RejectedResponse").
std::string payload_kind(const wire::ResponsePayload& payload);
bool event_is_for_vm(const wire::EventFrame& event, std::string_view vm_id);

class Client {
 public:
  // Locates and spawns the sidecar; no request is sent yet.
  static Result<std::unique_ptr<Client>> spawn(const ClientOptions& options);
  Client(std::unique_ptr<Connection> connection, const ClientOptions& options);

  Connection& connection() { return *connection_; }
  const std::string& connection_id() const { return connection_id_; }
  const std::string& session_id() const { return session_id_; }

  // Generic calls. `call_frame` only fails on transport problems; `call` also maps a
  // RejectedResponse to its RequestError; `expect<R>` additionally checks the response kind.
  Result<wire::ResponseFrame> call_frame(const wire::OwnershipScope& ownership, wire::RequestPayload payload);
  Result<wire::ResponsePayload> call(const wire::OwnershipScope& ownership, wire::RequestPayload payload);
  template <typename R>
  Result<R> expect(const wire::OwnershipScope& ownership, wire::RequestPayload payload);

  // Handshake with this build's protocol and bridge versions from connection hint "client-hint".
  // Checks that the response names the new connection in both its payload and its ownership, and
  // remembers that connection for later calls.
  Result<wire::AuthenticatedResponse> authenticate(std::string client_name, std::string token);
  Result<wire::AuthenticatedResponse> authenticate(const wire::AuthenticateRequest& request,
                                                   std::string connection_hint = "client-hint");

  // Opens a session on the remembered connection and remembers it.
  Result<wire::SessionOpenedResponse> open_session();
  Result<wire::SessionOpenedResponse> open_session(const wire::OwnershipScope& ownership,
                                                   const wire::OpenSessionRequest& request);

  // Creates a VM in the remembered session; the handle holds the lifecycle events (CREATING,
  // READY) that arrived within lifecycle_timeout after the response.
  Result<VmHandle> create_vm(wire::GuestRuntimeKind runtime, std::string config_json);
  Result<VmHandle> create_vm(const wire::OwnershipScope& ownership, wire::GuestRuntimeKind runtime,
                             std::string config_json);
  // Disposes the VM and appends DISPOSING ... DISPOSED to vm.lifecycle.
  Result<wire::VmDisposedResponse> dispose_vm(VmHandle& vm,
                                              wire::DisposeReason reason = wire::DisposeReason::REQUESTED);
  // Consumes this VM's lifecycle events into vm.lifecycle until `state` is seen.
  Result<void> wait_lifecycle(VmHandle& vm, wire::VmLifecycleState state, std::chrono::milliseconds timeout);

  Result<wire::VmConfiguredResponse> configure_vm(const VmHandle& vm, wire::ConfigureVmRequest request);
  Result<wire::RootFilesystemBootstrappedResponse> bootstrap_root_filesystem(
      const VmHandle& vm, std::vector<wire::RootFilesystemEntry> entries);
  Result<std::vector<wire::RootFilesystemEntry>> snapshot_root_filesystem(const VmHandle& vm);

  // Layer store.
  Result<std::string> create_layer(const VmHandle& vm);
  Result<std::string> seal_layer(const VmHandle& vm, std::string layer_id);
  Result<std::string> import_snapshot(const VmHandle& vm, std::vector<wire::RootFilesystemEntry> entries);
  Result<wire::SnapshotExportedResponse> export_snapshot(const VmHandle& vm, std::string layer_id);
  Result<std::string> create_overlay(const VmHandle& vm, wire::CreateOverlayRequest request);

  // Guest filesystem.
  Result<wire::GuestFilesystemResultResponse> guest_filesystem_call(const VmHandle& vm,
                                                                    wire::GuestFilesystemCallRequest request);
  // Sends UTF-8 text as is and anything else base64-encoded.
  Result<void> write_file(const VmHandle& vm, std::string path, std::string_view content);
  // File bytes, base64-decoded when the sidecar answered BASE64.
  Result<std::string> read_file(const VmHandle& vm, std::string path);
  Result<std::string> pread(const VmHandle& vm, std::string path, uint64_t offset, uint64_t length);
  Result<void> mkdir(const VmHandle& vm, std::string path, bool recursive = true);
  Result<void> create_dir(const VmHandle& vm, std::string path);
  Result<bool> exists(const VmHandle& vm, std::string path);
  Result<wire::GuestFilesystemStat> stat(const VmHandle& vm, std::string path);
  Result<wire::GuestFilesystemStat> lstat(const VmHandle& vm, std::string path);
  Result<std::vector<std::string>> read_dir(const VmHandle& vm, std::string path);
  Result<void> remove_file(const VmHandle& vm, std::string path);
  Result<void> remove_dir(const VmHandle& vm, std::string path, bool recursive = false);
  Result<void> rename(const VmHandle& vm, std::string from, std::string to);
  Result<std::string> realpath(const VmHandle& vm, std::string path);
  Result<void> symlink(const VmHandle& vm, std::string target, std::string link_path);
  Result<std::string> read_link(const VmHandle& vm, std::string path);
  Result<void> link(const VmHandle& vm, std::string existing_path, std::string new_path);
  Result<void> chmod(const VmHandle& vm, std::string path, uint32_t mode);
  Result<void> chown(const VmHandle& vm, std::string path, uint32_t uid, uint32_t gid);
  Result<void> utimes(const VmHandle& vm, std::string path, uint64_t atime_ms, uint64_t mtime_ms);
  Result<void> truncate(const VmHandle& vm, std::string path, uint64_t length);

  // Processes.
  Result<wire::ProcessStartedResponse> execute(const VmHandle& vm, wire::ExecuteRequest request);
  // Consumes the process's output events until its ProcessExitedEvent.
  Result<ProcessResult> wait_process(const VmHandle& vm, const std::string& process_id,
                                     std::chrono::milliseconds timeout);
  Result<wire::StdinWrittenResponse> write_stdin(const VmHandle& vm, std::string process_id, wire::Bytes chunk);
  Result<wire::StdinClosedResponse> close_stdin(const VmHandle& vm, std::string process_id);
  Result<wire::ProcessKilledResponse> kill_process(const VmHandle& vm, std::string process_id, std::string signal);
  Result<wire::ProcessSnapshotResponse> get_process_snapshot(const VmHandle& vm);
  Result<wire::SignalStateResponse> get_signal_state(const VmHandle& vm, std::string process_id);
  Result<uint64_t> get_zombie_timer_count(const VmHandle& vm);
  Result<wire::ListenerSnapshotResponse> find_listener(const VmHandle& vm, wire::FindListenerRequest request);
  Result<wire::BoundUdpSnapshotResponse> find_bound_udp(const VmHandle& vm, wire::FindBoundUdpRequest request);
  Result<wire::VmFetchResponse> vm_fetch(const VmHandle& vm, wire::VmFetchRequest request);

  // The terminal extension (ExtEnvelope namespace kTerminalExtension, docs/terminal-extension.md).
  // open_terminal before execute(process_id): the process then runs on a PTY of rows x cols (fds
  // 0/1/2 its controlling terminal): write_stdin is typed at the terminal (echo, ^C, ^Z, ^D),
  // close_stdin ends its stdin as ^D would, and every byte the terminal shows comes back as STDOUT
  // output. resize_terminal: TIOCSWINSZ + SIGWINCH. Rejections: invalid_payload, unknown_operation,
  // invalid_state, kernel_error "EAGAIN: maximum PTY count reached".
  static constexpr const char* kTerminalExtension = "secure-exec.terminal.v1";
  Result<void> open_terminal(const VmHandle& vm, std::string process_id, uint16_t rows, uint16_t cols);
  Result<void> resize_terminal(const VmHandle& vm, std::string process_id, uint16_t rows, uint16_t cols);
  // Any request of the namespace: `payload_json` as given, the JSON result as returned.
  Result<std::string> terminal_request(const VmHandle& vm, std::string payload_json);

 private:
  Result<void> fs_void(const VmHandle& vm, wire::GuestFilesystemCallRequest request);
  static std::unexpected<RequestError> unexpected_kind(const wire::ResponsePayload& expected,
                                                       const wire::ResponsePayload& actual);

  std::unique_ptr<Connection> connection_;
  std::chrono::milliseconds request_timeout_;
  std::chrono::milliseconds lifecycle_timeout_;
  std::string connection_id_;
  std::string session_id_;
};

template <typename R>
Result<R> Client::expect(const wire::OwnershipScope& ownership, wire::RequestPayload payload) {
  wire::ResponsePayload response = TRY_REQUEST(call(ownership, std::move(payload)));
  if (auto* typed = std::get_if<R>(&response)) return std::move(*typed);
  return unexpected_kind(wire::ResponsePayload(std::in_place_type<R>), response);
}

}  // namespace se::client
