// The root filesystem of a VM: shared immutable lower layers (vfs/layer.h) under one private
// writable upper (a MemoryFileSystem), merged with Linux OverlayFS semantics:
// - lookups take the upper entry, else the entry of the highest-precedence lower; directories merge
//   with the lower directories beneath them until a non-directory ends the merge;
// - symlinks are resolved on the merged tree for every operation (spec/README.md D10), so a link in
//   one layer may point into another and reads the newest bytes after a copy-up;
// - the first change to a lower entry (write, truncate, chmod, chown, utimes, link, rename) copies
//   it up, with its ancestors, keeping its mode, owner, times and inode number;
// - removing an entry that a lower provides records a whiteout; a directory created where a lower
//   entry was removed is opaque (no lower content shows through it). Whiteouts and opaque marks are
//   overlay bookkeeping, never files the guest can see;
// - renaming copies the source subtree up and renames it inside the upper.
// Inode numbers are stable: (lower index, layer node) for lower entries, the upper inode otherwise.
// Usage counts the merged view (lower content included, spec/kernel.md s11.2) and is maintained
// incrementally: copy-ups change nothing, removals subtract what they hide.
// Thread-safety: not thread-safe; the owning VM serialises calls. The lower layers are immutable
// and may be shared with other overlays on other threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kernel/vfs/file_system.h"
#include "kernel/vfs/layer.h"
#include "kernel/vfs/memory_file_system.h"

namespace se::kernel::vfs {

class OverlayFileSystem final : public FileSystem {
 public:
  // `lowers` in precedence order (index 0 highest); at least one. The upper starts empty, its root
  // taking the mode and owner of the highest lower's root.
  explicit OverlayFileSystem(std::vector<std::shared_ptr<const Layer>> lowers);
  ~OverlayFileSystem() override;
  OverlayFileSystem(const OverlayFileSystem&) = delete;
  OverlayFileSystem& operator=(const OverlayFileSystem&) = delete;

  uint64_t device_id() const { return upper_->device_id(); }

  ErrorOr<std::string> realpath(std::string_view path) override;
  ErrorOr<std::string> resolve_destination(std::string_view path, bool follow_final) override;
  ErrorOr<FileStat> stat(std::string_view path, bool follow) override;
  ErrorOr<std::string> read_link(std::string_view path) override;
  ErrorOr<std::vector<std::string>> read_dir(std::string_view path, uint64_t max_entries) override;
  ErrorOr<std::string> read_file(std::string_view path) override;
  ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) override;
  ErrorOr<void> write_file(std::string_view path, std::string_view data, Parents parents) override;
  ErrorOr<void> pwrite(std::string_view path, uint64_t offset, std::string_view data) override;
  ErrorOr<void> truncate(std::string_view path, uint64_t length) override;
  ErrorOr<void> mkdir(std::string_view path, Parents parents, bool exist_ok) override;
  ErrorOr<void> symlink(std::string_view target, std::string_view link_path, Parents parents) override;
  ErrorOr<void> link(std::string_view existing_path, std::string_view new_path, Parents parents) override;
  ErrorOr<void> remove_file(std::string_view path) override;
  ErrorOr<void> remove_dir(std::string_view path, bool recursive) override;
  ErrorOr<void> rename(std::string_view from, std::string_view to, Parents parents) override;
  ErrorOr<void> chmod(std::string_view path, uint32_t mode, bool follow) override;
  ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) override;
  ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) override;
  std::vector<FsEntry> export_entries() const override;
  FsUsage usage() const override;
  void set_limits(FsLimits limits) override;

 private:
  struct LowerRef {
    size_t index = 0;  // position in lowers_
    const LayerNode* node = nullptr;
  };
  using LowerStack = std::vector<LowerRef>;
  // A directory of the merged view: its upper directory, if any, and the lower directories merged
  // beneath it (none when it is opaque).
  struct Directory {
    uint64_t upper_ino = 0;
    LowerStack lowers;
  };
  // An entry of the merged view.
  struct Node {
    FsEntryKind kind = FsEntryKind::Directory;
    uint64_t upper_ino = 0;     // the upper entry, which hides every lower one (0: none)
    LowerRef lower;             // otherwise the entry of the highest lower that has one
    LowerStack lowers;          // directories: the lower directories merged into it
    bool covers_lower = false;  // some lower has an entry here: removing this one needs a whiteout
    Directory as_directory() const { return Directory{upper_ino, lowers}; }
  };
  struct Found {
    std::optional<Node> node;
    bool whited_out = false;
  };
  struct Walk;

  Node root_node() const;
  Found lookup(const Directory& directory, std::string_view path, std::string_view name) const;
  ErrorOr<Walk> walk(std::string_view path, bool follow_final, bool stop_at_non_directory) const;
  // Names in the merged directory: `names` (its upper entries) plus the visible lower ones, sorted.
  std::vector<std::string> merged_names(const Directory& directory, std::string_view path,
                                        std::vector<std::string> names) const;
  std::vector<std::pair<std::string, Node>> children(const Directory& directory, std::string_view path) const;
  bool is_empty(const Directory& directory, std::string_view path) const;
  bool has_marks_below(std::string_view path) const;
  void erase_marks(std::string_view path);

  FileStat stat_of(const Node& node) const;
  std::string_view data_of(const Node& node) const;
  uint64_t lower_ino(const LowerRef& lower) const;
  // What lower layers contribute to usage at and below `node`.
  FsUsage lower_usage(const Node& node, std::string_view path) const;
  void hide_lower(FsUsage usage);
  void reveal_lower(FsUsage usage);
  void apply_limits();

  // Copy-up. upper_directory makes the merged directory `path` exist in the upper; copy_up creates
  // the lower entry `node` at `path` in the upper directory `parent_ino` (a file with
  // `new_contents` instead of the lower bytes when given) and returns its upper inode.
  ErrorOr<uint64_t> upper_directory(std::string_view path);
  ErrorOr<uint64_t> upper_parent(const Walk& walk);
  ErrorOr<uint64_t> copy_up(uint64_t parent_ino, const std::string& path, const Node& node,
                            std::optional<std::string_view> new_contents);
  ErrorOr<uint64_t> in_upper(const Walk& walk);
  ErrorOr<void> copy_up_tree(const std::string& path, const Node& node);
  // After creating the missing part of `walk` in the upper: a create over a whiteout replaces it,
  // and a directory created there is opaque.
  void settle_whiteout(const Walk& walk, bool created_directory);

  std::vector<std::shared_ptr<const Layer>> lowers_;
  std::unique_ptr<MemoryFileSystem> upper_;
  std::set<std::string, std::less<>> whiteouts_;   // paths whose lower entries are removed
  std::set<std::string, std::less<>> opaque_;      // upper directories hiding their lower ones
  std::unordered_map<uint64_t, uint64_t> origin_;  // copied-up upper inode -> its lower inode number
  FsUsage lower_visible_;                          // usage of the entries lowers provide
  FsLimits limits_;
};

}  // namespace se::kernel::vfs
