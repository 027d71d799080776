// Root filesystem description of a VM as configured (CreateVmConfig `rootFilesystem`, and the
// entries carried by BootstrapRootFilesystem / ImportSnapshot requests). Plain data: the kernel
// turns it into layers (kernel/), the service maps wire entries onto it (service/).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace se::config {

enum class RootFilesystemMode { Ephemeral, ReadOnly };
enum class EntryKind { File, Directory, Symlink };
enum class ContentEncoding { Utf8, Base64 };

// One entry as written by a client (spec/protocol.md s6.1, wire RootFilesystemEntry).
// Defaults are applied when the kernel materialises it: mode 0755 (dir, executable file), 0644
// (file), 0777 (symlink); uid/gid 0; content UTF-8 when `encoding` is absent.
struct RootFilesystemEntry {
  std::string path;
  EntryKind kind = EntryKind::File;
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<std::string> content;
  std::optional<ContentEncoding> encoding;
  std::optional<std::string> target;
  bool executable = false;
  bool operator==(const RootFilesystemEntry&) const = default;
};

// A lower layer: either explicit snapshot entries or the bundled base filesystem.
struct RootFilesystemLower {
  bool bundled_base = false;
  std::vector<RootFilesystemEntry> entries;  // used when !bundled_base
  bool operator==(const RootFilesystemLower&) const = default;
};

struct RootFilesystemConfig {
  RootFilesystemMode mode = RootFilesystemMode::Ephemeral;
  bool disable_default_base_layer = false;
  std::vector<RootFilesystemLower> lowers;  // index 0 = highest precedence
  std::vector<RootFilesystemEntry> bootstrap_entries;
  bool operator==(const RootFilesystemConfig&) const = default;
};

}  // namespace se::config
