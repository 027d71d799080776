#include "service/vm.h"

#include <utility>

namespace se::service {

Vm::Vm(VmIdentity identity, wire::GuestRuntimeKind runtime, config::CreateVmConfig config)
    : identity_(std::move(identity)), runtime_(runtime), config_(std::move(config)) {}

Handled<std::unique_ptr<Vm>> Vm::create(VmIdentity identity, wire::GuestRuntimeKind runtime,
                                        config::CreateVmConfig config) {
  std::unique_ptr<Vm> vm(new Vm(std::move(identity), runtime, std::move(config)));
  vm->permissions_ = std::make_unique<kernel::PermissionEngine>(
      vm->config_.permissions.value_or(config::PermissionsPolicy::deny_all()));
  vm->env_ = kernel::filter_env(*vm->permissions_, vm->config_.env);

  auto filesystem =
      kernel::VmFilesystem::create(vm->config_.root_filesystem, vm->config_.limits.resources, *vm->permissions_);
  if (!filesystem) {
    const Error& error = filesystem.error();
    if (error.errno_code == 0) return invalid_state(error.message);
    return kernel_error(error);
  }
  vm->filesystem_ = std::move(*filesystem);
  vm->config_.root_filesystem.lowers = {};
  vm->config_.root_filesystem.bootstrap_entries = {};
  // Command stubs the reference shows under /bin (spec/protocol.md Appendix A), and /bin/sh for our
  // shell, so guests that look for it find it. A read-only root was populated before it locked,
  // so the stubs are written by create() there.
  for (const char* command : {"node", "wasm", "sh"}) {
    auto installed = vm->filesystem_->install_command_stub(command);
    if (!installed) return kernel_error(installed.error());
  }
  return vm;
}

}  // namespace se::service
