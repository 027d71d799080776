#include "kernel/vm_filesystem.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "kernel/builtin_layers.h"
#include "kernel/layer_builder.h"
#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/overlay_file_system.h"
#include "kernel/vfs/path.h"

namespace se::kernel {

namespace {

using config::PermissionDomain;
using vfs::checked_path;
using vfs::Parents;

constexpr std::string_view kCommandStub = "#!/bin/sh\n# kernel command stub\n";

Unexpected descriptor_too_large(uint64_t count, std::string_view unit, uint64_t limit) {
  return fail(Error::plain("root filesystem: root filesystem descriptor contains " + std::to_string(count) + " " +
                           std::string(unit) + ", exceeding limit " + std::to_string(limit)));
}

ErrorOr<std::vector<FsEntry>> materialize_all(const std::vector<config::RootFilesystemEntry>& configured,
                                              bool skip_synthesised) {
  std::vector<FsEntry> entries;
  entries.reserve(configured.size());
  for (const config::RootFilesystemEntry& item : configured) {
    FsEntry entry = TRY(materialize_entry(item));
    if (skip_synthesised && is_synthesised_path(entry.path)) continue;
    entries.push_back(std::move(entry));
  }
  sort_for_application(entries);
  return entries;
}

bool is_absence(const Error& error) {
  return error.errno_code == ENOENT || error.errno_code == ENOTDIR || error.errno_code == ELOOP;
}

}  // namespace

ErrorOr<std::unique_ptr<VmFilesystem>> VmFilesystem::create(const config::RootFilesystemConfig& config,
                                                            const config::ResourceLimits& limits,
                                                            const PermissionEngine& permissions) {
  // Entries of each configured lower that is not the bundled base (which is prebuilt), in order.
  std::vector<std::vector<FsEntry>> configured_lowers;
  uint64_t entry_count = 0;
  uint64_t byte_count = 0;
  auto count = [&](const std::vector<FsEntry>& entries) {
    entry_count += entries.size();
    for (const FsEntry& entry : entries) byte_count += entry.content.size() + entry.target.size();
  };
  for (const config::RootFilesystemLower& lower : config.lowers) {
    if (lower.bundled_base) {
      count(bundled_base_entries());
      continue;
    }
    configured_lowers.push_back(TRY(materialize_all(lower.entries, /*skip_synthesised=*/false)));
    count(configured_lowers.back());
  }
  if (!config.disable_default_base_layer) {
    count(bundled_base_entries());
  } else if (config.lowers.empty()) {
    count(minimal_root_entries());
  }
  const std::vector<FsEntry> bootstrap = TRY(materialize_all(config.bootstrap_entries, /*skip_synthesised=*/true));
  count(bootstrap);
  if (entry_count > limits.max_inode_count) return descriptor_too_large(entry_count, "entries", limits.max_inode_count);
  if (byte_count > limits.max_filesystem_bytes) {
    return descriptor_too_large(byte_count, "bytes", limits.max_filesystem_bytes);
  }

  std::vector<std::shared_ptr<const vfs::Layer>> layers;
  auto configured = configured_lowers.begin();
  for (const config::RootFilesystemLower& lower : config.lowers) {
    layers.push_back(lower.bundled_base ? bundled_base_layer() : TRY(build_layer(std::move(*configured++))));
  }
  if (!config.disable_default_base_layer) {
    layers.push_back(bundled_base_layer());
  } else if (layers.empty()) {
    layers.push_back(minimal_root_layer());
  }
  auto root = std::make_unique<vfs::OverlayFileSystem>(std::move(layers));
  TRY(kernel::apply_entries(*root, bootstrap, EntryConflicts::Fail));

  const vfs::FsUsage usage = root->usage();
  if (usage.inodes > limits.max_inode_count) {
    return descriptor_too_large(usage.inodes, "entries", limits.max_inode_count);
  }
  if (usage.bytes > limits.max_filesystem_bytes) {
    return descriptor_too_large(usage.bytes, "bytes", limits.max_filesystem_bytes);
  }
  root->set_limits(vfs::FsLimits{limits.max_filesystem_bytes, limits.max_inode_count});
  const bool read_only = config.mode == config::RootFilesystemMode::ReadOnly;
  return std::unique_ptr<VmFilesystem>(new VmFilesystem(std::move(root), limits, permissions, read_only));
}

VmFilesystem::VmFilesystem(std::unique_ptr<vfs::FileSystem> root, const config::ResourceLimits& limits,
                           const PermissionEngine& permissions, bool read_only)
    : root_(root.get()),
      permissions_(&permissions),
      max_readdir_entries_(limits.max_readdir_entries),
      max_pread_bytes_(limits.max_pread_bytes),
      writes_locked_(read_only) {
  mounts_ = std::make_unique<mount::MountTable>(std::move(root), read_only);
  publish_mounts();
}

bool VmFilesystem::root_locked(std::string_view path) const {
  return writes_locked_ && mounts_->mount_of(path) == "/";
}

ErrorOr<std::string> VmFilesystem::subject_of(Subject subject, const std::string& path) {
  switch (subject) {
    case Subject::Resolved:
      return mounts_->realpath(path);
    case Subject::Destination:
      return mounts_->resolve_destination(path, /*follow_final=*/false);
    case Subject::ExistingOrDestination:
      return mounts_->resolve_destination(path, /*follow_final=*/true);
  }
  return mounts_->realpath(path);
}

ErrorOr<void> VmFilesystem::authorize_subject(std::string_view op, std::string_view capability,
                                              const std::string& subject) const {
  PermissionDecision decision = permissions_->check(PermissionDomain::Fs, capability, subject);
  if (decision.allowed) return {};
  std::string message = "permission denied, ";
  message.append(op).append(" '").append(subject).append("': ").append(decision.reason);
  return fail(EACCES, std::move(message));
}

ErrorOr<void> VmFilesystem::authorize(std::string_view op, std::string_view capability, Subject subject,
                                      const std::string& path) {
  const std::string resolved = TRY(subject_of(subject, path));
  return authorize_subject(op, capability, resolved);
}

ErrorOr<void> VmFilesystem::ensure_writable(std::string_view path) const {
  if (root_locked(path)) return vfs::read_only(path);
  // /dev and /proc are synthesised (kernel/special) and /sys is read-only: nothing is ever stored
  // below them, neither by name nor through a symlink, so no snapshot can contain such an entry.
  auto resolved = mounts_->resolve_destination(path, /*follow_final=*/true);
  for (std::string_view candidate : {path, resolved ? std::string_view(*resolved) : path}) {
    if (!is_synthesised_path(candidate)) continue;
    if (candidate == "/dev" || vfs::is_strict_descendant(candidate, "/dev")) {
      return fail(EACCES, "permission denied, write '" + std::string(path) + "'");
    }
    return vfs::read_only(path);
  }
  return {};
}

// On a locked root, creating a directory is refused unless it would change nothing.
ErrorOr<void> VmFilesystem::locked_mkdir(const std::string& path, bool exist_ok) {
  if (!mounts_->stat(path, /*follow=*/false)) return vfs::read_only(path);
  if (exist_ok) {
    if (auto target = mounts_->stat(path, /*follow=*/true); target && target->is_directory) return {};
  }
  return vfs::file_exists(path);
}

ErrorOr<std::string> VmFilesystem::read_file(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("read", "read", Subject::Resolved, normalized));
  return mounts_->read_file(normalized);
}

ErrorOr<std::string> VmFilesystem::pread(std::string_view path, uint64_t offset, uint64_t length) {
  if (length > max_pread_bytes_) {
    return fail(EINVAL, "pread length " + std::to_string(length) + " exceeds configured limit " +
                            std::to_string(max_pread_bytes_));
  }
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("read", "read", Subject::Resolved, normalized));
  return mounts_->pread(normalized, offset, length);
}

ErrorOr<void> VmFilesystem::write_file(std::string_view path, std::string_view data) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("write", "write", Subject::ExistingOrDestination, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->write_file(normalized, data, Parents::Create);
}

ErrorOr<void> VmFilesystem::pwrite(std::string_view path, uint64_t offset, std::string_view data) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("write", "write", Subject::Resolved, normalized));
  TRY(ensure_writable(normalized));
  if (data.empty()) return {};
  return mounts_->pwrite(normalized, offset, data);
}

ErrorOr<void> VmFilesystem::create_dir(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("createDir", "create_dir", Subject::Destination, normalized));
  if (root_locked(normalized)) return locked_mkdir(normalized, /*exist_ok=*/false);
  TRY(ensure_writable(normalized));
  return mounts_->mkdir(normalized, Parents::Create, /*exist_ok=*/false);
}

ErrorOr<void> VmFilesystem::mkdir(std::string_view path, bool recursive) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("mkdir", "create_dir", Subject::Destination, normalized));
  if (root_locked(normalized)) return locked_mkdir(normalized, recursive);
  TRY(ensure_writable(normalized));
  return mounts_->mkdir(normalized, Parents::Create, recursive);
}

ErrorOr<bool> VmFilesystem::exists(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  auto subject = subject_of(Subject::ExistingOrDestination, normalized);
  if (!subject) {
    if (is_absence(subject.error())) return false;
    return fail(std::move(subject).error());
  }
  TRY(authorize_subject("exists", "stat", *subject));
  auto found = mounts_->stat(normalized, /*follow=*/true);
  if (found) return true;
  if (is_absence(found.error())) return false;
  return fail(std::move(found).error());
}

ErrorOr<FileStat> VmFilesystem::stat(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("stat", "stat", Subject::Resolved, normalized));
  return mounts_->stat(normalized, /*follow=*/true);
}

ErrorOr<FileStat> VmFilesystem::lstat(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("stat", "stat", Subject::Destination, normalized));
  return mounts_->stat(normalized, /*follow=*/false);
}

ErrorOr<std::vector<std::string>> VmFilesystem::read_dir(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("readdir", "readdir", Subject::Resolved, normalized));
  return mounts_->read_dir(normalized, max_readdir_entries_);
}

ErrorOr<void> VmFilesystem::remove_file(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("rm", "rm", Subject::Destination, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->remove_file(normalized);
}

ErrorOr<void> VmFilesystem::remove_dir(std::string_view path, bool recursive) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("rm", "rm", Subject::Destination, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->remove_dir(normalized, recursive);
}

ErrorOr<void> VmFilesystem::rename(std::string_view from, std::string_view to) {
  const std::string source = TRY(checked_path(from));
  const std::string destination = TRY(checked_path(to));
  TRY(authorize("rename", "rename", Subject::Destination, source));
  TRY(authorize("rename", "rename", Subject::Destination, destination));
  // Linux reports a rename between mounts (EXDEV, from the mount table) before a read-only one.
  if (mounts_->mount_of(source) == mounts_->mount_of(destination)) {
    TRY(ensure_writable(source));
    TRY(ensure_writable(destination));
  }
  return mounts_->rename(source, destination, Parents::MustExist);
}

ErrorOr<std::string> VmFilesystem::realpath(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  std::string resolved = TRY(mounts_->realpath(normalized));
  TRY(authorize_subject("read", "read", resolved));
  return resolved;
}

ErrorOr<void> VmFilesystem::symlink(std::string_view target, std::string_view link_path) {
  const std::string normalized = TRY(checked_path(link_path));
  TRY(authorize("symlink", "symlink", Subject::Destination, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->symlink(target, normalized, Parents::Create);
}

ErrorOr<std::string> VmFilesystem::read_link(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("readlink", "read", Subject::Destination, normalized));
  return mounts_->read_link(normalized);
}

ErrorOr<void> VmFilesystem::link(std::string_view existing_path, std::string_view new_path) {
  const std::string source = TRY(checked_path(existing_path));
  const std::string destination = TRY(checked_path(new_path));
  TRY(authorize("link", "write", Subject::Resolved, source));
  TRY(authorize("link", "write", Subject::Destination, destination));
  if (mounts_->mount_of(source) == mounts_->mount_of(destination)) TRY(ensure_writable(destination));
  return mounts_->link(source, destination, Parents::Create);
}

ErrorOr<void> VmFilesystem::chmod(std::string_view path, uint32_t mode) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("chmod", "write", Subject::Resolved, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->chmod(normalized, mode, /*follow=*/true);
}

ErrorOr<void> VmFilesystem::chown(std::string_view path, uint32_t uid, uint32_t gid) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("chown", "write", Subject::Resolved, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->chown(normalized, uid, gid, /*follow=*/true);
}

ErrorOr<void> VmFilesystem::utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("utimes", "write", Subject::Resolved, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->utimes(normalized, atime_ms, mtime_ms);
}

ErrorOr<void> VmFilesystem::truncate(std::string_view path, uint64_t length) {
  const std::string normalized = TRY(checked_path(path));
  TRY(authorize("truncate", "write", Subject::Resolved, normalized));
  TRY(ensure_writable(normalized));
  return mounts_->truncate(normalized, length);
}

ErrorOr<void> VmFilesystem::apply_entries(const std::vector<FsEntry>& entries) {
  std::vector<FsEntry> normalized;
  normalized.reserve(entries.size());
  for (const FsEntry& entry : entries) {
    std::string path = TRY(checked_path(entry.path));
    if (is_synthesised_path(path)) continue;  // never stored (spec/kernel.md s5)
    normalized.push_back(entry);
    normalized.back().path = std::move(path);
  }
  if (!normalized.empty() && writes_locked_) return vfs::read_only(normalized.front().path);
  return kernel::apply_entries(*root_, normalized, EntryConflicts::Fail);
}

ErrorOr<void> VmFilesystem::mount(std::string_view path, std::unique_ptr<vfs::FileSystem> fs, std::string plugin_id,
                                  bool read_only) {
  const std::string normalized = TRY(checked_path(path));
  auto mounted = mounts_->mount(normalized, std::move(fs), std::move(plugin_id), read_only);
  publish_mounts();
  return mounted;
}

ErrorOr<void> VmFilesystem::unmount(std::string_view path) {
  const std::string normalized = TRY(checked_path(path));
  auto unmounted = mounts_->unmount(normalized);
  publish_mounts();
  return unmounted;
}

void VmFilesystem::publish_mounts() {
  std::vector<mount::MountInfo> list = mounts_->mounts();
  std::lock_guard lock(mount_list_->mutex);
  mount_list_->list = std::move(list);
}

ErrorOr<std::vector<FsEntry>> VmFilesystem::snapshot() const {
  std::vector<FsEntry> entries = root_->export_entries();
  std::erase_if(entries, [](const FsEntry& entry) {
    return is_synthesised_path(entry.path) && entry.path != "/dev" && entry.path != "/proc" && entry.path != "/sys";
  });
  return entries;
}

ErrorOr<void> VmFilesystem::install_command_stub(std::string_view name) {
  const bool invalid =
      name.empty() || name == "." || name == ".." || std::any_of(name.begin(), name.end(), [](char byte) {
        const auto value = static_cast<unsigned char>(byte);
        return byte == '/' || value < 0x20 || value == 0x7f;
      });
  if (invalid) return fail(EINVAL, "invalid command name: " + std::string(name));
  const std::string path = vfs::join_path("/bin", name);
  auto existing = root_->stat(path, /*follow=*/false);
  if (existing) return {};
  if (existing.error().errno_code != ENOENT) return fail(std::move(existing).error());
  TRY(root_->write_file(path, kCommandStub, Parents::Create));
  return root_->chmod(path, 0755, /*follow=*/true);
}

}  // namespace se::kernel
