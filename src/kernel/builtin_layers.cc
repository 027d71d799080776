#include "kernel/builtin_layers.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "base/base64.h"
#include "kernel/layer_builder.h"
#include "kernel/vfs/path.h"

namespace se::kernel {

namespace {

using nlohmann::json;

Unexpected invalid_entry(size_t index, std::string_view problem) {
  return fail(Error::plain("invalid base filesystem entry " + std::to_string(index) + ": " + std::string(problem)));
}

ErrorOr<FsEntry> parse_entry(const json& item, size_t index) {
  if (!item.is_object()) return invalid_entry(index, "not an object");
  const auto path = item.find("path");
  const auto type = item.find("type");
  const auto mode = item.find("mode");
  if (path == item.end() || !path->is_string()) return invalid_entry(index, "missing path");
  if (type == item.end() || !type->is_string()) return invalid_entry(index, "missing type");
  if (mode == item.end() || !mode->is_string()) return invalid_entry(index, "missing octal mode");

  FsEntry entry;
  entry.path = vfs::normalize_path(path->get<std::string>());
  const std::string& kind = type->get_ref<const std::string&>();
  if (kind == "file") {
    entry.kind = FsEntryKind::File;
  } else if (kind == "directory") {
    entry.kind = FsEntryKind::Directory;
  } else if (kind == "symlink") {
    entry.kind = FsEntryKind::Symlink;
  } else {
    return invalid_entry(index, "unknown type " + kind);
  }
  const std::string& octal = mode->get_ref<const std::string&>();
  char* end = nullptr;
  const unsigned long bits = std::strtoul(octal.c_str(), &end, 8);
  if (octal.empty() || *end != '\0') return invalid_entry(index, "invalid mode " + octal);
  entry.mode = mode_type_bits(entry.kind) | (static_cast<uint32_t>(bits) & kModePermissionMask);
  for (const char* key : {"uid", "gid"}) {
    const auto id = item.find(key);
    if (id == item.end()) continue;
    if (!id->is_number_unsigned()) return invalid_entry(index, std::string("invalid ") + key);
    (std::string_view(key) == "uid" ? entry.uid : entry.gid) = id->get<uint32_t>();
  }
  if (const auto content = item.find("content"); content != item.end() && content->is_string()) {
    const auto encoding = item.find("encoding");
    const std::string text = content->get<std::string>();
    if (encoding == item.end() || *encoding == "utf8") {
      entry.content = text;
    } else if (*encoding == "base64") {
      std::string reason;
      auto decoded = base64_decode(text, &reason);
      if (!decoded) return invalid_entry(index, "invalid base64 content: " + reason);
      entry.content = std::move(*decoded);
    } else {
      return invalid_entry(index, "unsupported encoding");
    }
  }
  if (const auto target = item.find("target"); target != item.end() && target->is_string()) {
    entry.target = target->get<std::string>();
  }
  if (entry.kind == FsEntryKind::Symlink && entry.target.empty()) {
    return invalid_entry(index, "symlink without target");
  }
  return entry;
}

// The embedded asset is part of the binary: failing to parse it is a build defect, not a runtime
// condition a caller could handle.
std::vector<FsEntry> parse_embedded_base_layer() {
  auto entries = parse_base_filesystem_json(bundled_base_filesystem_json());
  if (!entries) {
    std::fprintf(stderr, "fatal: bundled base filesystem is invalid: %s\n", entries.error().to_string().c_str());
    std::abort();
  }
  return std::move(entries).value();
}

std::vector<FsEntry> build_minimal_root() {
  static constexpr const char* kDirectories[] = {
      "/",          "/dev",           "/proc",        "/tmp",       "/bin",           "/lib",
      "/sbin",      "/boot",          "/etc",         "/root",      "/run",           "/srv",
      "/sys",       "/opt",           "/mnt",         "/media",     "/home",          "/usr",
      "/usr/bin",   "/usr/games",     "/usr/include", "/usr/lib",   "/usr/libexec",   "/usr/man",
      "/usr/local", "/usr/local/bin", "/usr/sbin",    "/usr/share", "/usr/share/man", "/var",
      "/var/cache", "/var/empty",     "/var/lib",     "/var/lock",  "/var/log",       "/var/run",
      "/var/spool", "/var/tmp",       "/etc/agentos"};
  auto root_owned = [](const char* path, FsEntryKind kind, uint32_t permissions) {
    FsEntry entry;
    entry.path = path;
    entry.kind = kind;
    entry.mode = mode_type_bits(kind) | permissions;
    return entry;
  };
  std::vector<FsEntry> entries;
  for (const char* path : kDirectories) entries.push_back(root_owned(path, FsEntryKind::Directory, 0755));
  entries.push_back(root_owned("/usr/bin/env", FsEntryKind::File, 0644));
  return entries;
}

std::shared_ptr<const vfs::Layer> build_builtin_layer(const std::vector<FsEntry>& entries) {
  auto layer = build_layer(entries);
  if (!layer) {
    std::fprintf(stderr, "fatal: built-in root layer is invalid: %s\n", layer.error().to_string().c_str());
    std::abort();
  }
  return std::move(layer).value();
}

}  // namespace

ErrorOr<std::vector<FsEntry>> parse_base_filesystem_json(std::string_view text) {
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return fail(Error::plain("base filesystem is not valid JSON"));
  const auto filesystem = document.find("filesystem");
  if (!document.is_object() || filesystem == document.end() || !filesystem->is_object()) {
    return fail(Error::plain("base filesystem has no filesystem object"));
  }
  const auto items = filesystem->find("entries");
  if (items == filesystem->end() || !items->is_array()) {
    return fail(Error::plain("base filesystem has no filesystem.entries array"));
  }
  std::vector<FsEntry> entries;
  entries.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) entries.push_back(TRY(parse_entry((*items)[i], i)));
  return entries;
}

const std::vector<FsEntry>& bundled_base_entries() {
  static const std::vector<FsEntry> entries = parse_embedded_base_layer();
  return entries;
}

const std::vector<FsEntry>& minimal_root_entries() {
  static const std::vector<FsEntry> entries = build_minimal_root();
  return entries;
}

const std::shared_ptr<const vfs::Layer>& bundled_base_layer() {
  static const std::shared_ptr<const vfs::Layer> layer = build_builtin_layer(bundled_base_entries());
  return layer;
}

const std::shared_ptr<const vfs::Layer>& minimal_root_layer() {
  static const std::shared_ptr<const vfs::Layer> layer = build_builtin_layer(minimal_root_entries());
  return layer;
}

}  // namespace se::kernel
