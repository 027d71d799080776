#include "kernel/vfs/layer.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "kernel/vfs/memory_file_system.h"
#include "kernel/vfs/path.h"

namespace se::kernel::vfs {

namespace {

// Only a libcrypto without SHA-256 (or out of memory) gets here; layers cannot be built without it.
[[noreturn]] void sha256_unavailable() {
  std::fprintf(stderr, "fatal: SHA-256 is unavailable in libcrypto\n");
  std::abort();
}

// Live blobs by digest. A blob removes its own entry when its last holder lets go.
class BlobStore {
 public:
  std::shared_ptr<const Blob> intern(std::string bytes) {
    const Sha256 digest = sha256(bytes);
    std::lock_guard lock(mutex_);
    auto& slot = blobs_[digest];
    // Nothing may be released while the lock is held: a blob's deleter takes it too.
    if (auto existing = slot.lock()) return existing;
    std::shared_ptr<const Blob> blob(new Blob{std::move(bytes), digest}, [this](const Blob* released) {
      forget(*released);
      delete released;
    });
    slot = blob;
    return blob;
  }

 private:
  void forget(const Blob& released) {
    std::lock_guard lock(mutex_);
    auto found = blobs_.find(released.digest);
    // A newer blob with the same digest may have taken the slot meanwhile; keep it.
    if (found != blobs_.end() && found->second.expired()) blobs_.erase(found);
  }

  std::mutex mutex_;
  std::unordered_map<Sha256, std::weak_ptr<const Blob>, Sha256Hash> blobs_;
};

// Never destroyed: blobs may be released by static destructors after main returns.
BlobStore& blob_store() {
  static BlobStore* store = new BlobStore;
  return *store;
}

LayerNode node_of(FsEntry& entry, uint64_t ino) {
  LayerNode node;
  node.kind = entry.kind;
  node.mode = mode_type_bits(entry.kind) | (entry.mode & kModePermissionMask);
  node.uid = entry.uid;
  node.gid = entry.gid;
  node.ino = ino;
  if (entry.kind == FsEntryKind::File) node.content = intern_blob(std::move(entry.content));
  if (entry.kind == FsEntryKind::Symlink) node.target = std::move(entry.target);
  node.subtree = FsUsage{node.byte_size(), 1};
  return node;
}

}  // namespace

Sha256 sha256(std::string_view bytes) {
  Sha256 digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    sha256_unavailable();
  }
  return digest;
}

size_t Sha256Hash::operator()(const Sha256& digest) const {
  size_t value;
  std::memcpy(&value, digest.data(), sizeof value);  // a digest is already uniformly distributed
  return value;
}

Sha256Stream::Sha256Stream() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) sha256_unavailable();
}

Sha256Stream::~Sha256Stream() {
  EVP_MD_CTX_free(context_);
}

void Sha256Stream::update(std::string_view bytes) {
  if (EVP_DigestUpdate(context_, bytes.data(), bytes.size()) != 1) sha256_unavailable();
}

Sha256 Sha256Stream::finish() {
  Sha256 digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_, digest.data(), &length) != 1) sha256_unavailable();
  return digest;
}

std::string to_hex(const Sha256& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(digest.size() * 2);
  for (uint8_t byte : digest) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0xf]);
  }
  return text;
}

std::shared_ptr<const Blob> intern_blob(std::string bytes) {
  return blob_store().intern(std::move(bytes));
}

uint64_t LayerNode::byte_size() const {
  switch (kind) {
    case FsEntryKind::File:
      return content->bytes.size();
    case FsEntryKind::Symlink:
      return target.size();
    case FsEntryKind::Directory:
      return 0;
  }
  return 0;
}

std::shared_ptr<const Layer> Layer::freeze(std::vector<FsEntry> tree) {
  std::shared_ptr<Layer> layer(new Layer);
  layer->created_ms_ = wall_clock_ms();
  uint64_t next_ino = 1;
  FsEntry root_entry;
  root_entry.kind = FsEntryKind::Directory;
  root_entry.mode = kModeDirectory | 0755;
  size_t first = 0;
  if (!tree.empty() && tree.front().path == "/") root_entry = std::move(tree[first++]);

  // The directories on the path to the current entry, each still open for children.
  struct Open {
    std::string path;
    std::unique_ptr<LayerNode> node;
  };
  std::vector<Open> open;
  open.push_back(Open{"/", std::make_unique<LayerNode>(node_of(root_entry, next_ino++))});
  auto attach = [&open](std::string_view path, std::unique_ptr<LayerNode> node) {
    LayerNode& parent = *open.back().node;
    parent.subtree.bytes += node->subtree.bytes;
    parent.subtree.inodes += node->subtree.inodes;
    parent.children.emplace(std::string(base_name(path)), std::move(node));
  };
  auto close_top = [&open, &attach] {
    Open done = std::move(open.back());
    open.pop_back();
    attach(done.path, std::move(done.node));
  };
  for (size_t i = first; i < tree.size(); ++i) {
    FsEntry& entry = tree[i];
    const std::string_view parent = parent_path(entry.path);
    while (open.size() > 1 && open.back().path != parent) close_top();
    auto node = std::make_unique<LayerNode>(node_of(entry, next_ino++));
    if (node->kind == FsEntryKind::Directory) {
      open.push_back(Open{std::move(entry.path), std::move(node)});
    } else {
      attach(entry.path, std::move(node));
    }
  }
  while (open.size() > 1) close_top();
  layer->root_ = std::move(open.back().node);
  return layer;
}

std::vector<FsEntry> Layer::export_entries() const {
  std::vector<FsEntry> entries;
  entries.reserve(usage().inodes);
  std::vector<std::pair<std::string, const LayerNode*>> pending{{"/", root_.get()}};
  while (!pending.empty()) {
    auto [path, node] = std::move(pending.back());
    pending.pop_back();
    FsEntry entry;
    entry.kind = node->kind;
    entry.mode = node->mode;
    entry.uid = node->uid;
    entry.gid = node->gid;
    if (node->kind == FsEntryKind::File) entry.content = node->content->bytes;
    if (node->kind == FsEntryKind::Symlink) entry.target = node->target;
    for (auto child = node->children.rbegin(); child != node->children.rend(); ++child) {
      pending.emplace_back(join_path(path, child->first), child->second.get());
    }
    entry.path = std::move(path);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace se::kernel::vfs
