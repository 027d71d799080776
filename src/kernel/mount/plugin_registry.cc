#include "kernel/mount/plugin_registry.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "kernel/mount/host_dir_file_system.h"
#include "kernel/vfs/memory_file_system.h"

namespace se::kernel::mount {

namespace {

bool valid_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char byte) {
    return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
           byte == '.' || byte == '_' || byte == '-';
  });
}

// The required string field `hostPath` of a plugin config.
ErrorOr<std::string> host_path_of(std::string_view plugin, const nlohmann::json& config) {
  if (!config.is_object() || !config.contains("hostPath") || !config["hostPath"].is_string()) {
    return fail(EINVAL, std::string(plugin) + " mount config requires a string hostPath");
  }
  return config["hostPath"].get<std::string>();
}

ErrorOr<OpenedFileSystem> open_memory(const PluginOpenRequest& request) {
  auto fs = std::make_unique<vfs::MemoryFileSystem>();
  fs->set_limits(request.memory_limits);
  return OpenedFileSystem{std::move(fs), false};
}

ErrorOr<OpenedFileSystem> open_host_dir(const PluginOpenRequest& request) {
  const std::string host_path = TRY(host_path_of("host_dir", request.config));
  bool read_only = false;
  if (request.config.contains("readOnly") && !request.config["readOnly"].is_null()) {
    if (!request.config["readOnly"].is_boolean())
      return fail(EINVAL, "host_dir mount config readOnly must be a boolean");
    read_only = request.config["readOnly"].get<bool>();
  }
  return OpenedFileSystem{TRY(HostDirFileSystem::open(host_path, request.max_read_bytes)), read_only};
}

ErrorOr<OpenedFileSystem> open_module_access(const PluginOpenRequest& request) {
  const std::string host_path = TRY(host_path_of("module_access", request.config));
  auto fs = TRY(HostDirFileSystem::open(host_path, request.max_read_bytes));
  if (std::filesystem::path(fs->host_root()).filename() != "node_modules") {
    return fail(EINVAL, "module_access roots must resolve to a node_modules directory: " + fs->host_root());
  }
  return OpenedFileSystem{std::move(fs), true};
}

ErrorOr<OpenedFileSystem> open_js_bridge(const PluginOpenRequest&) {
  return fail(ENOSYS, "js_bridge mounts need sidecar-to-host requests, which this sidecar does not issue");
}

}  // namespace

const PluginRegistry& PluginRegistry::builtin() {
  static const PluginRegistry registry = [] {
    PluginRegistry built;
    built.factories_ = {
        {"memory", open_memory},
        {"host_dir", open_host_dir},
        {"module_access", open_module_access},
        {"js_bridge", open_js_bridge},
    };
    return built;
  }();
  return registry;
}

ErrorOr<void> PluginRegistry::add(std::string_view id, PluginFactory factory) {
  if (!valid_id(id)) return fail(EINVAL, "invalid filesystem plugin id: " + std::string(id));
  if (factories_.contains(id)) return fail(EEXIST, "filesystem plugin already registered: " + std::string(id));
  factories_.emplace(std::string(id), std::move(factory));
  return {};
}

ErrorOr<OpenedFileSystem> PluginRegistry::open(std::string_view id, const PluginOpenRequest& request) const {
  auto found = factories_.find(id);
  if (found == factories_.end()) return fail(ENOSYS, "filesystem plugin is not registered: " + std::string(id));
  return found->second(request);
}

}  // namespace se::kernel::mount
