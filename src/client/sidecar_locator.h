// Finds the secure-exec-sidecar executable a client should spawn.
// Order: explicit path, env SECURE_EXEC_SIDECAR_BIN, `secure-exec-sidecar` next to the calling
// executable (/proc/self/exe), then PATH. Thread-safety: reads the environment; call freely.
#pragma once

#include <optional>
#include <string>

#include "base/error.h"

namespace se::client {

inline constexpr const char* kSidecarExecutableName = "secure-exec-sidecar";
inline constexpr const char* kSidecarPathEnv = "SECURE_EXEC_SIDECAR_BIN";

// Returns an absolute or PATH-resolved path to an executable file, or ENOENT naming every place
// that was tried.
ErrorOr<std::string> locate_sidecar(const std::optional<std::string>& explicit_path);

}  // namespace se::client
