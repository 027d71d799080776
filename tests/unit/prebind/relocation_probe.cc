// Loads a library the way the sidecar loads its engine module (dlopen RTLD_NOW | RTLD_LOCAL) after
// making the sidecar's own libraries global, as they are in the sidecar, then prints what the dynamic loader left in
// libnode's relocated slots, so that two processes, one with the original libnode and one with the pre-bound copy, can
// be compared (prebind_test.cc).
//
// Usage: relocation_probe OFFSETS_FILE LIBRARY [GLOBAL_LIBRARY...]
// Opens each GLOBAL_LIBRARY with RTLD_GLOBAL, in order (the sidecar's DT_NEEDED entries), then LIBRARY.
// Prints the path libnode.so.108 was loaded from, then for each offset in OFFSETS_FILE (one decimal
// number a line, relative to libnode's load address) one line "<offset> <object> <value minus that
// object's load address>", where <object> is "libnode" for libnode itself and the file name of any
// other loaded object whose segments span the value, or "<offset> - <raw value>" when no loaded
// object does. Exits non-zero, naming the problem, on any failure.
//
// Plain C library calls only: a C++ executable can end up exporting template instantiations that
// libstdc++ refers to, which would interpose on libnode's own copies in this process but not in the
// sidecar the pre-binding was computed for.
// Single-threaded.
#include <dlfcn.h>
#include <link.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

constexpr char kLibnodeSuffix[] = "/libnode.so.108";
// More loaded objects than the engine module's load set (about twenty) ever has.
constexpr size_t kMaxObjects = 64;

// One loaded object's address range (the span of its PT_LOAD segments) and name.
struct LoadedObject {
  uintptr_t base = 0;
  uintptr_t begin = 0;
  uintptr_t end = 0;
  const char* path = "";
};

struct LoadedObjects {
  LoadedObject objects[kMaxObjects];
  size_t count = 0;
  bool overflow = false;
};

int record_object(dl_phdr_info* info, size_t, void* data) {
  auto* loaded = static_cast<LoadedObjects*>(data);
  if (loaded->count == kMaxObjects) {
    loaded->overflow = true;
    return 1;
  }
  LoadedObject object{.base = info->dlpi_addr, .begin = UINTPTR_MAX, .end = 0, .path = info->dlpi_name};
  for (size_t i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD) continue;
    const uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    if (begin < object.begin) object.begin = begin;
    if (begin + segment.p_memsz > object.end) object.end = begin + segment.p_memsz;
  }
  if (object.path == nullptr) object.path = "";
  loaded->objects[loaded->count++] = object;
  return 0;
}

bool is_libnode(const LoadedObject& object) {
  const size_t length = std::strlen(object.path);
  const size_t suffix = std::strlen(kLibnodeSuffix);
  return length >= suffix && std::strcmp(object.path + length - suffix, kLibnodeSuffix) == 0;
}

const LoadedObject* containing(const LoadedObjects& loaded, uintptr_t address) {
  for (size_t i = 0; i < loaded.count; ++i) {
    if (loaded.objects[i].begin <= address && address < loaded.objects[i].end) return &loaded.objects[i];
  }
  return nullptr;
}

const char* base_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OFFSETS_FILE LIBRARY [GLOBAL_LIBRARY...]\n", argv[0]);
    return 2;
  }
  for (int i = 3; i < argc; ++i) {
    if (dlopen(argv[i], RTLD_NOW | RTLD_GLOBAL) == nullptr) {
      std::fprintf(stderr, "dlopen %s: %s\n", argv[i], dlerror());
      return 1;
    }
  }
  if (dlopen(argv[2], RTLD_NOW | RTLD_LOCAL) == nullptr) {
    std::fprintf(stderr, "dlopen %s: %s\n", argv[2], dlerror());
    return 1;
  }
  static LoadedObjects loaded;
  dl_iterate_phdr(record_object, &loaded);
  if (loaded.overflow) {
    std::fprintf(stderr, "more than %zu loaded objects\n", kMaxObjects);
    return 1;
  }
  const LoadedObject* libnode = nullptr;
  for (size_t i = 0; i < loaded.count && libnode == nullptr; ++i) {
    if (is_libnode(loaded.objects[i])) libnode = &loaded.objects[i];
  }
  if (libnode == nullptr) {
    std::fprintf(stderr, "no libnode.so.108 was loaded\n");
    return 1;
  }
  std::printf("%s\n", libnode->path);
  FILE* offsets = std::fopen(argv[1], "r");
  if (offsets == nullptr) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  uint64_t offset = 0;
  while (std::fscanf(offsets, "%" SCNu64, &offset) == 1) {
    if (libnode->base + offset + sizeof(uint64_t) > libnode->end) {
      std::fprintf(stderr, "offset %" PRIu64 " is outside libnode\n", offset);
      return 1;
    }
    uint64_t value = 0;
    std::memcpy(&value, reinterpret_cast<const void*>(libnode->base + offset), sizeof(value));
    const LoadedObject* object = containing(loaded, value);
    if (object == nullptr) {
      std::printf("%" PRIu64 " - %" PRIu64 "\n", offset, value);
      continue;
    }
    const char* name = object == libnode ? "libnode" : base_name(object->path);
    std::printf("%" PRIu64 " %s %" PRIu64 "\n", offset, name, value - object->base);
  }
  const bool read_all = std::feof(offsets) != 0;
  std::fclose(offsets);
  if (!read_all) {
    std::fprintf(stderr, "malformed offset in %s\n", argv[1]);
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
