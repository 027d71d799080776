#include "kernel/mount/host_dir_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/path.h"

namespace se::kernel::mount {

namespace {

// openat2 answers EAGAIN when a concurrent rename elsewhere on the host might have raced the
// resolution; it is safe to retry, but only a bounded number of times.
constexpr int kMaxResolveAttempts = 16;
// Depth of a recursive removal; deeper trees fail with ELOOP rather than exhausting the stack.
constexpr uint32_t kMaxRemoveDepth = 256;

// The name openat2 resolves beneath the root: "." for the root itself. Host errors name it too,
// as the reference's do.
std::string relative_name(std::string_view path) {
  return path == "/" ? std::string(".") : std::string(path.substr(1));
}

Unexpected escapes(std::string_view path) {
  return fail(EACCES, "permission denied, open '" + relative_name(path) + "': path escapes host directory");
}

// A failed host call, worded like the reference's host I/O errors: "{op} '{shown}': {strerror}
// (os error {n})".
Unexpected os_error(int code, std::string_view op, std::string_view shown) {
  return fail(code, std::string(op) + " '" + std::string(shown) + "': " + std::strerror(code) + " (os error " +
                        std::to_string(code) + ")");
}

// os_error naming the entry relative to the root; EXDEV is what RESOLVE_BENEATH answers for an
// escape.
Unexpected host_error(int code, std::string_view op, std::string_view path) {
  if (code == EXDEV) return escapes(path);
  return os_error(code, op, relative_name(path));
}

// /proc/self/fd/N: how host calls without an fd-based form (chmod, utimensat, linkat) reach the
// object an anchored descriptor already names, without resolving any guest path again.
std::string descriptor_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

uint64_t to_ms(const struct timespec& time) {
  if (time.tv_sec < 0) return 0;
  return static_cast<uint64_t>(time.tv_sec) * 1000 + static_cast<uint64_t>(time.tv_nsec) / 1000000;
}

FileStat to_file_stat(const struct stat& host) {
  FileStat stat;
  stat.mode = host.st_mode;
  stat.size = static_cast<uint64_t>(host.st_size);
  stat.blocks = static_cast<uint64_t>(host.st_blocks);
  stat.dev = host.st_dev;
  stat.rdev = host.st_rdev;
  stat.is_directory = S_ISDIR(host.st_mode);
  stat.is_symbolic_link = S_ISLNK(host.st_mode);
  stat.atime_ms = to_ms(host.st_atim);
  stat.mtime_ms = to_ms(host.st_mtim);
  stat.ctime_ms = to_ms(host.st_ctim);
  stat.birthtime_ms = stat.ctime_ms;
  stat.ino = host.st_ino;
  stat.nlink = host.st_nlink;
  stat.uid = host.st_uid;
  stat.gid = host.st_gid;
  return stat;
}

ErrorOr<struct stat> fstat_of(int fd, std::string_view op, std::string_view path) {
  struct stat host {};
  if (::fstat(fd, &host) != 0) return host_error(errno, op, path);
  return host;
}

ErrorOr<void> write_all(int fd, std::string_view data, uint64_t offset, std::string_view path) {
  while (!data.empty()) {
    const ssize_t written = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return host_error(errno, "write", path);
    }
    data.remove_prefix(static_cast<size_t>(written));
    offset += static_cast<uint64_t>(written);
  }
  return {};
}

// Up to `length` bytes from `offset`, fewer at the end of the file.
ErrorOr<std::string> read_at(int fd, uint64_t offset, uint64_t length, std::string_view path) {
  std::string data(length, '\0');
  size_t filled = 0;
  while (filled < data.size()) {
    const ssize_t got = ::pread(fd, data.data() + filled, data.size() - filled, static_cast<off_t>(offset + filled));
    if (got < 0) {
      if (errno == EINTR) continue;
      return host_error(errno, "read", path);
    }
    if (got == 0) break;
    filled += static_cast<size_t>(got);
  }
  data.resize(filled);
  return data;
}

// Entry names of an open directory, sorted byte-wise; more than `max_entries` is ENOMEM.
ErrorOr<std::vector<std::string>> list_directory(HostFd directory, std::string_view path, uint64_t max_entries) {
  DIR* stream = ::fdopendir(directory.get());
  if (stream == nullptr) return host_error(errno, "scandir", path);
  directory.release();  // the stream owns the descriptor now
  std::vector<std::string> names;
  Error failure;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) {
      if (errno != 0) failure = host_error(errno, "scandir", path).error();
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (names.size() >= max_entries) {
      failure =
          Error::from_errno(ENOMEM, "directory listing for '" + std::string(path) + "' exceeds configured limit of " +
                                        std::to_string(max_entries) + " entries");
      break;
    }
    names.emplace_back(name);
  }
  ::closedir(stream);
  if (failure.errno_code != 0) return fail(std::move(failure));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

HostFd::~HostFd() {
  if (fd_ >= 0) ::close(fd_);
}

HostFd& HostFd::operator=(HostFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ErrorOr<std::unique_ptr<HostDirFileSystem>> HostDirFileSystem::open(std::string_view host_path,
                                                                    uint64_t max_read_bytes) {
  const std::string requested(host_path);
  char canonical[PATH_MAX];
  if (::realpath(requested.c_str(), canonical) == nullptr) return os_error(errno, "open", requested);
  HostFd root(::open(canonical, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    if (errno == ENOTDIR) return fail(ENOTDIR, std::string("host_dir root is not a directory: ") + canonical);
    return os_error(errno, "open", requested);
  }
  std::unique_ptr<HostDirFileSystem> fs(new HostDirFileSystem(std::move(root), canonical, max_read_bytes));
  // Confinement depends on openat2; a host without it cannot serve this mount at all.
  auto probe = fs->open_beneath("open", "/", O_PATH | O_DIRECTORY);
  if (!probe) return fail(std::move(probe).error());
  return fs;
}

HostDirFileSystem::HostDirFileSystem(HostFd root, std::string host_root, uint64_t max_read_bytes)
    : root_(std::move(root)), host_root_(std::move(host_root)), max_read_bytes_(max_read_bytes) {}

ErrorOr<HostFd> HostDirFileSystem::open_beneath(std::string_view op, std::string_view path, int flags,
                                                uint32_t mode) const {
  const std::string name = relative_name(path);
  // Data opens never wait (a FIFO without a peer) and never acquire a controlling terminal;
  // openat2 accepts no such flags with O_PATH.
  if ((flags & O_PATH) == 0) flags |= O_NONBLOCK | O_NOCTTY;
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < kMaxResolveAttempts; ++attempt) {
    const long fd = ::syscall(SYS_openat2, root_.get(), name.c_str(), &how, sizeof how);
    if (fd >= 0) return HostFd(static_cast<int>(fd));
    if (errno == EAGAIN || errno == EINTR) continue;
    if (errno == ENOSYS) {
      return fail(ENOSYS, "openat2 is not available on this host kernel; host_dir mounts need Linux 5.6 or later");
    }
    return host_error(errno, op, path);
  }
  return fail(EAGAIN, "host directory changed during every resolution attempt, " + std::string(op) + " '" +
                          std::string(path) + "'");
}

ErrorOr<HostFd> HostDirFileSystem::open_parent(std::string_view op, std::string_view path) const {
  return open_beneath(op, vfs::parent_path(path), O_PATH | O_DIRECTORY);
}

ErrorOr<void> HostDirFileSystem::make_parents(std::string_view op, std::string_view path) {
  const std::string_view parent = vfs::parent_path(path);
  if (parent == "/") return {};
  auto made = mkdir(parent, vfs::Parents::Create, /*exist_ok=*/true);
  if (!made && made.error().errno_code == EEXIST) return vfs::not_a_directory(op, path);
  return made;
}

ErrorOr<std::string> HostDirFileSystem::realpath(std::string_view path) {
  const HostFd fd = TRY(open_beneath("open", path, O_PATH));
  char resolved[PATH_MAX];
  const ssize_t length = ::readlink(descriptor_path(fd.get()).c_str(), resolved, sizeof resolved);
  if (length < 0 || static_cast<size_t>(length) >= sizeof resolved) return host_error(errno, "realpath", path);
  const std::string host(resolved, static_cast<size_t>(length));
  if (host_root_ == "/") return host;
  if (host == host_root_) return std::string("/");
  if (!vfs::is_strict_descendant(host, host_root_)) return escapes(path);
  return host.substr(host_root_.size());
}

ErrorOr<std::string> HostDirFileSystem::resolve_destination(std::string_view path, bool follow_final) {
  if (path == "/") return std::string("/");
  if (follow_final) {
    auto resolved = realpath(path);
    if (resolved) return resolved;
    if (resolved.error().errno_code != ENOENT && resolved.error().errno_code != ENOTDIR) return resolved;
  }
  const std::string parent = TRY(resolve_destination(vfs::parent_path(path), /*follow_final=*/true));
  return vfs::join_path(parent, vfs::base_name(path));
}

ErrorOr<FileStat> HostDirFileSystem::stat(std::string_view path, bool follow) {
  const HostFd fd = TRY(open_beneath("stat", path, O_PATH | (follow ? 0 : O_NOFOLLOW)));
  return to_file_stat(TRY(fstat_of(fd.get(), "stat", path)));
}

ErrorOr<std::string> HostDirFileSystem::read_link(std::string_view path) {
  const HostFd fd = TRY(open_beneath("readlink", path, O_PATH | O_NOFOLLOW));
  if (!S_ISLNK(TRY(fstat_of(fd.get(), "readlink", path)).st_mode)) return vfs::not_a_symlink(path);
  char target[PATH_MAX];
  const ssize_t length = ::readlinkat(fd.get(), "", target, sizeof target);
  if (length < 0 || static_cast<size_t>(length) >= sizeof target) return host_error(errno, "readlink", path);
  return std::string(target, static_cast<size_t>(length));
}

ErrorOr<std::vector<std::string>> HostDirFileSystem::read_dir(std::string_view path, uint64_t max_entries) {
  auto directory = open_beneath("scandir", path, O_RDONLY | O_DIRECTORY);
  if (!directory && directory.error().errno_code == ENOTDIR) return vfs::not_a_directory("scandir", path);
  return list_directory(TRY(std::move(directory)), path, max_entries);
}

ErrorOr<std::string> HostDirFileSystem::read_file(std::string_view path) {
  const HostFd fd = TRY(open_beneath("open", path, O_RDONLY));
  const struct stat host = TRY(fstat_of(fd.get(), "open", path));
  if (S_ISDIR(host.st_mode)) return vfs::is_a_directory("open", path);
  const auto size = static_cast<uint64_t>(host.st_size);
  if (size > max_read_bytes_) {
    return fail(EINVAL, "file size " + std::to_string(size) + " exceeds host_dir read limit " +
                            std::to_string(max_read_bytes_) + ": " + std::string(path));
  }
  // The file may grow after fstat; one byte more than the limit tells a grown file apart.
  std::string data = TRY(read_at(fd.get(), 0, std::min(max_read_bytes_, size) + 1, path));
  if (data.size() > max_read_bytes_) {
    return fail(EINVAL, "file size " + std::to_string(data.size()) + " exceeds host_dir read limit " +
                            std::to_string(max_read_bytes_) + ": " + std::string(path));
  }
  return data;
}

ErrorOr<std::string> HostDirFileSystem::pread(std::string_view path, uint64_t offset, uint64_t length) {
  if (length > max_read_bytes_) {
    return fail(EINVAL, "read length " + std::to_string(length) + " exceeds host_dir read limit " +
                            std::to_string(max_read_bytes_) + ": " + std::string(path));
  }
  const HostFd fd = TRY(open_beneath("open", path, O_RDONLY));
  const struct stat host = TRY(fstat_of(fd.get(), "open", path));
  if (S_ISDIR(host.st_mode)) return vfs::is_a_directory("read", path);
  const auto size = static_cast<uint64_t>(host.st_size);
  if (offset >= size) return std::string();
  return read_at(fd.get(), offset, std::min(length, size - offset), path);
}

ErrorOr<void> HostDirFileSystem::write_file(std::string_view path, std::string_view data, vfs::Parents parents) {
  if (parents == vfs::Parents::Create) TRY(make_parents("open", path));
  const HostFd fd = TRY(open_beneath("open", path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
  return write_all(fd.get(), data, 0, path);
}

ErrorOr<void> HostDirFileSystem::pwrite(std::string_view path, uint64_t offset, std::string_view data) {
  const HostFd fd = TRY(open_beneath("open", path, O_WRONLY));
  return write_all(fd.get(), data, offset, path);
}

ErrorOr<void> HostDirFileSystem::truncate(std::string_view path, uint64_t length) {
  const HostFd fd = TRY(open_beneath("truncate", path, O_WRONLY));
  if (::ftruncate(fd.get(), static_cast<off_t>(length)) != 0) return host_error(errno, "truncate", path);
  return {};
}

ErrorOr<void> HostDirFileSystem::mkdir(std::string_view path, vfs::Parents parents, bool exist_ok) {
  if (path == "/") {
    if (exist_ok) return {};
    return vfs::file_exists(path);
  }
  if (parents == vfs::Parents::Create) TRY(make_parents("mkdir", path));
  const HostFd parent = TRY(open_parent("mkdir", path));
  const std::string name(vfs::base_name(path));
  if (::mkdirat(parent.get(), name.c_str(), 0755) == 0) return {};
  if (errno != EEXIST) return host_error(errno, "mkdir", path);
  if (exist_ok) {
    auto existing = stat(path, /*follow=*/true);
    if (existing && existing->is_directory) return {};
    // A name that leads out of the root is reported as the escape it is.
    if (!existing && existing.error().errno_code == EACCES) return fail(std::move(existing).error());
  }
  return vfs::file_exists(path);
}

ErrorOr<void> HostDirFileSystem::symlink(std::string_view target, std::string_view link_path, vfs::Parents parents) {
  if (link_path == "/") return vfs::already_exists("symlink", link_path);
  if (parents == vfs::Parents::Create) TRY(make_parents("symlink", link_path));
  const HostFd parent = TRY(open_parent("symlink", link_path));
  const std::string name(vfs::base_name(link_path));
  const std::string stored(target);
  if (::symlinkat(stored.c_str(), parent.get(), name.c_str()) != 0) return host_error(errno, "symlink", link_path);
  return {};
}

ErrorOr<void> HostDirFileSystem::link(std::string_view existing_path, std::string_view new_path, vfs::Parents parents) {
  // The source is resolved beneath the root (following a final symlink, as the VM's link does);
  // the host then links the inode that descriptor names.
  const HostFd source = TRY(open_beneath("link", existing_path, O_PATH));
  if (S_ISDIR(TRY(fstat_of(source.get(), "link", existing_path)).st_mode)) {
    return vfs::not_permitted("link", existing_path);
  }
  if (new_path == "/") return vfs::already_exists("link", new_path);
  if (parents == vfs::Parents::Create) TRY(make_parents("link", new_path));
  const HostFd parent = TRY(open_parent("link", new_path));
  const std::string name(vfs::base_name(new_path));
  if (::linkat(AT_FDCWD, descriptor_path(source.get()).c_str(), parent.get(), name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return host_error(errno, "link", new_path);
  }
  return {};
}

ErrorOr<void> HostDirFileSystem::remove_file(std::string_view path) {
  if (path == "/") return vfs::is_a_directory("unlink", path);
  const HostFd parent = TRY(open_parent("unlink", path));
  const std::string name(vfs::base_name(path));
  if (::unlinkat(parent.get(), name.c_str(), 0) != 0) return host_error(errno, "unlink", path);
  return {};
}

ErrorOr<void> HostDirFileSystem::remove_tree(int parent_fd, const std::string& name, std::string_view path,
                                             uint32_t depth) {
  if (depth > kMaxRemoveDepth) {
    return fail(ELOOP, "directory tree deeper than " + std::to_string(kMaxRemoveDepth) + " levels, rmdir '" +
                           std::string(path) + "'");
  }
  // Single components opened with O_NOFOLLOW under an anchored descriptor cannot leave the tree.
  HostFd directory(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (directory.get() < 0) return host_error(errno, "rmdir", path);
  const HostFd anchor(::dup(directory.get()));
  if (anchor.get() < 0) return host_error(errno, "rmdir", path);
  const std::vector<std::string> children =
      TRY(list_directory(std::move(directory), path, std::numeric_limits<uint64_t>::max()));
  for (const std::string& child : children) {
    const std::string child_path = vfs::join_path(path, child);
    struct stat host {};
    if (::fstatat(anchor.get(), child.c_str(), &host, AT_SYMLINK_NOFOLLOW) != 0) {
      return host_error(errno, "rmdir", child_path);
    }
    if (S_ISDIR(host.st_mode)) {
      TRY(remove_tree(anchor.get(), child, child_path, depth + 1));
    } else if (::unlinkat(anchor.get(), child.c_str(), 0) != 0) {
      return host_error(errno, "unlink", child_path);
    }
  }
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0) return host_error(errno, "rmdir", path);
  return {};
}

ErrorOr<void> HostDirFileSystem::remove_dir(std::string_view path, bool recursive) {
  if (path == "/") return vfs::not_permitted("rmdir", path);
  const HostFd parent = TRY(open_parent("rmdir", path));
  const std::string name(vfs::base_name(path));
  struct stat host {};
  if (::fstatat(parent.get(), name.c_str(), &host, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return vfs::no_such_directory(path);
    return host_error(errno, "rmdir", path);
  }
  if (!S_ISDIR(host.st_mode)) return vfs::not_a_directory(path);
  if (recursive) return remove_tree(parent.get(), name, path, 0);
  if (::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST) return vfs::not_empty(path);
    return host_error(errno, "rmdir", path);
  }
  return {};
}

ErrorOr<void> HostDirFileSystem::rename(std::string_view from, std::string_view to, vfs::Parents parents) {
  if (from == "/" || to == "/") return vfs::not_permitted("rename", from == "/" ? from : to);
  if (from == to) return {};
  if (parents == vfs::Parents::Create) TRY(make_parents("rename", to));
  const HostFd source = TRY(open_parent("rename", from));
  const HostFd destination = TRY(open_parent("rename", to));
  const std::string source_name(vfs::base_name(from));
  const std::string destination_name(vfs::base_name(to));
  if (::renameat(source.get(), source_name.c_str(), destination.get(), destination_name.c_str()) != 0) {
    return host_error(errno, "rename", from);
  }
  return {};
}

ErrorOr<void> HostDirFileSystem::chmod(std::string_view path, uint32_t mode, bool follow) {
  const HostFd fd = TRY(open_beneath("chmod", path, O_PATH | (follow ? 0 : O_NOFOLLOW)));
  if (::fchmodat(AT_FDCWD, descriptor_path(fd.get()).c_str(), mode & kModePermissionMask, 0) != 0) {
    return host_error(errno, "chmod", path);
  }
  return {};
}

ErrorOr<void> HostDirFileSystem::chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) {
  const HostFd fd = TRY(open_beneath("chown", path, O_PATH | (follow ? 0 : O_NOFOLLOW)));
  if (::fchownat(fd.get(), "", uid, gid, AT_EMPTY_PATH) != 0) return host_error(errno, "chown", path);
  return {};
}

ErrorOr<void> HostDirFileSystem::utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) {
  const HostFd fd = TRY(open_beneath("utime", path, O_PATH));
  const struct timespec times[2] = {
      {static_cast<time_t>(atime_ms / 1000), static_cast<long>(atime_ms % 1000) * 1000000},
      {static_cast<time_t>(mtime_ms / 1000), static_cast<long>(mtime_ms % 1000) * 1000000},
  };
  if (::utimensat(AT_FDCWD, descriptor_path(fd.get()).c_str(), times, 0) != 0) return host_error(errno, "utime", path);
  return {};
}

}  // namespace se::kernel::mount
