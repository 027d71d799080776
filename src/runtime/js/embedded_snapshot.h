// The V8 startup snapshot built at compile time by snapshot_generator (the guest bootstrap already
// evaluated in its default context), and the chunks' code caches made with it. Defined in a
// generated source file.
// Thread-safety: immutable static data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace se::runtime::js {

std::span<const char> embedded_snapshot();

// The V8 code cache of the named chunk (embedded_scripts.h), empty if there is none.
std::span<const uint8_t> chunk_code_cache(std::string_view name);

// Index of the bootstrap's host-entry object in the snapshot's context data (AddData).
inline constexpr size_t kHostEntrySnapshotIndex = 0;

}  // namespace se::runtime::js
