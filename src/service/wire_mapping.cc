#include "service/wire_mapping.h"

#include <variant>

#include "base/base64.h"
#include "base/utf8.h"

namespace se::service {
namespace {

config::EntryKind kind_from_wire(wire::RootFilesystemEntryKind kind) {
  switch (kind) {
    case wire::RootFilesystemEntryKind::FILE:
      return config::EntryKind::File;
    case wire::RootFilesystemEntryKind::DIRECTORY:
      return config::EntryKind::Directory;
    case wire::RootFilesystemEntryKind::SYMLINK:
      return config::EntryKind::Symlink;
  }
  return config::EntryKind::File;
}

config::PermissionMode mode_from_wire(wire::PermissionMode mode) {
  switch (mode) {
    case wire::PermissionMode::ALLOW:
      return config::PermissionMode::Allow;
    case wire::PermissionMode::ASK:
      return config::PermissionMode::Ask;
    case wire::PermissionMode::DENY:
      return config::PermissionMode::Deny;
  }
  return config::PermissionMode::Deny;
}

template <typename WireRuleSet>
config::PermissionRuleSet rule_set_from_wire(const WireRuleSet& rule_set) {
  config::PermissionRuleSet result;
  if (rule_set.default_) result.default_mode = mode_from_wire(*rule_set.default_);
  for (const auto& rule : rule_set.rules) {
    config::PermissionRule converted;
    converted.mode = mode_from_wire(rule.mode);
    converted.operations = rule.operations;
    if constexpr (requires { rule.paths; }) {
      converted.patterns = rule.paths;
    } else {
      converted.patterns = rule.patterns;
    }
    result.rules.push_back(std::move(converted));
  }
  return result;
}

template <typename WireScope>
std::optional<config::PermissionScope> scope_from_wire(const std::optional<WireScope>& scope) {
  if (!scope) return std::nullopt;
  if (const auto* mode = std::get_if<wire::PermissionMode>(&*scope)) {
    return config::PermissionScope{mode_from_wire(*mode)};
  }
  return config::PermissionScope{rule_set_from_wire(std::get<1>(*scope))};
}

}  // namespace

wire::RootFilesystemEntryKind kind_to_wire(kernel::FsEntryKind kind) {
  switch (kind) {
    case kernel::FsEntryKind::File:
      return wire::RootFilesystemEntryKind::FILE;
    case kernel::FsEntryKind::Directory:
      return wire::RootFilesystemEntryKind::DIRECTORY;
    case kernel::FsEntryKind::Symlink:
      return wire::RootFilesystemEntryKind::SYMLINK;
  }
  return wire::RootFilesystemEntryKind::FILE;
}

void set_wire_content(std::string_view bytes, std::optional<std::string>& content,
                      std::optional<wire::RootFilesystemEntryEncoding>& encoding) {
  if (is_valid_utf8(bytes)) {
    content = std::string(bytes);
    encoding = wire::RootFilesystemEntryEncoding::UTF8;
  } else {
    content = base64_encode(bytes);
    encoding = wire::RootFilesystemEntryEncoding::BASE64;
  }
}

config::RootFilesystemEntry entry_from_wire(const wire::RootFilesystemEntry& entry) {
  config::RootFilesystemEntry result;
  result.path = entry.path;
  result.kind = kind_from_wire(entry.kind);
  result.mode = entry.mode;
  result.uid = entry.uid;
  result.gid = entry.gid;
  result.content = entry.content;
  if (entry.encoding) {
    result.encoding = *entry.encoding == wire::RootFilesystemEntryEncoding::BASE64 ? config::ContentEncoding::Base64
                                                                                   : config::ContentEncoding::Utf8;
  }
  result.target = entry.target;
  result.executable = entry.executable;
  return result;
}

namespace {

// Path, kind, mode and owner, which every exported entry carries.
template <typename Entry>
wire::RootFilesystemEntry entry_metadata_to_wire(const Entry& entry) {
  wire::RootFilesystemEntry result;
  result.path = entry.path;
  result.kind = kind_to_wire(entry.kind);
  result.mode = entry.mode;
  result.uid = entry.uid;
  result.gid = entry.gid;
  result.executable = entry.kind == kernel::FsEntryKind::File && (entry.mode & 0111) != 0;
  return result;
}

}  // namespace

wire::RootFilesystemEntry entry_to_wire(const kernel::FsEntry& entry) {
  wire::RootFilesystemEntry result = entry_metadata_to_wire(entry);
  if (entry.kind == kernel::FsEntryKind::File) {
    set_wire_content(entry.content, result.content, result.encoding);
  } else if (entry.kind == kernel::FsEntryKind::Symlink) {
    result.target = entry.target;
  }
  return result;
}

wire::RootFilesystemEntry entry_to_wire(const kernel::SnapshotEntry& entry) {
  wire::RootFilesystemEntry result = entry_metadata_to_wire(entry);
  if (entry.content) set_wire_content(entry.content->bytes, result.content, result.encoding);
  result.target = entry.target;
  return result;
}

std::vector<wire::RootFilesystemEntry> entries_to_wire(const std::vector<kernel::FsEntry>& entries) {
  std::vector<wire::RootFilesystemEntry> result;
  result.reserve(entries.size());
  for (const auto& entry : entries) result.push_back(entry_to_wire(entry));
  return result;
}

config::PermissionsPolicy policy_from_wire(const wire::PermissionsPolicy& policy) {
  config::PermissionsPolicy result;
  result.fs = scope_from_wire(policy.fs);
  result.network = scope_from_wire(policy.network);
  result.child_process = scope_from_wire(policy.child_process);
  result.process = scope_from_wire(policy.process);
  result.env = scope_from_wire(policy.env);
  result.binding = scope_from_wire(policy.binding);
  return result;
}

wire::GuestFilesystemStat stat_to_wire(const kernel::FileStat& stat) {
  wire::GuestFilesystemStat result;
  result.mode = stat.mode;
  result.size = stat.size;
  result.blocks = stat.blocks;
  result.dev = stat.dev;
  result.rdev = stat.rdev;
  result.is_directory = stat.is_directory;
  result.is_symbolic_link = stat.is_symbolic_link;
  result.atime_ms = stat.atime_ms;
  result.mtime_ms = stat.mtime_ms;
  result.ctime_ms = stat.ctime_ms;
  result.birthtime_ms = stat.birthtime_ms;
  result.ino = stat.ino;
  result.nlink = stat.nlink;
  result.uid = stat.uid;
  result.gid = stat.gid;
  return result;
}

}  // namespace se::service
