// Conversions between wire types and config/kernel types. The service layer is the only place
// that knows both sides (ARCHITECTURE.md). Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/permissions.h"
#include "config/root_filesystem.h"
#include "kernel/fs_types.h"
#include "kernel/root_entries.h"
#include "wire/protocol.h"

namespace se::service {

wire::RootFilesystemEntryKind kind_to_wire(kernel::FsEntryKind kind);
// File content as the wire carries it: the bytes with UTF8 when they are valid UTF-8, else their
// BASE64 text with BASE64.
void set_wire_content(std::string_view bytes, std::optional<std::string>& content,
                      std::optional<wire::RootFilesystemEntryEncoding>& encoding);

config::RootFilesystemEntry entry_from_wire(const wire::RootFilesystemEntry& entry);
// Snapshot/export form (spec/protocol.md s3.8): mode/uid/gid always present, file content UTF8
// when valid UTF-8 else BASE64, symlink target, executable = file with any execute bit.
wire::RootFilesystemEntry entry_to_wire(const kernel::FsEntry& entry);
// A stored (imported) layer entry exports exactly as imported: content and target wherever present.
wire::RootFilesystemEntry entry_to_wire(const kernel::SnapshotEntry& entry);
std::vector<wire::RootFilesystemEntry> entries_to_wire(const std::vector<kernel::FsEntry>& entries);

config::PermissionsPolicy policy_from_wire(const wire::PermissionsPolicy& policy);

wire::GuestFilesystemStat stat_to_wire(const kernel::FileStat& stat);

}  // namespace se::service
