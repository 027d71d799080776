// Mount plugins (spec/kernel.md s4.3-4.4, spec/protocol.md s10): factories, found by id, that open
// a filesystem from a JSON config. Built in: `memory` (a fresh in-memory filesystem, config
// ignored), `host_dir` {hostPath, readOnly?} and `module_access` {hostPath} (host directories, see
// host_dir_file_system.h; module_access is always read-only and its canonical root must be named
// node_modules). `js_bridge` needs sidecar-to-host requests, which this sidecar does not issue, so
// it fails with ENOSYS. Errors are the plugin's: config problems EINVAL, unknown ids ENOSYS
// "filesystem plugin is not registered: {id}".
// Thread-safety: a registry is immutable once built; open() may run on any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/error.h"
#include "kernel/vfs/file_system.h"

namespace se::kernel::mount {

struct PluginOpenRequest {
  std::string_view guest_path;
  const nlohmann::json& config;
  uint64_t max_read_bytes = 0;  // the VM's maxPreadBytes: the cap of one host read
  vfs::FsLimits memory_limits;  // the bounds of an in-memory filesystem
};

struct OpenedFileSystem {
  std::unique_ptr<vfs::FileSystem> fs;
  bool read_only = false;  // the plugin itself refuses changes (host_dir readOnly, module_access)
};

using PluginFactory = std::function<ErrorOr<OpenedFileSystem>(const PluginOpenRequest&)>;

class PluginRegistry {
 public:
  // The built-in plugins.
  static const PluginRegistry& builtin();

  // An id must be non-empty and match [A-Za-z0-9._-]+ (EINVAL "invalid filesystem plugin id:
  // {id}"); a registered one is EEXIST "filesystem plugin already registered: {id}".
  ErrorOr<void> add(std::string_view id, PluginFactory factory);
  ErrorOr<OpenedFileSystem> open(std::string_view id, const PluginOpenRequest& request) const;

 private:
  std::map<std::string, PluginFactory, std::less<>> factories_;
};

}  // namespace se::kernel::mount
