#include "service/guest_system.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <utility>

#include "kernel/vfs/fs_errors.h"
#include "kernel/vfs/path.h"
#include "service/vm.h"

namespace se::service {
namespace {

using runtime::js::GuestDirEntry;
using runtime::js::GuestEntryType;

constexpr uint32_t kDefaultFileMode = 0644;  // what the VM filesystem gives a new file
constexpr uint32_t kDefaultDirectoryMode = 0755;
constexpr uint32_t kAccessExecute = 1;  // X_OK
constexpr uint32_t kModeCharacterDevice = 0020000;
constexpr uint32_t kModeFifo = 0010000;
constexpr uint32_t kModeSocket = 0140000;

bool is_missing(const Error& error) {
  return error.errno_code == ENOENT;
}

// Linux creates an entry only inside an existing directory (the VM filesystem's host API creates
// missing parents, so guest creates check first). A parent the policy hides from stat is left to
// the create itself, whose own permission check decides.
ErrorOr<void> require_parent(kernel::VmFilesystem& fs, std::string_view op, const std::string& path) {
  const std::string_view parent = kernel::vfs::parent_path(path);
  auto found = fs.stat(parent);
  if (!found) {
    if (found.error().errno_code == EACCES) return {};
    if (is_missing(found.error())) return kernel::vfs::no_such_parent(op, path);
    return fail(std::move(found).error());
  }
  if (!found->is_directory) return kernel::vfs::not_a_directory(op, path);
  return {};
}

// A created entry's permission bits: the VM filesystem gives defaults, so change only if needed.
ErrorOr<void> apply_mode(kernel::VmFilesystem& fs, const std::string& path, uint32_t wanted, uint32_t given) {
  if ((wanted & 07777) == given) return {};
  return fs.chmod(path, wanted & 07777);
}

GuestEntryType entry_type(const kernel::FileStat& stat) {
  switch (stat.mode & kernel::kModeTypeMask) {
    case kernel::kModeRegular:
      return GuestEntryType::kFile;
    case kernel::kModeDirectory:
      return GuestEntryType::kDirectory;
    case kernel::kModeSymlink:
      return GuestEntryType::kSymlink;
    case kModeCharacterDevice:
      return GuestEntryType::kCharacterDevice;
    case kModeFifo:
      return GuestEntryType::kFifo;
    default:
      return GuestEntryType::kUnknown;
  }
}

// Writes a whole file under the VM lock with open(2) flag semantics (O_CREAT / O_EXCL / O_APPEND;
// anything else replaces the contents). `mode` is final (umask applied).
ErrorOr<void> write_whole_file(kernel::VmFilesystem& fs, const std::string& path, std::string_view data, uint32_t flags,
                               uint32_t mode) {
  auto existing = fs.stat(path);
  if (existing) {
    if ((flags & kernel::kOpenCreate) != 0 && (flags & kernel::kOpenExclusive) != 0) {
      return kernel::vfs::already_exists("open", path);
    }
    if (existing->is_directory) return kernel::vfs::is_a_directory("open", path);
    if ((flags & kernel::kOpenAppend) != 0) return fs.pwrite(path, existing->size, data);
    return fs.write_file(path, data);
  }
  if (!is_missing(existing.error()) || (flags & kernel::kOpenCreate) == 0) return fail(std::move(existing).error());
  TRY(require_parent(fs, "open", path));
  TRY(fs.write_file(path, data));
  return apply_mode(fs, path, mode, kDefaultFileMode);
}

}  // namespace

// ---- VmFileBackend ----

ErrorOr<kernel::FileOpenResult> VmFileBackend::open(kernel::Pid, std::string_view path, uint32_t flags, uint32_t mode) {
  std::lock_guard lock(vm_.lock());
  kernel::VmFilesystem& fs = vm_.filesystem();
  const std::string normalized = TRY(kernel::vfs::checked_path(path));
  auto existing = fs.stat(normalized);
  if (!existing) {
    if (!is_missing(existing.error()) || (flags & kernel::kOpenCreate) == 0) return fail(std::move(existing).error());
    TRY(require_parent(fs, "open", normalized));
    TRY(fs.write_file(normalized, ""));
    TRY(apply_mode(fs, normalized, mode, kDefaultFileMode));
    return kernel::FileOpenResult{TRY(fs.realpath(normalized)), false};
  }
  if ((flags & kernel::kOpenCreate) != 0 && (flags & kernel::kOpenExclusive) != 0) {
    return kernel::vfs::already_exists("open", normalized);
  }
  const std::string resolved = TRY(fs.realpath(normalized));
  if (existing->is_directory) return kernel::FileOpenResult{resolved, true};
  const uint32_t access = flags & kernel::kOpenAccessMask;
  // Permission is judged at open, like Linux: reads need fs.read, writes fs.write.
  if (access != kernel::kOpenWriteOnly) TRY(fs.pread(resolved, 0, 0));
  if (access != kernel::kOpenReadOnly) {
    if ((flags & kernel::kOpenTruncate) != 0) {
      TRY(fs.truncate(resolved, 0));
    } else {
      TRY(fs.pwrite(resolved, 0, ""));
    }
  }
  return kernel::FileOpenResult{resolved, false};
}

ErrorOr<std::string> VmFileBackend::pread(std::string_view path, uint64_t offset, uint64_t length) {
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().pread(path, offset, length);
}

ErrorOr<uint64_t> VmFileBackend::pwrite(std::string_view path, uint64_t offset, std::string_view data) {
  std::lock_guard lock(vm_.lock());
  TRY(vm_.filesystem().pwrite(path, offset, data));
  return data.size();
}

ErrorOr<uint64_t> VmFileBackend::size(std::string_view path) {
  std::lock_guard lock(vm_.lock());
  return TRY(vm_.filesystem().stat(path)).size;
}

ErrorOr<void> VmFileBackend::truncate(std::string_view path, uint64_t length) {
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().truncate(path, length);
}

// ---- devices ----

void StdinDevice::attach(std::shared_ptr<runtime::js::StdinSource> source) {
  std::lock_guard lock(mutex_);
  source_ = std::move(source);
}

ErrorOr<std::string> StdinDevice::read(size_t max_bytes) {
  std::shared_ptr<runtime::js::StdinSource> source;
  {
    std::lock_guard lock(mutex_);
    source = source_;
  }
  if (!source) return std::string();
  return source->read(max_bytes, blocking_read_limit_);
}

ErrorOr<size_t> StdinDevice::write(std::string_view) {
  return fail(EBADF, "stdin is not open for writing");
}

ErrorOr<std::string> OutputDevice::read(size_t) {
  return fail(EBADF, "output is not open for reading");
}

ErrorOr<size_t> OutputDevice::write(std::string_view bytes) {
  sink_(bytes);
  return bytes.size();
}

// ---- KernelGuestSystem: paths ----

uint32_t KernelGuestSystem::umask() {
  auto info = kernel_.process_info(pid_);
  return info ? info->umask : 022;
}

bool KernelGuestSystem::special(std::string_view path) const {
  return special_ != nullptr && kernel::special::SpecialFiles::handles(path);
}

ErrorOr<void> KernelGuestSystem::change(kernel::special::Change change, std::string_view path) {
  return special_->change(pid_, change, path);
}

ErrorOr<kernel::FileStat> KernelGuestSystem::stat(std::string_view path) {
  if (special(path)) return special_->stat(pid_, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().stat(path);
}

ErrorOr<kernel::FileStat> KernelGuestSystem::lstat(std::string_view path) {
  if (special(path)) return special_->lstat(pid_, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().lstat(path);
}

ErrorOr<std::vector<GuestDirEntry>> KernelGuestSystem::readdir(std::string_view path) {
  if (special(path)) {
    const std::string directory = TRY(kernel::vfs::checked_path(path));
    std::vector<std::string> names = TRY(special_->read_dir(pid_, directory));
    std::vector<GuestDirEntry> entries;
    entries.reserve(names.size());
    for (std::string& name : names) {
      auto found = special_->lstat(pid_, kernel::vfs::join_path(directory, name));
      entries.push_back(GuestDirEntry{std::move(name), found ? entry_type(*found) : GuestEntryType::kUnknown});
    }
    return entries;
  }
  std::lock_guard lock(vm_.lock());
  kernel::VmFilesystem& fs = vm_.filesystem();
  const std::string directory = TRY(kernel::vfs::checked_path(path));
  std::vector<std::string> names = TRY(fs.read_dir(directory));
  std::vector<GuestDirEntry> entries;
  entries.reserve(names.size());
  for (std::string& name : names) {
    auto found = fs.lstat(kernel::vfs::join_path(directory, name));
    entries.push_back(GuestDirEntry{std::move(name), found ? entry_type(*found) : GuestEntryType::kUnknown});
  }
  return entries;
}

ErrorOr<std::optional<std::string>> KernelGuestSystem::mkdir(std::string_view path, uint32_t mode, bool recursive) {
  if (special(path)) {
    auto made = change(kernel::special::Change::Mkdir, path);
    // mkdir -p of an existing synthetic directory creates nothing and succeeds.
    if (!made && made.error().errno_code == EEXIST && recursive) {
      if (auto found = special_->stat(pid_, path); found && found->is_directory) return std::optional<std::string>();
    }
    TRY(std::move(made));
    return std::optional<std::string>();
  }
  const uint32_t wanted = mode & ~umask();
  std::lock_guard lock(vm_.lock());
  kernel::VmFilesystem& fs = vm_.filesystem();
  const std::string normalized = TRY(kernel::vfs::checked_path(path));
  if (!recursive) {
    TRY(require_parent(fs, "mkdir", normalized));
    TRY(fs.mkdir(normalized, false));
    TRY(apply_mode(fs, normalized, wanted, kDefaultDirectoryMode));
    return std::optional<std::string>();
  }
  // The first missing component is what mkdir -p creates first (Node returns it).
  std::optional<std::string> first;
  for (size_t end = normalized.find('/', 1);; end = normalized.find('/', end + 1)) {
    const std::string prefix = normalized.substr(0, end);
    auto found = fs.stat(prefix);
    if (!found) {
      if (is_missing(found.error())) {
        first = prefix;
        break;
      }
      if (found.error().errno_code != EACCES) return fail(std::move(found).error());
    } else if (!found->is_directory) {
      if (end == std::string::npos) return kernel::vfs::already_exists("mkdir", normalized);
      return kernel::vfs::not_a_directory("mkdir", normalized);
    }
    if (end == std::string::npos) break;
  }
  if (!first) return std::optional<std::string>();
  TRY(fs.mkdir(normalized, true));
  if ((wanted & 07777) != kDefaultDirectoryMode) {
    for (std::string created = normalized;; created = std::string(kernel::vfs::parent_path(created))) {
      TRY(fs.chmod(created, wanted & 07777));
      if (created == *first) break;
    }
  }
  return first;
}

ErrorOr<void> KernelGuestSystem::rmdir(std::string_view path) {
  if (special(path)) return change(kernel::special::Change::RemoveDir, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().remove_dir(path, false);
}

ErrorOr<void> KernelGuestSystem::unlink(std::string_view path) {
  if (special(path)) return change(kernel::special::Change::Remove, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().remove_file(path);
}

ErrorOr<void> KernelGuestSystem::rename(std::string_view from, std::string_view to) {
  if (special(from) || special(to)) return change(kernel::special::Change::Rename, special(from) ? from : to);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().rename(from, to);
}

ErrorOr<void> KernelGuestSystem::symlink(std::string_view target, std::string_view link_path) {
  if (special(link_path)) return change(kernel::special::Change::Symlink, link_path);
  std::lock_guard lock(vm_.lock());
  const std::string normalized = TRY(kernel::vfs::checked_path(link_path));
  TRY(require_parent(vm_.filesystem(), "symlink", normalized));
  return vm_.filesystem().symlink(target, normalized);
}

ErrorOr<std::string> KernelGuestSystem::readlink(std::string_view path) {
  if (special(path)) return special_->read_link(pid_, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().read_link(path);
}

ErrorOr<std::string> KernelGuestSystem::realpath(std::string_view path) {
  if (special(path)) return special_->realpath(pid_, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().realpath(path);
}

ErrorOr<void> KernelGuestSystem::link(std::string_view existing_path, std::string_view new_path) {
  if (special(existing_path) || special(new_path)) {
    return change(kernel::special::Change::Link, special(existing_path) ? existing_path : new_path);
  }
  std::lock_guard lock(vm_.lock());
  const std::string normalized = TRY(kernel::vfs::checked_path(new_path));
  TRY(require_parent(vm_.filesystem(), "link", normalized));
  return vm_.filesystem().link(existing_path, normalized);
}

ErrorOr<void> KernelGuestSystem::chmod(std::string_view path, uint32_t mode) {
  if (special(path)) return change(kernel::special::Change::Chmod, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().chmod(path, mode);
}

ErrorOr<void> KernelGuestSystem::chown(std::string_view path, uint32_t uid, uint32_t gid) {
  if (special(path)) return change(kernel::special::Change::Chown, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().chown(path, uid, gid);
}

ErrorOr<void> KernelGuestSystem::utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) {
  if (special(path)) return change(kernel::special::Change::Utimes, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().utimes(path, atime_ms, mtime_ms);
}

ErrorOr<void> KernelGuestSystem::truncate(std::string_view path, uint64_t length) {
  if (special(path)) return change(kernel::special::Change::Truncate, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().truncate(path, length);
}

// The guest runs as root (process.getuid() is 0): reading and writing are always allowed by mode
// bits, executing needs an execute bit somewhere (or a directory).
ErrorOr<void> KernelGuestSystem::access(std::string_view path, uint32_t mode) {
  kernel::FileStat found;
  if (special(path)) {
    found = TRY(special_->stat(pid_, path));
  } else {
    std::lock_guard lock(vm_.lock());
    found = TRY(vm_.filesystem().stat(path));
  }
  if ((mode & kAccessExecute) != 0 && !found.is_directory && (found.mode & 0111) == 0) {
    return fail(EACCES, "permission denied, access '" + std::string(path) + "'");
  }
  return {};
}

ErrorOr<std::string> KernelGuestSystem::read_file(std::string_view path) {
  if (special(path)) return special_->read_file(pid_, path);
  std::lock_guard lock(vm_.lock());
  return vm_.filesystem().read_file(path);
}

ErrorOr<void> KernelGuestSystem::write_file(std::string_view path, std::string_view data, uint32_t flags,
                                            uint32_t mode) {
  // /dev/null and such take writes; nothing there is created, truncated or appended to.
  if (special(path)) return special_->write_file(pid_, path, data);
  const uint32_t wanted = mode & ~umask();
  std::lock_guard lock(vm_.lock());
  const std::string normalized = TRY(kernel::vfs::checked_path(path));
  return write_whole_file(vm_.filesystem(), normalized, data, flags, wanted);
}

ErrorOr<void> KernelGuestSystem::copy_file(std::string_view from, std::string_view to, bool exclusive) {
  if (special(from) || special(to)) {
    const std::string data = TRY(read_file(from));
    return write_file(to, data, kernel::kOpenCreate | kernel::kOpenTruncate | (exclusive ? kernel::kOpenExclusive : 0),
                      0666);
  }
  std::lock_guard lock(vm_.lock());
  kernel::VmFilesystem& fs = vm_.filesystem();
  const kernel::FileStat source = TRY(fs.stat(from));
  if (source.is_directory) return kernel::vfs::is_a_directory("copyfile", from);
  const std::string data = TRY(fs.read_file(from));
  const std::string destination = TRY(kernel::vfs::checked_path(to));
  uint32_t flags = kernel::kOpenCreate | kernel::kOpenTruncate | (exclusive ? kernel::kOpenExclusive : 0);
  return write_whole_file(fs, destination, data, flags, source.mode & 07777);
}

// ---- KernelGuestSystem: descriptors ----

ErrorOr<int> KernelGuestSystem::open(std::string_view path, uint32_t flags, uint32_t mode) {
  return kernel_.open(pid_, path, flags, mode);
}

ErrorOr<void> KernelGuestSystem::close(int fd) {
  return kernel_.close(pid_, fd);
}

ErrorOr<std::string> KernelGuestSystem::read(int fd, size_t length, std::optional<uint64_t> position) {
  // A read may return fewer bytes than asked; asking for at most maxPreadBytes keeps a large
  // buffer from failing with EINVAL.
  const size_t bounded = static_cast<size_t>(std::min<uint64_t>(length, kernel_.limits().max_pread_bytes));
  // Descriptor 0 with a stdin device: the runtime's stdin buffer, which a child's stdin pump fills
  // from its pipe (a direct read would race the pump for the bytes).
  if (fd == 0 && !position && stdin_) return stdin_->read(bounded);  // waits at most maxBlockingReadMs
  if (position) return kernel_.pread(pid_, fd, bounded, *position);
  return kernel_.read(pid_, fd, bounded);
}

ErrorOr<size_t> KernelGuestSystem::write(int fd, std::string_view data, std::optional<uint64_t> position) {
  if (position) return kernel_.pwrite(pid_, fd, data, *position);
  return kernel_.write(pid_, fd, data);
}

ErrorOr<kernel::FileStat> KernelGuestSystem::fstat(int fd) {
  const kernel::FdInfo info = TRY(kernel_.fd_info(pid_, fd));
  switch (info.kind) {
    case kernel::FileKind::RegularFile:
    case kernel::FileKind::Directory: {
      if (special(info.path)) return special_->stat(pid_, info.path);
      std::lock_guard lock(vm_.lock());
      return vm_.filesystem().stat(info.path);
    }
    case kernel::FileKind::PipeReadEnd:
    case kernel::FileKind::PipeWriteEnd: {
      kernel::FileStat stat;
      stat.mode = kModeFifo | 0600;
      stat.nlink = 1;
      return stat;
    }
    case kernel::FileKind::Socket: {
      kernel::FileStat stat;
      stat.mode = kModeSocket | 0777;
      stat.nlink = 1;
      return stat;
    }
    case kernel::FileKind::PtyMaster:
    case kernel::FileKind::PtySlave:
    case kernel::FileKind::Device:
      break;
  }
  kernel::FileStat stat;
  stat.mode = kModeCharacterDevice | 0620;
  stat.nlink = 1;
  return stat;
}

ErrorOr<void> KernelGuestSystem::ftruncate(int fd, uint64_t length) {
  return kernel_.ftruncate(pid_, fd, length);
}

ErrorOr<void> KernelGuestSystem::fsync(int fd) {
  TRY(kernel_.fd_info(pid_, fd));
  return {};
}

ErrorOr<void> KernelGuestSystem::chdir(std::string_view path) {
  kernel::FileStat found;
  if (special(path)) {
    found = TRY(special_->stat(pid_, path));
  } else {
    std::lock_guard lock(vm_.lock());
    found = TRY(vm_.filesystem().stat(path));
  }
  if (!found.is_directory) return kernel::vfs::not_a_directory("chdir", path);
  std::string resolved = TRY(kernel::vfs::checked_path(path));
  return kernel_.set_cwd(pid_, std::move(resolved));
}

void KernelGuestSystem::attach_stdin(std::shared_ptr<runtime::js::StdinSource> source) {
  if (stdin_) stdin_->attach(std::move(source));
}

// --- sockets -------------------------------------------------------------------------------------
// Guest networking is VM-internal: every socket is a kernel socket and only loopback is reachable.
// Listen hosts follow spec/kernel.md s9.5 (loopback or unspecified), with network.listen on
// tcp://{loopback subject}:{port} and the VM's listen port policy; connects ask network.http on
// tcp://{host as given}:{port}, and a host outside loopback fails before anything is routed.

namespace {

using runtime::js::GuestSocketAddress;
using runtime::js::GuestSocketKind;

bool ascii_iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// The kernel's loopback text for `host` when it names loopback (127/8, ::1, an IPv4-mapped
// loopback, localhost), the unspecified address (Linux connects those to loopback too), or nullopt.
std::optional<std::string> loopback_target(const std::string& host, bool ipv6_socket) {
  if (host.empty() || ascii_iequals(host, "localhost")) return std::string(ipv6_socket ? "::1" : "127.0.0.1");
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&v4.s_addr);
    if (v4.s_addr == 0) return std::string("127.0.0.1");
    if (bytes[0] != 127) return std::nullopt;
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &v4, text, sizeof text);
    return std::string(text);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6)) return std::string("::1");
    if (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127) return std::string("127.0.0.1");
  }
  return std::nullopt;
}

Error not_loopback(const std::string& host) {
  return Error::from_errno(ENETUNREACH,
                           "guest networking is VM-internal loopback only; " + host + " is not a loopback address");
}

kernel::net::SocketAddress kernel_address(const GuestSocketAddress& address) {
  return kernel::net::SocketAddress{address.host, address.port, address.path};
}

GuestSocketAddress guest_address(const kernel::net::SocketAddress& address) {
  return GuestSocketAddress{address.host, address.port, address.path};
}

}  // namespace

ErrorOr<int> KernelGuestSystem::socket_open(GuestSocketKind kind) {
  using kernel::net::SocketDomain;
  using kernel::net::SocketType;
  SocketDomain domain = SocketDomain::Inet;
  SocketType type = SocketType::Stream;
  switch (kind) {
    case GuestSocketKind::kTcp4:
      break;
    case GuestSocketKind::kTcp6:
      domain = SocketDomain::Inet6;
      break;
    case GuestSocketKind::kUnix:
      domain = SocketDomain::Unix;
      break;
    case GuestSocketKind::kUdp4:
      type = SocketType::Datagram;
      break;
    case GuestSocketKind::kUdp6:
      domain = SocketDomain::Inet6;
      type = SocketType::Datagram;
      break;
  }
  return kernel_.socket(pid_, domain, type, kernel::kOpenNonBlock | kernel::kOpenCloseOnExec);
}

ErrorOr<GuestSocketAddress> KernelGuestSystem::socket_listen(int fd, const GuestSocketAddress& address,
                                                             uint32_t backlog) {
  kernel::net::SocketInfo info = TRY(kernel_.socket_info(pid_, fd));
  GuestSocketAddress bound = address;
  if (info.domain != kernel::net::SocketDomain::Unix) {
    // The host the socket binds and the loopback subject the policy names (s9.5).
    std::string subject;
    if (address.host.empty() || address.host == "127.0.0.1" || ascii_iequals(address.host, "localhost")) {
      bound.host = subject = "127.0.0.1";
    } else if (address.host == "::1") {
      subject = "::1";
    } else if (address.host == "0.0.0.0") {
      subject = "127.0.0.1";
    } else if (address.host == "::") {
      subject = "::1";
    } else {
      return fail(EACCES, "TCP listeners must bind to loopback or unspecified addresses, got " + address.host);
    }
    const std::string resource = "tcp://" + subject + ":" + std::to_string(address.port);
    kernel::PermissionDecision decision =
        vm_.permissions().check(config::PermissionDomain::Network, "listen", resource);
    if (!decision.allowed) return fail(EACCES, "permission denied, listen '" + resource + "': " + decision.reason);
    if (address.port != 0) {
      const config::ListenConfig policy = vm_.config().listen.value_or(config::ListenConfig{});
      if (!policy.allow_privileged && address.port < 1024) {
        return fail(EACCES, "privileged listen port " + std::to_string(address.port) +
                                " requires network.listen.allow_privileged=true");
      }
      if (address.port < policy.port_min || address.port > policy.port_max) {
        return fail(EACCES, "listen port " + std::to_string(address.port) + " is outside the allowed range " +
                                std::to_string(policy.port_min) + "-" + std::to_string(policy.port_max));
      }
    }
  }
  bound = guest_address(TRY(kernel_.socket_bind(pid_, fd, kernel_address(bound))));
  TRY(kernel_.socket_listen(pid_, fd, backlog));
  return bound;
}

ErrorOr<GuestSocketAddress> KernelGuestSystem::socket_bind(int fd, const GuestSocketAddress& address) {
  kernel::net::SocketInfo info = TRY(kernel_.socket_info(pid_, fd));
  const bool ipv6 = info.domain == kernel::net::SocketDomain::Inet6;
  GuestSocketAddress bound = address;
  if (address.host.empty()) {
    bound.host = ipv6 ? "::" : "0.0.0.0";
  } else if (ascii_iequals(address.host, "localhost")) {
    bound.host = ipv6 ? "::1" : "127.0.0.1";
  } else if (address.host != (ipv6 ? "::" : "0.0.0.0") && address.host != (ipv6 ? "::1" : "127.0.0.1")) {
    return fail(EADDRNOTAVAIL, "UDP sockets bind to loopback or unspecified addresses only, got " + address.host);
  }
  return guest_address(TRY(kernel_.socket_bind(pid_, fd, kernel_address(bound))));
}

ErrorOr<void> KernelGuestSystem::socket_connect(int fd, const GuestSocketAddress& target) {
  kernel::net::SocketInfo info = TRY(kernel_.socket_info(pid_, fd));
  if (info.domain == kernel::net::SocketDomain::Unix) return kernel_.socket_connect(pid_, fd, kernel_address(target));
  const std::string resource = "tcp://" + target.host + ":" + std::to_string(target.port);
  kernel::PermissionDecision decision = vm_.permissions().check(config::PermissionDomain::Network, "http", resource);
  if (!decision.allowed) return fail(EACCES, "permission denied, connect '" + resource + "': " + decision.reason);
  std::optional<std::string> host = loopback_target(target.host, info.domain == kernel::net::SocketDomain::Inet6);
  if (!host) return fail(not_loopback(target.host));
  return kernel_.socket_connect(pid_, fd, kernel::net::SocketAddress{*host, target.port, {}});
}

ErrorOr<int> KernelGuestSystem::socket_accept(int fd) {
  return kernel_.socket_accept(pid_, fd, kernel::kOpenNonBlock | kernel::kOpenCloseOnExec);
}

ErrorOr<std::string> KernelGuestSystem::socket_read(int fd, size_t max_bytes) {
  TRY(kernel_.socket_info(pid_, fd));  // ENOTSOCK for any other descriptor
  return kernel_.read(pid_, fd, max_bytes);
}

ErrorOr<size_t> KernelGuestSystem::socket_write(int fd, std::string_view data) {
  TRY(kernel_.socket_info(pid_, fd));
  return kernel_.write(pid_, fd, data);
}

ErrorOr<void> KernelGuestSystem::socket_shutdown_write(int fd) {
  return kernel_.socket_shutdown(pid_, fd, kernel::net::ShutdownHow::Write);
}

ErrorOr<void> KernelGuestSystem::socket_send(int fd, std::string_view data, const GuestSocketAddress& target) {
  kernel::net::SocketInfo info = TRY(kernel_.socket_info(pid_, fd));
  std::optional<std::string> host = loopback_target(target.host, info.domain == kernel::net::SocketDomain::Inet6);
  if (!host) return fail(not_loopback(target.host));
  return kernel_.socket_send_to(pid_, fd, data, kernel::net::SocketAddress{*host, target.port, {}});
}

ErrorOr<runtime::js::GuestDatagram> KernelGuestSystem::socket_receive(int fd, size_t max_bytes) {
  kernel::net::Datagram datagram = TRY(kernel_.socket_recv_from(pid_, fd, max_bytes));
  return runtime::js::GuestDatagram{std::move(datagram.data), guest_address(datagram.from)};
}

ErrorOr<runtime::js::GuestSocketInfo> KernelGuestSystem::socket_info(int fd) {
  kernel::net::SocketInfo info = TRY(kernel_.socket_info(pid_, fd));
  runtime::js::GuestSocketInfo result;
  if (info.local) result.local = guest_address(*info.local);
  if (info.peer) result.peer = guest_address(*info.peer);
  return result;
}

ErrorOr<void> KernelGuestSystem::socket_watch(bool watching) {
  return kernel_.set_io_watch(pid_, watching, kernel::IoWatchClient::Sockets);
}

}  // namespace se::service
