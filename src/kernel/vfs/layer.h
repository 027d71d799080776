// Immutable, shareable filesystem layers: the lowers of a VM's overlay root. A Layer is a frozen tree
// built once and shared by pointer between every overlay that stacks it, so a hundred VMs over one
// lower hold one copy of its data. File contents are Blobs named by their SHA-256 and deduplicated
// process-wide while alive, so a layer can later be persisted content-addressed.
// Thread-safety: Layers and Blobs are immutable once built and may be shared across threads;
// intern_blob() is internally synchronised.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/fs_types.h"
#include "kernel/vfs/file_system.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace se::kernel::vfs {

using Sha256 = std::array<uint8_t, 32>;

Sha256 sha256(std::string_view bytes);
// Lower-case hexadecimal, 64 characters.
std::string to_hex(const Sha256& digest);

// For unordered containers keyed by digest.
struct Sha256Hash {
  size_t operator()(const Sha256& digest) const;
};

// SHA-256 over bytes given piece by piece.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void update(std::string_view bytes);
  // The digest of everything given so far; the stream is spent afterwards.
  Sha256 finish();

 private:
  ::evp_md_ctx_st* context_;
};

// The bytes of one file, named by their SHA-256.
struct Blob {
  std::string bytes;
  Sha256 digest{};
};

// The live blob holding these bytes when there is one (any layer may be holding it), else a new one.
std::shared_ptr<const Blob> intern_blob(std::string bytes);

struct LayerNode {
  FsEntryKind kind = FsEntryKind::Directory;
  uint32_t mode = kModeDirectory | 0755;  // type bits + 07777
  uint32_t uid = 0, gid = 0;
  uint64_t ino = 0;                                                               // unique within the layer; "/" is 1
  std::shared_ptr<const Blob> content;                                            // files: never null
  std::string target;                                                             // symlinks
  std::map<std::string, std::unique_ptr<const LayerNode>, std::less<>> children;  // directories
  FsUsage subtree;  // usage of this node and everything below it

  // What the node itself adds to filesystem usage: its file bytes or symlink target length.
  uint64_t byte_size() const;
};

class Layer {
 public:
  // Freezes a flattened tree in the order FileSystem::export_entries produces: depth-first from "/"
  // with each directory's descendants right after it. Nodes are stamped with the wall-clock time.
  static std::shared_ptr<const Layer> freeze(std::vector<FsEntry> tree);

  const LayerNode& root() const { return *root_; }
  // Nodes ("/" included) and bytes of the whole tree.
  FsUsage usage() const { return root_->subtree; }
  // The access, modification and change time reported for every node.
  uint64_t created_ms() const { return created_ms_; }
  // The tree depth-first from "/" with sorted children (the form freeze() takes).
  std::vector<FsEntry> export_entries() const;

 private:
  Layer() = default;

  std::unique_ptr<const LayerNode> root_;
  uint64_t created_ms_ = 0;
};

}  // namespace se::kernel::vfs
