// The request handlers of the sidecar: owns connections, sessions and VMs, validates ownership,
// and turns each RequestFrame into its response followed by the events it caused
// (spec/protocol.md s3). Thread-safety: not thread-safe; the transport's dispatcher calls it from
// one thread, in request order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "runtime/js/js_engine.h"
#include "service/rejection.h"
#include "service/vm.h"
#include "wire/protocol.h"

namespace se::service {

// Where the JavaScript engine comes from: the sidecar loads it from its engine module in the
// background while the first requests are answered. Thread-safety: called from any thread (the
// dispatcher, and guest threads spawning child processes).
class JsEngineSource {
 public:
  virtual ~JsEngineSource() = default;
  // The engine, waiting for it to be loaded; an error naming the problem when it cannot be.
  virtual ErrorOr<runtime::js::JsEngine*> engine() = 0;
  // Keeps isolates with this heap limit warm as soon as the engine exists, without waiting for it.
  virtual void prewarm(size_t heap_limit_mib) = 0;
};

struct ServiceOptions {
  // Where asynchronous events (process output and exits) go; required for Execute.
  FrameSink* event_sink = nullptr;
  // The JavaScript engine; must outlive the service. Without one, Execute is rejected.
  JsEngineSource* js_engine = nullptr;
  // Expected Authenticate token (spec/README.md D4); unset accepts any token like the reference.
  std::optional<std::string> auth_token;
};

class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();

  // The response to `request` (same id; ownership copied from the request except for a successful
  // Authenticate) followed by the events it caused, in wire order.
  std::vector<wire::ProtocolFrame> handle(const wire::RequestFrame& request);
  // Runs what the last handled request deferred until its response was written (starting a
  // process, so that ProcessStartedResponse precedes the process's output).
  void run_deferred();

  // Disposes every VM without emitting frames (stdin EOF, spec/protocol.md s1.10).
  void shutdown();

  size_t vm_count() const { return vms_.size(); }

 private:
  struct Connection {
    std::string id;
  };
  struct Session {
    std::string id;
    std::string connection_id;
  };
  struct HandlerOutput {
    wire::ResponsePayload response;
    std::vector<wire::EventPayload> events;
    std::optional<wire::OwnershipScope> response_ownership;  // overrides the request's scope
    wire::OwnershipScope event_ownership;                    // the VM that produced `events`
    std::function<void()> after_response;
  };

  static HandlerOutput respond(wire::ResponsePayload response);
  Handled<HandlerOutput> dispatch(const wire::RequestFrame& request);

  Handled<HandlerOutput> authenticate(const wire::OwnershipScope& scope, const wire::AuthenticateRequest& request);
  Handled<HandlerOutput> open_session(const wire::OwnershipScope& scope, const wire::OpenSessionRequest& request);
  Handled<HandlerOutput> create_vm(const wire::OwnershipScope& scope, const wire::CreateVmRequest& request);
  Handled<HandlerOutput> dispose_vm(Vm& vm);
  Handled<HandlerOutput> configure_vm(Vm& vm, const wire::ConfigureVmRequest& request);
  Handled<HandlerOutput> bootstrap_root_filesystem(Vm& vm, const wire::BootstrapRootFilesystemRequest& request);
  Handled<HandlerOutput> snapshot_root_filesystem(Vm& vm);

  // Ownership chain of spec/protocol.md s1.6, in the reference's order and wording.
  Handled<const Connection*> require_connection(const wire::OwnershipScope& scope);
  Handled<const Session*> require_session(const wire::OwnershipScope& scope);
  Handled<Vm*> require_vm(const wire::OwnershipScope& scope);

  ErrorOr<runtime::js::JsEngine*> js_engine();

  ServiceOptions options_;
  std::function<void()> deferred_;
  uint64_t next_connection_ = 1;
  uint64_t next_session_ = 1;
  uint64_t next_vm_ = 1;
  std::map<std::string, Connection> connections_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, std::unique_ptr<Vm>> vms_;
};

}  // namespace se::service
