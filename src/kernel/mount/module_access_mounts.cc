#include "kernel/mount/module_access_mounts.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

namespace se::kernel::mount {

namespace {

namespace fs = std::filesystem;

Unexpected host_failure(const fs::path& path, const std::error_code& error) {
  return fail(error.value(), "module access scan of " + path.string() + ": " + error.message());
}

// Names in `directory`, byte-wise sorted, without dot entries.
ErrorOr<std::vector<std::string>> entry_names(const fs::path& directory) {
  std::error_code error;
  std::vector<std::string> names;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with('.')) names.push_back(std::move(name));
  }
  if (error) return host_failure(directory, error);
  std::sort(names.begin(), names.end());
  return names;
}

// A host_dir mount for `entry` when it is a symlink to a directory.
void add_if_linked_package(const fs::path& entry, const std::string& guest_name, std::vector<PlannedMount>& mounts) {
  std::error_code error;
  if (!fs::is_symlink(fs::symlink_status(entry, error)) || error) return;
  const fs::path target = fs::canonical(entry, error);
  if (error || !fs::is_directory(target, error) || error) return;
  mounts.push_back(PlannedMount{.guest_path = std::string(kModuleAccessGuestPath) + "/" + guest_name,
                                .plugin_id = "host_dir",
                                .config = {{"hostPath", target.string()}, {"readOnly", true}},
                                .read_only = true});
}

}  // namespace

ErrorOr<std::vector<PlannedMount>> module_access_mounts(std::string_view cwd) {
  std::error_code error;
  const fs::path root = fs::absolute(fs::path(cwd) / "node_modules", error);
  if (error) return host_failure(fs::path(cwd), error);
  if (!fs::is_directory(root, error) || error) return std::vector<PlannedMount>{};

  std::vector<PlannedMount> mounts;
  mounts.push_back(PlannedMount{.guest_path = std::string(kModuleAccessGuestPath),
                                .plugin_id = "module_access",
                                .config = {{"hostPath", root.string()}},
                                .read_only = true});
  for (const std::string& name : TRY(entry_names(root))) {
    const fs::path entry = root / name;
    if (name.starts_with('@') && !fs::is_symlink(fs::symlink_status(entry, error)) && fs::is_directory(entry, error)) {
      for (const std::string& scoped : TRY(entry_names(entry))) {
        add_if_linked_package(entry / scoped, name + "/" + scoped, mounts);
      }
      continue;
    }
    add_if_linked_package(entry, name, mounts);
  }
  return mounts;
}

}  // namespace se::kernel::mount
