// ConfigureVm's moduleAccessCwd (spec/protocol.md s3.6 step 4): the host project's node_modules
// mounted read-only at /root/node_modules, plus one read-only host_dir mount per symlinked package
// (top level or @scope/name) at its guest path, because a symlinked package's files live outside
// node_modules, where the module_access mount's confinement would refuse them.
// Thread-safety: pure function of the host filesystem.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace se::kernel::mount {

inline constexpr std::string_view kModuleAccessGuestPath = "/root/node_modules";

struct PlannedMount {
  std::string guest_path;
  std::string plugin_id;
  nlohmann::json config;
  bool read_only = true;
};

// Nothing when `<cwd>/node_modules` is not an existing directory (a relative cwd is taken from the
// sidecar's working directory). Otherwise the module_access mount {"hostPath": <absolute path>}
// first, then the package mounts in byte-wise name order; dot entries are skipped and so are
// symlinks whose canonical target is not a directory. Host errors while listing are EIO-class
// failures of the host ("...: {strerror}").
ErrorOr<std::vector<PlannedMount>> module_access_mounts(std::string_view cwd);

}  // namespace se::kernel::mount
