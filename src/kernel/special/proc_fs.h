// The VM's /proc (spec/kernel.md s5.1, with Linux details where the reference departs): the
// process table, descriptors and virtual identity of this VM rendered as read-only text on every
// read, never anything of the host. Paths reach it normalised and with every symlink before the
// last component already followed (special_files.cc walks them).
// Thread-safety: thread-safe; it only calls ProcessKernel's thread-safe queries. Never call it with
// the kernel lock held (a FileBackend must not).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/mount/mount_table.h"
#include "kernel/proc/process_kernel.h"
#include "kernel/special/special_node.h"

namespace se::kernel::special {

// The virtual machine /proc describes.
struct MachineInfo {
  uint64_t cpu_count = 1;
  uint64_t memory_bytes = 128ull << 20;  // MemTotal (maxWasmMemoryBytes, as the reference)
  bool read_only_root = false;
  std::chrono::steady_clock::time_point boot = std::chrono::steady_clock::now();
  uint64_t boot_wall_ms = 0;  // /proc/version's boot stamp and every node's timestamps
  // The VM's mounts for /proc/mounts, longest path first and the root last (called on any thread);
  // unset: the root alone, read-only when read_only_root.
  std::function<std::vector<mount::MountInfo>()> mounts;
};

// st_dev of every /proc node (Linux's procfs is an anonymous device too).
inline constexpr uint64_t kProcDevice = 0x16;

class ProcFs {
 public:
  ProcFs(ProcessKernel& kernel, MachineInfo machine) : kernel_(kernel), machine_(std::move(machine)) {}

  // The node at `path` (at or below /proc). `caller` 0 is the host, which has no /proc/self.
  // ENOENT "no such file or directory, stat '{path}'" for what does not exist (a reaped pid, a
  // closed descriptor), ENOTDIR below a file.
  ErrorOr<Node> lookup(Pid caller, std::string_view path) const;
  // A File node's text as of now.
  ErrorOr<std::string> content(const Node& node) const;
  // A Directory node's names, sorted byte-wise.
  ErrorOr<std::vector<std::string>> list(Pid caller, const Node& node) const;
  const MachineInfo& machine() const { return machine_; }

 private:
  ErrorOr<Node> lookup_pid_entry(std::string_view path, Pid pid, std::string_view name) const;
  ErrorOr<Node> lookup_fd(std::string_view path, Pid pid, std::string_view name) const;

  ProcessKernel& kernel_;
  MachineInfo machine_;
};

// "42" -> 42; anything but a canonical positive decimal that fits an int -> nullopt ("042", "+1").
std::optional<int> parse_decimal(std::string_view text);

}  // namespace se::kernel::special
