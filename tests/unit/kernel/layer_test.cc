#include "kernel/vfs/layer.h"

#include <gtest/gtest.h>

#include "kernel/builtin_layers.h"
#include "kernel/layer_builder.h"

namespace se::kernel {
namespace {

FsEntry file(std::string path, std::string content) {
  FsEntry entry;
  entry.path = std::move(path);
  entry.kind = FsEntryKind::File;
  entry.mode = kModeRegular | 0644;
  entry.content = std::move(content);
  return entry;
}

TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(vfs::to_hex(vfs::sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(vfs::to_hex(vfs::sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  vfs::Sha256Stream stream;
  stream.update("a");
  stream.update("bc");
  EXPECT_EQ(stream.finish(), vfs::sha256("abc"));
}

TEST(Blob, EqualBytesShareOneBlobWhileAlive) {
  auto first = vfs::intern_blob("shared bytes");
  auto second = vfs::intern_blob(std::string("shared bytes"));
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(first->digest, vfs::sha256("shared bytes"));
  EXPECT_NE(vfs::intern_blob("other bytes").get(), first.get());
}

TEST(Layer, FreezeKeepsTheTreeAndNumbersItsNodes) {
  std::vector<FsEntry> tree;
  FsEntry root;
  root.path = "/";
  root.kind = FsEntryKind::Directory;
  root.mode = kModeDirectory | 0700;
  tree.push_back(root);
  FsEntry dir = root;
  dir.path = "/a";
  dir.mode = kModeDirectory | 0755;
  tree.push_back(dir);
  tree.push_back(file("/a/f", "data"));
  FsEntry link;
  link.path = "/l";
  link.kind = FsEntryKind::Symlink;
  link.mode = kModeSymlink | 0777;
  link.target = "a/f";
  tree.push_back(link);
  const auto layer = vfs::Layer::freeze(tree);
  EXPECT_EQ(layer->export_entries(), tree);
  EXPECT_EQ(layer->usage().inodes, 4u);
  EXPECT_EQ(layer->usage().bytes, 4u + 3u);
  const vfs::LayerNode& a = *layer->root().children.at("a");
  EXPECT_EQ(layer->root().ino, 1u);
  EXPECT_NE(a.ino, a.children.at("f")->ino);
  EXPECT_EQ(a.subtree.inodes, 2u);
  EXPECT_EQ(a.children.at("f")->content->digest, vfs::sha256("data"));
}

TEST(LayerBuilder, EqualEntryListsShareOneLayer) {
  auto first = build_layer({file("/app/main.js", "1"), file("/app/lib.js", "2")}).value();
  auto second = build_layer({file("/app/lib.js", "2"), file("/app/main.js", "1")}).value();
  EXPECT_EQ(first.get(), second.get());  // the same entries in another order apply identically
  auto different = build_layer({file("/app/main.js", "1")}).value();
  EXPECT_NE(different.get(), first.get());
  // Content is shared even between different layers.
  EXPECT_EQ(different->root().children.at("app")->children.at("main.js")->content.get(),
            first->root().children.at("app")->children.at("main.js")->content.get());
}

TEST(LayerBuilder, RootBelongsToTheGuestUserUnlessAnEntryNamesIt) {
  auto implicit = build_layer({file("/f", "")}).value();
  EXPECT_EQ(implicit->root().uid, kImplicitRootOwner);
  EXPECT_EQ(implicit->root().children.at("f")->uid, 0u);
  EXPECT_EQ(bundled_base_layer()->root().uid, 0u);
  EXPECT_EQ(bundled_base_layer()->usage().inodes, 70u);
  EXPECT_EQ(minimal_root_layer()->usage().inodes, minimal_root_entries().size());
}

TEST(LayerBuilder, EntriesApplyByDepthAndLaterOnesWin) {
  auto layer =
      build_layer({file("/f", "first"), file("/x/inner", "kept"), file("/x", "replaced"), file("/f", "second")})
          .value();
  EXPECT_EQ(layer->root().children.at("f")->content->bytes, "second");
  // Shallower entries apply first, so /x ends up the directory /x/inner needs.
  const vfs::LayerNode& x = *layer->root().children.at("x");
  EXPECT_EQ(x.kind, FsEntryKind::Directory);
  EXPECT_EQ(x.mode, kModeDirectory | 0755);
  EXPECT_EQ(x.children.at("inner")->content->bytes, "kept");
}

}  // namespace
}  // namespace se::kernel
