#include "kernel/vfs/memory_file_system.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <utility>

#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/path.h"

namespace se::kernel::vfs {

namespace {

constexpr uint32_t kDefaultOwner = 1000;
constexpr uint64_t kDirectorySize = 4096;
constexpr uint64_t kDirectoryBlocks = 8;
constexpr uint64_t kDirectoryLinks = 2;
constexpr int kMaxSymlinkExpansions = 40;

// Device ids are process-wide so that (dev, ino) identifies a file across filesystems; the low
// numbers stay free for the synthetic /dev and /proc nodes.
std::atomic<uint64_t> next_device_id{256};

// Number of components in a lexical remainder such as "/b/c".
size_t component_count(std::string_view remainder) {
  return static_cast<size_t>(std::count(remainder.begin(), remainder.end(), '/'));
}

}  // namespace

uint64_t wall_clock_ms() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

// Where a path lookup ended. When the entry exists, `node` is it and `directory` its parent (null
// for "/"). Otherwise `directory` is the deepest existing directory and `path` continues lexically
// past it: its first `resolved_length` bytes name `directory` ("" for "/").
struct MemoryFileSystem::Walk {
  Inode* directory = nullptr;
  Inode* node = nullptr;
  std::string path;
  size_t resolved_length = 0;

  std::string_view missing_part() const { return std::string_view(path).substr(resolved_length); }
  std::string_view name() const { return base_name(path); }
};

MemoryFileSystem::MemoryFileSystem(Clock clock)
    : clock_(clock), device_id_(next_device_id.fetch_add(1, std::memory_order_relaxed)) {
  root_ = allocate(FsEntryKind::Directory, kModeDirectory | 0755);
  root_->uid = 0;
  root_->gid = 0;
}

MemoryFileSystem::~MemoryFileSystem() = default;

ErrorOr<MemoryFileSystem::Walk> MemoryFileSystem::walk(std::string_view path, bool follow_final,
                                                       bool stop_at_non_directory) const {
  std::string expanded;  // owns the path after a symlink expansion
  std::string_view pending = path;
  int expansions = 0;
  while (true) {
    Walk result;
    if (pending == "/") {
      result.node = root_;
      result.path = "/";
      result.resolved_length = 1;
      return result;
    }
    std::string canonical;
    canonical.reserve(pending.size());
    Inode* directory = root_;
    size_t position = 1;
    while (true) {
      size_t end = pending.find('/', position);
      if (end == std::string_view::npos) end = pending.size();
      const std::string_view name = pending.substr(position, end - position);
      const bool is_final = end == pending.size();
      const auto found = directory->entries.find(name);
      if (found == directory->entries.end()) {
        result.directory = directory;
        result.resolved_length = canonical.size();
        canonical.append(pending.substr(position - 1));
        result.path = std::move(canonical);
        return result;
      }
      Inode* child = found->second;
      if (child->kind == FsEntryKind::Symlink && (!is_final || follow_final)) {
        if (++expansions > kMaxSymlinkExpansions) return symlink_loop();
        std::string next;
        if (!child->data.starts_with('/')) next.append(canonical).push_back('/');
        next.append(child->data);
        next.append(pending.substr(end));
        expanded = TRY(checked_path(next));
        pending = expanded;
        break;
      }
      if (!is_final && child->kind != FsEntryKind::Directory) {
        if (!stop_at_non_directory) return not_a_directory(path);
        result.directory = directory;
        result.resolved_length = canonical.size();
        canonical.append(pending.substr(position - 1));
        result.path = std::move(canonical);
        return result;
      }
      canonical.push_back('/');
      canonical.append(name);
      if (is_final) {
        result.directory = directory;
        result.node = child;
        result.resolved_length = canonical.size();
        result.path = std::move(canonical);
        return result;
      }
      directory = child;
      position = end + 1;
    }
  }
}

ErrorOr<void> MemoryFileSystem::reserve(uint64_t added_bytes, uint64_t added_inodes) const {
  if (added_inodes > 0 && (usage_.inodes > limits_.max_inodes || added_inodes > limits_.max_inodes - usage_.inodes)) {
    return fail(ENOSPC, "maximum inode count limit reached");
  }
  if (added_bytes > 0 && (usage_.bytes > limits_.max_bytes || added_bytes > limits_.max_bytes - usage_.bytes)) {
    return fail(ENOSPC, "maximum filesystem size limit reached");
  }
  return {};
}

MemoryFileSystem::Inode* MemoryFileSystem::allocate(FsEntryKind kind, uint32_t mode) {
  const uint64_t ino = next_ino_++;
  Inode& inode = inodes_[ino];
  inode.ino = ino;
  inode.kind = kind;
  inode.mode = mode;
  inode.uid = kDefaultOwner;
  inode.gid = kDefaultOwner;
  inode.nlink = kind == FsEntryKind::Directory ? kDirectoryLinks : 1;
  const uint64_t now = clock_();
  inode.atime_ms = inode.mtime_ms = inode.ctime_ms = inode.birthtime_ms = now;
  ++usage_.inodes;
  return &inode;
}

MemoryFileSystem::Inode* MemoryFileSystem::create_missing_directories(const Walk& walk, bool including_final) {
  Inode* directory = walk.directory;
  std::string_view missing = walk.missing_part();
  while (!missing.empty()) {
    size_t end = missing.find('/', 1);
    if (end == std::string_view::npos) end = missing.size();
    const bool is_final = end == missing.size();
    if (is_final && !including_final) break;
    Inode* created = allocate(FsEntryKind::Directory, kModeDirectory | 0755);
    directory->entries.emplace(std::string(missing.substr(1, end - 1)), created);
    directory = created;
    missing = missing.substr(end);
  }
  return directory;
}

void MemoryFileSystem::free_inode(Inode* inode) {
  if (inode->kind != FsEntryKind::Directory) usage_.bytes -= inode->data.size();
  --usage_.inodes;
  inodes_.erase(inode->ino);
}

void MemoryFileSystem::drop_link(Inode* inode) {
  if (--inode->nlink == 0) {
    free_inode(inode);
    return;
  }
  inode->ctime_ms = clock_();
}

void MemoryFileSystem::destroy_directory(Inode* directory) {
  std::vector<Inode*> pending{directory};
  std::vector<Inode*> directories;
  while (!pending.empty()) {
    Inode* current = pending.back();
    pending.pop_back();
    directories.push_back(current);
    for (const auto& [name, child] : current->entries) {
      if (child->kind == FsEntryKind::Directory) {
        pending.push_back(child);
      } else {
        drop_link(child);
      }
    }
  }
  for (Inode* current : directories) free_inode(current);
}

FileStat MemoryFileSystem::stat_of(const Inode& inode) const {
  FileStat stat;
  stat.mode = inode.mode;
  stat.is_directory = inode.kind == FsEntryKind::Directory;
  stat.is_symbolic_link = inode.kind == FsEntryKind::Symlink;
  if (stat.is_directory) {
    stat.size = kDirectorySize;
    stat.blocks = kDirectoryBlocks;
    stat.nlink = kDirectoryLinks;
  } else {
    stat.size = inode.data.size();
    stat.blocks = (stat.size + 511) / 512;
    stat.nlink = inode.nlink;
  }
  stat.dev = device_id_;
  stat.atime_ms = inode.atime_ms;
  stat.mtime_ms = inode.mtime_ms;
  stat.ctime_ms = inode.ctime_ms;
  stat.birthtime_ms = inode.birthtime_ms;
  stat.ino = inode.ino;
  stat.uid = inode.uid;
  stat.gid = inode.gid;
  return stat;
}

ErrorOr<std::string> MemoryFileSystem::realpath(std::string_view path) {
  Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  return std::move(found.path);
}

ErrorOr<std::string> MemoryFileSystem::resolve_destination(std::string_view path, bool follow_final) {
  Walk found = TRY(walk(path, follow_final, true));
  return std::move(found.path);
}

ErrorOr<FileStat> MemoryFileSystem::stat(std::string_view path, bool follow) {
  const Walk found = TRY(walk(path, follow, false));
  if (!found.node) return no_such_file(path);
  return stat_of(*found.node);
}

ErrorOr<std::string> MemoryFileSystem::read_link(std::string_view path) {
  const Walk found = TRY(walk(path, false, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind != FsEntryKind::Symlink) return not_a_symlink(path);
  return found.node->data;
}

ErrorOr<std::vector<std::string>> MemoryFileSystem::read_dir(std::string_view path, uint64_t max_entries) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  Inode& directory = *found.node;
  if (directory.kind != FsEntryKind::Directory) return not_a_directory("scandir", path);
  if (directory.entries.size() > max_entries) {
    return fail(ENOMEM, "directory listing for '" + std::string(path) + "' exceeds configured limit of " +
                            std::to_string(max_entries) + " entries");
  }
  directory.atime_ms = clock_();
  std::vector<std::string> names;
  names.reserve(directory.entries.size());
  for (const auto& [name, child] : directory.entries) names.push_back(name);
  return names;
}

ErrorOr<std::string> MemoryFileSystem::read_file(std::string_view path) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind == FsEntryKind::Directory) return is_a_directory("open", path);
  found.node->atime_ms = clock_();
  return found.node->data;
}

ErrorOr<std::string> MemoryFileSystem::pread(std::string_view path, uint64_t offset, uint64_t length) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind == FsEntryKind::Directory) return is_a_directory("open", path);
  found.node->atime_ms = clock_();
  const std::string& data = found.node->data;
  if (offset >= data.size()) return std::string();
  return data.substr(offset, std::min<uint64_t>(length, data.size() - offset));
}

ErrorOr<void> MemoryFileSystem::write_file(std::string_view path, std::string_view data, Parents parents) {
  const Walk found = TRY(walk(path, true, false));
  if (Inode* file = found.node) {
    if (file->kind == FsEntryKind::Directory) return is_a_directory("open", path);
    const uint64_t old_size = file->data.size();
    TRY(reserve(data.size() > old_size ? data.size() - old_size : 0, 0));
    file->data.assign(data);
    usage_.bytes = usage_.bytes - old_size + data.size();
    file->mtime_ms = file->ctime_ms = clock_();
    return {};
  }
  const size_t missing = component_count(found.missing_part());
  if (missing > 1 && parents == Parents::MustExist) return no_such_parent("open", path);
  TRY(reserve(data.size(), missing));
  Inode* directory = create_missing_directories(found, false);
  Inode* file = allocate(FsEntryKind::File, kModeRegular | 0644);
  file->data.assign(data);
  usage_.bytes += data.size();
  directory->entries.emplace(std::string(found.name()), file);
  return {};
}

ErrorOr<void> MemoryFileSystem::pwrite(std::string_view path, uint64_t offset, std::string_view data) {
  const Walk found = TRY(walk(path, true, false));
  Inode* file = found.node;
  if (!file) return no_such_file(path);
  if (file->kind == FsEntryKind::Directory) return is_a_directory("write", path);
  if (offset > file->data.max_size() || data.size() > file->data.max_size() - offset) {
    return fail(EFBIG, "file too large, write '" + std::string(path) + "'");
  }
  const uint64_t old_size = file->data.size();
  const uint64_t end = offset + data.size();
  TRY(reserve(end > old_size ? end - old_size : 0, 0));
  // std::string grows geometrically, so appending chunk by chunk stays linear overall.
  if (end > old_size) file->data.resize(end, '\0');
  file->data.replace(offset, data.size(), data);
  usage_.bytes = usage_.bytes - old_size + file->data.size();
  file->mtime_ms = file->ctime_ms = clock_();
  return {};
}

ErrorOr<void> MemoryFileSystem::truncate(std::string_view path, uint64_t length) {
  const Walk found = TRY(walk(path, true, false));
  Inode* file = found.node;
  if (!file) return no_such_file(path);
  if (file->kind == FsEntryKind::Directory) return is_a_directory("truncate", path);
  if (length > file->data.max_size()) {
    return fail(EINVAL, "truncate length exceeds addressable memory: " + std::to_string(length));
  }
  const uint64_t old_size = file->data.size();
  TRY(reserve(length > old_size ? length - old_size : 0, 0));
  file->data.resize(length, '\0');
  usage_.bytes = usage_.bytes - old_size + length;
  file->mtime_ms = file->ctime_ms = clock_();
  return {};
}

ErrorOr<void> MemoryFileSystem::mkdir(std::string_view path, Parents parents, bool exist_ok) {
  const Walk found = TRY(walk(path, false, false));
  if (found.node) {
    if (exist_ok) {
      const Walk target = TRY(walk(path, true, false));
      if (target.node && target.node->kind == FsEntryKind::Directory) return {};
    }
    return file_exists(path);
  }
  const size_t missing = component_count(found.missing_part());
  if (missing > 1 && parents == Parents::MustExist) return no_such_parent("mkdir", path);
  TRY(reserve(0, missing));
  create_missing_directories(found, true);
  return {};
}

ErrorOr<void> MemoryFileSystem::symlink(std::string_view target, std::string_view link_path, Parents parents) {
  if (target.empty()) return no_such_parent("symlink", link_path);
  const Walk found = TRY(walk(link_path, false, false));
  if (found.node) return already_exists("symlink", link_path);
  const size_t missing = component_count(found.missing_part());
  if (missing > 1 && parents == Parents::MustExist) return no_such_parent("symlink", link_path);
  TRY(reserve(target.size(), missing));
  Inode* directory = create_missing_directories(found, false);
  Inode* link = allocate(FsEntryKind::Symlink, kModeSymlink | 0777);
  link->data.assign(target);
  usage_.bytes += target.size();
  directory->entries.emplace(std::string(found.name()), link);
  return {};
}

ErrorOr<void> MemoryFileSystem::link(std::string_view existing_path, std::string_view new_path, Parents parents) {
  const Walk source = TRY(walk(existing_path, true, false));
  if (!source.node) return no_such_file(existing_path);
  if (source.node->kind != FsEntryKind::File) return not_permitted("link", existing_path);
  const Walk destination = TRY(walk(new_path, false, false));
  if (destination.node) return already_exists("link", new_path);
  const size_t missing = component_count(destination.missing_part());
  if (missing > 1 && parents == Parents::MustExist) return no_such_parent("link", new_path);
  TRY(reserve(0, missing - 1));
  Inode* directory = create_missing_directories(destination, false);
  directory->entries.emplace(std::string(destination.name()), source.node);
  ++source.node->nlink;
  source.node->ctime_ms = clock_();
  return {};
}

ErrorOr<void> MemoryFileSystem::remove_file(std::string_view path) {
  const Walk found = TRY(walk(path, false, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind == FsEntryKind::Directory) return is_a_directory("unlink", path);
  found.directory->entries.erase(found.directory->entries.find(found.name()));
  drop_link(found.node);
  return {};
}

ErrorOr<void> MemoryFileSystem::remove_dir(std::string_view path, bool recursive) {
  if (path == "/") return not_permitted("rmdir", path);
  const Walk found = TRY(walk(path, false, false));
  if (!found.node) return no_such_directory(path);
  if (found.node->kind != FsEntryKind::Directory) return not_a_directory(path);
  if (!recursive && !found.node->entries.empty()) return not_empty(path);
  found.directory->entries.erase(found.directory->entries.find(found.name()));
  destroy_directory(found.node);
  return {};
}

ErrorOr<void> MemoryFileSystem::rename(std::string_view from, std::string_view to, Parents parents) {
  if (from == "/") return not_permitted("rename", from);
  const Walk source = TRY(walk(from, false, false));
  if (!source.node) return no_such_file(from);
  const Walk destination = TRY(walk(to, false, false));
  // Renaming an entry onto itself, or onto another hard link of the same file, changes nothing.
  if (destination.node == source.node) return {};
  const bool source_is_directory = source.node->kind == FsEntryKind::Directory;
  if (source_is_directory && is_strict_descendant(destination.path, source.path)) {
    return fail(EINVAL, "cannot move '" + std::string(from) + "' into its own descendant '" + std::string(to) + "'");
  }
  Inode* replaced = destination.node;
  if (replaced) {
    const bool replaced_is_directory = replaced->kind == FsEntryKind::Directory;
    if (!source_is_directory && replaced_is_directory) return is_a_directory("rename", to);
    if (source_is_directory && !replaced_is_directory) return not_a_directory("rename", to);
    if (replaced_is_directory && !replaced->entries.empty()) return not_empty(to);
  } else {
    const size_t missing = component_count(destination.missing_part());
    // Like Linux (and the reference), the destination's directory must exist.
    if (missing > 1 && parents == Parents::MustExist) return no_such_file(parent_path(destination.path));
    TRY(reserve(0, missing - 1));
  }
  Inode* target_directory = replaced ? destination.directory : create_missing_directories(destination, false);
  source.directory->entries.erase(source.directory->entries.find(source.name()));
  const std::string name(destination.name());
  if (replaced) {
    target_directory->entries.erase(target_directory->entries.find(name));
    if (replaced->kind == FsEntryKind::Directory) {
      free_inode(replaced);
    } else {
      drop_link(replaced);
    }
  }
  target_directory->entries.emplace(name, source.node);
  source.node->ctime_ms = clock_();
  return {};
}

ErrorOr<void> MemoryFileSystem::chmod(std::string_view path, uint32_t mode, bool follow) {
  const Walk found = TRY(walk(path, follow, false));
  if (!found.node) return no_such_file(path);
  found.node->mode = (found.node->mode & kModeTypeMask) | (mode & kModePermissionMask);
  found.node->ctime_ms = clock_();
  return {};
}

ErrorOr<void> MemoryFileSystem::chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) {
  const Walk found = TRY(walk(path, follow, false));
  if (!found.node) return no_such_file(path);
  found.node->uid = uid;
  found.node->gid = gid;
  found.node->ctime_ms = clock_();
  return {};
}

ErrorOr<void> MemoryFileSystem::utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  found.node->atime_ms = atime_ms;
  found.node->mtime_ms = mtime_ms;
  found.node->ctime_ms = clock_();
  return {};
}

std::optional<MemoryFileSystem::ChildRef> MemoryFileSystem::child(uint64_t directory_ino, std::string_view name) const {
  const Inode& directory = inodes_.at(directory_ino);
  const auto found = directory.entries.find(name);
  if (found == directory.entries.end()) return std::nullopt;
  return ChildRef{found->second->ino, found->second->kind};
}

std::vector<std::string_view> MemoryFileSystem::child_names(uint64_t directory_ino) const {
  const Inode& directory = inodes_.at(directory_ino);
  std::vector<std::string_view> names;
  names.reserve(directory.entries.size());
  for (const auto& [name, child] : directory.entries) names.push_back(name);
  return names;
}

FileStat MemoryFileSystem::inode_stat(uint64_t ino) const {
  return stat_of(inodes_.at(ino));
}

std::string_view MemoryFileSystem::inode_data(uint64_t ino) const {
  return inodes_.at(ino).data;
}

std::vector<FsEntry> MemoryFileSystem::export_entries() const {
  std::vector<FsEntry> entries;
  entries.reserve(inodes_.size());
  std::vector<std::pair<std::string, const Inode*>> pending{{"/", root_}};
  while (!pending.empty()) {
    auto [path, inode] = std::move(pending.back());
    pending.pop_back();
    FsEntry entry;
    entry.kind = inode->kind;
    entry.mode = inode->mode;
    entry.uid = inode->uid;
    entry.gid = inode->gid;
    if (inode->kind == FsEntryKind::File) entry.content = inode->data;
    if (inode->kind == FsEntryKind::Symlink) entry.target = inode->data;
    for (auto child = inode->entries.rbegin(); child != inode->entries.rend(); ++child) {
      pending.emplace_back(join_path(path, child->first), child->second);
    }
    entry.path = std::move(path);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace se::kernel::vfs
