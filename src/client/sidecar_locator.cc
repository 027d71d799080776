#include "client/sidecar_locator.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

namespace se::client {
namespace {

bool is_executable_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> beside_current_executable() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  const auto candidate = (self.parent_path() / kSidecarExecutableName).string();
  if (is_executable_file(candidate)) return candidate;
  return std::nullopt;
}

std::optional<std::string> on_search_path() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest(path);
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    const auto candidate = (std::filesystem::path(dir) / kSidecarExecutableName).string();
    if (is_executable_file(candidate)) return candidate;
  }
  return std::nullopt;
}

}  // namespace

ErrorOr<std::string> locate_sidecar(const std::optional<std::string>& explicit_path) {
  if (explicit_path.has_value()) {
    if (!is_executable_file(*explicit_path)) {
      return fail(ENOENT, "sidecar binary " + *explicit_path + " is not an executable file");
    }
    return *explicit_path;
  }
  if (const char* from_env = std::getenv(kSidecarPathEnv); from_env != nullptr && *from_env != '\0') {
    if (!is_executable_file(from_env)) {
      return fail(ENOENT, std::string(kSidecarPathEnv) + "=" + from_env + " is not an executable file");
    }
    return std::string(from_env);
  }
  if (auto beside = beside_current_executable()) return *beside;
  if (auto found = on_search_path()) return *found;
  return fail(ENOENT, std::string("cannot find ") + kSidecarExecutableName + ": pass --sidecar, set " +
                          kSidecarPathEnv + ", install it next to this program or on PATH");
}

}  // namespace se::client
