// Departures from the reference, all towards Linux (spec/README.md "which source wins"):
// /dev/random, /dev/full and /dev/tty exist; /dev/stdin|stdout|stderr and /dev/fd are symlinks
// into /proc/self/fd (the reference has devices that pass through to the VFS); /proc/<pid>/exe
// exists; /proc/<pid>/stat has Linux's 52 newline-terminated fields; a path continues through a
// synthetic symlink (/proc/self/cwd/x); stat through /proc/<pid>/fd/N of a pipe reports a FIFO.
#include "kernel/special/special_files.h"

#include <algorithm>

#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/path.h"

namespace se::kernel::special {
namespace {

constexpr int kMaxSymlinkHops = 40;  // Linux's MAXSYMLINKS
constexpr uint64_t kPipeDevice = 0xc;
constexpr size_t kStreamChunkBytes = 64 * 1024;

bool under(std::string_view path, std::string_view root) {
  return path == root || vfs::is_strict_descendant(path, root);
}

bool is_proc(std::string_view path) {
  return under(path, "/proc");
}

bool write_intent(uint32_t flags) {
  return (flags & kOpenAccessMask) != kOpenReadOnly || (flags & (kOpenCreate | kOpenTruncate)) != 0;
}

Unexpected no_device(std::string_view op, std::string_view path) {
  return fail(ENXIO, "no such device or address, " + std::string(op) + " '" + std::string(path) + "'");
}

Unexpected create_denied(std::string_view op, std::string_view path) {
  return fail(EACCES, "permission denied, " + std::string(op) + " '" + std::string(path) + "'");
}

// A read-only /proc file's text as of open(2), read from a cursor.
class ContentDevice final : public CharacterDevice {
 public:
  explicit ContentDevice(std::string content) : content_(std::move(content)) {}
  ErrorOr<std::string> read(size_t max_bytes) override {
    std::lock_guard lock(mutex_);
    std::string chunk = content_.substr(std::min(offset_, content_.size()), max_bytes);
    offset_ += chunk.size();
    return chunk;
  }
  ErrorOr<size_t> write(std::string_view) override { return fail(EBADF, "bad file descriptor"); }

 private:
  std::mutex mutex_;
  std::string content_;
  size_t offset_ = 0;
};

std::pair<std::string_view, std::string_view> change_names(Change change) {
  switch (change) {
    case Change::CreateDir:
      return {"createDir", "create_dir"};
    case Change::Mkdir:
      return {"mkdir", "create_dir"};
    case Change::Remove:
    case Change::RemoveDir:
      return {"rm", "rm"};
    case Change::Rename:
      return {"rename", "rename"};
    case Change::Symlink:
      return {"symlink", "symlink"};
    case Change::Link:
      return {"link", "write"};
    case Change::Chmod:
      return {"chmod", "write"};
    case Change::Chown:
      return {"chown", "write"};
    case Change::Utimes:
      return {"utimes", "write"};
    case Change::Truncate:
      return {"truncate", "write"};
  }
  return {"write", "write"};
}

}  // namespace

SpecialFiles::SpecialFiles(ProcessKernel& kernel, VmFilesystem& fs, std::mutex& fs_lock,
                           const PermissionEngine& permissions, const config::ResourceLimits& limits,
                           MachineInfo machine)
    : kernel_(kernel),
      fs_(fs),
      fs_lock_(fs_lock),
      permissions_(permissions),
      max_readdir_entries_(limits.max_readdir_entries),
      max_pread_bytes_(limits.max_pread_bytes),
      proc_(kernel, std::move(machine)),
      dev_(kernel) {}

bool SpecialFiles::handles(std::string_view path) {
  const std::string normalized = vfs::normalize_path(path);
  return is_proc(normalized) || under(normalized, "/dev");
}

ErrorOr<void> SpecialFiles::authorize(std::string_view op, std::string_view capability, const std::string& path) const {
  PermissionDecision decision = permissions_.check(config::PermissionDomain::Fs, capability, path);
  if (decision.allowed) return {};
  return fail(EACCES, "permission denied, " + std::string(op) + " '" + path + "': " + decision.reason);
}

ErrorOr<Node> SpecialFiles::lookup(Pid caller, const std::string& path) const {
  if (is_proc(path)) return proc_.lookup(caller, path);
  return dev_.lookup(path);
}

ErrorOr<SpecialFiles::Resolved> SpecialFiles::resolve(Pid caller, std::string path, bool follow_final) const {
  const std::string requested = path;
  int hops = 0;
  while (true) {
    std::vector<std::string_view> parts;
    for (size_t start = 1; start < path.size();) {
      size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      parts.push_back(std::string_view(path).substr(start, end - start));
      start = end + 1;
    }
    auto rest_after = [&](size_t index) {
      std::string rest;
      for (size_t j = index + 1; j < parts.size(); ++j) rest.append("/").append(parts[j]);
      return rest;
    };
    std::string current;
    std::optional<std::string> next;
    for (size_t i = 0; i < parts.size() && !next; ++i) {
      const std::string candidate = current + "/" + std::string(parts[i]);
      const bool last = i + 1 == parts.size();
      if (!is_proc(candidate) && !under(candidate, "/dev")) {
        return Resolved{std::nullopt, candidate + rest_after(i)};
      }
      auto found = lookup(caller, candidate);
      if (!found) {
        if (found.error().errno_code != ENOENT) return fail(std::move(found).error());
        return fail(ENOENT, "no such file or directory, stat '" + requested + "'");  // the caller's path
      }
      Node node = std::move(*found);
      if (node.type == NodeType::Symlink && (!last || follow_final)) {
        if (++hops > kMaxSymlinkHops) return vfs::symlink_loop();
        if (node.role == NodeRole::ProcSelf) {
          next = vfs::normalize_path("/proc/" + node.target + rest_after(i));  // "/proc/self" -> "42"
          break;
        }
        if (node.target.empty() || node.target.front() != '/') {
          // A descriptor without a path (a pipe, a host stream): nothing lies below it.
          if (!last) return vfs::not_a_directory(requested);
          Node anonymous = node;
          anonymous.type = NodeType::Fifo;
          anonymous.role = NodeRole::AnonymousFd;
          anonymous.path = node.target;
          anonymous.target.clear();
          anonymous.ino = node.description;
          anonymous.permissions = 0600;
          return Resolved{std::move(anonymous), {}};
        }
        next = vfs::normalize_path(node.target + rest_after(i));
        break;
      }
      if (last) return Resolved{std::move(node), {}};
      if (node.type != NodeType::Directory) return vfs::not_a_directory(requested);
      current = candidate;
    }
    if (!next) return Resolved{std::nullopt, "/"};
    path = std::move(*next);
  }
}

FileStat SpecialFiles::stat_of(const Node& node) const {
  const uint64_t device = node.role == NodeRole::AnonymousFd ? kPipeDevice
                          : is_proc(node.path)               ? kProcDevice
                                                             : kDevDevice;
  return node_stat(node, device, proc_.machine().boot_wall_ms);
}

// Reads a pipe or terminal by path through a descriptor of the caller's, to end of file.
ErrorOr<std::string> SpecialFiles::read_stream(Pid caller, const std::string& path) {
  if (caller == 0) return no_device("open", path);
  const int fd = TRY(kernel_.open(caller, path, kOpenReadOnly, 0));
  std::string data;
  ErrorOr<void> outcome;
  while (true) {
    auto chunk = kernel_.read(caller, fd, kStreamChunkBytes);
    if (!chunk) {
      outcome = fail(std::move(chunk).error());
      break;
    }
    if (chunk->empty()) break;
    data += *chunk;
    if (data.size() > max_pread_bytes_) {
      outcome = fail(EINVAL, "pread length " + std::to_string(data.size()) + " exceeds configured limit " +
                                 std::to_string(max_pread_bytes_));
      break;
    }
  }
  [[maybe_unused]] auto closed = kernel_.close(caller, fd);
  TRY(outcome);
  return data;
}

ErrorOr<void> SpecialFiles::write_stream(Pid caller, const std::string& path, std::string_view data) {
  if (caller == 0) return no_device("open", path);
  const int fd = TRY(kernel_.open(caller, path, kOpenWriteOnly, 0));
  ErrorOr<void> outcome;
  while (!data.empty()) {
    auto written = kernel_.write(caller, fd, data);
    if (!written) {
      outcome = fail(std::move(written).error());
      break;
    }
    data.remove_prefix(*written);
  }
  [[maybe_unused]] auto closed = kernel_.close(caller, fd);
  return outcome;
}

ErrorOr<std::string> SpecialFiles::read_file(Pid caller, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("read", "read", normalized));
  Resolved resolved = TRY(resolve(caller, normalized, true));
  if (!resolved.node) {
    std::lock_guard lock(fs_lock_);
    return fs_.read_file(resolved.ordinary);
  }
  const Node& node = *resolved.node;
  switch (node.type) {
    case NodeType::Directory:
      return vfs::is_a_directory("read", normalized);
    case NodeType::File:
      return proc_.content(node);
    case NodeType::CharDevice:
      if (std::shared_ptr<CharacterDevice> device = dev_.device(node)) {
        return device->read(node.role == NodeRole::DevNull ? 0 : kEndlessDeviceReadBytes);
      }
      return read_stream(caller, node.path);  // tty, pts
    case NodeType::Fifo:
    case NodeType::Symlink:
      break;
  }
  return read_stream(caller, normalized);
}

ErrorOr<std::string> SpecialFiles::pread(Pid caller, std::string_view path, uint64_t offset, uint64_t length) {
  if (length > max_pread_bytes_) {
    return fail(EINVAL, "pread length " + std::to_string(length) + " exceeds configured limit " +
                            std::to_string(max_pread_bytes_));
  }
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("read", "read", normalized));
  Resolved resolved = TRY(resolve(caller, normalized, true));
  if (!resolved.node) {
    std::lock_guard lock(fs_lock_);
    return fs_.pread(resolved.ordinary, offset, length);
  }
  const Node& node = *resolved.node;
  switch (node.type) {
    case NodeType::Directory:
      return vfs::is_a_directory("read", normalized);
    case NodeType::File: {
      std::string content = TRY(proc_.content(node));
      if (offset >= content.size()) return std::string();
      return content.substr(offset, length);
    }
    case NodeType::CharDevice:
      if (std::shared_ptr<CharacterDevice> device = dev_.device(node)) return device->read(length);
      break;
    case NodeType::Fifo:
    case NodeType::Symlink:
      break;
  }
  return fail(ESPIPE, "illegal seek");
}

ErrorOr<void> SpecialFiles::write_file(Pid caller, std::string_view path, std::string_view data) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("write", "write", normalized));
  auto resolved = resolve(caller, normalized, true);
  if (!resolved) {
    if (resolved.error().errno_code != ENOENT) return fail(std::move(resolved).error());
    // A new name: only in an existing directory, and neither tree takes new files.
    Resolved parent = TRY(resolve(caller, std::string(vfs::parent_path(normalized)), true));
    if (!parent.node) {
      std::lock_guard lock(fs_lock_);
      return fs_.write_file(vfs::join_path(parent.ordinary, vfs::base_name(normalized)), data);
    }
    if (parent.node->type != NodeType::Directory) return vfs::not_a_directory("open", normalized);
    if (is_proc(normalized)) return vfs::read_only(normalized);
    return create_denied("open", normalized);
  }
  if (!resolved->node) {
    std::lock_guard lock(fs_lock_);
    return fs_.write_file(resolved->ordinary, data);
  }
  const Node& node = *resolved->node;
  if (is_proc(node.path)) return vfs::read_only(normalized);
  switch (node.type) {
    case NodeType::Directory:
      return vfs::is_a_directory("open", normalized);
    case NodeType::CharDevice:
      if (std::shared_ptr<CharacterDevice> device = dev_.device(node)) {
        TRY(device->write(data));
        return {};
      }
      return write_stream(caller, node.path, data);
    case NodeType::Fifo:
      return write_stream(caller, normalized, data);
    case NodeType::File:
    case NodeType::Symlink:
      break;
  }
  return vfs::read_only(normalized);
}

ErrorOr<bool> SpecialFiles::exists(Pid caller, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("exists", "stat", normalized));
  auto resolved = resolve(caller, normalized, true);
  if (!resolved) {
    const int code = resolved.error().errno_code;
    if (code == ENOENT || code == ENOTDIR || code == ELOOP) return false;
    return fail(std::move(resolved).error());
  }
  if (resolved->node) return true;
  std::lock_guard lock(fs_lock_);
  return fs_.exists(resolved->ordinary);
}

ErrorOr<FileStat> SpecialFiles::stat(Pid caller, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("stat", "stat", normalized));
  Resolved resolved = TRY(resolve(caller, normalized, true));
  if (resolved.node) return stat_of(*resolved.node);
  std::lock_guard lock(fs_lock_);
  return fs_.stat(resolved.ordinary);
}

ErrorOr<FileStat> SpecialFiles::lstat(Pid caller, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("stat", "stat", normalized));
  Resolved resolved = TRY(resolve(caller, normalized, false));
  if (resolved.node) return stat_of(*resolved.node);
  std::lock_guard lock(fs_lock_);
  return fs_.lstat(resolved.ordinary);
}

ErrorOr<std::vector<std::string>> SpecialFiles::read_dir(Pid caller, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("readdir", "readdir", normalized));
  Resolved resolved = TRY(resolve(caller, normalized, true));
  if (!resolved.node) {
    std::lock_guard lock(fs_lock_);
    return fs_.read_dir(resolved.ordinary);
  }
  const Node& node = *resolved.node;
  if (node.type != NodeType::Directory) return vfs::not_a_directory("scandir", normalized);
  std::vector<std::string> names = TRY(is_proc(node.path) ? proc_.list(caller, node) : dev_.list(node));
  if (names.size() > max_readdir_entries_) {
    return fail(ENOMEM, "directory listing for '" + normalized + "' exceeds configured limit of " +
                            std::to_string(max_readdir_entries_) + " entries");
  }
  return names;
}

ErrorOr<std::string> SpecialFiles::realpath(Pid caller, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("read", "read", normalized));
  Resolved resolved = TRY(resolve(caller, normalized, true));
  if (resolved.node) return resolved.node->path;
  std::lock_guard lock(fs_lock_);
  return fs_.realpath(resolved.ordinary);
}

ErrorOr<std::string> SpecialFiles::read_link(Pid caller, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  TRY(authorize("readlink", "read", normalized));
  Resolved resolved = TRY(resolve(caller, normalized, false));
  if (!resolved.node) {
    std::lock_guard lock(fs_lock_);
    return fs_.read_link(resolved.ordinary);
  }
  if (resolved.node->type != NodeType::Symlink) return vfs::not_a_symlink(normalized);
  return resolved.node->target;
}

ErrorOr<void> SpecialFiles::change(Pid caller, Change change, std::string_view path) {
  const std::string normalized = TRY(vfs::checked_path(path));
  const auto [op, capability] = change_names(change);
  TRY(authorize(op, capability, normalized));
  if (is_proc(normalized)) return vfs::read_only(normalized);
  const bool creates = change == Change::CreateDir || change == Change::Mkdir || change == Change::Symlink;
  const bool follow =
      change == Change::Chmod || change == Change::Chown || change == Change::Utimes || change == Change::Truncate;
  auto resolved = resolve(caller, normalized, follow);
  if (!resolved) {
    if (creates && resolved.error().errno_code == ENOENT) return create_denied(op, normalized);
    return fail(std::move(resolved).error());
  }
  if (!resolved->node) {
    // Through /dev/fd or /dev/stdin to an ordinary file: the change applies to it.
    std::lock_guard lock(fs_lock_);
    switch (change) {
      case Change::Chmod:
      case Change::Chown:
      case Change::Utimes:
        return {};  // attributes of files opened by the caller are left to the file itself
      case Change::Truncate:
        return fs_.truncate(resolved->ordinary, 0);
      default:
        return vfs::not_permitted(op, normalized);
    }
  }
  if (is_proc(resolved->node->path)) return vfs::read_only(normalized);
  if (change == Change::Mkdir && resolved->node->type == NodeType::Directory) return vfs::file_exists(normalized);
  if (creates) return vfs::already_exists(op, normalized);
  // Device attributes are not stored anywhere: chmod, chown, utimes and truncate change nothing.
  if (follow) return {};
  return vfs::not_permitted(op, normalized);
}

ErrorOr<std::optional<SyntheticOpen>> SpecialFiles::open(Pid caller, std::string_view path, uint32_t flags) {
  if (path.empty() || path.front() != '/' || !handles(path)) return std::optional<SyntheticOpen>();
  const std::string normalized = TRY(vfs::checked_path(path));
  const bool writing = write_intent(flags);
  TRY(authorize(writing ? "open" : "read", writing ? "write" : "read", normalized));
  auto resolved = resolve(caller, normalized, true);
  if (!resolved) {
    if (resolved.error().errno_code != ENOENT || (flags & kOpenCreate) == 0) return fail(std::move(resolved).error());
    if (is_proc(normalized)) return vfs::read_only(normalized);
    return create_denied("open", normalized);
  }
  if (!resolved->node) {
    SyntheticOpen reopen;
    reopen.path = resolved->ordinary;
    return std::optional(std::move(reopen));
  }
  if ((flags & kOpenCreate) != 0 && (flags & kOpenExclusive) != 0) return vfs::already_exists("open", normalized);
  return open_node(caller, *resolved->node, flags);
}

ErrorOr<std::optional<SyntheticOpen>> SpecialFiles::open_node(Pid caller, const Node& node, uint32_t flags) {
  const bool writing = write_intent(flags);
  SyntheticOpen opened;
  opened.path = node.path;
  switch (node.type) {
    case NodeType::Directory:
      if ((flags & kOpenAccessMask) != kOpenReadOnly) return vfs::is_a_directory("open", node.path);
      if (is_proc(node.path) && writing) return vfs::read_only(node.path);
      opened.kind = SyntheticOpen::Kind::Directory;
      return std::optional(std::move(opened));
    case NodeType::File:
      if (writing) return vfs::read_only(node.path);
      opened.kind = SyntheticOpen::Kind::Device;
      opened.device = std::make_shared<ContentDevice>(TRY(proc_.content(node)));
      return std::optional(std::move(opened));
    case NodeType::CharDevice:
      if (node.role == NodeRole::DevPts) {
        opened.kind = SyntheticOpen::Kind::PtySlave;
        opened.number = node.number;
        return std::optional(std::move(opened));
      }
      if (node.role == NodeRole::DevTty) {
        // The controlling terminal: the terminal behind the caller's first standard descriptor.
        if (caller != 0) {
          for (const FdInfo& info : TRY(kernel_.list_fds(caller))) {
            if (info.fd > 2 || info.kind != FileKind::PtySlave) continue;
            std::optional<int> index =
                parse_decimal(std::string_view(info.path).substr(std::string_view("/dev/pts/").size()));
            if (!index) continue;
            opened.kind = SyntheticOpen::Kind::PtySlave;
            opened.number = *index;
            return std::optional(std::move(opened));
          }
        }
        return no_device("open", node.path);
      }
      opened.kind = SyntheticOpen::Kind::Device;
      opened.device = dev_.device(node);
      return std::optional(std::move(opened));
    case NodeType::Fifo:
      if (node.pid != caller) return no_device("open", node.path);
      opened.kind = SyntheticOpen::Kind::DuplicateFd;
      opened.number = node.number;
      return std::optional(std::move(opened));
    case NodeType::Symlink:
      break;
  }
  return vfs::symlink_loop();
}

}  // namespace se::kernel::special
