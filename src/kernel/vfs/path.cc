#include "kernel/vfs/path.h"

#include <cstdio>

namespace se::kernel::vfs {

std::string normalize_path(std::string_view path) {
  std::string normalized;
  normalized.reserve(path.size() + 1);
  size_t position = 0;
  while (position <= path.size()) {
    size_t end = path.find('/', position);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view component = path.substr(position, end - position);
    position = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      const size_t slash = normalized.rfind('/');
      normalized.resize(slash == std::string::npos ? 0 : slash);
      continue;
    }
    normalized.push_back('/');
    normalized.append(component);
  }
  if (normalized.empty()) normalized.push_back('/');
  return normalized;
}

ErrorOr<std::string> checked_path(std::string_view path) {
  for (const char byte : path) {
    const auto value = static_cast<unsigned char>(byte);
    if (value == 0) return fail(EINVAL, "path contains NUL byte");
    if (value < 0x20 || value == 0x7f) {
      char text[8];
      std::snprintf(text, sizeof text, "0x%02x", value);
      return fail(EINVAL, std::string("path contains control character byte ") + text);
    }
  }
  std::string normalized = normalize_path(path);
  if (normalized.size() > kMaxPathLength) {
    return fail(ENAMETOOLONG, "file name too long: " + std::string(path));
  }
  return normalized;
}

std::string_view parent_path(std::string_view normalized) {
  const size_t slash = normalized.rfind('/');
  if (slash == 0 || slash == std::string_view::npos) return "/";
  return normalized.substr(0, slash);
}

std::string_view base_name(std::string_view normalized) {
  const size_t slash = normalized.rfind('/');
  return slash == std::string_view::npos ? normalized : normalized.substr(slash + 1);
}

std::string join_path(std::string_view directory, std::string_view name) {
  std::string joined;
  joined.reserve(directory.size() + name.size() + 1);
  if (directory != "/") joined.append(directory);
  joined.push_back('/');
  joined.append(name);
  return joined;
}

bool is_strict_descendant(std::string_view path, std::string_view ancestor) {
  if (ancestor == "/") return path.size() > 1;
  return path.size() > ancestor.size() && path.starts_with(ancestor) && path[ancestor.size()] == '/';
}

}  // namespace se::kernel::vfs
