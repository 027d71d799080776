// The VM side of a guest process's system calls: KernelGuestSystem implements the runtime's
// GuestSystem with path operations on the VM's filesystem (under the VM lock, Linux rules for
// missing parents) or, for /proc and /dev, on the VM's SpecialFiles, and descriptor operations on
// the VM's process kernel; VmFileBackend binds that
// kernel's regular files to the same filesystem; StdinDevice and OutputDevice are a top-level
// process's descriptors 0 and 1/2.
// Thread-safety: KernelGuestSystem serves one process's thread. VmFileBackend is called with the
// kernel lock held and takes the VM lock inside it (lock order: kernel, then VM; nothing holds the
// VM lock while calling the kernel). The devices synchronise themselves.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "kernel/proc/file_backend.h"
#include "kernel/proc/process_kernel.h"
#include "kernel/special/special_files.h"
#include "runtime/js/guest_system.h"

namespace se::service {

class Vm;

class VmFileBackend final : public kernel::FileBackend {
 public:
  explicit VmFileBackend(Vm& vm) : vm_(vm) {}

  ErrorOr<kernel::FileOpenResult> open(kernel::Pid pid, std::string_view path, uint32_t flags, uint32_t mode) override;
  ErrorOr<std::string> pread(std::string_view path, uint64_t offset, uint64_t length) override;
  ErrorOr<uint64_t> pwrite(std::string_view path, uint64_t offset, std::string_view data) override;
  ErrorOr<uint64_t> size(std::string_view path) override;
  ErrorOr<void> truncate(std::string_view path, uint64_t length) override;

 private:
  Vm& vm_;
};

// Descriptor 0: reads block on the runtime's stdin buffer once it is attached; before that (and
// after the process ends) it is at end of file.
class StdinDevice final : public kernel::CharacterDevice {
 public:
  // `blocking_read_limit`: how long a read waits for bytes (maxBlockingReadMs).
  explicit StdinDevice(std::chrono::milliseconds blocking_read_limit) : blocking_read_limit_(blocking_read_limit) {}
  void attach(std::shared_ptr<runtime::js::StdinSource> source);
  ErrorOr<std::string> read(size_t max_bytes) override;
  ErrorOr<size_t> write(std::string_view bytes) override;

 private:
  const std::chrono::milliseconds blocking_read_limit_;
  std::mutex mutex_;
  std::shared_ptr<runtime::js::StdinSource> source_;
};

// Descriptors 1 and 2: every write goes to the process's output stream, in order with
// process.stdout.write (both run on the guest's thread).
class OutputDevice final : public kernel::CharacterDevice {
 public:
  explicit OutputDevice(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}
  ErrorOr<std::string> read(size_t max_bytes) override;
  ErrorOr<size_t> write(std::string_view bytes) override;

 private:
  std::function<void(std::string_view)> sink_;
};

class KernelGuestSystem final : public runtime::js::GuestSystem {
 public:
  // `special` (borrowed, may be null: then /proc and /dev are plain paths) serves /proc and /dev.
  KernelGuestSystem(Vm& vm, kernel::ProcessKernel& kernel, kernel::Pid pid, std::shared_ptr<StdinDevice> stdin_device,
                    kernel::special::SpecialFiles* special = nullptr)
      : vm_(vm), kernel_(kernel), pid_(pid), stdin_(std::move(stdin_device)), special_(special) {}

  ErrorOr<kernel::FileStat> stat(std::string_view path) override;
  ErrorOr<kernel::FileStat> lstat(std::string_view path) override;
  ErrorOr<std::vector<runtime::js::GuestDirEntry>> readdir(std::string_view path) override;
  ErrorOr<std::optional<std::string>> mkdir(std::string_view path, uint32_t mode, bool recursive) override;
  ErrorOr<void> rmdir(std::string_view path) override;
  ErrorOr<void> unlink(std::string_view path) override;
  ErrorOr<void> rename(std::string_view from, std::string_view to) override;
  ErrorOr<void> symlink(std::string_view target, std::string_view link_path) override;
  ErrorOr<std::string> readlink(std::string_view path) override;
  ErrorOr<std::string> realpath(std::string_view path) override;
  ErrorOr<void> link(std::string_view existing_path, std::string_view new_path) override;
  ErrorOr<void> chmod(std::string_view path, uint32_t mode) override;
  ErrorOr<void> chown(std::string_view path, uint32_t uid, uint32_t gid) override;
  ErrorOr<void> utimes(std::string_view path, uint64_t atime_ms, uint64_t mtime_ms) override;
  ErrorOr<void> truncate(std::string_view path, uint64_t length) override;
  ErrorOr<void> access(std::string_view path, uint32_t mode) override;
  ErrorOr<std::string> read_file(std::string_view path) override;
  ErrorOr<void> write_file(std::string_view path, std::string_view data, uint32_t flags, uint32_t mode) override;
  ErrorOr<void> copy_file(std::string_view from, std::string_view to, bool exclusive) override;

  ErrorOr<int> open(std::string_view path, uint32_t flags, uint32_t mode) override;
  ErrorOr<void> close(int fd) override;
  ErrorOr<std::string> read(int fd, size_t length, std::optional<uint64_t> position) override;
  ErrorOr<size_t> write(int fd, std::string_view data, std::optional<uint64_t> position) override;
  ErrorOr<kernel::FileStat> fstat(int fd) override;
  ErrorOr<void> ftruncate(int fd, uint64_t length) override;
  ErrorOr<void> fsync(int fd) override;

  ErrorOr<void> chdir(std::string_view path) override;
  void attach_stdin(std::shared_ptr<runtime::js::StdinSource> source) override;

  // Sockets (guest_system.cc, "sockets" block): loopback-only policy, then the process kernel.
  ErrorOr<int> socket_open(runtime::js::GuestSocketKind kind) override;
  ErrorOr<runtime::js::GuestSocketAddress> socket_listen(int fd, const runtime::js::GuestSocketAddress& address,
                                                         uint32_t backlog) override;
  ErrorOr<runtime::js::GuestSocketAddress> socket_bind(int fd, const runtime::js::GuestSocketAddress& address) override;
  ErrorOr<void> socket_connect(int fd, const runtime::js::GuestSocketAddress& target) override;
  ErrorOr<int> socket_accept(int fd) override;
  ErrorOr<std::string> socket_read(int fd, size_t max_bytes) override;
  ErrorOr<size_t> socket_write(int fd, std::string_view data) override;
  ErrorOr<void> socket_shutdown_write(int fd) override;
  ErrorOr<void> socket_send(int fd, std::string_view data, const runtime::js::GuestSocketAddress& target) override;
  ErrorOr<runtime::js::GuestDatagram> socket_receive(int fd, size_t max_bytes) override;
  ErrorOr<runtime::js::GuestSocketInfo> socket_info(int fd) override;
  ErrorOr<void> socket_watch(bool watching) override;

  // Terminals (guest_terminal.cc).
  ErrorOr<bool> isatty(int fd) override;
  ErrorOr<runtime::js::GuestWindowSize> window_size(int fd) override;
  ErrorOr<void> set_raw_mode(int fd, bool raw) override;
  ErrorOr<void> catch_signal(int signal, bool caught) override;
  void take_delivered_signals() override;

 private:
  // The process's umask (applied to the modes of files and directories it creates).
  uint32_t umask();
  // Whether `path` belongs to /proc or /dev (and so to SpecialFiles).
  bool special(std::string_view path) const;
  ErrorOr<void> change(kernel::special::Change change, std::string_view path);

  Vm& vm_;
  kernel::ProcessKernel& kernel_;
  kernel::Pid pid_;
  std::shared_ptr<StdinDevice> stdin_;
  kernel::special::SpecialFiles* special_;
};

}  // namespace se::service
