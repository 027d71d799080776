// Helpers shared by the VmFilesystem tests: building a VM filesystem and rendering errors.
// Thread-safety: test-only, single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kernel/vm_filesystem.h"

namespace se::kernel::testing {

// "ENOENT: no such file: /x", or "<no error>" when the call succeeded.
template <typename T>
std::string error_of(const ErrorOr<T>& result) {
  return result ? std::string("<no error>") : result.error().to_string();
}

inline std::unique_ptr<VmFilesystem> make_vm_filesystem(const PermissionEngine& engine,
                                                        const config::RootFilesystemConfig& root = {},
                                                        const config::ResourceLimits& limits = {}) {
  auto created = VmFilesystem::create(root, limits, engine);
  EXPECT_TRUE(created) << created.error().to_string();
  return created ? std::move(created).value() : nullptr;
}

inline config::RootFilesystemEntry configured_entry(std::string path, config::EntryKind kind, std::string data = {}) {
  config::RootFilesystemEntry entry;
  entry.path = std::move(path);
  entry.kind = kind;
  if (kind == config::EntryKind::Symlink) {
    entry.target = std::move(data);
  } else if (kind == config::EntryKind::File) {
    entry.content = std::move(data);
  }
  return entry;
}

}  // namespace se::kernel::testing
