#include "kernel/mount/mount_table.h"

#include <algorithm>
#include <set>
#include <utility>

#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/path.h"

namespace se::kernel::mount {

namespace {

bool is_absence(const Error& error) {
  return error.errno_code == ENOENT || error.errno_code == ENOTDIR;
}

}  // namespace

MountTable::MountTable(std::unique_ptr<vfs::FileSystem> root, bool root_read_only) {
  mounts_.push_back(Mount{.path = "/", .plugin_id = "root", .read_only = root_read_only, .fs = std::move(root)});
}

MountTable::~MountTable() = default;

ErrorOr<void> MountTable::mount(std::string_view path, std::unique_ptr<vfs::FileSystem> fs, std::string plugin_id,
                                bool read_only) {
  const std::string normalized = vfs::normalize_path(path);
  if (normalized == "/") return fail(EINVAL, "cannot mount over root");
  for (const Mount& existing : mounts_) {
    if (existing.path == normalized) return fail(EEXIST, "already mounted at " + normalized);
  }
  if (mounts_.size() >= kMaxMounts) {
    return fail(ENOSPC, "mount table is full: at most " + std::to_string(kMaxMounts) + " mounts");
  }
  // The mountpoint directory only makes the mount visible in the holder's own listings; routing
  // does not need it, so a read-only holder simply goes without.
  Route holder = route(normalized);
  if (!holder.mount->read_only && !holder.mount->fs->stat(holder.relative, /*follow=*/true)) {
    TRY(holder.mount->fs->mkdir(holder.relative, vfs::Parents::Create, /*exist_ok=*/true));
  }
  Mount entry{.path = normalized, .plugin_id = std::move(plugin_id), .read_only = read_only, .fs = std::move(fs)};
  auto position = std::find_if(mounts_.begin(), mounts_.end(),
                               [&](const Mount& other) { return other.path.size() < normalized.size(); });
  mounts_.insert(position, std::move(entry));
  return {};
}

ErrorOr<void> MountTable::unmount(std::string_view path) {
  const std::string normalized = vfs::normalize_path(path);
  if (normalized == "/") return fail(EINVAL, "cannot unmount root");
  for (const Mount& other : mounts_) {
    if (vfs::is_strict_descendant(other.path, normalized)) {
      return fail(EBUSY, "mount point has child mounts: " + normalized);
    }
  }
  auto found =
      std::find_if(mounts_.begin(), mounts_.end(), [&](const Mount& other) { return other.path == normalized; });
  if (found == mounts_.end()) return fail(EINVAL, "not a mount point: " + normalized);
  mounts_.erase(found);
  return {};
}

std::vector<MountInfo> MountTable::mounts() const {
  std::vector<MountInfo> infos;
  infos.reserve(mounts_.size());
  for (const Mount& mount : mounts_) infos.push_back(MountInfo{mount.path, mount.plugin_id, mount.read_only});
  return infos;
}

const std::string& MountTable::mount_of(std::string_view path) const {
  return mounts_[route_index(path)].path;
}

size_t MountTable::route_index(std::string_view path) const {
  for (size_t index = 0; index + 1 < mounts_.size(); ++index) {
    if (path == mounts_[index].path || vfs::is_strict_descendant(path, mounts_[index].path)) return index;
  }
  return mounts_.size() - 1;
}

MountTable::Route MountTable::route(std::string_view path) {
  Mount& mount = mounts_[route_index(path)];
  if (mount.path == "/") return Route{&mount, std::string(path)};
  if (path.size() == mount.path.size()) return Route{&mount, "/"};
  return Route{&mount, std::string(path.substr(mount.path.size()))};
}

ErrorOr<MountTable::Route> MountTable::writable_route(std::string_view path) {
  Route routed = route(path);
  if (routed.mount->read_only) return vfs::read_only(routed.relative);
  return routed;
}

std::string MountTable::outer_path(const Mount& mount, std::string_view relative) {
  if (mount.path == "/") return std::string(relative);
  if (relative == "/") return mount.path;
  return mount.path + std::string(relative);
}

ErrorOr<std::string> MountTable::realpath(std::string_view path) {
  Route routed = route(path);
  return outer_path(*routed.mount, TRY(routed.mount->fs->realpath(routed.relative)));
}

ErrorOr<std::string> MountTable::resolve_destination(std::string_view path, bool follow_final) {
  Route routed = route(path);
  return outer_path(*routed.mount, TRY(routed.mount->fs->resolve_destination(routed.relative, follow_final)));
}

ErrorOr<FileStat> MountTable::stat(std::string_view path, bool follow) {
  Route routed = route(path);
  return routed.mount->fs->stat(routed.relative, follow);
}

ErrorOr<std::string> MountTable::read_link(std::string_view path) {
  Route routed = route(path);
  return routed.mount->fs->read_link(routed.relative);
}

ErrorOr<std::vector<std::string>> MountTable::read_dir(std::string_view path, uint64_t max_entries) {
  std::set<std::string, std::less<>> mountpoints;
  for (const Mount& mount : mounts_) {
    if (mount.path != "/" && mount.path != path && vfs::parent_path(mount.path) == path) {
      mountpoints.emplace(vfs::base_name(mount.path));
    }
  }
  Route routed = route(path);
  auto listed = routed.mount->fs->read_dir(routed.relative, max_entries);
  if (mountpoints.empty()) return listed;
  // A mountpoint under a read-only holder may have no directory there; its mounts still show.
  if (!listed && listed.error().errno_code != ENOENT) return listed;
  if (listed) mountpoints.insert(listed->begin(), listed->end());
  if (mountpoints.size() > max_entries) {
    return fail(ENOMEM, "directory listing for '" + std::string(path) + "' exceeds configured limit of " +
                            std::to_string(max_entries) + " entries");
  }
  return std::vector<std::string>(mountpoints.begin(), mountpoints.end());
}

ErrorOr<std::string> MountTable::read_file(std::string_view path) {
  Route routed = route(path);
  return routed.mount->fs->read_file(routed.relative);
}

ErrorOr<std::string> MountTable::pread(std::string_view path, uint64_t offset, uint64_t length) {
  Route routed = route(path);
  return routed.mount->fs->pread(routed.relative, offset, length);
}

ErrorOr<void> MountTable::write_file(std::string_view path, std::string_view data, vfs::Parents parents) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->write_file(routed.relative, data, parents);
}

ErrorOr<void> MountTable::pwrite(std::string_view path, uint64_t offset, std::string_view data) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->pwrite(routed.relative, offset, data);
}

ErrorOr<void> MountTable::truncate(std::string_view path, uint64_t length) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->truncate(routed.relative, length);
}

ErrorOr<void> MountTable::mkdir(std::string_view path, vfs::Parents parents, bool exist_ok) {
  Route routed = route(path);
  if (!routed.mount->read_only) return routed.mount->fs->mkdir(routed.relative, parents, exist_ok);
  // Linux reports an existing name before the read-only filesystem, so mkdir -p still passes.
  auto existing = routed.mount->fs->stat(routed.relative, /*follow=*/false);
  if (!existing) {
    if (is_absence(existing.error())) return vfs::read_only(routed.relative);
    return fail(std::move(existing).error());
  }
  if (exist_ok) {
    auto target = routed.mount->fs->stat(routed.relative, /*follow=*/true);
    if (target && target->is_directory) return {};
  }
  return vfs::file_exists(routed.relative);
}

ErrorOr<void> MountTable::symlink(std::string_view target, std::string_view link_path, vfs::Parents parents) {
  const std::string absolute_target = target.starts_with('/')
                                          ? vfs::normalize_path(target)
                                          : vfs::normalize_path(vfs::join_path(vfs::parent_path(link_path), target));
  if (mount_of(absolute_target) != mount_of(link_path)) {
    return fail(EXDEV, "symlink across mounts: " + std::string(link_path) + " -> " + std::string(target));
  }
  Route routed = TRY(writable_route(link_path));
  return routed.mount->fs->symlink(target, routed.relative, parents);
}

ErrorOr<void> MountTable::link(std::string_view existing_path, std::string_view new_path, vfs::Parents parents) {
  if (mount_of(existing_path) != mount_of(new_path)) {
    return fail(EXDEV, "link across mounts: " + std::string(existing_path) + " -> " + std::string(new_path));
  }
  Route source = route(existing_path);
  Route destination = TRY(writable_route(new_path));
  return destination.mount->fs->link(source.relative, destination.relative, parents);
}

ErrorOr<void> MountTable::remove_file(std::string_view path) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->remove_file(routed.relative);
}

ErrorOr<void> MountTable::remove_dir(std::string_view path, bool recursive) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->remove_dir(routed.relative, recursive);
}

ErrorOr<void> MountTable::rename(std::string_view from, std::string_view to, vfs::Parents parents) {
  if (mount_of(from) != mount_of(to)) {
    return fail(EXDEV, "rename across mounts: " + std::string(from) + " -> " + std::string(to));
  }
  Route source = TRY(writable_route(from));
  Route destination = route(to);
  return source.mount->fs->rename(source.relative, destination.relative, parents);
}

ErrorOr<void> MountTable::chmod(std::string_view path, uint32_t mode, bool follow) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->chmod(routed.relative, mode, follow);
}

ErrorOr<void> MountTable::chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->chown(routed.relative, uid, gid, follow);
}

ErrorOr<void> MountTable::utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) {
  Route routed = TRY(writable_route(path));
  return routed.mount->fs->utimes(routed.relative, atime_ms, mtime_ms);
}

std::vector<FsEntry> MountTable::export_entries() const {
  return root_mount().fs->export_entries();
}

vfs::FsUsage MountTable::usage() const {
  return root_mount().fs->usage();
}

void MountTable::set_limits(vfs::FsLimits limits) {
  root_mount().fs->set_limits(limits);
}

}  // namespace se::kernel::mount
