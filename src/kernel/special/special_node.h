// One node of the VM's synthetic trees (/proc and /dev, spec/kernel.md s5): what a lookup finds,
// before any content is generated. Both trees describe their nodes with this one type so that the
// resolver in special_files.cc can walk and follow symlinks across them.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "kernel/fs_types.h"
#include "kernel/proc/pid.h"

namespace se::kernel::special {

inline constexpr uint32_t kModeCharDevice = 0020000;
inline constexpr uint32_t kModeFifo = 0010000;

enum class NodeType { Directory, File, Symlink, CharDevice, Fifo };

// What a node is, so that content, listings and open know what to produce.
enum class NodeRole {
  ProcRoot,
  ProcMounts,
  ProcCpuinfo,
  ProcMeminfo,
  ProcLoadavg,
  ProcUptime,
  ProcVersion,
  ProcSelf,
  ProcPidDir,
  ProcPidFdDir,
  ProcPidFd,
  ProcPidCmdline,
  ProcPidEnviron,
  ProcPidCwd,
  ProcPidExe,
  ProcPidStat,
  ProcPidStatus,
  DevRoot,
  DevNull,
  DevZero,
  DevFull,
  DevRandom,
  DevUrandom,
  DevTty,
  DevLink,
  DevPtsDir,
  DevPts,
  AnonymousFd,  // the file behind a descriptor that has no path (a pipe, a host stdio stream)
};

struct Node {
  NodeType type = NodeType::File;
  NodeRole role = NodeRole::ProcRoot;
  std::string path;    // canonical: /proc/self/x is reported as /proc/<pid>/x
  std::string target;  // Symlink only
  uint64_t ino = 0;
  uint32_t permissions = 0444;
  uint32_t uid = 0, gid = 0;
  uint64_t rdev = 0;         // CharDevice: major << 8 | minor
  Pid pid = 0;               // the process a /proc/<pid> node describes, or a descriptor's owner
  int number = -1;           // a descriptor (ProcPidFd, AnonymousFd) or a PTY index (DevPts)
  uint64_t description = 0;  // ProcPidFd, AnonymousFd: the open file description's id
};

// stat(2) of a node; generated files report size 0 like Linux, symlinks their target length.
inline FileStat node_stat(const Node& node, uint64_t dev, uint64_t time_ms) {
  FileStat stat;
  uint32_t type_bits = kModeRegular;
  switch (node.type) {
    case NodeType::Directory:
      type_bits = kModeDirectory;
      break;
    case NodeType::File:
      type_bits = kModeRegular;
      break;
    case NodeType::Symlink:
      type_bits = kModeSymlink;
      break;
    case NodeType::CharDevice:
      type_bits = kModeCharDevice;
      break;
    case NodeType::Fifo:
      type_bits = kModeFifo;
      break;
  }
  stat.mode = type_bits | node.permissions;
  stat.size = node.type == NodeType::Symlink ? node.target.size() : 0;
  stat.dev = dev;
  stat.rdev = node.rdev;
  stat.is_directory = node.type == NodeType::Directory;
  stat.is_symbolic_link = node.type == NodeType::Symlink;
  stat.atime_ms = stat.mtime_ms = stat.ctime_ms = stat.birthtime_ms = time_ms;
  stat.ino = node.ino;
  stat.nlink = node.type == NodeType::Directory ? 2 : 1;
  stat.uid = node.uid;
  stat.gid = node.gid;
  return stat;
}

}  // namespace se::kernel::special
