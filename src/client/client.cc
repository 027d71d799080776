#include "client/client.h"

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/utf8.h"
#include "client/sidecar_locator.h"

namespace se::client {
namespace {

using Op = wire::GuestFilesystemOperation;

std::string lifecycle_list(const std::vector<wire::VmLifecycleState>& states) {
  std::string text;
  for (const auto state : states) text += (text.empty() ? "" : ", ") + std::string(wire::to_string(state));
  return text.empty() ? "nothing" : text;
}

std::string scope_connection_id(const wire::OwnershipScope& scope) {
  return std::visit([](const auto& owner) { return owner.connection_id; }, scope);
}

}  // namespace

wire::OwnershipScope VmHandle::ownership() const {
  return vm_scope(connection_id, session_id, vm_id);
}

wire::OwnershipScope connection_scope(std::string connection_id) {
  wire::ConnectionOwnership owner;
  owner.connection_id = std::move(connection_id);
  return owner;
}

wire::OwnershipScope session_scope(std::string connection_id, std::string session_id) {
  wire::SessionOwnership owner;
  owner.connection_id = std::move(connection_id);
  owner.session_id = std::move(session_id);
  return owner;
}

wire::OwnershipScope vm_scope(std::string connection_id, std::string session_id, std::string vm_id) {
  wire::VmOwnership owner;
  owner.connection_id = std::move(connection_id);
  owner.session_id = std::move(session_id);
  owner.vm_id = std::move(vm_id);
  return owner;
}

wire::GuestFilesystemCallRequest fs_call(wire::GuestFilesystemOperation operation, std::string path) {
  wire::GuestFilesystemCallRequest request;
  request.operation = operation;
  request.path = std::move(path);
  request.recursive = false;
  return request;
}

std::string payload_kind(const wire::ResponsePayload& payload) {
  return wire::to_json_value(payload).at("type").get<std::string>();
}

bool event_is_for_vm(const wire::EventFrame& event, std::string_view vm_id) {
  const auto* owner = std::get_if<wire::VmOwnership>(&event.ownership);
  return owner != nullptr && owner->vm_id == vm_id;
}

Result<std::unique_ptr<Client>> Client::spawn(const ClientOptions& options) {
  auto path = locate_sidecar(options.sidecar_path);
  if (!path) return transport_failure(path.error());
  ConnectionOptions connection_options;
  connection_options.spawn.executable = *path;
  connection_options.spawn.args = options.sidecar_args;
  connection_options.spawn.env_set = options.env;
  connection_options.spawn.env_unset = options.env_unset;
  connection_options.spawn.stderr_mode = options.stderr_mode;
  connection_options.spawn.stderr_path = options.stderr_path;
  connection_options.trace = options.trace;
  connection_options.record_frames = options.record_frames;
  auto connection = Connection::start(std::move(connection_options));
  if (!connection) return transport_failure(connection.error());
  return std::make_unique<Client>(std::move(connection).value(), options);
}

Client::Client(std::unique_ptr<Connection> connection, const ClientOptions& options)
    : connection_(std::move(connection)),
      request_timeout_(options.request_timeout),
      lifecycle_timeout_(options.lifecycle_timeout) {}

Result<wire::ResponseFrame> Client::call_frame(const wire::OwnershipScope& ownership, wire::RequestPayload payload) {
  auto response = connection_->request(ownership, std::move(payload), request_timeout_);
  if (!response) {
    if (response.error().errno_code == ETIMEDOUT) return client_failure(kTimeout, response.error().message);
    return transport_failure(response.error());
  }
  return std::move(response).value();
}

Result<wire::ResponsePayload> Client::call(const wire::OwnershipScope& ownership, wire::RequestPayload payload) {
  wire::ResponseFrame frame = TRY_REQUEST(call_frame(ownership, std::move(payload)));
  if (auto* rejected = std::get_if<wire::RejectedResponse>(&frame.payload)) {
    return std::unexpected(RequestError{std::move(rejected->code), std::move(rejected->message), true});
  }
  return std::move(frame.payload);
}

std::unexpected<RequestError> Client::unexpected_kind(const wire::ResponsePayload& expected,
                                                      const wire::ResponsePayload& actual) {
  return client_failure(kUnexpectedResponse,
                        "expected " + payload_kind(expected) + " but the sidecar answered " + payload_kind(actual));
}

Result<wire::AuthenticatedResponse> Client::authenticate(std::string client_name, std::string token) {
  wire::AuthenticateRequest request;
  request.client_name = std::move(client_name);
  request.auth_token = std::move(token);
  request.protocol_version = wire::kProtocolVersion;
  request.bridge_version = wire::kBridgeVersion;
  return authenticate(request);
}

Result<wire::AuthenticatedResponse> Client::authenticate(const wire::AuthenticateRequest& request,
                                                         std::string connection_hint) {
  wire::ResponseFrame frame = TRY_REQUEST(call_frame(connection_scope(std::move(connection_hint)), request));
  if (auto* rejected = std::get_if<wire::RejectedResponse>(&frame.payload)) {
    return std::unexpected(RequestError{std::move(rejected->code), std::move(rejected->message), true});
  }
  auto* authenticated = std::get_if<wire::AuthenticatedResponse>(&frame.payload);
  if (authenticated == nullptr) {
    return unexpected_kind(wire::ResponsePayload(std::in_place_type<wire::AuthenticatedResponse>), frame.payload);
  }
  const auto* owner = std::get_if<wire::ConnectionOwnership>(&frame.ownership);
  if (owner == nullptr || owner->connection_id != authenticated->connection_id) {
    return client_failure(kUnexpectedResponse, "AuthenticatedResponse for " + authenticated->connection_id +
                                                   " does not carry that connection as its ownership");
  }
  if (authenticated->max_frame_bytes == 0) {
    return client_failure(kUnexpectedResponse, "AuthenticatedResponse announces a zero maxFrameBytes");
  }
  connection_id_ = authenticated->connection_id;
  return std::move(*authenticated);
}

Result<wire::SessionOpenedResponse> Client::open_session() {
  wire::OpenSessionRequest request;
  request.placement = wire::SidecarPlacementShared{};
  return open_session(connection_scope(connection_id_), request);
}

Result<wire::SessionOpenedResponse> Client::open_session(const wire::OwnershipScope& ownership,
                                                         const wire::OpenSessionRequest& request) {
  auto opened = TRY_REQUEST(expect<wire::SessionOpenedResponse>(ownership, request));
  session_id_ = opened.session_id;
  return opened;
}

Result<VmHandle> Client::create_vm(wire::GuestRuntimeKind runtime, std::string config_json) {
  return create_vm(session_scope(connection_id_, session_id_), runtime, std::move(config_json));
}

Result<VmHandle> Client::create_vm(const wire::OwnershipScope& ownership, wire::GuestRuntimeKind runtime,
                                   std::string config_json) {
  wire::CreateVmRequest request;
  request.runtime = runtime;
  request.config = std::move(config_json);
  auto created = TRY_REQUEST(expect<wire::VmCreatedResponse>(ownership, std::move(request)));
  VmHandle vm;
  vm.connection_id = scope_connection_id(ownership);
  if (const auto* session = std::get_if<wire::SessionOwnership>(&ownership)) vm.session_id = session->session_id;
  vm.vm_id = std::move(created.vm_id);
  // A missing READY shows up as a short vm.lifecycle; the VM exists either way.
  [[maybe_unused]] auto ready = wait_lifecycle(vm, wire::VmLifecycleState::READY, lifecycle_timeout_);
  return vm;
}

Result<wire::VmDisposedResponse> Client::dispose_vm(VmHandle& vm, wire::DisposeReason reason) {
  wire::DisposeVmRequest request;
  request.reason = reason;
  auto disposed = TRY_REQUEST(expect<wire::VmDisposedResponse>(vm.ownership(), request));
  TRY_REQUEST(wait_lifecycle(vm, wire::VmLifecycleState::DISPOSED, lifecycle_timeout_));
  return disposed;
}

Result<void> Client::wait_lifecycle(VmHandle& vm, wire::VmLifecycleState state, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string vm_id = vm.vm_id;
  auto is_lifecycle = [&vm_id](const wire::EventFrame& event) {
    return event_is_for_vm(event, vm_id) && std::holds_alternative<wire::VmLifecycleEvent>(event.payload);
  };
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline > now ? deadline - now : std::chrono::steady_clock::duration::zero());
    auto event = connection_->wait_event(is_lifecycle, remaining);
    if (!event.has_value()) {
      return client_failure(kTimeout, "VM " + vm.vm_id + " did not report " + std::string(wire::to_string(state)) +
                                          " within " + std::to_string(timeout.count()) + " ms (saw " +
                                          lifecycle_list(vm.lifecycle) + ")");
    }
    const auto reported = std::get<wire::VmLifecycleEvent>(event->payload).state;
    vm.lifecycle.push_back(reported);
    if (reported == state) return {};
  }
}

Result<wire::VmConfiguredResponse> Client::configure_vm(const VmHandle& vm, wire::ConfigureVmRequest request) {
  return expect<wire::VmConfiguredResponse>(vm.ownership(), std::move(request));
}

Result<wire::RootFilesystemBootstrappedResponse> Client::bootstrap_root_filesystem(
    const VmHandle& vm, std::vector<wire::RootFilesystemEntry> entries) {
  wire::BootstrapRootFilesystemRequest request;
  request.entries = std::move(entries);
  return expect<wire::RootFilesystemBootstrappedResponse>(vm.ownership(), std::move(request));
}

Result<std::vector<wire::RootFilesystemEntry>> Client::snapshot_root_filesystem(const VmHandle& vm) {
  auto snapshot =
      TRY_REQUEST(expect<wire::RootFilesystemSnapshotResponse>(vm.ownership(), wire::SnapshotRootFilesystemRequest{}));
  return std::move(snapshot.entries);
}

Result<std::string> Client::create_layer(const VmHandle& vm) {
  auto created = TRY_REQUEST(expect<wire::LayerCreatedResponse>(vm.ownership(), wire::CreateLayerRequest{}));
  return std::move(created.layer_id);
}

Result<std::string> Client::seal_layer(const VmHandle& vm, std::string layer_id) {
  wire::SealLayerRequest request;
  request.layer_id = std::move(layer_id);
  auto sealed = TRY_REQUEST(expect<wire::LayerSealedResponse>(vm.ownership(), std::move(request)));
  return std::move(sealed.layer_id);
}

Result<std::string> Client::import_snapshot(const VmHandle& vm, std::vector<wire::RootFilesystemEntry> entries) {
  wire::ImportSnapshotRequest request;
  request.entries = std::move(entries);
  auto imported = TRY_REQUEST(expect<wire::SnapshotImportedResponse>(vm.ownership(), std::move(request)));
  return std::move(imported.layer_id);
}

Result<wire::SnapshotExportedResponse> Client::export_snapshot(const VmHandle& vm, std::string layer_id) {
  wire::ExportSnapshotRequest request;
  request.layer_id = std::move(layer_id);
  return expect<wire::SnapshotExportedResponse>(vm.ownership(), std::move(request));
}

Result<std::string> Client::create_overlay(const VmHandle& vm, wire::CreateOverlayRequest request) {
  auto created = TRY_REQUEST(expect<wire::OverlayCreatedResponse>(vm.ownership(), std::move(request)));
  return std::move(created.layer_id);
}

Result<wire::GuestFilesystemResultResponse> Client::guest_filesystem_call(const VmHandle& vm,
                                                                          wire::GuestFilesystemCallRequest request) {
  return expect<wire::GuestFilesystemResultResponse>(vm.ownership(), std::move(request));
}

Result<void> Client::fs_void(const VmHandle& vm, wire::GuestFilesystemCallRequest request) {
  TRY_REQUEST(guest_filesystem_call(vm, std::move(request)));
  return {};
}

Result<void> Client::write_file(const VmHandle& vm, std::string path, std::string_view content) {
  auto request = fs_call(Op::WRITE_FILE, std::move(path));
  if (is_valid_utf8(content)) {
    request.content = std::string(content);
  } else {
    request.content = base64_encode(content);
    request.encoding = wire::RootFilesystemEntryEncoding::BASE64;
  }
  return fs_void(vm, std::move(request));
}

namespace {

Result<std::string> decoded_content(const wire::GuestFilesystemResultResponse& result) {
  const std::string content = result.content.value_or("");
  if (result.encoding != wire::RootFilesystemEntryEncoding::BASE64) return content;
  std::string reason;
  auto bytes = base64_decode(content, &reason);
  if (!bytes) return client_failure(kUnexpectedResponse, "sidecar sent invalid base64 content: " + reason);
  return std::move(*bytes);
}

}  // namespace

Result<std::string> Client::read_file(const VmHandle& vm, std::string path) {
  auto result = TRY_REQUEST(guest_filesystem_call(vm, fs_call(Op::READ_FILE, std::move(path))));
  return decoded_content(result);
}

Result<std::string> Client::pread(const VmHandle& vm, std::string path, uint64_t offset, uint64_t length) {
  auto request = fs_call(Op::PREAD, std::move(path));
  request.offset = offset;
  request.len = length;
  auto result = TRY_REQUEST(guest_filesystem_call(vm, std::move(request)));
  return decoded_content(result);
}

Result<void> Client::mkdir(const VmHandle& vm, std::string path, bool recursive) {
  auto request = fs_call(Op::MKDIR, std::move(path));
  request.recursive = recursive;
  return fs_void(vm, std::move(request));
}

Result<void> Client::create_dir(const VmHandle& vm, std::string path) {
  return fs_void(vm, fs_call(Op::CREATE_DIR, std::move(path)));
}

Result<bool> Client::exists(const VmHandle& vm, std::string path) {
  auto result = TRY_REQUEST(guest_filesystem_call(vm, fs_call(Op::EXISTS, std::move(path))));
  if (!result.exists.has_value()) return client_failure(kUnexpectedResponse, "EXISTS result has no exists field");
  return *result.exists;
}

Result<wire::GuestFilesystemStat> Client::stat(const VmHandle& vm, std::string path) {
  auto result = TRY_REQUEST(guest_filesystem_call(vm, fs_call(Op::STAT, std::move(path))));
  if (!result.stat.has_value()) return client_failure(kUnexpectedResponse, "STAT result has no stat field");
  return std::move(*result.stat);
}

Result<wire::GuestFilesystemStat> Client::lstat(const VmHandle& vm, std::string path) {
  auto result = TRY_REQUEST(guest_filesystem_call(vm, fs_call(Op::LSTAT, std::move(path))));
  if (!result.stat.has_value()) return client_failure(kUnexpectedResponse, "LSTAT result has no stat field");
  return std::move(*result.stat);
}

Result<std::vector<std::string>> Client::read_dir(const VmHandle& vm, std::string path) {
  auto result = TRY_REQUEST(guest_filesystem_call(vm, fs_call(Op::READ_DIR, std::move(path))));
  if (!result.entries.has_value()) return client_failure(kUnexpectedResponse, "READ_DIR result has no entries");
  return std::move(*result.entries);
}

Result<void> Client::remove_file(const VmHandle& vm, std::string path) {
  return fs_void(vm, fs_call(Op::REMOVE_FILE, std::move(path)));
}

Result<void> Client::remove_dir(const VmHandle& vm, std::string path, bool recursive) {
  auto request = fs_call(Op::REMOVE_DIR, std::move(path));
  request.recursive = recursive;
  return fs_void(vm, std::move(request));
}

Result<void> Client::rename(const VmHandle& vm, std::string from, std::string to) {
  auto request = fs_call(Op::RENAME, std::move(from));
  request.destination_path = std::move(to);
  return fs_void(vm, std::move(request));
}

Result<std::string> Client::realpath(const VmHandle& vm, std::string path) {
  auto result = TRY_REQUEST(guest_filesystem_call(vm, fs_call(Op::REALPATH, std::move(path))));
  if (!result.target.has_value()) return client_failure(kUnexpectedResponse, "REALPATH result has no target");
  return std::move(*result.target);
}

Result<void> Client::symlink(const VmHandle& vm, std::string target, std::string link_path) {
  auto request = fs_call(Op::SYMLINK, std::move(link_path));
  request.target = std::move(target);
  return fs_void(vm, std::move(request));
}

Result<std::string> Client::read_link(const VmHandle& vm, std::string path) {
  auto result = TRY_REQUEST(guest_filesystem_call(vm, fs_call(Op::READ_LINK, std::move(path))));
  if (!result.target.has_value()) return client_failure(kUnexpectedResponse, "READ_LINK result has no target");
  return std::move(*result.target);
}

Result<void> Client::link(const VmHandle& vm, std::string existing_path, std::string new_path) {
  auto request = fs_call(Op::LINK, std::move(existing_path));
  request.destination_path = std::move(new_path);
  return fs_void(vm, std::move(request));
}

Result<void> Client::chmod(const VmHandle& vm, std::string path, uint32_t mode) {
  auto request = fs_call(Op::CHMOD, std::move(path));
  request.mode = mode;
  return fs_void(vm, std::move(request));
}

Result<void> Client::chown(const VmHandle& vm, std::string path, uint32_t uid, uint32_t gid) {
  auto request = fs_call(Op::CHOWN, std::move(path));
  request.uid = uid;
  request.gid = gid;
  return fs_void(vm, std::move(request));
}

Result<void> Client::utimes(const VmHandle& vm, std::string path, uint64_t atime_ms, uint64_t mtime_ms) {
  auto request = fs_call(Op::UTIMES, std::move(path));
  request.atime_ms = atime_ms;
  request.mtime_ms = mtime_ms;
  return fs_void(vm, std::move(request));
}

Result<void> Client::truncate(const VmHandle& vm, std::string path, uint64_t length) {
  auto request = fs_call(Op::TRUNCATE, std::move(path));
  request.len = length;
  return fs_void(vm, std::move(request));
}

Result<wire::ProcessStartedResponse> Client::execute(const VmHandle& vm, wire::ExecuteRequest request) {
  return expect<wire::ProcessStartedResponse>(vm.ownership(), std::move(request));
}

Result<ProcessResult> Client::wait_process(const VmHandle& vm, const std::string& process_id,
                                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto is_process_event = [&](const wire::EventFrame& event) {
    if (!event_is_for_vm(event, vm.vm_id)) return false;
    if (const auto* output = std::get_if<wire::ProcessOutputEvent>(&event.payload)) {
      return output->process_id == process_id;
    }
    if (const auto* exited = std::get_if<wire::ProcessExitedEvent>(&event.payload)) {
      return exited->process_id == process_id;
    }
    return false;
  };
  ProcessResult result;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline > now ? deadline - now : std::chrono::steady_clock::duration::zero());
    auto event = connection_->wait_event(is_process_event, remaining);
    if (!event.has_value()) {
      return client_failure(kTimeout, "process " + process_id + " in " + vm.vm_id + " did not exit within " +
                                          std::to_string(timeout.count()) + " ms");
    }
    if (const auto* output = std::get_if<wire::ProcessOutputEvent>(&event->payload)) {
      auto& sink = output->channel == wire::StreamChannel::STDOUT ? result.stdout_bytes : result.stderr_bytes;
      sink.append(output->chunk.begin(), output->chunk.end());
      continue;
    }
    result.exit_code = std::get<wire::ProcessExitedEvent>(event->payload).exit_code;
    return result;
  }
}

Result<wire::StdinWrittenResponse> Client::write_stdin(const VmHandle& vm, std::string process_id, wire::Bytes chunk) {
  wire::WriteStdinRequest request;
  request.process_id = std::move(process_id);
  request.chunk = std::move(chunk);
  return expect<wire::StdinWrittenResponse>(vm.ownership(), std::move(request));
}

Result<wire::StdinClosedResponse> Client::close_stdin(const VmHandle& vm, std::string process_id) {
  wire::CloseStdinRequest request;
  request.process_id = std::move(process_id);
  return expect<wire::StdinClosedResponse>(vm.ownership(), std::move(request));
}

Result<std::string> Client::terminal_request(const VmHandle& vm, std::string payload_json) {
  wire::ExtEnvelope request;
  request.namespace_ = kTerminalExtension;
  request.payload.assign(payload_json.begin(), payload_json.end());
  wire::ExtEnvelope response = TRY_REQUEST(expect<wire::ExtEnvelope>(vm.ownership(), std::move(request)));
  return std::string(response.payload.begin(), response.payload.end());
}

namespace {

// A terminal request payload; process ids are JSON-escaped by nlohmann.
std::string terminal_payload(const char* op, std::string process_id, uint16_t rows, uint16_t cols) {
  return nlohmann::json{{"op", op}, {"processId", std::move(process_id)}, {"rows", rows}, {"cols", cols}}.dump();
}

}  // namespace

Result<void> Client::open_terminal(const VmHandle& vm, std::string process_id, uint16_t rows, uint16_t cols) {
  [[maybe_unused]] std::string result =
      TRY_REQUEST(terminal_request(vm, terminal_payload("open", std::move(process_id), rows, cols)));
  return {};
}

Result<void> Client::resize_terminal(const VmHandle& vm, std::string process_id, uint16_t rows, uint16_t cols) {
  [[maybe_unused]] std::string result =
      TRY_REQUEST(terminal_request(vm, terminal_payload("resize", std::move(process_id), rows, cols)));
  return {};
}

Result<wire::ProcessKilledResponse> Client::kill_process(const VmHandle& vm, std::string process_id,
                                                         std::string signal) {
  wire::KillProcessRequest request;
  request.process_id = std::move(process_id);
  request.signal = std::move(signal);
  return expect<wire::ProcessKilledResponse>(vm.ownership(), std::move(request));
}

Result<wire::ProcessSnapshotResponse> Client::get_process_snapshot(const VmHandle& vm) {
  return expect<wire::ProcessSnapshotResponse>(vm.ownership(), wire::GetProcessSnapshotRequest{});
}

Result<wire::SignalStateResponse> Client::get_signal_state(const VmHandle& vm, std::string process_id) {
  wire::GetSignalStateRequest request;
  request.process_id = std::move(process_id);
  return expect<wire::SignalStateResponse>(vm.ownership(), std::move(request));
}

Result<uint64_t> Client::get_zombie_timer_count(const VmHandle& vm) {
  auto count = TRY_REQUEST(expect<wire::ZombieTimerCountResponse>(vm.ownership(), wire::GetZombieTimerCountRequest{}));
  return count.count;
}

Result<wire::ListenerSnapshotResponse> Client::find_listener(const VmHandle& vm, wire::FindListenerRequest request) {
  return expect<wire::ListenerSnapshotResponse>(vm.ownership(), std::move(request));
}

Result<wire::BoundUdpSnapshotResponse> Client::find_bound_udp(const VmHandle& vm, wire::FindBoundUdpRequest request) {
  return expect<wire::BoundUdpSnapshotResponse>(vm.ownership(), std::move(request));
}

Result<wire::VmFetchResponse> Client::vm_fetch(const VmHandle& vm, wire::VmFetchRequest request) {
  return expect<wire::VmFetchResponse>(vm.ownership(), std::move(request));
}

}  // namespace se::client
