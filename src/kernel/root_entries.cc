#include "kernel/root_entries.h"

#include <algorithm>
#include <utility>

#include "base/base64.h"
#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/path.h"

namespace se::kernel {

namespace {

using vfs::FileSystem;
using vfs::Parents;

uint32_t default_permissions(const config::RootFilesystemEntry& entry) {
  switch (entry.kind) {
    case config::EntryKind::File:
      return entry.executable ? 0755 : 0644;
    case config::EntryKind::Directory:
      return 0755;
    case config::EntryKind::Symlink:
      return 0777;
  }
  return 0644;
}

FsEntryKind kind_of(config::EntryKind kind) {
  switch (kind) {
    case config::EntryKind::File:
      return FsEntryKind::File;
    case config::EntryKind::Directory:
      return FsEntryKind::Directory;
    case config::EntryKind::Symlink:
      return FsEntryKind::Symlink;
  }
  return FsEntryKind::File;
}

// Removes whatever `path` names (without following a final symlink).
ErrorOr<void> remove_entry(FileSystem& filesystem, std::string_view path, const FileStat& stat) {
  if (stat.is_directory) return filesystem.remove_dir(path, /*recursive=*/true);
  return filesystem.remove_file(path);
}

ErrorOr<void> make_root_owned_directory(FileSystem& filesystem, std::string_view path) {
  TRY(filesystem.mkdir(path, Parents::MustExist, /*exist_ok=*/false));
  return filesystem.chown(path, 0, 0, /*follow=*/false);
}

// Makes every ancestor of `path` a directory, creating missing ones as 0755 0:0. Ancestors that
// are symlinks to directories are kept and followed.
ErrorOr<void> ensure_ancestors(FileSystem& filesystem, std::string_view path, EntryConflicts conflicts) {
  const std::string_view parent = vfs::parent_path(path);
  if (auto stat = filesystem.stat(parent, /*follow=*/true); stat && stat->is_directory) return {};
  size_t position = 1;
  while (position < parent.size()) {
    size_t end = parent.find('/', position);
    if (end == std::string_view::npos) end = parent.size();
    const std::string_view ancestor = parent.substr(0, end);
    position = end + 1;
    auto followed = filesystem.stat(ancestor, /*follow=*/true);
    if (followed && followed->is_directory) continue;
    if (!followed && followed.error().errno_code != ENOENT) return fail(std::move(followed).error());
    auto entry = filesystem.stat(ancestor, /*follow=*/false);
    if (entry) {
      // A file, a symlink to a file or a dangling symlink stands where a directory must be.
      if (conflicts == EntryConflicts::Fail) return vfs::not_a_directory(ancestor);
      TRY(remove_entry(filesystem, ancestor, *entry));
    }
    TRY(make_root_owned_directory(filesystem, ancestor));
  }
  return {};
}

ErrorOr<void> apply_entry(FileSystem& filesystem, const FsEntry& entry, EntryConflicts conflicts) {
  const std::string& path = entry.path;
  TRY(ensure_ancestors(filesystem, path, conflicts));
  auto existing = filesystem.stat(path, /*follow=*/false);
  const bool replace = conflicts == EntryConflicts::Replace;
  switch (entry.kind) {
    case FsEntryKind::Directory:
      if (existing && !existing->is_directory && replace) TRY(filesystem.remove_file(path));
      TRY(filesystem.mkdir(path, Parents::Create, /*exist_ok=*/true));
      TRY(filesystem.chmod(path, entry.mode, /*follow=*/true));
      return filesystem.chown(path, entry.uid, entry.gid, /*follow=*/true);
    case FsEntryKind::File:
      if (existing && replace && (existing->is_directory || existing->is_symbolic_link)) {
        TRY(remove_entry(filesystem, path, *existing));
      }
      TRY(filesystem.write_file(path, entry.content, Parents::Create));
      TRY(filesystem.chmod(path, entry.mode, /*follow=*/true));
      return filesystem.chown(path, entry.uid, entry.gid, /*follow=*/true);
    case FsEntryKind::Symlink:
      if (existing && (existing->is_symbolic_link || replace)) TRY(remove_entry(filesystem, path, *existing));
      TRY(filesystem.symlink(entry.target, path, Parents::Create));
      TRY(filesystem.chmod(path, entry.mode, /*follow=*/false));
      return filesystem.chown(path, entry.uid, entry.gid, /*follow=*/false);
  }
  return {};
}

ErrorOr<std::string> decoded_content(const config::RootFilesystemEntry& entry, const std::string& path) {
  if (entry.encoding != config::ContentEncoding::Base64) return *entry.content;
  std::string reason;
  auto decoded = base64_decode(*entry.content, &reason);
  if (!decoded) return fail(Error::plain("invalid base64 root filesystem content for " + path + ": " + reason));
  return std::move(*decoded);
}

size_t depth_of(std::string_view path) {
  return path == "/" ? 0 : static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

}  // namespace

ErrorOr<FsEntry> materialize_entry(const config::RootFilesystemEntry& entry) {
  FsEntry result;
  result.path = vfs::normalize_path(entry.path);
  result.kind = kind_of(entry.kind);
  result.mode = mode_type_bits(result.kind) | (entry.mode.value_or(default_permissions(entry)) & kModePermissionMask);
  result.uid = entry.uid.value_or(0);
  result.gid = entry.gid.value_or(0);
  if (entry.content) result.content = TRY(decoded_content(entry, result.path));
  if (result.kind == FsEntryKind::Symlink) {
    if (!entry.target || entry.target->empty()) {
      return fail(Error::plain("root filesystem bootstrap for symlink " + result.path + " requires a target"));
    }
    result.target = *entry.target;
  }
  return result;
}

ErrorOr<SnapshotEntry> snapshot_entry(const config::RootFilesystemEntry& entry) {
  SnapshotEntry result;
  result.path = vfs::normalize_path(entry.path);
  result.kind = kind_of(entry.kind);
  result.mode = entry.mode.value_or(default_permissions(entry));
  result.uid = entry.uid.value_or(0);
  result.gid = entry.gid.value_or(0);
  if (entry.content) result.content = vfs::intern_blob(TRY(decoded_content(entry, result.path)));
  result.target = entry.target;
  return result;
}

SnapshotEntry snapshot_entry(const FsEntry& entry) {
  SnapshotEntry result;
  result.path = entry.path;
  result.kind = entry.kind;
  result.mode = entry.mode;
  result.uid = entry.uid;
  result.gid = entry.gid;
  if (entry.kind == FsEntryKind::File) result.content = vfs::intern_blob(entry.content);
  if (entry.kind == FsEntryKind::Symlink) result.target = entry.target;
  return result;
}

ErrorOr<FsEntry> materialize_snapshot_entry(const SnapshotEntry& entry) {
  FsEntry result;
  result.path = entry.path;
  result.kind = entry.kind;
  result.mode = mode_type_bits(entry.kind) | (entry.mode & kModePermissionMask);
  result.uid = entry.uid;
  result.gid = entry.gid;
  if (entry.kind == FsEntryKind::File && entry.content) result.content = entry.content->bytes;
  if (entry.kind == FsEntryKind::Symlink) {
    if (!entry.target) return fail(Error::plain("missing symlink target for " + entry.path));
    result.target = *entry.target;
  }
  return result;
}

bool is_synthesised_path(std::string_view path) {
  for (std::string_view root : {"/dev", "/proc", "/sys"}) {
    if (path == root || vfs::is_strict_descendant(path, root)) return true;
  }
  return false;
}

ErrorOr<void> apply_entries(FileSystem& filesystem, std::span<const FsEntry> entries, EntryConflicts conflicts) {
  for (const FsEntry& entry : entries) TRY(apply_entry(filesystem, entry, conflicts));
  return {};
}

void sort_for_application(std::vector<FsEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const FsEntry& a, const FsEntry& b) {
    const size_t depth_a = depth_of(a.path);
    const size_t depth_b = depth_of(b.path);
    return depth_a != depth_b ? depth_a < depth_b : a.path < b.path;
  });
}

}  // namespace se::kernel
