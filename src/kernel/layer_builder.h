// Turns a flattened entry list (a configured lower layer, a snapshot) into an immutable layer that
// any number of VM roots can share (vfs/layer.h). Equal entry lists resolve to the same live layer,
// so VMs created from the same configuration hold one copy of their lowers.
// Thread-safety: build_layer may be called from any thread (the cache is internally synchronised).
#pragma once

#include <memory>
#include <vector>

#include "base/error.h"
#include "kernel/fs_types.h"
#include "kernel/vfs/layer.h"

namespace se::kernel {

// The owner of "/" when no entry names it: the reference materialises every snapshot on a fresh
// memory filesystem, whose root belongs to the guest user.
inline constexpr uint32_t kImplicitRootOwner = 1000;

// Applies `entries` in application order (sort_for_application) to an empty tree, later entries
// replacing conflicting earlier ones (EntryConflicts::Replace); missing ancestors are directories
// 0755 0:0. Lists with equal entries share one layer while it is alive (keyed by a SHA-256 over
// the sorted entries).
ErrorOr<std::shared_ptr<const vfs::Layer>> build_layer(std::vector<FsEntry> entries);

}  // namespace se::kernel
