// Turning configured root filesystem entries into filesystem state: the conversion of a
// CreateVmConfig / wire entry into an FsEntry (defaults, base64) and the application of a list of
// entries to a filesystem, as a lower layer (entries replace whatever they conflict with) or as
// bootstrap entries (conflicts are errors, like the system calls they map to).
// Thread-safety: pure functions over the filesystem passed in; no shared state.
#pragma once

#include <span>
#include <vector>

#include "base/error.h"
#include "config/root_filesystem.h"
#include "kernel/fs_types.h"
#include "kernel/vfs/file_system.h"

namespace se::kernel {

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
