#include "kernel/special/proc_fs.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>

#include "kernel/vfs/fs_errors.h"

namespace se::kernel::special {
namespace {

constexpr uint64_t kProcIno = 0xfffe0000;

struct FixedEntry {
  std::string_view name;
  NodeRole role;
  uint64_t ino;
};

// The machine-wide files; "self" and the pids are added when listed.
constexpr std::array<FixedEntry, 6> kMachineFiles = {{
    {"cpuinfo", NodeRole::ProcCpuinfo, kProcIno + 3},
    {"loadavg", NodeRole::ProcLoadavg, kProcIno + 5},
    {"meminfo", NodeRole::ProcMeminfo, kProcIno + 4},
    {"mounts", NodeRole::ProcMounts, kProcIno + 2},
    {"uptime", NodeRole::ProcUptime, kProcIno + 6},
    {"version", NodeRole::ProcVersion, kProcIno + 7},
}};

// The entries of /proc/<pid>, sorted byte-wise.
constexpr std::array<std::string_view, 7> kPidEntries = {"cmdline", "cwd", "environ", "exe", "fd", "stat", "status"};

Unexpected missing(std::string_view path) {
  return fail(ENOENT, "no such file or directory, stat '" + std::string(path) + "'");
}

Node directory(NodeRole role, std::string path, uint64_t ino, uint32_t permissions = 0555) {
  Node node;
  node.type = NodeType::Directory;
  node.role = role;
  node.path = std::move(path);
  node.ino = ino;
  node.permissions = permissions;
  return node;
}

Node file(NodeRole role, std::string path, uint64_t ino) {
  Node node;
  node.role = role;
  node.path = std::move(path);
  node.ino = ino;
  return node;
}

Node symlink(NodeRole role, std::string path, std::string target, uint64_t ino) {
  Node node;
  node.type = NodeType::Symlink;
  node.role = role;
  node.path = std::move(path);
  node.target = std::move(target);
  node.ino = ino;
  node.permissions = 0777;
  return node;
}

// What /proc/<pid>/fd/<n> points at: a path when the descriptor has one, else an anonymous name.
std::string descriptor_target(const FdInfo& info) {
  switch (info.kind) {
    case FileKind::RegularFile:
    case FileKind::Directory:
    case FileKind::PipeReadEnd:
    case FileKind::PipeWriteEnd:  // "pipe:[id]"
    case FileKind::PtySlave:      // "/dev/pts/N"
    case FileKind::Socket:        // "socket:[id]"
      return info.path;
    case FileKind::PtyMaster:
      return "/dev/ptmx";
    case FileKind::Device:
      // A host stdio stream is named /dev/stdin..; on Linux it would be the pipe to the host.
      if (info.path.rfind("/dev/std", 0) == 0 || info.path.rfind("/dev/fd/", 0) == 0 || info.path.empty()) {
        return "pipe:[" + std::to_string(info.description_id) + "]";
      }
      return info.path;
  }
  return info.path;
}

char state_letter(ProcessStatus status) {
  switch (status) {
    case ProcessStatus::Running:
      return 'R';
    case ProcessStatus::Stopped:
      return 'T';
    case ProcessStatus::Exited:
      return 'Z';
  }
  return 'R';
}

const char* state_name(ProcessStatus status) {
  switch (status) {
    case ProcessStatus::Running:
      return "R (running)";
    case ProcessStatus::Stopped:
      return "T (stopped)";
    case ProcessStatus::Exited:
      return "Z (zombie)";
  }
  return "R (running)";
}

std::string executable_of(const ProcessInfo& info) {
  if (info.command.find('/') != std::string::npos) return info.command;
  return "/bin/" + info.command;  // where the VM's command stubs live
}

std::string render_stat(const ProcessInfo& info) {
  std::string name = info.command;
  std::replace(name.begin(), name.end(), ')', ']');
  // Linux proc(5) field order: pid (comm) state ppid pgrp session, then tty_nr .. cstime (11
  // zeros), priority 20, nice 0, num_threads 1, then itrealvalue .. exit_code (32 zeros): 52 fields.
  std::string text = std::to_string(info.pid) + " (" + name + ") " + state_letter(info.status) + " " +
                     std::to_string(info.ppid) + " " + std::to_string(info.pgid) + " " + std::to_string(info.sid);
  for (int i = 0; i < 11; ++i) text += " 0";
  text += " 20 0 1";
  for (int i = 0; i < 32; ++i) text += " 0";
  text += "\n";
  return text;
}

std::string render_status(const ProcessInfo& info) {
  char umask[8];
  std::snprintf(umask, sizeof umask, "%04o", info.umask & 0777);
  const std::string uid = std::to_string(info.uid), gid = std::to_string(info.gid);
  return "Name:\t" + info.command + "\nUmask:\t" + umask + "\nState:\t" + state_name(info.status) + "\nTgid:\t" +
         std::to_string(info.pid) + "\nPid:\t" + std::to_string(info.pid) + "\nPPid:\t" + std::to_string(info.ppid) +
         "\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\nGid:\t" + gid + "\t" + gid + "\t" + gid + "\t" +
         gid + "\nVmSize:\t       0 kB\nVmRSS:\t        0 kB\nThreads:\t1\n";
}

}  // namespace

std::optional<int> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > INT32_MAX) return std::nullopt;
  return static_cast<int>(value);
}

ErrorOr<Node> ProcFs::lookup(Pid caller, std::string_view path) const {
  if (path == "/proc") return directory(NodeRole::ProcRoot, "/proc", kProcIno + 1);
  std::string_view rest = path.substr(std::string_view("/proc/").size());
  const size_t slash = rest.find('/');
  const std::string_view first = rest.substr(0, slash);
  const std::string_view below = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  for (const FixedEntry& entry : kMachineFiles) {
    if (first != entry.name) continue;
    if (!below.empty()) return vfs::not_a_directory(path);
    return file(entry.role, std::string(path), entry.ino);
  }
  if (first == "self") {
    if (caller == 0 || !kernel_.process_info(caller)) return missing(path);
    if (!below.empty()) return missing(path);  // the resolver follows "self" before looking below it
    // Relative, as Linux has it: readlink("/proc/self") is "42".
    return symlink(NodeRole::ProcSelf, "/proc/self", std::to_string(caller),
                   0xfffe1000 + static_cast<uint64_t>(caller));
  }
  std::optional<int> pid = parse_decimal(first);
  if (!pid || !kernel_.process_info(*pid)) return missing(path);
  if (below.empty()) {
    Node node = directory(NodeRole::ProcPidDir, std::string(path), 0xfffe2000 + static_cast<uint64_t>(*pid));
    ProcessInfo info = TRY(kernel_.process_info(*pid));
    node.pid = *pid;
    node.uid = info.uid;
    node.gid = info.gid;
    return node;
  }
  return lookup_pid_entry(path, *pid, below);
}

ErrorOr<Node> ProcFs::lookup_pid_entry(std::string_view path, Pid pid, std::string_view name) const {
  const size_t slash = name.find('/');
  const std::string_view entry = name.substr(0, slash);
  if (slash != std::string_view::npos) {
    if (entry != "fd") {
      if (std::find(kPidEntries.begin(), kPidEntries.end(), entry) != kPidEntries.end()) {
        return vfs::not_a_directory(path);
      }
      return missing(path);
    }
    return lookup_fd(path, pid, name.substr(slash + 1));
  }
  ProcessInfo info = TRY(kernel_.process_info(pid));
  const std::string full(path);
  const auto id = static_cast<uint64_t>(pid);
  Node node;
  if (entry == "cmdline") {
    node = file(NodeRole::ProcPidCmdline, full, 0xfffe4000 + id);
  } else if (entry == "environ") {
    node = file(NodeRole::ProcPidEnviron, full, 0xfffe5000 + id);
    node.permissions = 0400;
  } else if (entry == "cwd") {
    node = symlink(NodeRole::ProcPidCwd, full, info.cwd, 0xfffe6000 + id);
  } else if (entry == "exe") {
    node = symlink(NodeRole::ProcPidExe, full, executable_of(info), 0xfffe9000 + id);
  } else if (entry == "stat") {
    node = file(NodeRole::ProcPidStat, full, 0xfffe7000 + id);
  } else if (entry == "status") {
    node = file(NodeRole::ProcPidStatus, full, 0xfffe8000 + id);
  } else if (entry == "fd") {
    node = directory(NodeRole::ProcPidFdDir, full, 0xfffe3000 + id, 0500);
  } else {
    return missing(path);
  }
  node.pid = pid;
  node.uid = info.uid;
  node.gid = info.gid;
  return node;
}

ErrorOr<Node> ProcFs::lookup_fd(std::string_view path, Pid pid, std::string_view name) const {
  std::optional<int> fd = parse_decimal(name);
  if (!fd) return missing(path);
  auto fds = kernel_.list_fds(pid);  // a zombie has no descriptors (ESRCH)
  if (!fds) return missing(path);
  for (const FdInfo& info : *fds) {
    if (info.fd != *fd) continue;
    ProcessInfo owner = TRY(kernel_.process_info(pid));
    Node node = symlink(NodeRole::ProcPidFd, std::string(path), descriptor_target(info),
                        0xffff0000 + (static_cast<uint64_t>(pid) << 8) + static_cast<uint64_t>(*fd));
    node.pid = pid;
    node.number = *fd;
    node.description = info.description_id;
    node.uid = owner.uid;
    node.gid = owner.gid;
    node.permissions = (info.status_flags & kOpenAccessMask) == kOpenReadOnly    ? 0500
                       : (info.status_flags & kOpenAccessMask) == kOpenWriteOnly ? 0300
                                                                                 : 0700;
    return node;
  }
  return missing(path);
}

ErrorOr<std::string> ProcFs::content(const Node& node) const {
  switch (node.role) {
    case NodeRole::ProcMounts: {
      // spec/kernel.md s5.1: "{plugin_id} {path} {plugin_id} {rw|ro} 0 0" in mount-table order.
      std::vector<mount::MountInfo> mounts =
          machine_.mounts
              ? machine_.mounts()
              : std::vector<mount::MountInfo>{{.path = "/", .plugin_id = "root", .read_only = machine_.read_only_root}};
      std::string text;
      for (const auto& mount : mounts) {
        text +=
            mount.plugin_id + " " + mount.path + " " + mount.plugin_id + (mount.read_only ? " ro" : " rw") + " 0 0\n";
      }
      return text;
    }
    case NodeRole::ProcCpuinfo: {
      std::string text;
      for (uint64_t cpu = 0; cpu < machine_.cpu_count; ++cpu) {
        text += "processor\t: " + std::to_string(cpu) +
                "\nmodel name\t: secure-exec Virtual CPU\ncpu MHz\t\t: 1000.000\nsiblings\t: 1\ncpu cores\t: 1\n\n";
      }
      return text;
    }
    case NodeRole::ProcMeminfo: {
      const uint64_t kb = (machine_.memory_bytes + 1023) / 1024;
      char text[256];
      std::snprintf(text, sizeof text,
                    "MemTotal:%8" PRIu64 " kB\nMemFree:%9" PRIu64 " kB\nMemAvailable:%4" PRIu64
                    " kB\nBuffers:%9d kB\nCached:%10d kB\n",
                    kb, kb, kb, 0, 0);
      return std::string(text);
    }
    case NodeRole::ProcLoadavg: {
      std::vector<ProcessInfo> processes = kernel_.snapshot();
      uint64_t running = 0;
      Pid highest = 0;
      for (const ProcessInfo& info : processes) {
        if (info.status == ProcessStatus::Running) ++running;
        highest = std::max(highest, info.pid);
      }
      return "0.00 0.00 0.00 " + std::to_string(running) + "/" + std::to_string(std::max<size_t>(processes.size(), 1)) +
             " " + std::to_string(highest) + "\n";
    }
    case NodeRole::ProcUptime: {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - machine_.boot).count();
      char text[64];
      std::snprintf(text, sizeof text, "%.2f %.2f\n", seconds, seconds);
      return std::string(text);
    }
    case NodeRole::ProcVersion:
      return "Linux version 6.8.0-agentos (agentos@localhost) #1 SMP boot=" + std::to_string(machine_.boot_wall_ms) +
             "\n";
    case NodeRole::ProcPidCmdline: {
      ProcessInfo info = TRY(kernel_.process_info(node.pid));
      if (info.status == ProcessStatus::Exited) return std::string();  // Linux: a zombie's cmdline is empty
      std::string text = info.command;
      text.push_back('\0');
      for (const std::string& arg : info.args) {
        text += arg;
        text.push_back('\0');
      }
      return text;
    }
    case NodeRole::ProcPidEnviron: {
      ProcessInfo info = TRY(kernel_.process_info(node.pid));
      std::string text;
      for (const auto& [key, value] : info.env) {
        text += key + "=" + value;
        text.push_back('\0');
      }
      return text;
    }
    case NodeRole::ProcPidStat:
      return render_stat(TRY(kernel_.process_info(node.pid)));
    case NodeRole::ProcPidStatus:
      return render_status(TRY(kernel_.process_info(node.pid)));
    default:
      break;
  }
  return vfs::is_a_directory("read", node.path);
}

ErrorOr<std::vector<std::string>> ProcFs::list(Pid caller, const Node& node) const {
  std::vector<std::string> names;
  switch (node.role) {
    case NodeRole::ProcRoot: {
      for (const ProcessInfo& info : kernel_.snapshot()) names.push_back(std::to_string(info.pid));
      for (const FixedEntry& entry : kMachineFiles) names.emplace_back(entry.name);
      if (caller != 0) names.emplace_back("self");
      break;
    }
    case NodeRole::ProcPidDir:
      names.assign(kPidEntries.begin(), kPidEntries.end());
      break;
    case NodeRole::ProcPidFdDir: {
      auto fds = kernel_.list_fds(node.pid);
      if (fds) {
        for (const FdInfo& info : *fds) names.push_back(std::to_string(info.fd));
      }
      break;
    }
    default:
      return vfs::not_a_directory("scandir", node.path);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace se::kernel::special
