#include "kernel/special/dev_fs.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "kernel/special/proc_fs.h"
#include "kernel/vfs/fs_errors.h"

namespace se::kernel::special {
namespace {

constexpr uint64_t kDevIno = 0xffff0000;

constexpr uint64_t device_number(uint64_t major, uint64_t minor) {
  return major << 8 | minor;
}

struct DevEntry {
  std::string_view name;
  NodeType type;
  NodeRole role;
  uint64_t ino;
  uint64_t rdev;
  std::string_view target;  // symlinks
};

// Sorted byte-wise, which is also readdir("/dev") order.
constexpr std::array<DevEntry, 11> kEntries = {{
    {"fd", NodeType::Symlink, NodeRole::DevLink, kDevIno + 10, 0, "/proc/self/fd"},
    {"full", NodeType::CharDevice, NodeRole::DevFull, kDevIno + 8, device_number(1, 7), ""},
    {"null", NodeType::CharDevice, NodeRole::DevNull, kDevIno + 1, device_number(1, 3), ""},
    {"pts", NodeType::Directory, NodeRole::DevPtsDir, kDevIno + 11, 0, ""},
    {"random", NodeType::CharDevice, NodeRole::DevRandom, kDevIno + 7, device_number(1, 8), ""},
    {"stderr", NodeType::Symlink, NodeRole::DevLink, kDevIno + 5, 0, "/proc/self/fd/2"},
    {"stdin", NodeType::Symlink, NodeRole::DevLink, kDevIno + 3, 0, "/proc/self/fd/0"},
    {"stdout", NodeType::Symlink, NodeRole::DevLink, kDevIno + 4, 0, "/proc/self/fd/1"},
    {"tty", NodeType::CharDevice, NodeRole::DevTty, kDevIno + 9, device_number(5, 0), ""},
    {"urandom", NodeType::CharDevice, NodeRole::DevUrandom, kDevIno + 6, device_number(1, 9), ""},
    {"zero", NodeType::CharDevice, NodeRole::DevZero, kDevIno + 2, device_number(1, 5), ""},
}};

Unexpected missing(std::string_view path) {
  return fail(ENOENT, "no such file or directory, stat '" + std::string(path) + "'");
}

// Reads nothing, swallows everything.
class NullDevice final : public CharacterDevice {
 public:
  ErrorOr<std::string> read(size_t) override { return std::string(); }
  ErrorOr<size_t> write(std::string_view bytes) override { return bytes.size(); }
};

// Endless zeros; writes are discarded (zero) or fail with ENOSPC (full).
class ZeroDevice final : public CharacterDevice {
 public:
  explicit ZeroDevice(bool full) : full_(full) {}
  ErrorOr<std::string> read(size_t max_bytes) override { return std::string(max_bytes, '\0'); }
  ErrorOr<size_t> write(std::string_view bytes) override {
    if (full_) return fail(ENOSPC, "no space left on device");
    return bytes.size();
  }

 private:
  bool full_;
};

// random and urandom: both the kernel CSPRNG (never blocks once the host is seeded, like Linux 5.6+).
class RandomDevice final : public CharacterDevice {
 public:
  ErrorOr<std::string> read(size_t max_bytes) override { return random_bytes(max_bytes); }
  ErrorOr<size_t> write(std::string_view bytes) override { return bytes.size(); }
};

}  // namespace

ErrorOr<std::string> random_bytes(size_t length) {
  std::string bytes(length, '\0');
  size_t filled = 0;
  while (filled < length) {
    ssize_t got = ::getrandom(bytes.data() + filled, length - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(EIO, "getrandom failed: errno " + std::to_string(errno));
    }
    filled += static_cast<size_t>(got);
  }
  return bytes;
}

DevFs::DevFs(ProcessKernel& kernel)
    : kernel_(kernel),
      null_(std::make_shared<NullDevice>()),
      zero_(std::make_shared<ZeroDevice>(false)),
      full_(std::make_shared<ZeroDevice>(true)),
      random_(std::make_shared<RandomDevice>()) {}

ErrorOr<Node> DevFs::lookup(std::string_view path) const {
  Node node;
  node.path = std::string(path);
  if (path == "/dev") {
    node.type = NodeType::Directory;
    node.role = NodeRole::DevRoot;
    node.ino = kDevIno;
    node.permissions = 0755;
    return node;
  }
  std::string_view rest = path.substr(std::string_view("/dev/").size());
  if (rest.rfind("pts/", 0) == 0) {
    std::optional<int> index = parse_decimal(rest.substr(4));
    std::vector<int> open = kernel_.pty_indexes();
    if (!index || std::find(open.begin(), open.end(), *index) == open.end()) return missing(path);
    node.type = NodeType::CharDevice;
    node.role = NodeRole::DevPts;
    node.ino = kDevIno + 0x1000 + static_cast<uint64_t>(*index);
    node.rdev = device_number(136, static_cast<uint64_t>(*index));
    node.permissions = 0620;
    node.number = *index;
    return node;
  }
  const size_t slash = rest.find('/');
  for (const DevEntry& entry : kEntries) {
    if (rest.substr(0, slash) != entry.name) continue;
    if (slash != std::string_view::npos) return vfs::not_a_directory(path);
    node.type = entry.type;
    node.role = entry.role;
    node.ino = entry.ino;
    node.rdev = entry.rdev;
    node.target = std::string(entry.target);
    node.permissions = entry.type == NodeType::Directory ? 0755 : entry.type == NodeType::Symlink ? 0777 : 0666;
    return node;
  }
  return missing(path);
}

ErrorOr<std::vector<std::string>> DevFs::list(const Node& node) const {
  std::vector<std::string> names;
  if (node.role == NodeRole::DevRoot) {
    for (const DevEntry& entry : kEntries) names.emplace_back(entry.name);
  } else if (node.role == NodeRole::DevPtsDir) {
    for (int index : kernel_.pty_indexes()) names.push_back(std::to_string(index));
    std::sort(names.begin(), names.end());
  } else {
    return vfs::not_a_directory("scandir", node.path);
  }
  return names;
}

std::shared_ptr<CharacterDevice> DevFs::device(const Node& node) const {
  switch (node.role) {
    case NodeRole::DevNull:
      return null_;
    case NodeRole::DevZero:
      return zero_;
    case NodeRole::DevFull:
      return full_;
    case NodeRole::DevRandom:
    case NodeRole::DevUrandom:
      return random_;
    default:
      return nullptr;
  }
}

}  // namespace se::kernel::special
