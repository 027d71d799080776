// ConfigureVm's mount step (spec/protocol.md s3.6 steps 4-6, s10): the requested mounts plus the
// moduleAccessCwd auto-mounts replace every mount configured before, through the built-in plugin
// registry (kernel/mount/plugin_registry.h).
// Thread-safety: call from the dispatcher; takes the VM lock around the filesystem changes (guest
// threads use the same filesystem).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/rejection.h"
#include "wire/protocol.h"

namespace se::service {

class Vm;

// Returns the number of effective mounts. Failures: a config that is not JSON -> invalid_state
// "mount plugin config for {id} is not valid JSON: {reason}"; a plugin that cannot open ->
// plugin_error "{ERRNO}: {text}"; a mount or unmount the mount table refuses (unmount's EINVAL
// excepted) -> kernel_error. Mounts made before a failure stay, as in the reference.
Handled<uint32_t> replace_mounts(Vm& vm, const std::vector<wire::MountDescriptor>& mounts,
                                 const std::optional<std::string>& module_access_cwd);

}  // namespace se::service
