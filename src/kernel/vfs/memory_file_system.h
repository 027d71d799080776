// An inode-based in-memory filesystem with Linux semantics: an inode table (numbers never reused),
// directories holding name -> inode entries, regular files, symlinks (at most 40 expansions per
// lookup), hard links, modes, owners, ms timestamps and a per-instance device id. Usage counters are
// kept incrementally, so limits cost O(1) per call. It holds the writable upper layer of a VM's
// overlay root (vfs/overlay_file_system.h) and is the scratch space layers are built in.
// Thread-safety: not thread-safe; const methods may run concurrently with each other but not with a
// mutation.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kernel/vfs/file_system.h"

namespace se::kernel::vfs {

// Milliseconds since the Unix epoch from the host's wall clock.
uint64_t wall_clock_ms();

class MemoryFileSystem final : public FileSystem {
 public:
  using Clock = uint64_t (*)();

  // An empty filesystem: "/" only (mode 0755, owner 0:0). Inodes created later default to owner
  // 1000:1000 (the reference's guest user), files 0644, directories 0755, symlinks 0777.
  explicit MemoryFileSystem(Clock clock = wall_clock_ms);
  ~MemoryFileSystem() override;
  MemoryFileSystem(const MemoryFileSystem&) = delete;
  MemoryFileSystem& operator=(const MemoryFileSystem&) = delete;

  uint64_t device_id() const { return device_id_; }

  ErrorOr<std::string> realpath(std::string_view path) override;
  ErrorOr<std::string> resolve_destination(std::string_view path, bool follow_final) override;
  ErrorOr<FileStat> stat(std::string_view path, bool follow) override;
  ErrorOr<std::string> read_link(std::string_view path) override;
  ErrorOr<std::vector<std::string>> read_dir(std::string_view path, uint64_t max_entries) override;
  ErrorOr<std::string> read_file(std::string_view path) override;
  ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) override;
  ErrorOr<void> write_file(std::string_view path, std::string_view data, Parents parents) override;
  ErrorOr<void> pwrite(std::string_view path, uint64_t offset, std::string_view data) override;
  ErrorOr<void> truncate(std::string_view path, uint64_t length) override;
  ErrorOr<void> mkdir(std::string_view path, Parents parents, bool exist_ok) override;
  ErrorOr<void> symlink(std::string_view target, std::string_view link_path, Parents parents) override;
  ErrorOr<void> link(std::string_view existing_path, std::string_view new_path, Parents parents) override;
  ErrorOr<void> remove_file(std::string_view path) override;
  ErrorOr<void> remove_dir(std::string_view path, bool recursive) override;
  ErrorOr<void> rename(std::string_view from, std::string_view to, Parents parents) override;
  ErrorOr<void> chmod(std::string_view path, uint32_t mode, bool follow) override;
  ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid, bool follow) override;
  ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) override;
  std::vector<FsEntry> export_entries() const override;
  FsUsage usage() const override { return usage_; }
  void set_limits(FsLimits limits) override { limits_ = limits; }

  // Single-step access by inode number for OverlayFileSystem, which walks its merged tree one
  // component at a time. Nothing is followed and no timestamp changes. The inode numbers passed in
  // must name live inodes (from root_ino() or child()); views stay valid until the next mutation.
  struct ChildRef {
    uint64_t ino = 0;
    FsEntryKind kind = FsEntryKind::File;
  };
  uint64_t root_ino() const { return root_->ino; }
  // The entry `name` of the directory `directory_ino`, if there is one.
  std::optional<ChildRef> child(uint64_t directory_ino, std::string_view name) const;
  // The entry names of the directory `directory_ino`, sorted byte-wise.
  std::vector<std::string_view> child_names(uint64_t directory_ino) const;
  FileStat inode_stat(uint64_t ino) const;
  // File bytes or symlink target.
  std::string_view inode_data(uint64_t ino) const;

 private:
  struct Inode {
    uint64_t ino = 0;
    FsEntryKind kind = FsEntryKind::File;
    uint32_t mode = 0;  // type bits + 07777
    uint32_t uid = 0, gid = 0;
    uint64_t nlink = 1;
    uint64_t atime_ms = 0, mtime_ms = 0, ctime_ms = 0, birthtime_ms = 0;
    std::string data;                                    // file bytes or symlink target
    std::map<std::string, Inode*, std::less<>> entries;  // directory entries (not owning)
  };
  struct Walk;

  ErrorOr<Walk> walk(std::string_view path, bool follow_final, bool stop_at_non_directory) const;
  ErrorOr<void> reserve(uint64_t added_bytes, uint64_t added_inodes) const;
  Inode* allocate(FsEntryKind kind, uint32_t mode);
  Inode* create_missing_directories(const Walk& walk, bool including_final);
  void drop_link(Inode* inode);
  void destroy_directory(Inode* directory);
  void free_inode(Inode* inode);
  FileStat stat_of(const Inode& inode) const;

  Clock clock_;
  uint64_t device_id_;
  uint64_t next_ino_ = 1;
  // Node-based: element addresses stay valid across rehashing, so directories hold raw pointers.
  std::unordered_map<uint64_t, Inode> inodes_;
  Inode* root_ = nullptr;
  FsUsage usage_;
  FsLimits limits_;
};

}  // namespace se::kernel::vfs
