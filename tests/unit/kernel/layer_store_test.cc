#include "kernel/layer_store.h"

#include <gtest/gtest.h>

#include "kernel/builtin_layers.h"
#include "vm_test_support.h"

namespace se::kernel {
namespace {

using testing::error_of;

SnapshotEntry entry(std::string path, FsEntryKind kind, uint32_t mode) {
  SnapshotEntry result;
  result.path = std::move(path);
  result.kind = kind;
  result.mode = mode;
  return result;
}

SnapshotEntry text_file(std::string path, std::string content, uint32_t mode = 0644) {
  SnapshotEntry result = entry(std::move(path), FsEntryKind::File, mode);
  result.content = vfs::intern_blob(std::move(content));
  return result;
}

SnapshotEntry link(std::string path, std::string target) {
  SnapshotEntry result = entry(std::move(path), FsEntryKind::Symlink, 0777);
  result.target = std::move(target);
  return result;
}

std::vector<std::string> paths_of(const std::vector<SnapshotEntry>& entries) {
  std::vector<std::string> paths;
  for (const SnapshotEntry& item : entries) paths.push_back(item.path);
  return paths;
}

const SnapshotEntry& find(const std::vector<SnapshotEntry>& entries, std::string_view path) {
  for (const SnapshotEntry& item : entries) {
    if (item.path == path) return item;
  }
  ADD_FAILURE() << "no entry " << path;
  return entries.front();
}

std::vector<std::string> skeleton_paths() {
  std::vector<std::string> paths;
  for (const FsEntry& item : minimal_root_layer()->export_entries()) paths.push_back(item.path);
  return paths;
}

TEST(LayerStore, WritableLayersHoldTheSkeletonAndSealIntoSnapshots) {
  LayerStore store;
  EXPECT_EQ(store.create_layer().value(), "layer-1");
  const auto writable = store.export_snapshot("layer-1").value();
  EXPECT_EQ(paths_of(writable), skeleton_paths());
  EXPECT_EQ(writable.front().mode, kModeDirectory | 0755);
  EXPECT_EQ(find(writable, "/usr/bin/env").content->bytes, "");
  EXPECT_EQ(store.seal_layer("layer-1").value(), "layer-2");
  EXPECT_EQ(error_of(store.seal_layer("layer-1")), "unknown layer: layer-1");
  EXPECT_EQ(error_of(store.seal_layer("layer-2")), "layer layer-2 is not writable");
  EXPECT_EQ(error_of(store.export_snapshot("layer-1")), "unknown layer: layer-1");
  EXPECT_EQ(paths_of(store.export_snapshot("layer-2").value()), skeleton_paths());
  EXPECT_EQ(store.size(), 1u);
}

TEST(LayerStore, ImportedSnapshotsExportAsImported) {
  LayerStore store;
  std::vector<SnapshotEntry> imported = {text_file("/b/file", "one"), entry("/a", FsEntryKind::Directory, 0700),
                                         link("/l", "b/file"), text_file("/b/file", "two"),
                                         entry("/bad-link", FsEntryKind::Symlink, 0777)};
  const std::string id = store.import_snapshot(imported).value();
  const auto exported = store.export_snapshot(id).value();
  ASSERT_EQ(exported.size(), imported.size());
  for (size_t i = 0; i < exported.size(); ++i) {
    EXPECT_EQ(exported[i].path, imported[i].path);
    EXPECT_EQ(exported[i].mode, imported[i].mode);
    EXPECT_EQ(exported[i].content, imported[i].content);
    EXPECT_EQ(exported[i].target, imported[i].target);
  }
  EXPECT_EQ(error_of(store.export_snapshot("layer-99")), "unknown layer: layer-99");
}

TEST(LayerStore, OverlaysMaterialiseTheirLayers) {
  LayerStore store;
  const std::string lower = store
                                .import_snapshot({text_file("/app/main.js", "lower"), text_file("/app/keep.js", "k"),
                                                  entry("/tmp", FsEntryKind::Directory, 01777), link("/cur", "app")})
                                .value();
  const std::string upper =
      store
          .import_snapshot({text_file("/app/main.js", "upper"), entry("/app", FsEntryKind::Directory, 0700),
                            entry("/tmp", FsEntryKind::Directory, 0755), text_file("/dev/ignored", "x"),
                            text_file("/new.txt", "n")})
          .value();
  const std::string overlay = store.create_overlay(config::RootFilesystemMode::Ephemeral, upper, {lower}).value();
  const auto merged = store.export_snapshot(overlay).value();
  EXPECT_EQ(paths_of(merged),
            (std::vector<std::string>{"/", "/app", "/app/keep.js", "/app/main.js", "/cur", "/new.txt", "/tmp"}));
  EXPECT_EQ(find(merged, "/").uid, 1000u);                      // a snapshot without "/" has the guest user's root
  EXPECT_EQ(find(merged, "/app").mode, kModeDirectory | 0700);  // the lower does not list /app: the upper's
  EXPECT_EQ(find(merged, "/app/main.js").content->bytes, "upper");
  EXPECT_EQ(find(merged, "/app/main.js").mode, kModeRegular | 0644);
  EXPECT_EQ(find(merged, "/tmp").mode, kModeDirectory | 01777);  // the lower lists /tmp: its metadata stays
  EXPECT_EQ(find(merged, "/cur").target, std::optional<std::string>("app"));

  // Without lowers an overlay starts from the skeleton; a writable upper adds the skeleton's tree.
  const std::string bare = store.create_overlay(config::RootFilesystemMode::ReadOnly, std::nullopt, {}).value();
  EXPECT_EQ(paths_of(store.export_snapshot(bare).value()), skeleton_paths());
  const std::string writable = store.create_layer().value();
  const std::string over_writable =
      store.create_overlay(config::RootFilesystemMode::Ephemeral, writable, {lower}).value();
  const auto with_skeleton = store.export_snapshot(over_writable).value();
  EXPECT_EQ(find(with_skeleton, "/tmp").mode, kModeDirectory | 01777);
  EXPECT_EQ(find(with_skeleton, "/").uid, 0u);  // the skeleton's "/" entry, which no lower lists
  EXPECT_EQ(find(with_skeleton, "/app/main.js").content->bytes, "lower");
  EXPECT_EQ(find(with_skeleton, "/etc/agentos").kind, FsEntryKind::Directory);

  // Overlays of overlays, and references that went away.
  const std::string nested =
      store.create_overlay(config::RootFilesystemMode::Ephemeral, std::nullopt, {overlay}).value();
  EXPECT_EQ(paths_of(store.export_snapshot(nested).value()), paths_of(merged));
  ASSERT_TRUE(store.seal_layer(writable));
  EXPECT_EQ(error_of(store.export_snapshot(over_writable)), "unknown layer: " + writable);
}

TEST(LayerStore, OverlayErrors) {
  LayerStore store;
  const std::string good = store.import_snapshot({text_file("/f", "x")}).value();
  EXPECT_EQ(error_of(store.create_overlay(config::RootFilesystemMode::Ephemeral, "nope", {"missing"})),
            "unknown lower layer: missing");
  EXPECT_EQ(error_of(store.create_overlay(config::RootFilesystemMode::Ephemeral, "nope", {good})),
            "unknown upper layer: nope");
  const std::string broken = store.import_snapshot({entry("/l", FsEntryKind::Symlink, 0777)}).value();
  const std::string over_broken =
      store.create_overlay(config::RootFilesystemMode::Ephemeral, std::nullopt, {broken}).value();
  EXPECT_EQ(error_of(store.export_snapshot(over_broken)), "root filesystem: missing symlink target for /l");
  const std::string conflicting = store.import_snapshot({text_file("/f/below", "x")}).value();
  const std::string over_conflict =
      store.create_overlay(config::RootFilesystemMode::Ephemeral, conflicting, {good}).value();
  EXPECT_EQ(error_of(store.export_snapshot(over_conflict)), "root filesystem: ENOTDIR: not a directory: /f");
}

TEST(LayerStore, HoldsAtMost256Layers) {
  LayerStore store;
  for (size_t i = 0; i < LayerStore::kMaxLayers - 1; ++i) ASSERT_TRUE(store.create_layer());
  const std::string last = store.create_layer().value();
  EXPECT_EQ(last, "layer-256");
  const std::string limit = "VM layer limit exceeded: limit is 256";
  EXPECT_EQ(error_of(store.create_layer()), limit);
  EXPECT_EQ(error_of(store.import_snapshot({})), limit);
  EXPECT_EQ(error_of(store.create_overlay(config::RootFilesystemMode::Ephemeral, std::nullopt, {})), limit);
  EXPECT_EQ(store.seal_layer(last).value(), "layer-257");  // sealing replaces, it never adds
  EXPECT_EQ(store.size(), LayerStore::kMaxLayers);
}

TEST(SnapshotEntries, ConfiguredEntriesKeepWhatWasGiven) {
  config::RootFilesystemEntry configured;
  configured.path = "/x/../bin/tool";
  configured.kind = config::EntryKind::File;
  configured.content = "aGk=";
  configured.encoding = config::ContentEncoding::Base64;
  configured.executable = true;
  configured.target = "ignored but kept";
  const SnapshotEntry converted = snapshot_entry(configured).value();
  EXPECT_EQ(converted.path, "/bin/tool");
  EXPECT_EQ(converted.mode, 0755u);  // no type bits added
  EXPECT_EQ(converted.content->bytes, "hi");
  EXPECT_EQ(converted.target, std::optional<std::string>("ignored but kept"));
  const FsEntry materialized = materialize_snapshot_entry(converted).value();
  EXPECT_EQ(materialized.mode, kModeRegular | 0755);
  EXPECT_EQ(materialized.target, "");
  configured.content = "%%%";
  EXPECT_EQ(error_of(snapshot_entry(configured)),
            "invalid base64 root filesystem content for /bin/tool: Invalid symbol 37, offset 0.");
}

}  // namespace
}  // namespace se::kernel
