// A VM's kernel halves wired as the service wires them, for the /proc and /dev tests: a
// VmFilesystem, a ProcessKernel whose regular files live in it and whose open() asks SpecialFiles
// first, and the SpecialFiles over both.
// Thread-safety: test-only; the file backend takes the filesystem lock like the service's.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/proc/process_kernel.h"
#include "kernel/special/special_files.h"
#include "vm_test_support.h"

namespace se::kernel::testing {

// Regular files of the process kernel, kept in the VmFilesystem (called under the kernel lock).
class VmFiles : public FileBackend {
 public:
  VmFiles(VmFilesystem& fs, std::mutex& lock) : fs_(fs), lock_(lock) {}
  ErrorOr<FileOpenResult> open(Pid, std::string_view path, uint32_t flags, uint32_t) override {
    std::lock_guard lock(lock_);
    auto found = fs_.stat(path);
    if (!found) {
      if (found.error().errno_code != ENOENT || (flags & kOpenCreate) == 0) return fail(std::move(found).error());
      TRY(fs_.write_file(path, ""));
      return FileOpenResult{std::string(path), false};
    }
    if ((flags & kOpenTruncate) != 0 && !found->is_directory) TRY(fs_.write_file(path, ""));
    return FileOpenResult{TRY(fs_.realpath(path)), found->is_directory};
  }
  ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) override {
    std::lock_guard lock(lock_);
    return fs_.pread(path, offset, length);
  }
  ErrorOr<uint64_t> pwrite(std::string_view path, uint64_t offset, std::string_view data) override {
    std::lock_guard lock(lock_);
    std::string content = TRY(fs_.read_file(path));
    if (content.size() < offset + data.size()) content.resize(offset + data.size(), '\0');
    content.replace(offset, data.size(), data);
    TRY(fs_.write_file(path, content));
    return data.size();
  }
  ErrorOr<uint64_t> size(std::string_view path) override {
    std::lock_guard lock(lock_);
    return TRY(fs_.stat(path)).size;
  }
  ErrorOr<void> truncate(std::string_view path, uint64_t length) override {
    std::lock_guard lock(lock_);
    return fs_.truncate(path, length);
  }

 private:
  VmFilesystem& fs_;
  std::mutex& lock_;
};

// Records what a process writes to a standard descriptor.
class Sink : public CharacterDevice {
 public:
  ErrorOr<std::string> read(size_t) override { return std::string(); }
  ErrorOr<size_t> write(std::string_view bytes) override {
    std::lock_guard lock(mutex_);
    written_.append(bytes);
    return bytes.size();
  }
  std::string written() {
    std::lock_guard lock(mutex_);
    return written_;
  }

 private:
  std::mutex mutex_;
  std::string written_;
};

class NoopDriver : public ProcessDriver {
 public:
  void deliver_signal(Pid, int) override {}
  void terminate(Pid, int) override {}
};

struct SpecialFixture {
  explicit SpecialFixture(config::ResourceLimits limits = {},
                          config::PermissionsPolicy policy = config::PermissionsPolicy::allow_all(),
                          special::MachineInfo machine = {})
      : engine(std::move(policy)) {
    fs = make_vm_filesystem(engine, {}, limits);
    KernelOptions options;
    options.files = std::make_shared<VmFiles>(*fs, fs_lock);
    options.synthetic_files = [this](Pid pid, std::string_view path, uint32_t flags) {
      return special->open(pid, path, flags);
    };
    kernel = std::make_unique<ProcessKernel>(limits, std::move(options));
    special = std::make_unique<special::SpecialFiles>(*kernel, *fs, fs_lock, engine, limits, machine);
  }

  Pid spawn(std::vector<std::string> args = {}, Environment env = {}, Pid parent = 0) {
    SpawnRequest request;
    request.parent = parent;
    request.driver_name = "test-driver";
    request.command = "node";
    request.args = std::move(args);
    request.env = std::move(env);
    request.driver = std::make_shared<NoopDriver>();
    if (parent == 0) request.stdio = {nullptr, out, nullptr};
    auto pid = kernel->spawn(request);
    EXPECT_TRUE(pid) << error_of(pid);
    return pid ? *pid : 0;
  }

  PermissionEngine engine;
  std::mutex fs_lock;
  std::unique_ptr<VmFilesystem> fs;
  std::shared_ptr<Sink> out = std::make_shared<Sink>();
  std::unique_ptr<ProcessKernel> kernel;
  std::unique_ptr<special::SpecialFiles> special;
};

}  // namespace se::kernel::testing
