// Turning configured root filesystem entries into filesystem state: the conversion of a
// CreateVmConfig / wire entry into an FsEntry (defaults, base64) or a SnapshotEntry (an imported
// layer's entry, kept as given), and the application of a list of entries to a filesystem, as a
// lower layer (entries replace whatever they conflict with) or as bootstrap entries (conflicts are
// errors, like the system calls they map to).
// Thread-safety: pure functions over the filesystem passed in; no shared state.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "config/root_filesystem.h"
#include "kernel/fs_types.h"
#include "kernel/vfs/file_system.h"
#include "kernel/vfs/layer.h"

namespace se::kernel {

// One entry of a stored snapshot layer (spec/protocol.md s3.8). An imported entry is kept as given
// once its defaults are applied: the mode without type bits unless the client sent them, content
// and target wherever supplied (even on kinds that ignore them), so that exporting the layer
// returns what was imported. Entries of a materialised tree carry full stat modes, content for
// files and a target for symlinks.
struct SnapshotEntry {
  std::string path;  // normalised
  FsEntryKind kind = FsEntryKind::File;
  uint32_t mode = 0;
  uint32_t uid = 0, gid = 0;
  std::shared_ptr<const vfs::Blob> content;  // null when absent
  std::optional<std::string> target;
};

// The import form of a configured entry: defaults applied (as materialize_entry), path normalised,
// base64 content decoded (the same plain error), nothing validated.
ErrorOr<SnapshotEntry> snapshot_entry(const config::RootFilesystemEntry& entry);
// The snapshot form of a materialised tree entry.
SnapshotEntry snapshot_entry(const FsEntry& entry);
// The filesystem form of a stored entry: the kind's type bits with the entry's permission bits,
// content only for files, target only for symlinks. A symlink without a target is a plain error
// "missing symlink target for /p".
ErrorOr<FsEntry> materialize_snapshot_entry(const SnapshotEntry& entry);

// True for paths the kernel synthesises, /dev, /proc and /sys and everything below them: bootstrap
// entries there are never materialised.
bool is_synthesised_path(std::string_view path);

// Applies the defaults (file 0644, or 0755 when executable; directory 0755; symlink 0777; owner
// 0:0), normalises the path and decodes base64 content. Errors are plain (errno 0):
// "invalid base64 root filesystem content for /p: Invalid padding",
// "root filesystem bootstrap for symlink /p requires a target".
ErrorOr<FsEntry> materialize_entry(const config::RootFilesystemEntry& entry);

enum class EntryConflicts {
  Fail,     // bootstrap: writing a file onto a directory fails, symlinks are written through
  Replace,  // layer merge: an entry replaces a conflicting entry (and its subtree) of a lower layer
};

// Applies entries in order. Missing ancestors become directories 0755 0:0; each entry gets its
// mode and owner (symlinks included, so that an exported snapshot re-applies identically); a later
// entry for the same path overwrites an earlier one.
ErrorOr<void> apply_entries(vfs::FileSystem& filesystem, std::span<const FsEntry> entries, EntryConflicts conflicts);

// Stable order for applying a layer: by path depth, then byte-wise by path (spec/kernel.md s3.4).
void sort_for_application(std::vector<FsEntry>& entries);

}  // namespace se::kernel
