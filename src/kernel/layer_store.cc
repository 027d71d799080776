#include "kernel/layer_store.h"

#include <utility>

#include "kernel/builtin_layers.h"
#include "kernel/layer_builder.h"

namespace se::kernel {

namespace {

Unexpected plain(std::string message) {
  return fail(Error::plain(std::move(message)));
}

// A failure while building an overlay's tree, worded as the reference reports it.
template <typename T>
ErrorOr<T> in_root(ErrorOr<T> result) {
  if (result) return result;
  return plain("root filesystem: " + result.error().to_string());
}

std::vector<SnapshotEntry> snapshot_of(const vfs::FileSystem& root) {
  std::vector<SnapshotEntry> entries;
  for (const FsEntry& entry : root.export_entries()) entries.push_back(snapshot_entry(entry));
  return entries;
}

}  // namespace

LayerStore::LayerStore() = default;
LayerStore::~LayerStore() = default;

ErrorOr<void> LayerStore::check_capacity() const {
  if (layers_.size() >= kMaxLayers) return plain("VM layer limit exceeded: limit is " + std::to_string(kMaxLayers));
  return {};
}

std::string LayerStore::add(Layer layer) {
  std::string id = "layer-" + std::to_string(next_id_++);
  layers_.emplace(id, std::move(layer));
  return id;
}

ErrorOr<std::string> LayerStore::create_layer() {
  TRY(check_capacity());
  return add(Writable{std::make_unique<vfs::OverlayFileSystem>(std::vector{minimal_root_layer()})});
}

ErrorOr<std::string> LayerStore::seal_layer(std::string_view id) {
  const auto found = layers_.find(id);
  if (found == layers_.end()) return plain("unknown layer: " + std::string(id));
  const auto* writable = std::get_if<Writable>(&found->second);
  if (!writable) return plain("layer " + std::string(id) + " is not writable");
  Snapshot sealed{snapshot_of(*writable->root)};
  layers_.erase(found);
  return add(std::move(sealed));
}

ErrorOr<std::string> LayerStore::import_snapshot(std::vector<SnapshotEntry> entries) {
  TRY(check_capacity());
  return add(Snapshot{std::move(entries)});
}

ErrorOr<std::vector<SnapshotEntry>> LayerStore::export_snapshot(std::string_view id) const {
  std::set<std::string, std::less<>> visiting;
  return materialize(id, visiting);
}

ErrorOr<std::string> LayerStore::create_overlay(config::RootFilesystemMode mode, std::optional<std::string> upper_id,
                                                std::vector<std::string> lower_ids) {
  TRY(check_capacity());
  for (const std::string& lower : lower_ids) {
    if (!layers_.contains(lower)) return plain("unknown lower layer: " + lower);
  }
  if (upper_id && !layers_.contains(*upper_id)) return plain("unknown upper layer: " + *upper_id);
  return add(Overlay{mode, std::move(upper_id), std::move(lower_ids)});
}

ErrorOr<std::vector<SnapshotEntry>> LayerStore::materialize(std::string_view id,
                                                            std::set<std::string, std::less<>>& visiting) const {
  const auto found = layers_.find(id);
  if (found == layers_.end()) return plain("unknown layer: " + std::string(id));
  if (const auto* snapshot = std::get_if<Snapshot>(&found->second)) return snapshot->entries;
  if (const auto* writable = std::get_if<Writable>(&found->second)) return snapshot_of(*writable->root);
  // Ids only ever refer to older layers, so a cycle cannot be built through the protocol; the guard
  // keeps a corrupted store from recursing forever.
  if (!visiting.emplace(id).second) return plain("layer graph cycle detected at " + std::string(id));
  auto entries = materialize_overlay(std::get<Overlay>(found->second), visiting);
  visiting.erase(visiting.find(id));
  return entries;
}

ErrorOr<std::vector<SnapshotEntry>> LayerStore::materialize_overlay(
    const Overlay& overlay, std::set<std::string, std::less<>>& visiting) const {
  std::vector<std::shared_ptr<const vfs::Layer>> lowers;
  std::set<std::string, std::less<>> lower_paths;
  for (const std::string& lower_id : overlay.lower_ids) {
    const std::vector<SnapshotEntry> lower = TRY(materialize(lower_id, visiting));
    std::vector<FsEntry> entries;
    entries.reserve(lower.size());
    for (const SnapshotEntry& entry : lower) {
      lower_paths.insert(entry.path);
      entries.push_back(TRY(in_root(materialize_snapshot_entry(entry))));
    }
    lowers.push_back(TRY(in_root(build_layer(std::move(entries)))));
  }
  if (lowers.empty()) lowers.push_back(minimal_root_layer());
  vfs::OverlayFileSystem root(std::move(lowers));
  if (overlay.upper_id) {
    const std::vector<SnapshotEntry> upper_entries = TRY(materialize(*overlay.upper_id, visiting));
    std::vector<FsEntry> upper;
    for (const SnapshotEntry& entry : upper_entries) {
      // The lowers' own directories keep their metadata (a writable upper lists the skeleton's).
      if (entry.kind == FsEntryKind::Directory && lower_paths.contains(entry.path)) continue;
      if (is_synthesised_path(entry.path)) continue;
      upper.push_back(TRY(in_root(materialize_snapshot_entry(entry))));
    }
    sort_for_application(upper);
    TRY(in_root(apply_entries(root, upper, EntryConflicts::Fail)));
  }
  return snapshot_of(root);
}

}  // namespace se::kernel
