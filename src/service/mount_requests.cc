#include "service/mount_requests.h"

#include <mutex>
#include <utility>

#include "kernel/mount/module_access_mounts.h"
#include "kernel/mount/plugin_registry.h"
#include "kernel/vfs/path.h"
#include "service/vm.h"

namespace se::service {

namespace {

using kernel::mount::PlannedMount;

Handled<std::vector<PlannedMount>> effective_mounts(const std::vector<wire::MountDescriptor>& mounts,
                                                    const std::optional<std::string>& module_access_cwd) {
  std::vector<PlannedMount> planned;
  bool targets_module_path = false;
  for (const wire::MountDescriptor& descriptor : mounts) {
    nlohmann::json config;
    try {
      config = nlohmann::json::parse(descriptor.plugin.config);
    } catch (const nlohmann::json::exception& error) {
      // nlohmann prefixes "[json.exception.parse_error.101] "; the rest carries the position.
      std::string_view reason = error.what();
      if (size_t end = reason.find("] "); reason.starts_with("[json.") && end != std::string_view::npos) {
        reason.remove_prefix(end + 2);
      }
      return invalid_state("mount plugin config for " + descriptor.plugin.id +
                           " is not valid JSON: " + std::string(reason));
    }
    std::string guest_path = kernel::vfs::normalize_path(descriptor.guest_path);
    targets_module_path = targets_module_path || guest_path == kernel::mount::kModuleAccessGuestPath;
    planned.push_back(PlannedMount{.guest_path = std::move(guest_path),
                                   .plugin_id = descriptor.plugin.id,
                                   .config = std::move(config),
                                   .read_only = descriptor.read_only});
  }
  if (module_access_cwd && !targets_module_path) {
    auto automatic = kernel::mount::module_access_mounts(*module_access_cwd);
    if (!automatic) return kernel_error(automatic.error());
    for (PlannedMount& mount : *automatic) planned.push_back(std::move(mount));
  }
  return planned;
}

}  // namespace

Handled<uint32_t> replace_mounts(Vm& vm, const std::vector<wire::MountDescriptor>& mounts,
                                 const std::optional<std::string>& module_access_cwd) {
  const std::vector<PlannedMount> planned = TRY_HANDLED(effective_mounts(mounts, module_access_cwd));
  const config::ResourceLimits& limits = vm.config().limits.resources;
  std::lock_guard lock(vm.lock());
  kernel::VmFilesystem& fs = vm.filesystem();
  // Table order is longest path first, so nested mounts go before the mounts holding them.
  for (const kernel::mount::MountInfo& existing : fs.mounts()) {
    if (existing.path == "/") continue;
    auto removed = fs.unmount(existing.path);
    if (!removed && removed.error().errno_code != EINVAL) return kernel_error(removed.error());
  }
  for (const PlannedMount& mount : planned) {
    const kernel::mount::PluginOpenRequest request{
        .guest_path = mount.guest_path,
        .config = mount.config,
        .max_read_bytes = limits.max_pread_bytes,
        .memory_limits = kernel::vfs::FsLimits{limits.max_filesystem_bytes, limits.max_inode_count}};
    auto opened = kernel::mount::PluginRegistry::builtin().open(mount.plugin_id, request);
    if (!opened) return reject("plugin_error", opened.error().to_string());
    TRY_KERNEL(
        fs.mount(mount.guest_path, std::move(opened->fs), mount.plugin_id, mount.read_only || opened->read_only));
  }
  return static_cast<uint32_t>(planned.size());
}

}  // namespace se::service
