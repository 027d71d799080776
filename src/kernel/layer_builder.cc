#include "kernel/layer_builder.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "kernel/root_entries.h"
#include "kernel/vfs/memory_file_system.h"

namespace se::kernel {

namespace {

// Live layers by the digest of the entry list they were built from.
class LayerCache {
 public:
  std::shared_ptr<const vfs::Layer> find(const vfs::Sha256& digest) {
    std::lock_guard lock(mutex_);
    const auto found = layers_.find(digest);
    return found == layers_.end() ? nullptr : found->second.lock();
  }

  // Returns the layer cached meanwhile by another thread when there is one.
  std::shared_ptr<const vfs::Layer> insert(const vfs::Sha256& digest, std::shared_ptr<const vfs::Layer> layer) {
    std::lock_guard lock(mutex_);
    auto& slot = layers_[digest];
    if (auto existing = slot.lock()) return existing;
    slot = layer;
    if (layers_.size() >= next_sweep_) {
      std::erase_if(layers_, [](const auto& item) { return item.second.expired(); });
      next_sweep_ = std::max<size_t>(kMinimumSweep, 2 * layers_.size());
    }
    return layer;
  }

 private:
  static constexpr size_t kMinimumSweep = 64;
  std::mutex mutex_;
  std::unordered_map<vfs::Sha256, std::weak_ptr<const vfs::Layer>, vfs::Sha256Hash> layers_;
  size_t next_sweep_ = kMinimumSweep;
};

// Never destroyed: layers may be released by static destructors after main returns.
LayerCache& layer_cache() {
  static LayerCache* cache = new LayerCache;
  return *cache;
}

void hash_number(vfs::Sha256Stream& stream, uint64_t value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  stream.update(std::string_view(bytes, sizeof bytes));
}

// Length-prefixed fields, so that no two different lists hash the same bytes.
vfs::Sha256 digest_of(const std::vector<FsEntry>& entries) {
  vfs::Sha256Stream stream;
  hash_number(stream, entries.size());
  for (const FsEntry& entry : entries) {
    hash_number(stream, entry.path.size());
    stream.update(entry.path);
    hash_number(stream, static_cast<uint64_t>(entry.kind));
    hash_number(stream, entry.mode);
    hash_number(stream, entry.uid);
    hash_number(stream, entry.gid);
    hash_number(stream, entry.content.size());
    stream.update(entry.content);
    hash_number(stream, entry.target.size());
    stream.update(entry.target);
  }
  return stream.finish();
}

}  // namespace

ErrorOr<std::shared_ptr<const vfs::Layer>> build_layer(std::vector<FsEntry> entries) {
  sort_for_application(entries);
  const vfs::Sha256 digest = digest_of(entries);
  if (auto cached = layer_cache().find(digest)) return cached;

  vfs::MemoryFileSystem scratch;
  TRY(scratch.chown("/", kImplicitRootOwner, kImplicitRootOwner, /*follow=*/false));
  TRY(apply_entries(scratch, entries, EntryConflicts::Replace));
  entries.clear();
  entries.shrink_to_fit();
  return layer_cache().insert(digest, vfs::Layer::freeze(scratch.export_entries()));
}

}  // namespace se::kernel
