// The V8 startup snapshot built at compile time by snapshot_generator (the guest bootstrap already
// evaluated in its default context). Defined in a generated source file.
// Thread-safety: immutable static data.
#pragma once

#include <cstddef>
#include <span>

namespace se::runtime::js {

std::span<const char> embedded_snapshot();

// Index of the bootstrap's host-entry object in the snapshot's context data (AddData).
inline constexpr size_t kHostEntrySnapshotIndex = 0;

}  // namespace se::runtime::js
