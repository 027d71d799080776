// One VM owned by a session: its configuration, permission policy, kernel filesystem and layer store.
// Later issues add the process table and runtimes here. Thread-safety: not thread-safe; the
// service's dispatcher serialises every call (guest runtime threads will take `lock()`).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/create_vm_config.h"
#include "kernel/layer_store.h"
#include "kernel/permission_engine.h"
#include "kernel/vm_filesystem.h"
#include "service/execution.h"
#include "service/rejection.h"
#include "wire/protocol.h"

namespace se::service {

struct VmIdentity {
  std::string vm_id;
  std::string connection_id;
  std::string session_id;
};

class Vm {
 public:
  // Builds the kernel state for a validated config: policy (deny-all when absent), filtered env,
  // root filesystem with lowers, base layer and bootstrap entries, command stubs.
  static Handled<std::unique_ptr<Vm>> create(VmIdentity identity, wire::GuestRuntimeKind runtime,
                                             config::CreateVmConfig config);

  const VmIdentity& identity() const { return identity_; }
  const std::string& id() const { return identity_.vm_id; }
  wire::GuestRuntimeKind runtime() const { return runtime_; }
  // The configuration as given, except the root filesystem's lowers and bootstrap entries, which
  // live on in the filesystem's layers once it is built (lowers are shared between VMs there).
  const config::CreateVmConfig& config() const { return config_; }
  const std::map<std::string, std::string>& env() const { return env_; }

  kernel::PermissionEngine& permissions() { return *permissions_; }
  kernel::VmFilesystem& filesystem() { return *filesystem_; }
  kernel::LayerStore& layers() { return layers_; }
  std::mutex& lock() { return lock_; }

  // ConfigureVm state that has no runtime effect yet but is reported back and kept per spec s3.6.
  std::map<std::string, wire::WasmPermissionTier> command_permissions;
  std::vector<uint16_t> configured_loopback_exempt_ports;

 private:
  Vm(VmIdentity identity, wire::GuestRuntimeKind runtime, config::CreateVmConfig config);

  VmIdentity identity_;
  wire::GuestRuntimeKind runtime_;
  config::CreateVmConfig config_;
  std::map<std::string, std::string> env_;
  // The engine is referenced by the filesystem, so it lives at a stable address.
  std::unique_ptr<kernel::PermissionEngine> permissions_;
  std::unique_ptr<kernel::VmFilesystem> filesystem_;
  kernel::LayerStore layers_;
  std::mutex lock_;

 public:
  // Guest processes; declared last so they stop before the filesystem and policy they use go away.
  std::unique_ptr<Execution> execution;
};

}  // namespace se::service
