// Filesystem value types shared by the kernel, the service layer and (later) guest runtimes:
// stat results and the flattened entry form used for bootstrap, layers and snapshots.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>

namespace se::kernel {

// st_mode type bits (Linux values).
inline constexpr uint32_t kModeTypeMask = 0170000;
inline constexpr uint32_t kModeRegular = 0100000;
inline constexpr uint32_t kModeDirectory = 0040000;
inline constexpr uint32_t kModeSymlink = 0120000;
inline constexpr uint32_t kModePermissionMask = 07777;

// What stat/lstat report (spec/kernel.md s2.3). `mode` includes the type bits.
struct FileStat {
  uint32_t mode = 0;
  uint64_t size = 0, blocks = 0, dev = 0, rdev = 0;
  bool is_directory = false, is_symbolic_link = false;
  uint64_t atime_ms = 0, mtime_ms = 0, ctime_ms = 0, birthtime_ms = 0, ino = 0, nlink = 0;
  uint32_t uid = 0, gid = 0;
  bool operator==(const FileStat&) const = default;
};

enum class FsEntryKind { File, Directory, Symlink };

// One node of a flattened filesystem image: a bootstrap entry, a layer entry or a snapshot entry.
struct FsEntry {
  std::string path;  // normalised absolute path
  FsEntryKind kind = FsEntryKind::File;
  uint32_t mode = 0;  // full st_mode, type bits included
  uint32_t uid = 0, gid = 0;
  std::string content;  // file bytes
  std::string target;   // symlink target, stored verbatim
  bool operator==(const FsEntry&) const = default;
};

// Type bits of an entry kind.
inline uint32_t mode_type_bits(FsEntryKind kind) {
  switch (kind) {
    case FsEntryKind::File:
      return kModeRegular;
    case FsEntryKind::Directory:
      return kModeDirectory;
    case FsEntryKind::Symlink:
      return kModeSymlink;
  }
  return kModeRegular;
}

}  // namespace se::kernel
