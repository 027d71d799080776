// The natives behind guest/kernel.js: one thin callback per GuestSystem call. Bytes travel as
// Uint8Array, stat fields as numbers; a failed call throws an Error carrying `code` ('ENOENT') and
// `errno` (negative, as Node reports it), which kernel.js turns into Node's error shape.
// Thread-safety: callbacks run on the isolate's thread.
#include <v8-array-buffer.h>
#include <v8-container.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-isolate.h>
#include <v8-object.h>
#include <v8-primitive.h>
#include <v8-typed-array.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/js/native_args.h"
#include "runtime/js/native_bindings.h"
#include "runtime/js/native_values.h"

namespace se::runtime::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

using Args = NativeArgs;

GuestSystem* system_of(Isolate* isolate) {
  auto* context = static_cast<NativeContext*>(isolate->GetData(kNativeContextSlot));
  GuestSystem* system = context != nullptr ? context->system() : nullptr;
  if (system == nullptr) throw_system_error(isolate, Error::from_errno(ENOSYS, "no kernel is bound to this process"));
  return system;
}

// Returns the value of a successful call, or throws its error.
template <typename T, typename Set>
void settle(Isolate* isolate, ErrorOr<T>&& result, Set&& set) {
  if (!result) return throw_system_error(isolate, result.error());
  set(*result);
}

void settle_void(Isolate* isolate, const ErrorOr<void>& result) {
  if (!result) throw_system_error(isolate, result.error());
}

Local<v8::Float64Array> stat_array(Isolate* isolate, const kernel::FileStat& stat) {
  constexpr double kBlockSize = 4096;
  const double fields[] = {
      static_cast<double>(stat.dev),      static_cast<double>(stat.ino),          static_cast<double>(stat.mode),
      static_cast<double>(stat.nlink),    static_cast<double>(stat.uid),          static_cast<double>(stat.gid),
      static_cast<double>(stat.rdev),     static_cast<double>(stat.size),         kBlockSize,
      static_cast<double>(stat.blocks),   static_cast<double>(stat.atime_ms),     static_cast<double>(stat.mtime_ms),
      static_cast<double>(stat.ctime_ms), static_cast<double>(stat.birthtime_ms),
  };
  constexpr size_t kCount = sizeof(fields) / sizeof(fields[0]);
  Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, sizeof(fields));
  std::memcpy(buffer->GetBackingStore()->Data(), fields, sizeof(fields));
  return v8::Float64Array::New(buffer, 0, kCount);
}

// ---- paths ----

// fsStat(path, follow) -> Float64Array [dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks,
// atimeMs, mtimeMs, ctimeMs, birthtimeMs]
void fs_stat(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsStat(path, follow)", 2);
  std::string path = args.path(0);
  bool follow = args.boolean(1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle(args.isolate(), follow ? system->stat(path) : system->lstat(path),
         [&](const kernel::FileStat& stat) { info.GetReturnValue().Set(stat_array(args.isolate(), stat)); });
}

// fsStatKind(path) -> 0 missing or any error, 1 file, 2 directory (follows symlinks; never throws
// for a kernel error).
void fs_stat_kind(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsStatKind(path)", 1);
  std::string path = args.path(0);
  if (!args.ok()) return;
  auto* context = static_cast<NativeContext*>(args.isolate()->GetData(kNativeContextSlot));
  GuestSystem* system = context != nullptr ? context->system() : nullptr;
  int kind = 0;
  if (system != nullptr) {
    if (auto stat = system->stat(path)) kind = stat->is_directory ? 2 : 1;
  }
  info.GetReturnValue().Set(kind);
}

// fsReaddir(path) -> [names, types] with types the d_type numbers.
void fs_readdir(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsReaddir(path)", 1);
  std::string path = args.path(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  Isolate* isolate = args.isolate();
  settle(isolate, system->readdir(path), [&](const std::vector<GuestDirEntry>& entries) {
    std::vector<Local<Value>> names;
    std::vector<Local<Value>> types;
    names.reserve(entries.size());
    types.reserve(entries.size());
    for (const GuestDirEntry& entry : entries) {
      names.push_back(utf8_string(isolate, entry.name));
      types.push_back(v8::Integer::New(isolate, static_cast<int>(entry.type)));
    }
    Local<Value> pair[] = {v8::Array::New(isolate, names.data(), names.size()),
                           v8::Array::New(isolate, types.data(), types.size())};
    info.GetReturnValue().Set(v8::Array::New(isolate, pair, 2));
  });
}

// fsMkdir(path, mode, recursive) -> the first directory created (recursive) or undefined.
void fs_mkdir(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsMkdir(path, mode, recursive)", 3);
  std::string path = args.path(0);
  uint32_t mode = args.u32(1);
  bool recursive = args.boolean(2);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle(args.isolate(), system->mkdir(path, mode, recursive), [&](const std::optional<std::string>& first) {
    if (first) info.GetReturnValue().Set(utf8_string(args.isolate(), *first));
  });
}

// One-path calls without a result: fsRmdir, fsUnlink.
template <ErrorOr<void> (GuestSystem::*Call)(std::string_view)>
void fs_path_call(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fs(path)", 1);
  std::string path = args.path(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), (system->*Call)(path));
}

// Two-path calls without a result: fsRename(from, to), fsSymlink(target, path), fsLink(existing, new).
template <ErrorOr<void> (GuestSystem::*Call)(std::string_view, std::string_view)>
void fs_two_path_call(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fs(path, path)", 2);
  std::string first = args.path(0);
  std::string second = args.path(1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), (system->*Call)(first, second));
}

// One-path calls returning a string: fsReadlink, fsRealpath.
template <ErrorOr<std::string> (GuestSystem::*Call)(std::string_view)>
void fs_path_string_call(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fs(path)", 1);
  std::string path = args.path(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle(args.isolate(), (system->*Call)(path),
         [&](const std::string& text) { info.GetReturnValue().Set(utf8_string(args.isolate(), text)); });
}

// fsChmod(path, mode)
void fs_chmod(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsChmod(path, mode)", 2);
  std::string path = args.path(0);
  uint32_t mode = args.u32(1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->chmod(path, mode));
}

// fsChown(path, uid, gid)
void fs_chown(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsChown(path, uid, gid)", 3);
  std::string path = args.path(0);
  uint32_t uid = args.u32(1);
  uint32_t gid = args.u32(2);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->chown(path, uid, gid));
}

// fsUtimes(path, atimeMs, mtimeMs)
void fs_utimes(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsUtimes(path, atimeMs, mtimeMs)", 3);
  std::string path = args.path(0);
  uint64_t atime = args.u64(1);
  uint64_t mtime = args.u64(2);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->utimes(path, atime, mtime));
}

// fsTruncate(path, length)
void fs_truncate(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsTruncate(path, length)", 2);
  std::string path = args.path(0);
  uint64_t length = args.u64(1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->truncate(path, length));
}

// fsAccess(path, mode)
void fs_access(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsAccess(path, mode)", 2);
  std::string path = args.path(0);
  uint32_t mode = args.u32(1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->access(path, mode));
}

// fsReadFile(path, utf8) -> string when utf8, else Uint8Array.
void fs_read_file(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsReadFile(path, utf8)", 2);
  std::string path = args.path(0);
  bool utf8 = args.boolean(1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  Isolate* isolate = args.isolate();
  settle(isolate, system->read_file(path), [&](const std::string& bytes) {
    if (!utf8) return info.GetReturnValue().Set(new_bytes(isolate, bytes));
    Local<v8::String> text;
    if (bytes.size() > static_cast<size_t>(v8::String::kMaxLength) ||
        !v8::String::NewFromUtf8(isolate, bytes.data(), v8::NewStringType::kNormal, static_cast<int>(bytes.size()))
             .ToLocal(&text)) {
      isolate->ThrowException(v8::Exception::RangeError(utf8_string(isolate, "Invalid string length")));
      return;
    }
    info.GetReturnValue().Set(text);
  });
}

// fsWriteFile(path, data, flags, mode)
void fs_write_file(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsWriteFile(path, data, flags, mode)", 4);
  std::string path = args.path(0);
  std::string storage;
  std::string_view data = args.data(1, storage);
  uint32_t flags = args.u32(2);
  uint32_t mode = args.u32(3);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->write_file(path, data, flags, mode));
}

// fsCopyFile(from, to, exclusive)
void fs_copy_file(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsCopyFile(from, to, exclusive)", 3);
  std::string from = args.path(0);
  std::string to = args.path(1);
  bool exclusive = args.boolean(2);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->copy_file(from, to, exclusive));
}

// fsChdir(path)
void fs_chdir(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsChdir(path)", 1);
  std::string path = args.path(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->chdir(path));
}

// ---- descriptors ----

// fsOpen(path, flags, mode) -> fd
void fs_open(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsOpen(path, flags, mode)", 3);
  std::string path = args.path(0);
  uint32_t flags = args.u32(1);
  uint32_t mode = args.u32(2);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle(args.isolate(), system->open(path, flags, mode), [&](int fd) { info.GetReturnValue().Set(fd); });
}

// fsClose(fd), fsFsync(fd)
template <ErrorOr<void> (GuestSystem::*Call)(int)>
void fs_fd_call(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fs(fd)", 1);
  int fd = args.fd(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), (system->*Call)(fd));
}

// fsRead(fd, target, position) -> bytes read into the Uint8Array `target` (at most its length),
// from `position` when it is a number >= 0, else from the descriptor's offset.
void fs_read(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsRead(fd, target, position)", 3);
  int fd = args.fd(0);
  Local<v8::Uint8Array> target = args.bytes(1);
  std::optional<uint64_t> position = args.position(2);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle(args.isolate(), system->read(fd, target->ByteLength(), position), [&](const std::string& bytes) {
    // The guest cannot resize `target` while this runs, but read() honours the length anyway.
    size_t count = std::min(bytes.size(), target->ByteLength());
    if (count > 0) {
      auto store = target->Buffer()->GetBackingStore();
      std::memcpy(static_cast<char*>(store->Data()) + target->ByteOffset(), bytes.data(), count);
    }
    info.GetReturnValue().Set(static_cast<double>(count));
  });
}

// fsWrite(fd, data, position) -> bytes written
void fs_write(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsWrite(fd, data, position)", 3);
  int fd = args.fd(0);
  std::string storage;
  std::string_view data = args.data(1, storage);
  std::optional<uint64_t> position = args.position(2);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle(args.isolate(), system->write(fd, data, position),
         [&](size_t written) { info.GetReturnValue().Set(static_cast<double>(written)); });
}

// fsFstat(fd) -> the fsStat array
void fs_fstat(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsFstat(fd)", 1);
  int fd = args.fd(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle(args.isolate(), system->fstat(fd),
         [&](const kernel::FileStat& stat) { info.GetReturnValue().Set(stat_array(args.isolate(), stat)); });
}

// fsFtruncate(fd, length)
void fs_ftruncate(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "fsFtruncate(fd, length)", 2);
  int fd = args.fd(0);
  uint64_t length = args.u64(1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  settle_void(args.isolate(), system->ftruncate(fd, length));
}

constexpr NativeFunction kKernelNatives[] = {
    {"fsStat", fs_stat, 2},
    {"fsStatKind", fs_stat_kind, 1},
    {"fsReaddir", fs_readdir, 1},
    {"fsMkdir", fs_mkdir, 3},
    {"fsRmdir", fs_path_call<&GuestSystem::rmdir>, 1},
    {"fsUnlink", fs_path_call<&GuestSystem::unlink>, 1},
    {"fsRename", fs_two_path_call<&GuestSystem::rename>, 2},
    {"fsSymlink", fs_two_path_call<&GuestSystem::symlink>, 2},
    {"fsLink", fs_two_path_call<&GuestSystem::link>, 2},
    {"fsReadlink", fs_path_string_call<&GuestSystem::readlink>, 1},
    {"fsRealpath", fs_path_string_call<&GuestSystem::realpath>, 1},
    {"fsChmod", fs_chmod, 2},
    {"fsChown", fs_chown, 3},
    {"fsUtimes", fs_utimes, 3},
    {"fsTruncate", fs_truncate, 2},
    {"fsAccess", fs_access, 2},
    {"fsReadFile", fs_read_file, 2},
    {"fsWriteFile", fs_write_file, 4},
    {"fsCopyFile", fs_copy_file, 3},
    {"fsChdir", fs_chdir, 1},
    {"fsOpen", fs_open, 3},
    {"fsClose", fs_fd_call<&GuestSystem::close>, 1},
    {"fsFsync", fs_fd_call<&GuestSystem::fsync>, 1},
    {"fsRead", fs_read, 3},
    {"fsWrite", fs_write, 3},
    {"fsFstat", fs_fstat, 1},
    {"fsFtruncate", fs_ftruncate, 2},
};

}  // namespace

std::span<const NativeFunction> kernel_natives() {
  return kKernelNatives;
}

}  // namespace se::runtime::js
