#include "cli/workspace_upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace se::cli {
namespace {

namespace fs = std::filesystem;

std::unexpected<std::string> failure(std::string message) {
  return std::unexpected(std::move(message));
}

// A path relative to the tree root stays inside unless it starts with ".." (lexically_relative
// yields an empty path when no relative path exists).
bool stays_inside(const fs::path& relative) {
  return !relative.empty() && *relative.begin() != "..";
}

std::string guest_child(const std::string& guest_dir, const fs::path& relative) {
  const std::string tail = relative.generic_string();
  if (tail == ".") return guest_dir;
  return guest_dir + (guest_dir.ends_with('/') ? "" : "/") + tail;
}

UploadResult<void> request(const client::Result<void>& result, const std::string& what) {
  if (!result) return failure(what + ": " + result.error().to_string());
  return {};
}

}  // namespace

UploadResult<std::string> read_host_file(const std::string& host_path) {
  const int fd = ::open(host_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure("cannot read " + host_path + ": " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const bool directory = S_ISDIR(info.st_mode);
    ::close(fd);
    return failure("cannot read " + host_path + ": " + (directory ? "it is a directory" : "not a regular file"));
  }
  std::string content;
  content.reserve(static_cast<size_t>(info.st_size));
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return failure("cannot read " + host_path + ": " + std::strerror(error));
    }
    if (got == 0) break;
    content.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return content;
}

UploadResult<void> upload_file(client::Client& client, const client::VmHandle& vm, const std::string& guest_path,
                               const std::string& content) {
  return request(client.write_file(vm, guest_path, content), "cannot write " + guest_path + " in the VM");
}

UploadResult<std::vector<std::string>> upload_tree(client::Client& client, const client::VmHandle& vm,
                                                   const std::string& host_dir, const std::string& guest_dir) {
  std::error_code error;
  const fs::path root = fs::canonical(host_dir, error);
  if (error) return failure("cannot open directory " + host_dir + ": " + error.message());
  if (!fs::is_directory(root, error)) return failure(host_dir + " is not a directory");
  if (auto made = request(client.mkdir(vm, guest_dir, true), "cannot create " + guest_dir + " in the VM"); !made) {
    return std::unexpected(made.error());
  }

  std::vector<std::string> skipped;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::path& host = it->path();
    const std::string guest = guest_child(guest_dir, host.lexically_relative(root));
    const fs::file_status status = it->symlink_status(error);
    if (error) break;
    if (fs::is_directory(status)) {
      if (auto made = request(client.mkdir(vm, guest, true), "cannot create " + guest + " in the VM"); !made) {
        return std::unexpected(made.error());
      }
    } else if (fs::is_regular_file(status)) {
      auto content = read_host_file(host.string());
      if (!content) return std::unexpected(content.error());
      if (auto wrote = upload_file(client, vm, guest, *content); !wrote) return std::unexpected(wrote.error());
      const auto mode = static_cast<uint32_t>(status.permissions() & fs::perms::mask);
      if ((mode & 0111) != 0) {
        if (auto changed = request(client.chmod(vm, guest, mode), "cannot chmod " + guest + " in the VM"); !changed) {
          return std::unexpected(changed.error());
        }
      }
    } else if (fs::is_symlink(status)) {
      const fs::path target = fs::read_symlink(host, error);
      if (error) break;
      const fs::path resolved =
          fs::weakly_canonical(target.is_absolute() ? target : host.parent_path() / target, error);
      if (error) break;
      const fs::path relative = resolved.lexically_relative(root);
      if (!stays_inside(relative)) {
        return failure("refusing " + host.string() + ": it is a symlink to " + target.string() + ", outside " +
                       host_dir);
      }
      if (auto linked = request(client.symlink(vm, guest_child(guest_dir, relative), guest),
                                "cannot create the symlink " + guest + " in the VM");
          !linked) {
        return std::unexpected(linked.error());
      }
    } else {
      skipped.push_back(host.string());
    }
  }
  if (error) return failure("cannot copy " + host_dir + ": " + error.message());
  return skipped;
}

std::string path_inside(const std::string& host_path, const std::string& host_dir) {
  std::error_code error;
  const fs::path file = fs::canonical(host_path, error);
  if (error) return {};
  const fs::path root = fs::canonical(host_dir, error);
  if (error) return {};
  const fs::path relative = file.lexically_relative(root);
  if (!stays_inside(relative) || relative == ".") return {};
  return relative.generic_string();
}

}  // namespace se::cli
