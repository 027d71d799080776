// The layer store of one VM (spec/protocol.md s3.8): writable layers, immutable snapshot layers and
// lazy overlay descriptions under ids "layer-1", "layer-2", ... (a per-VM counter; every create,
// import, seal and overlay takes a new id), at most 256 at a time. It is independent of the VM's
// running root. Snapshot content is held as content-addressed blobs (vfs/layer.h), shared with
// every other layer holding the same bytes.
// Errors are plain (errno 0) with the reference's wording: "VM layer limit exceeded: limit is 256",
// "unknown layer: {id}", "layer {id} is not writable", "unknown lower layer: {id}", "unknown upper
// layer: {id}", "layer graph cycle detected at {id}", and "root filesystem: {error}" when an overlay
// cannot be materialised.
// Thread-safety: not thread-safe; the owning VM serialises calls.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.h"
#include "config/root_filesystem.h"
#include "kernel/root_entries.h"
#include "kernel/vfs/overlay_file_system.h"

namespace se::kernel {

class LayerStore {
 public:
  static constexpr size_t kMaxLayers = 256;

  LayerStore();
  ~LayerStore();
  LayerStore(const LayerStore&) = delete;
  LayerStore& operator=(const LayerStore&) = delete;

  // A new writable layer holding the minimal root skeleton (what the reference's empty writable
  // root filesystem exports).
  ErrorOr<std::string> create_layer();
  // Replaces the writable layer `id` by an immutable snapshot of its content under a new id.
  ErrorOr<std::string> seal_layer(std::string_view id);
  ErrorOr<std::string> import_snapshot(std::vector<SnapshotEntry> entries);
  // Materialises a layer: a snapshot as stored, a writable layer's current tree, an overlay as the
  // merged tree of its lowers (each materialised; none means the minimal root) with the upper's
  // entries applied on top, except upper directories some lower lists.
  ErrorOr<std::vector<SnapshotEntry>> export_snapshot(std::string_view id) const;
  ErrorOr<std::string> create_overlay(config::RootFilesystemMode mode, std::optional<std::string> upper_id,
                                      std::vector<std::string> lower_ids);

  size_t size() const { return layers_.size(); }

 private:
  struct Writable {
    std::unique_ptr<vfs::OverlayFileSystem> root;
  };
  struct Snapshot {
    std::vector<SnapshotEntry> entries;
  };
  struct Overlay {
    config::RootFilesystemMode mode;  // recorded as requested; a materialised overlay is a plain tree
    std::optional<std::string> upper_id;
    std::vector<std::string> lower_ids;
  };
  using Layer = std::variant<Writable, Snapshot, Overlay>;

  ErrorOr<void> check_capacity() const;
  std::string add(Layer layer);
  ErrorOr<std::vector<SnapshotEntry>> materialize(std::string_view id,
                                                  std::set<std::string, std::less<>>& visiting) const;
  ErrorOr<std::vector<SnapshotEntry>> materialize_overlay(const Overlay& overlay,
                                                          std::set<std::string, std::less<>>& visiting) const;

  std::map<std::string, Layer, std::less<>> layers_;
  uint64_t next_id_ = 1;
};

}  // namespace se::kernel
