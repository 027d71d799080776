#include "kernel/vfs/overlay_file_system.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/path.h"

namespace se::kernel::vfs {

namespace {

constexpr int kMaxSymlinkExpansions = 40;
constexpr uint64_t kDirectorySize = 4096;
constexpr uint64_t kDirectoryBlocks = 8;
constexpr uint64_t kDirectoryLinks = 2;
// Lower inode numbers carry the lower's position above this bit, so they never meet upper ones.
constexpr int kLowerInoShift = 40;

// An upper operation on an entry this file has just checked or created; failing means the overlay
// bookkeeping is corrupt, and carrying on would hand the guest a wrong tree.
void expect_ok(const ErrorOr<void>& result) {
  if (result) return;
  std::fprintf(stderr, "fatal: overlay upper out of step: %s\n", result.error().to_string().c_str());
  std::abort();
}

uint64_t saturating_sub(uint64_t value, uint64_t subtrahend) {
  return value > subtrahend ? value - subtrahend : 0;
}

// More than one component in a lexical remainder such as "/b/c": a create would need parents.
bool needs_parents(std::string_view missing) {
  return missing.find('/', 1) != std::string_view::npos;
}

void add(FsUsage& total, FsUsage part) {
  total.bytes += part.bytes;
  total.inodes += part.inodes;
}

}  // namespace

// Where a merged path lookup ended (the shape of MemoryFileSystem's walk). When the entry exists,
// `node` is it and `directory` its parent. Otherwise `directory` is the deepest existing directory
// and `path` continues lexically past it: its first `resolved_length` bytes name `directory`.
struct OverlayFileSystem::Walk {
  Directory directory;
  std::optional<Node> node;
  std::string path;
  size_t resolved_length = 0;
  bool missing_whited_out = false;  // the first missing component is a removed lower entry

  std::string_view missing_part() const { return std::string_view(path).substr(resolved_length); }
  std::string_view directory_path() const {
    if (node) return parent_path(path);
    return resolved_length == 0 ? std::string_view("/") : std::string_view(path).substr(0, resolved_length);
  }
};

OverlayFileSystem::OverlayFileSystem(std::vector<std::shared_ptr<const Layer>> lowers)
    : lowers_(std::move(lowers)), upper_(std::make_unique<MemoryFileSystem>()) {
  const LayerNode& top_root = lowers_.front()->root();
  expect_ok(upper_->chmod("/", top_root.mode, /*follow=*/false));
  expect_ok(upper_->chown("/", top_root.uid, top_root.gid, /*follow=*/false));
  lower_visible_ = lower_usage(root_node(), "/");
}

OverlayFileSystem::~OverlayFileSystem() = default;

OverlayFileSystem::Node OverlayFileSystem::root_node() const {
  Node root;
  root.kind = FsEntryKind::Directory;
  root.upper_ino = upper_->root_ino();
  root.covers_lower = true;
  root.lowers.reserve(lowers_.size());
  for (size_t index = 0; index < lowers_.size(); ++index) root.lowers.push_back({index, &lowers_[index]->root()});
  return root;
}

OverlayFileSystem::Found OverlayFileSystem::lookup(const Directory& directory, std::string_view path,
                                                   std::string_view name) const {
  Found found;
  std::optional<MemoryFileSystem::ChildRef> upper;
  if (directory.upper_ino != 0) upper = upper_->child(directory.upper_ino, name);
  const LayerNode* top = nullptr;
  size_t top_index = 0;
  LowerStack merged;
  if (!directory.lowers.empty()) {
    if (!upper && !whiteouts_.empty() && whiteouts_.contains(path)) {
      found.whited_out = true;
      return found;
    }
    for (const LowerRef& lower : directory.lowers) {
      const auto child = lower.node->children.find(name);
      if (child == lower.node->children.end()) continue;
      const LayerNode* node = child->second.get();
      if (!top) {
        top = node;
        top_index = lower.index;
      }
      if (node->kind != FsEntryKind::Directory) break;  // a non-directory ends the merge
      merged.push_back({lower.index, node});
    }
  }
  Node node;
  node.covers_lower = top != nullptr;
  if (upper) {
    node.kind = upper->kind;
    node.upper_ino = upper->ino;
    if (upper->kind == FsEntryKind::Directory && !merged.empty() && !opaque_.contains(path)) {
      node.lowers = std::move(merged);
    }
  } else if (top) {
    node.kind = top->kind;
    node.lower = {top_index, top};
    node.lowers = std::move(merged);
  } else {
    return found;
  }
  found.node = std::move(node);
  return found;
}

ErrorOr<OverlayFileSystem::Walk> OverlayFileSystem::walk(std::string_view path, bool follow_final,
                                                         bool stop_at_non_directory) const {
  std::string expanded;  // owns the path after a symlink expansion
  std::string_view pending = path;
  int expansions = 0;
  while (true) {
    Walk result;
    if (pending == "/") {
      result.node = root_node();
      result.path = "/";
      result.resolved_length = 1;
      return result;
    }
    std::string canonical;
    canonical.reserve(pending.size());
    Directory directory = root_node().as_directory();
    size_t position = 1;
    bool expanded_link = false;
    while (!expanded_link) {
      size_t end = pending.find('/', position);
      if (end == std::string_view::npos) end = pending.size();
      const std::string_view name = pending.substr(position, end - position);
      const bool is_final = end == pending.size();
      const size_t parent_length = canonical.size();
      canonical.push_back('/');
      canonical.append(name);
      Found found = lookup(directory, canonical, name);
      auto stop_before = [&](bool whited_out) {
        canonical.resize(parent_length);
        result.directory = std::move(directory);
        result.missing_whited_out = whited_out;
        result.resolved_length = canonical.size();
        canonical.append(pending.substr(position - 1));
        result.path = std::move(canonical);
        return std::move(result);
      };
      if (!found.node) return stop_before(found.whited_out);
      Node& child = *found.node;
      if (child.kind == FsEntryKind::Symlink && (!is_final || follow_final)) {
        if (++expansions > kMaxSymlinkExpansions) return symlink_loop();
        const std::string_view target = data_of(child);
        std::string next;
        if (!target.starts_with('/')) next.append(canonical, 0, parent_length).push_back('/');
        next.append(target);
        next.append(pending.substr(end));
        expanded = TRY(checked_path(next));
        pending = expanded;
        expanded_link = true;
        continue;
      }
      if (!is_final && child.kind != FsEntryKind::Directory) {
        if (!stop_at_non_directory) return not_a_directory(path);
        return stop_before(false);
      }
      if (is_final) {
        result.directory = std::move(directory);
        result.node = std::move(child);
        result.resolved_length = canonical.size();
        result.path = std::move(canonical);
        return result;
      }
      directory = Directory{child.upper_ino, std::move(child.lowers)};
      position = end + 1;
    }
  }
}

std::vector<std::string> OverlayFileSystem::merged_names(const Directory& directory, std::string_view path,
                                                         std::vector<std::string> names) const {
  const size_t upper_count = names.size();
  for (const LowerRef& lower : directory.lowers) {
    for (const auto& [name, child] : lower.node->children) {
      if (!whiteouts_.empty() && whiteouts_.contains(join_path(path, name))) continue;
      names.push_back(name);
    }
  }
  if (names.size() != upper_count) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  return names;
}

std::vector<std::pair<std::string, OverlayFileSystem::Node>> OverlayFileSystem::children(const Directory& directory,
                                                                                         std::string_view path) const {
  std::vector<std::string> upper_names;
  if (directory.upper_ino != 0) {
    for (std::string_view name : upper_->child_names(directory.upper_ino)) upper_names.emplace_back(name);
  }
  std::vector<std::pair<std::string, Node>> result;
  for (const std::string& name : merged_names(directory, path, std::move(upper_names))) {
    std::string child_path = join_path(path, name);
    Found found = lookup(directory, child_path, name);
    if (found.node) result.emplace_back(std::move(child_path), std::move(*found.node));
  }
  return result;
}

bool OverlayFileSystem::is_empty(const Directory& directory, std::string_view path) const {
  if (directory.upper_ino != 0 && !upper_->child_names(directory.upper_ino).empty()) return false;
  for (const LowerRef& lower : directory.lowers) {
    for (const auto& [name, child] : lower.node->children) {
      if (whiteouts_.empty() || !whiteouts_.contains(join_path(path, name))) return false;
    }
  }
  return true;
}

bool OverlayFileSystem::has_marks_below(std::string_view path) const {
  const std::string prefix = path == "/" ? std::string("/") : std::string(path) + "/";
  for (const auto* marks : {&whiteouts_, &opaque_}) {
    const auto next = marks->lower_bound(prefix);
    if (next != marks->end() && next->starts_with(prefix)) return true;
  }
  return false;
}

void OverlayFileSystem::erase_marks(std::string_view path) {
  const std::string prefix = std::string(path) + "/";
  for (auto* marks : {&whiteouts_, &opaque_}) {
    if (auto exact = marks->find(path); exact != marks->end()) marks->erase(exact);
    auto first = marks->lower_bound(prefix);
    auto last = first;
    while (last != marks->end() && last->starts_with(prefix)) ++last;
    marks->erase(first, last);
  }
}

FileStat OverlayFileSystem::stat_of(const Node& node) const {
  if (node.upper_ino != 0) {
    FileStat stat = upper_->inode_stat(node.upper_ino);
    if (const auto origin = origin_.find(node.upper_ino); origin != origin_.end()) stat.ino = origin->second;
    return stat;
  }
  const LayerNode& lower = *node.lower.node;
  FileStat stat;
  stat.mode = lower.mode;
  stat.is_directory = lower.kind == FsEntryKind::Directory;
  stat.is_symbolic_link = lower.kind == FsEntryKind::Symlink;
  if (stat.is_directory) {
    stat.size = kDirectorySize;
    stat.blocks = kDirectoryBlocks;
    stat.nlink = kDirectoryLinks;
  } else {
    stat.size = lower.byte_size();
    stat.blocks = (stat.size + 511) / 512;
    stat.nlink = 1;
  }
  stat.dev = upper_->device_id();
  stat.atime_ms = stat.mtime_ms = stat.ctime_ms = stat.birthtime_ms = lowers_[node.lower.index]->created_ms();
  stat.ino = lower_ino(node.lower);
  stat.uid = lower.uid;
  stat.gid = lower.gid;
  return stat;
}

std::string_view OverlayFileSystem::data_of(const Node& node) const {
  if (node.upper_ino != 0) return upper_->inode_data(node.upper_ino);
  const LayerNode& lower = *node.lower.node;
  return lower.kind == FsEntryKind::File ? std::string_view(lower.content->bytes) : std::string_view(lower.target);
}

uint64_t OverlayFileSystem::lower_ino(const LowerRef& lower) const {
  return (static_cast<uint64_t>(lower.index + 1) << kLowerInoShift) | lower.node->ino;
}

FsUsage OverlayFileSystem::lower_usage(const Node& node, std::string_view path) const {
  if (node.upper_ino == 0 && node.lowers.size() <= 1 && !has_marks_below(path)) {
    return node.lower.node->subtree;  // one lower tree, untouched: its precomputed total
  }
  FsUsage usage;
  if (node.upper_ino == 0) usage = FsUsage{node.lower.node->byte_size(), 1};
  if (node.kind == FsEntryKind::Directory && !node.lowers.empty()) {
    for (const auto& [child_path, child] : children(node.as_directory(), path))
      add(usage, lower_usage(child, child_path));
  }
  return usage;
}

void OverlayFileSystem::hide_lower(FsUsage usage) {
  lower_visible_.bytes -= usage.bytes;
  lower_visible_.inodes -= usage.inodes;
  apply_limits();
}

void OverlayFileSystem::reveal_lower(FsUsage usage) {
  add(lower_visible_, usage);
  apply_limits();
}

// The upper gets whatever the limits leave after the entries lowers provide.
void OverlayFileSystem::apply_limits() {
  upper_->set_limits(FsLimits{saturating_sub(limits_.max_bytes, lower_visible_.bytes),
                              saturating_sub(limits_.max_inodes, lower_visible_.inodes)});
}

ErrorOr<uint64_t> OverlayFileSystem::upper_directory(std::string_view path) {
  Node current = root_node();
  std::string prefix;
  size_t position = 1;
  while (position < path.size()) {
    size_t end = path.find('/', position);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view name = path.substr(position, end - position);
    prefix.push_back('/');
    prefix.append(name);
    Found found = lookup(current.as_directory(), prefix, name);
    if (!found.node || found.node->kind != FsEntryKind::Directory) return not_a_directory(path);
    Node child = std::move(*found.node);
    if (child.upper_ino == 0) child.upper_ino = TRY(copy_up(current.upper_ino, prefix, child, std::nullopt));
    current = std::move(child);
    position = end + 1;
  }
  return current.upper_ino;
}

ErrorOr<uint64_t> OverlayFileSystem::upper_parent(const Walk& walk) {
  if (walk.directory.upper_ino != 0) return walk.directory.upper_ino;
  return upper_directory(walk.directory_path());
}

ErrorOr<uint64_t> OverlayFileSystem::copy_up(uint64_t parent_ino, const std::string& path, const Node& node,
                                             std::optional<std::string_view> new_contents) {
  const LayerNode& lower = *node.lower.node;
  const FsUsage usage{lower.byte_size(), 1};
  hide_lower(usage);  // the upper copy takes over the lower entry's share of the limits
  ErrorOr<void> created;
  switch (lower.kind) {
    case FsEntryKind::Directory:
      created = upper_->mkdir(path, Parents::MustExist, /*exist_ok=*/false);
      break;
    case FsEntryKind::File:
      created = upper_->write_file(path, new_contents.value_or(lower.content->bytes), Parents::MustExist);
      break;
    case FsEntryKind::Symlink:
      created = upper_->symlink(lower.target, path, Parents::MustExist);
      break;
  }
  if (!created) {
    reveal_lower(usage);
    return fail(std::move(created).error());
  }
  expect_ok(upper_->chmod(path, lower.mode, /*follow=*/false));
  expect_ok(upper_->chown(path, lower.uid, lower.gid, /*follow=*/false));
  // Symlinks keep the copy time: utimes follows links.
  if (lower.kind != FsEntryKind::Symlink && !new_contents) {
    const uint64_t created_ms = lowers_[node.lower.index]->created_ms();
    expect_ok(upper_->utimes(path, created_ms, created_ms));
  }
  const uint64_t ino = upper_->child(parent_ino, base_name(path))->ino;
  origin_[ino] = lower_ino(node.lower);
  return ino;
}

ErrorOr<uint64_t> OverlayFileSystem::in_upper(const Walk& walk) {
  if (walk.node->upper_ino != 0) return walk.node->upper_ino;
  const uint64_t parent = TRY(upper_parent(walk));
  return copy_up(parent, walk.path, *walk.node, std::nullopt);
}

ErrorOr<void> OverlayFileSystem::copy_up_tree(const std::string& path, const Node& node) {
  Node current = node;
  if (current.upper_ino == 0) {
    const uint64_t parent = TRY(upper_directory(parent_path(path)));
    current.upper_ino = TRY(copy_up(parent, path, current, std::nullopt));
  }
  if (current.kind != FsEntryKind::Directory || current.lowers.empty()) return {};
  for (const auto& [child_path, child] : children(current.as_directory(), path)) {
    if (child.upper_ino == 0 || !child.lowers.empty()) TRY(copy_up_tree(child_path, child));
  }
  return {};
}

void OverlayFileSystem::settle_whiteout(const Walk& walk, bool created_directory) {
  if (!walk.missing_whited_out) return;
  const std::string first(walk.path.substr(0, walk.path.find('/', walk.resolved_length + 1)));
  whiteouts_.erase(first);
  if (created_directory) opaque_.insert(first);
}

ErrorOr<std::string> OverlayFileSystem::realpath(std::string_view path) {
  Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  return std::move(found.path);
}

ErrorOr<std::string> OverlayFileSystem::resolve_destination(std::string_view path, bool follow_final) {
  Walk found = TRY(walk(path, follow_final, true));
  return std::move(found.path);
}

ErrorOr<FileStat> OverlayFileSystem::stat(std::string_view path, bool follow) {
  const Walk found = TRY(walk(path, follow, false));
  if (!found.node) return no_such_file(path);
  return stat_of(*found.node);
}

ErrorOr<std::string> OverlayFileSystem::read_link(std::string_view path) {
  const Walk found = TRY(walk(path, false, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind != FsEntryKind::Symlink) return not_a_symlink(path);
  return std::string(data_of(*found.node));
}

ErrorOr<std::vector<std::string>> OverlayFileSystem::read_dir(std::string_view path, uint64_t max_entries) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  const Node& node = *found.node;
  if (node.kind != FsEntryKind::Directory) return not_a_directory("scandir", path);
  std::vector<std::string> upper_names;
  // Listing through the upper updates the directory's access time.
  if (node.upper_ino != 0) upper_names = TRY(upper_->read_dir(found.path, std::numeric_limits<uint64_t>::max()));
  std::vector<std::string> names = merged_names(node.as_directory(), found.path, std::move(upper_names));
  if (names.size() > max_entries) {
    return fail(ENOMEM, "directory listing for '" + std::string(path) + "' exceeds configured limit of " +
                            std::to_string(max_entries) + " entries");
  }
  return names;
}

ErrorOr<std::string> OverlayFileSystem::read_file(std::string_view path) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind == FsEntryKind::Directory) return is_a_directory("open", path);
  if (found.node->upper_ino != 0) return upper_->read_file(found.path);
  return std::string(data_of(*found.node));
}

ErrorOr<std::string> OverlayFileSystem::pread(std::string_view path, uint64_t offset, uint64_t length) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind == FsEntryKind::Directory) return is_a_directory("open", path);
  if (found.node->upper_ino != 0) return upper_->pread(found.path, offset, length);
  const std::string_view data = data_of(*found.node);
  if (offset >= data.size()) return std::string();
  return std::string(data.substr(offset, std::min<uint64_t>(length, data.size() - offset)));
}

ErrorOr<void> OverlayFileSystem::write_file(std::string_view path, std::string_view data, Parents parents) {
  const Walk found = TRY(walk(path, true, false));
  if (found.node) {
    const Node& file = *found.node;
    if (file.kind == FsEntryKind::Directory) return is_a_directory("open", path);
    if (file.upper_ino != 0) return upper_->write_file(found.path, data, Parents::MustExist);
    const uint64_t parent = TRY(upper_parent(found));
    TRY(copy_up(parent, found.path, file, data));
    return {};
  }
  const bool creates_parents = needs_parents(found.missing_part());
  if (creates_parents && parents == Parents::MustExist) return no_such_parent("open", path);
  TRY(upper_parent(found));
  TRY(upper_->write_file(found.path, data, Parents::Create));
  settle_whiteout(found, creates_parents);
  return {};
}

ErrorOr<void> OverlayFileSystem::pwrite(std::string_view path, uint64_t offset, std::string_view data) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind == FsEntryKind::Directory) return is_a_directory("write", path);
  TRY(in_upper(found));
  return upper_->pwrite(found.path, offset, data);
}

ErrorOr<void> OverlayFileSystem::truncate(std::string_view path, uint64_t length) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  if (found.node->kind == FsEntryKind::Directory) return is_a_directory("truncate", path);
  TRY(in_upper(found));
  return upper_->truncate(found.path, length);
}

ErrorOr<void> OverlayFileSystem::mkdir(std::string_view path, Parents parents, bool exist_ok) {
  const Walk found = TRY(walk(path, false, false));
  if (found.node) {
    if (exist_ok) {
      const Walk target = TRY(walk(path, true, false));
      if (target.node && target.node->kind == FsEntryKind::Directory) return {};
    }
    return file_exists(path);
  }
  if (needs_parents(found.missing_part()) && parents == Parents::MustExist) return no_such_parent("mkdir", path);
  TRY(upper_parent(found));
  TRY(upper_->mkdir(found.path, Parents::Create, /*exist_ok=*/false));
  settle_whiteout(found, /*created_directory=*/true);
  return {};
}

ErrorOr<void> OverlayFileSystem::symlink(std::string_view target, std::string_view link_path, Parents parents) {
  if (target.empty()) return no_such_parent("symlink", link_path);
  const Walk found = TRY(walk(link_path, false, false));
  if (found.node) return already_exists("symlink", link_path);
  const bool creates_parents = needs_parents(found.missing_part());
  if (creates_parents && parents == Parents::MustExist) return no_such_parent("symlink", link_path);
  TRY(upper_parent(found));
  TRY(upper_->symlink(target, found.path, Parents::Create));
  settle_whiteout(found, creates_parents);
  return {};
}

ErrorOr<void> OverlayFileSystem::link(std::string_view existing_path, std::string_view new_path, Parents parents) {
  const Walk source = TRY(walk(existing_path, true, false));
  if (!source.node) return no_such_file(existing_path);
  if (source.node->kind != FsEntryKind::File) return not_permitted("link", existing_path);
  const Walk destination = TRY(walk(new_path, false, false));
  if (destination.node) return already_exists("link", new_path);
  const bool creates_parents = needs_parents(destination.missing_part());
  if (creates_parents && parents == Parents::MustExist) return no_such_parent("link", new_path);
  TRY(in_upper(source));  // hard links live in the upper
  // The copy-up may have brought the destination's directory up too; look it up afresh.
  TRY(upper_directory(destination.directory_path()));
  TRY(upper_->link(source.path, destination.path, Parents::Create));
  settle_whiteout(destination, creates_parents);
  return {};
}

ErrorOr<void> OverlayFileSystem::remove_file(std::string_view path) {
  const Walk found = TRY(walk(path, false, false));
  if (!found.node) return no_such_file(path);
  const Node& node = *found.node;
  if (node.kind == FsEntryKind::Directory) return is_a_directory("unlink", path);
  if (node.upper_ino != 0) {
    TRY(upper_->remove_file(found.path));
  } else {
    hide_lower(FsUsage{node.lower.node->byte_size(), 1});
  }
  if (node.covers_lower) whiteouts_.insert(found.path);
  return {};
}

ErrorOr<void> OverlayFileSystem::remove_dir(std::string_view path, bool recursive) {
  if (path == "/") return not_permitted("rmdir", path);
  const Walk found = TRY(walk(path, false, false));
  if (!found.node) return no_such_directory(path);
  const Node& node = *found.node;
  if (node.kind != FsEntryKind::Directory) return not_a_directory(path);
  if (!recursive && !is_empty(node.as_directory(), found.path)) return not_empty(path);
  const FsUsage hidden = lower_usage(node, found.path);
  if (node.upper_ino != 0) TRY(upper_->remove_dir(found.path, /*recursive=*/true));
  hide_lower(hidden);
  erase_marks(found.path);
  if (node.covers_lower) whiteouts_.insert(found.path);
  return {};
}

ErrorOr<void> OverlayFileSystem::rename(std::string_view from, std::string_view to, Parents parents) {
  if (from == "/") return not_permitted("rename", from);
  const Walk source = TRY(walk(from, false, false));
  if (!source.node) return no_such_file(from);
  const Walk destination = TRY(walk(to, false, false));
  const Node& moved = *source.node;
  // Renaming an entry onto itself, or onto another hard link of the same file, changes nothing.
  if (destination.path == source.path) return {};
  if (destination.node && moved.upper_ino != 0 && destination.node->upper_ino == moved.upper_ino) return {};
  const bool moving_directory = moved.kind == FsEntryKind::Directory;
  if (moving_directory && is_strict_descendant(destination.path, source.path)) {
    return fail(EINVAL, "cannot move '" + std::string(from) + "' into its own descendant '" + std::string(to) + "'");
  }
  if (destination.node) {
    const Node& replaced = *destination.node;
    const bool replaced_is_directory = replaced.kind == FsEntryKind::Directory;
    if (!moving_directory && replaced_is_directory) return is_a_directory("rename", to);
    if (moving_directory && !replaced_is_directory) return not_a_directory("rename", to);
    if (replaced_is_directory && !is_empty(replaced.as_directory(), destination.path)) return not_empty(to);
  } else if (needs_parents(destination.missing_part()) && parents == Parents::MustExist) {
    // Like Linux (and the reference), the destination's directory must exist.
    return no_such_file(parent_path(destination.path));
  }

  TRY(copy_up_tree(source.path, moved));  // the whole source now lives in the upper
  TRY(upper_directory(destination.directory_path()));
  TRY(upper_->rename(source.path, destination.path, parents));
  if (destination.node && destination.node->upper_ino == 0) {
    hide_lower(lower_usage(*destination.node, destination.path));
  }
  // Marks below either end described lower entries the moved tree (all in the upper now) no longer
  // merges with: the source is whited out and the destination is opaque wherever a lower has it.
  erase_marks(source.path);
  erase_marks(destination.path);
  if (moved.covers_lower) whiteouts_.insert(source.path);
  if (!destination.node) {
    settle_whiteout(destination, moving_directory || needs_parents(destination.missing_part()));
  } else if (moving_directory && destination.node->covers_lower) {
    opaque_.insert(destination.path);
  }
  return {};
}

ErrorOr<void> OverlayFileSystem::chmod(std::string_view path, uint32_t mode, bool follow) {
  const Walk found = TRY(walk(path, follow, false));
  if (!found.node) return no_such_file(path);
  TRY(in_upper(found));
  return upper_->chmod(found.path, mode, /*follow=*/false);
}

ErrorOr<void> OverlayFileSystem::chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) {
  const Walk found = TRY(walk(path, follow, false));
  if (!found.node) return no_such_file(path);
  TRY(in_upper(found));
  return upper_->chown(found.path, uid, gid, /*follow=*/false);
}

ErrorOr<void> OverlayFileSystem::utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) {
  const Walk found = TRY(walk(path, true, false));
  if (!found.node) return no_such_file(path);
  TRY(in_upper(found));
  return upper_->utimes(found.path, atime_ms, mtime_ms);
}

std::vector<FsEntry> OverlayFileSystem::export_entries() const {
  std::vector<FsEntry> entries;
  entries.reserve(usage().inodes);
  std::vector<std::pair<std::string, Node>> pending;
  pending.emplace_back("/", root_node());
  while (!pending.empty()) {
    auto [path, node] = std::move(pending.back());
    pending.pop_back();
    const FileStat stat = stat_of(node);
    FsEntry entry;
    entry.kind = node.kind;
    entry.mode = stat.mode;
    entry.uid = stat.uid;
    entry.gid = stat.gid;
    if (node.kind == FsEntryKind::File) entry.content = data_of(node);
    if (node.kind == FsEntryKind::Symlink) entry.target = data_of(node);
    if (node.kind == FsEntryKind::Directory) {
      auto listed = children(node.as_directory(), path);
      for (auto child = listed.rbegin(); child != listed.rend(); ++child) pending.push_back(std::move(*child));
    }
    entry.path = std::move(path);
    entries.push_back(std::move(entry));
  }
  return entries;
}

FsUsage OverlayFileSystem::usage() const {
  FsUsage total = upper_->usage();
  add(total, lower_visible_);
  return total;
}

void OverlayFileSystem::set_limits(FsLimits limits) {
  limits_ = limits;
  apply_limits();
}

}  // namespace se::kernel::vfs
