#include "service/service.h"

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "config/create_vm_config.h"
#include "service/filesystem_call.h"
#include "service/layer_requests.h"
#include "service/mount_requests.h"
#include "service/socket_queries.h"
#include "service/terminal_extension.h"
#include "service/wire_mapping.h"
#include "wire/frame.h"

namespace se::service {
namespace {

constexpr const char* kSidecarId = "secure-exec-sidecar";
constexpr const char* kUnsupportedDirection =
    "host callback request categories are sidecar-to-host only in this scaffold";

std::string numbered(const char* prefix, uint64_t& counter) {
  std::string id = prefix;
  id.append(std::to_string(counter++));
  return id;
}

wire::EventPayload lifecycle(wire::VmLifecycleState state) {
  return wire::VmLifecycleEvent{.state = state};
}

wire::OwnershipScope vm_scope(const VmIdentity& identity) {
  return wire::VmOwnership{
      .connection_id = identity.connection_id, .session_id = identity.session_id, .vm_id = identity.vm_id};
}

// Requests whose subsystem arrives in a later issue: an honest rejection naming the request.
template <typename Payload>
constexpr const char* later_request_name() {
  if constexpr (std::is_same_v<Payload, wire::RegisterHostCallbacksRequest>)
    return "RegisterHostCallbacks";
  else if constexpr (std::is_same_v<Payload, wire::VmFetchRequest>)
    return "VmFetch";
  else
    return nullptr;
}

template <typename Query>
std::string socket_resource(const char* scheme, const Query& query) {
  std::string resource = scheme;
  resource.append("://").append(query.host ? *query.host : "*").append(":");
  resource.append(query.port ? std::to_string(*query.port) : "*");
  return resource;
}

// Inspection requests need an explicit allow (spec/protocol.md s3.14-3.15).
Handled<void> require_inspection(Vm& vm, config::PermissionDomain domain, const std::string& resource) {
  kernel::PermissionDecision decision = vm.permissions().check(domain, "inspect", resource);
  if (!decision.allowed) {
    return reject("execution_error", "EACCES: permission denied, " + resource + ": " + decision.reason);
  }
  return {};
}

}  // namespace

Service::HandlerOutput Service::respond(wire::ResponsePayload response) {
  HandlerOutput output;
  output.response = std::move(response);
  return output;
}

Service::Service(ServiceOptions options) : options_(std::move(options)) {}

Service::~Service() {
  shutdown();
}

void Service::shutdown() {
  vms_.clear();
}

void Service::run_deferred() {
  if (auto action = std::exchange(deferred_, nullptr)) action();
}

ErrorOr<runtime::js::JsEngine*> Service::js_engine() {
  if (options_.js_engine == nullptr) return fail(ENOSYS, "JavaScript runtime unavailable: none configured");
  return options_.js_engine->engine();
}

std::vector<wire::ProtocolFrame> Service::handle(const wire::RequestFrame& request) {
  std::vector<wire::ProtocolFrame> frames;
  wire::ResponseFrame response;
  response.schema = wire::current_schema();
  response.request_id = request.request_id;
  response.ownership = request.ownership;

  Handled<HandlerOutput> output = dispatch(request);
  if (!output) {
    response.payload = wire::RejectedResponse{.code = output.error().code, .message = output.error().message};
    frames.emplace_back(std::move(response));
    return frames;
  }
  if (output->response_ownership) response.ownership = *output->response_ownership;
  deferred_ = std::move(output->after_response);
  response.payload = std::move(output->response);
  frames.reserve(1 + output->events.size());
  frames.emplace_back(std::move(response));
  for (auto& event : output->events) {
    frames.emplace_back(wire::EventFrame{
        .schema = wire::current_schema(), .ownership = output->event_ownership, .payload = std::move(event)});
  }
  return frames;
}

Handled<Service::HandlerOutput> Service::dispatch(const wire::RequestFrame& request) {
  const wire::OwnershipScope& scope = request.ownership;
  return std::visit(
      [&](const auto& payload) -> Handled<HandlerOutput> {
        using Payload = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<Payload, wire::AuthenticateRequest>) {
          return authenticate(scope, payload);
        } else if constexpr (std::is_same_v<Payload, wire::OpenSessionRequest>) {
          return open_session(scope, payload);
        } else if constexpr (std::is_same_v<Payload, wire::CreateVmRequest>) {
          return create_vm(scope, payload);
        } else if constexpr (std::is_same_v<Payload, wire::HostFilesystemCallRequest> ||
                             std::is_same_v<Payload, wire::PersistenceLoadRequest> ||
                             std::is_same_v<Payload, wire::PersistenceFlushRequest>) {
          return reject("unsupported_direction", kUnsupportedDirection);
        } else if constexpr (std::is_same_v<Payload, wire::ExtEnvelope>) {
          if (payload.namespace_ != kTerminalExtensionNamespace) {
            return reject("unknown_extension", "no extension registered for namespace " + payload.namespace_);
          }
          Vm* vm = TRY_HANDLED(require_vm(scope));
          return respond(TRY_HANDLED(handle_terminal_extension(*vm->execution, payload)));
        } else {
          Vm* vm = TRY_HANDLED(require_vm(scope));
          if constexpr (std::is_same_v<Payload, wire::DisposeVmRequest>) {
            return dispose_vm(*vm);
          } else if constexpr (std::is_same_v<Payload, wire::ConfigureVmRequest>) {
            return configure_vm(*vm, payload);
          } else if constexpr (std::is_same_v<Payload, wire::BootstrapRootFilesystemRequest>) {
            return bootstrap_root_filesystem(*vm, payload);
          } else if constexpr (std::is_same_v<Payload, wire::SnapshotRootFilesystemRequest>) {
            return snapshot_root_filesystem(*vm);
          } else if constexpr (std::is_same_v<Payload, wire::ExecuteRequest>) {
            HandlerOutput output;
            output.response = TRY_HANDLED(vm->execution->execute(payload, output.after_response));
            return output;
          } else if constexpr (std::is_same_v<Payload, wire::WriteStdinRequest>) {
            return respond(TRY_HANDLED(vm->execution->write_stdin(payload)));
          } else if constexpr (std::is_same_v<Payload, wire::CloseStdinRequest>) {
            return respond(TRY_HANDLED(vm->execution->close_stdin(payload)));
          } else if constexpr (std::is_same_v<Payload, wire::KillProcessRequest>) {
            return respond(TRY_HANDLED(vm->execution->kill(payload)));
          } else if constexpr (std::is_same_v<Payload, wire::GetProcessSnapshotRequest>) {
            TRY_HANDLED(require_inspection(*vm, config::PermissionDomain::Process, "process://snapshot"));
            return respond(vm->execution->snapshot());
          } else if constexpr (std::is_same_v<Payload, wire::FindListenerRequest>) {
            std::string resource = payload.path ? "unix://" + *payload.path : socket_resource("tcp", payload);
            TRY_HANDLED(require_inspection(*vm, config::PermissionDomain::Network, resource));
            return respond(
                wire::ListenerSnapshotResponse{.listener = find_listener(vm->execution->socket_owners(), payload)});
          } else if constexpr (std::is_same_v<Payload, wire::FindBoundUdpRequest>) {
            TRY_HANDLED(require_inspection(*vm, config::PermissionDomain::Network, socket_resource("udp", payload)));
            return respond(
                wire::BoundUdpSnapshotResponse{.socket = find_bound_udp(vm->execution->socket_owners(), payload)});
          } else if constexpr (std::is_same_v<Payload, wire::GetSignalStateRequest>) {
            // Unknown processes report no handlers (spec/protocol.md s3.16).
            return respond(wire::SignalStateResponse{.process_id = payload.process_id, .handlers = {}});
          } else if constexpr (std::is_same_v<Payload, wire::GetZombieTimerCountRequest>) {
            return respond(wire::ZombieTimerCountResponse{.count = vm->execution->zombie_timer_count()});
          } else if constexpr (std::is_same_v<Payload, wire::GuestFilesystemCallRequest>) {
            return respond(TRY_HANDLED(handle_guest_filesystem_call(*vm, payload)));
          } else if constexpr (kIsLayerRequest<Payload>) {
            return respond(TRY_HANDLED(handle_layer_request(vm->layers(), payload)));
          } else {
            static_assert(later_request_name<Payload>() != nullptr, "every request kind must be handled");
            return reject("unsupported",
                          std::string(later_request_name<Payload>()) + " is not supported by this sidecar yet");
          }
        }
      },
      request.payload);
}

Handled<const Service::Connection*> Service::require_connection(const wire::OwnershipScope& scope) {
  const auto* connection_scope = std::get_if<wire::ConnectionOwnership>(&scope);
  if (!connection_scope) return invalid_state("request requires connection ownership scope");
  auto found = connections_.find(connection_scope->connection_id);
  if (found == connections_.end()) {
    return invalid_state("connection " + connection_scope->connection_id + " has not authenticated");
  }
  return &found->second;
}

Handled<const Service::Session*> Service::require_session(const wire::OwnershipScope& scope) {
  const auto* session_scope = std::get_if<wire::SessionOwnership>(&scope);
  if (!session_scope) return invalid_state("request requires session ownership scope");
  if (!connections_.contains(session_scope->connection_id)) {
    return invalid_state("connection " + session_scope->connection_id + " has not authenticated");
  }
  auto found = sessions_.find(session_scope->session_id);
  if (found == sessions_.end()) return invalid_state("unknown sidecar session " + session_scope->session_id);
  if (found->second.connection_id != session_scope->connection_id) {
    return invalid_state("session " + session_scope->session_id + " is not owned by connection " +
                         session_scope->connection_id);
  }
  return &found->second;
}

Handled<Vm*> Service::require_vm(const wire::OwnershipScope& scope) {
  const auto* vm_scope = std::get_if<wire::VmOwnership>(&scope);
  if (!vm_scope) return invalid_state("request requires VM ownership scope");
  if (!connections_.contains(vm_scope->connection_id)) {
    return invalid_state("connection " + vm_scope->connection_id + " has not authenticated");
  }
  auto session = sessions_.find(vm_scope->session_id);
  if (session == sessions_.end()) return invalid_state("unknown sidecar session " + vm_scope->session_id);
  if (session->second.connection_id != vm_scope->connection_id) {
    return invalid_state("session " + vm_scope->session_id + " is not owned by connection " + vm_scope->connection_id);
  }
  auto vm = vms_.find(vm_scope->vm_id);
  if (vm == vms_.end()) return invalid_state("unknown sidecar VM " + vm_scope->vm_id);
  const VmIdentity& identity = vm->second->identity();
  if (identity.connection_id != vm_scope->connection_id || identity.session_id != vm_scope->session_id) {
    return invalid_state("VM " + vm_scope->vm_id + " is not owned by " + vm_scope->connection_id + "/" +
                         vm_scope->session_id);
  }
  return vm->second.get();
}

Handled<Service::HandlerOutput> Service::authenticate(const wire::OwnershipScope& scope,
                                                      const wire::AuthenticateRequest& request) {
  if (!std::holds_alternative<wire::ConnectionOwnership>(scope)) {
    return invalid_state("request requires connection ownership scope");
  }
  if (options_.auth_token && request.auth_token != *options_.auth_token) {
    return reject("unauthorized", "authenticate request provided an invalid auth token");
  }
  if (request.protocol_version != wire::kProtocolVersion) {
    return reject("protocol_version_mismatch", "sidecar protocol version mismatch: expected " +
                                                   std::to_string(wire::kProtocolVersion) + ", got " +
                                                   std::to_string(request.protocol_version));
  }
  if (request.bridge_version != wire::kBridgeVersion) {
    return reject("bridge_version_mismatch", "bridge contract version mismatch: expected " +
                                                 std::to_string(wire::kBridgeVersion) + ", got " +
                                                 std::to_string(request.bridge_version));
  }
  std::string connection_id = numbered("conn-", next_connection_);
  connections_.emplace(connection_id, Connection{.id = connection_id});
  HandlerOutput output;
  output.response = wire::AuthenticatedResponse{
      .sidecar_id = kSidecarId, .connection_id = connection_id, .max_frame_bytes = wire::kMaxFrameBytes};
  output.response_ownership = wire::ConnectionOwnership{.connection_id = connection_id};
  return output;
}

Handled<Service::HandlerOutput> Service::open_session(const wire::OwnershipScope& scope,
                                                      const wire::OpenSessionRequest&) {
  const Connection* connection = TRY_HANDLED(require_connection(scope));
  std::string session_id = numbered("session-", next_session_);
  sessions_.emplace(session_id, Session{.id = session_id, .connection_id = connection->id});
  HandlerOutput output;
  output.response = wire::SessionOpenedResponse{.session_id = session_id, .owner_connection_id = connection->id};
  return output;
}

Handled<Service::HandlerOutput> Service::create_vm(const wire::OwnershipScope& scope,
                                                   const wire::CreateVmRequest& request) {
  const Session* session = TRY_HANDLED(require_session(scope));
  auto parsed = config::parse_create_vm_config(request.config);
  if (!parsed) return invalid_state(parsed.error().message);

  VmIdentity identity{
      .vm_id = numbered("vm-", next_vm_), .connection_id = session->connection_id, .session_id = session->id};
  std::unique_ptr<Vm> vm = TRY_HANDLED(Vm::create(identity, request.runtime, std::move(*parsed)));
  vm->execution = std::make_unique<Execution>(*vm, options_.event_sink, [this] { return js_engine(); });
  // Isolates for this VM's heap limit are restored in the background from now on (once the engine
  // is loaded), so its first Execute finds one ready.
  if (options_.js_engine != nullptr) options_.js_engine->prewarm(vm->config().limits.js_runtime.v8_heap_limit_mb);
  vms_.emplace(identity.vm_id, std::move(vm));

  HandlerOutput output;
  output.response = wire::VmCreatedResponse{.vm_id = identity.vm_id};
  output.events = {lifecycle(wire::VmLifecycleState::CREATING), lifecycle(wire::VmLifecycleState::READY)};
  output.event_ownership = vm_scope(identity);
  return output;
}

Handled<Service::HandlerOutput> Service::dispose_vm(Vm& vm) {
  std::string vm_id = vm.id();
  HandlerOutput output;
  output.event_ownership = vm_scope(vm.identity());
  output.events.push_back(lifecycle(wire::VmLifecycleState::DISPOSING));
  for (auto& event : vm.execution->terminate_all()) output.events.push_back(std::move(event));
  output.events.push_back(lifecycle(wire::VmLifecycleState::DISPOSED));
  vms_.erase(vm_id);
  output.response = wire::VmDisposedResponse{.vm_id = vm_id};
  return output;
}

Handled<Service::HandlerOutput> Service::configure_vm(Vm& vm, const wire::ConfigureVmRequest& request) {
  std::optional<config::PermissionsPolicy> policy;
  if (request.permissions) {
    policy = policy_from_wire(*request.permissions);
    if (auto problem = config::validate_permissions_policy(*policy)) return invalid_state(*problem);
  }
  // Mounts are the client's configuration, applied without policy checks; a failure keeps the
  // previous policy (spec/protocol.md s3.6 step 8).
  const uint32_t applied_mounts = TRY_HANDLED(replace_mounts(vm, request.mounts, request.module_access_cwd));
  if (policy) vm.permissions().set_policy(std::move(*policy));
  vm.command_permissions = request.command_permissions;
  vm.configured_loopback_exempt_ports = request.loopback_exempt_ports;
  HandlerOutput output;
  output.response = wire::VmConfiguredResponse{.applied_mounts = applied_mounts,
                                               .applied_software = static_cast<uint32_t>(request.software.size())};
  return output;
}

Handled<Service::HandlerOutput> Service::bootstrap_root_filesystem(
    Vm& vm, const wire::BootstrapRootFilesystemRequest& request) {
  std::vector<kernel::FsEntry> entries;
  entries.reserve(request.entries.size());
  for (const auto& entry : request.entries) {
    auto materialized = kernel::materialize_entry(entry_from_wire(entry));
    if (!materialized) return invalid_state(materialized.error().message);
    entries.push_back(std::move(*materialized));
  }
  {
    std::lock_guard lock(vm.lock());  // guest threads use the same filesystem
    TRY_KERNEL(vm.filesystem().apply_entries(entries));
  }
  HandlerOutput output;
  output.response =
      wire::RootFilesystemBootstrappedResponse{.entry_count = static_cast<uint32_t>(request.entries.size())};
  return output;
}

Handled<Service::HandlerOutput> Service::snapshot_root_filesystem(Vm& vm) {
  std::unique_lock lock(vm.lock());  // guest threads use the same filesystem
  auto entries = TRY_KERNEL(vm.filesystem().snapshot());
  lock.unlock();
  HandlerOutput output;
  output.response = wire::RootFilesystemSnapshotResponse{.entries = entries_to_wire(entries)};
  return output;
}

}  // namespace se::service
