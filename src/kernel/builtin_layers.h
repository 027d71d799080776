// The root filesystem layers compiled into the binary: the bundled base layer (Alpine-derived, 70
// entries, spec/kernel.md s3.5, embedded from assets/base-filesystem.json at build time) and the
// minimal skeleton used when the base layer is disabled and no lowers are given.
// Thread-safety: the accessors parse or build once per process and return immutable data; they are
// safe to call from any thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/fs_types.h"
#include "kernel/vfs/layer.h"

namespace se::kernel {

// The embedded JSON document, byte for byte (generated source).
std::string_view bundled_base_filesystem_json();

// Parses a base-filesystem document: `filesystem.entries[]` with path, type (file|directory|
// symlink), mode (octal string), uid, gid, content with optional encoding (utf8|base64), target.
ErrorOr<std::vector<FsEntry>> parse_base_filesystem_json(std::string_view json);

// The bundled base layer's entries, parsed once.
const std::vector<FsEntry>& bundled_base_entries();

// The minimal root (spec/kernel.md s3.5): directories 0755 0:0 from /dev to /etc/agentos plus an
// empty /usr/bin/env.
const std::vector<FsEntry>& minimal_root_entries();

// Both as immutable layers, built once per process and shared by every VM root.
const std::shared_ptr<const vfs::Layer>& bundled_base_layer();
const std::shared_ptr<const vfs::Layer>& minimal_root_layer();

}  // namespace se::kernel
