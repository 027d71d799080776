#include "kernel/proc/fd_table.h"

namespace se::kernel {

std::optional<int> FdTable::lowest_free(int min_fd) const {
  if (min_fd < 0) min_fd = 0;
  int candidate = min_fd;
  for (auto it = entries_.lower_bound(min_fd); it != entries_.end() && it->first == candidate; ++it) ++candidate;
  if (static_cast<size_t>(candidate) >= max_fds_) return std::nullopt;
  return candidate;
}

FdEntry* FdTable::find(int fd) {
  auto it = entries_.find(fd);
  return it == entries_.end() ? nullptr : &it->second;
}

const FdEntry* FdTable::find(int fd) const {
  auto it = entries_.find(fd);
  return it == entries_.end() ? nullptr : &it->second;
}

std::optional<FdEntry> FdTable::remove(int fd) {
  auto it = entries_.find(fd);
  if (it == entries_.end()) return std::nullopt;
  FdEntry entry = std::move(it->second);
  entries_.erase(it);
  return entry;
}

}  // namespace se::kernel
