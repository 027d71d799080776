#include "service/filesystem_call.h"

#include <mutex>
#include <string>

#include "base/base64.h"
#include "kernel/special/special_files.h"
#include "service/vm.h"
#include "service/wire_mapping.h"

namespace se::service {
namespace {

using Op = wire::GuestFilesystemOperation;

template <typename T>
Handled<T> require(const std::optional<T>& field, const char* message) {
  if (!field) return invalid_state(message);
  return *field;
}

void set_content(wire::GuestFilesystemResultResponse& result, const std::string& bytes) {
  set_wire_content(bytes, result.content, result.encoding);
}

// The bytes a write_file request carries, decoded.
Handled<std::string> write_content(const wire::GuestFilesystemCallRequest& request) {
  if (!request.content) return invalid_state("guest filesystem write_file for " + request.path + " requires content");
  if (request.encoding != wire::RootFilesystemEntryEncoding::BASE64) return *request.content;
  std::string reason;
  auto decoded = base64_decode(*request.content, &reason);
  if (!decoded) return invalid_state("invalid base64 guest filesystem content for " + request.path + ": " + reason);
  return std::move(*decoded);
}

bool touches_special_files(const wire::GuestFilesystemCallRequest& request) {
  using kernel::special::SpecialFiles;
  if (SpecialFiles::handles(request.path)) return true;
  const bool two_paths = request.operation == Op::RENAME || request.operation == Op::LINK;
  return two_paths && request.destination_path && SpecialFiles::handles(*request.destination_path);
}

// /proc and /dev as the host sees them: no calling process, so no /proc/self (spec/kernel.md
// s5.1) and the /dev/stdin.. links dangle.
Handled<wire::GuestFilesystemResultResponse> special_files_call(kernel::special::SpecialFiles& special,
                                                                const wire::GuestFilesystemCallRequest& request,
                                                                wire::GuestFilesystemResultResponse result) {
  using kernel::special::Change;
  constexpr kernel::Pid kHost = 0;
  const std::string& path = request.path;
  auto change = [&](Change kind, const std::string& target) -> Handled<wire::GuestFilesystemResultResponse> {
    TRY_KERNEL(special.change(kHost, kind, target));
    return result;
  };
  switch (request.operation) {
    case Op::READ_FILE:
      set_content(result, TRY_KERNEL(special.read_file(kHost, path)));
      return result;
    case Op::PREAD: {
      uint64_t offset = TRY_HANDLED(require(request.offset, "guest filesystem pread requires offset"));
      uint64_t length = TRY_HANDLED(require(request.len, "guest filesystem pread requires len"));
      set_content(result, TRY_KERNEL(special.pread(kHost, path, offset, length)));
      return result;
    }
    case Op::WRITE_FILE:
      TRY_KERNEL(special.write_file(kHost, path, TRY_HANDLED(write_content(request))));
      return result;
    case Op::EXISTS:
      result.exists = TRY_KERNEL(special.exists(kHost, path));
      return result;
    case Op::STAT:
      result.stat = stat_to_wire(TRY_KERNEL(special.stat(kHost, path)));
      return result;
    case Op::LSTAT:
      result.stat = stat_to_wire(TRY_KERNEL(special.lstat(kHost, path)));
      return result;
    case Op::READ_DIR:
      result.entries = TRY_KERNEL(special.read_dir(kHost, path));
      return result;
    case Op::REALPATH:
      result.target = TRY_KERNEL(special.realpath(kHost, path));
      return result;
    case Op::READ_LINK:
      result.target = TRY_KERNEL(special.read_link(kHost, path));
      return result;
    case Op::RENAME:
    case Op::LINK: {
      const char* missing = request.operation == Op::RENAME ? "guest filesystem rename requires a destination_path"
                                                            : "guest filesystem link requires a destination_path";
      std::string destination = TRY_HANDLED(require(request.destination_path, missing));
      result.target = destination;
      const Change kind = request.operation == Op::RENAME ? Change::Rename : Change::Link;
      return change(kind, kernel::special::SpecialFiles::handles(path) ? path : destination);
    }
    case Op::SYMLINK:
      result.target = TRY_HANDLED(require(request.target, "guest filesystem symlink requires a target"));
      return change(Change::Symlink, path);
    case Op::CREATE_DIR:
      return change(Change::CreateDir, path);
    case Op::MKDIR:
      return change(Change::Mkdir, path);
    case Op::REMOVE_FILE:
      return change(Change::Remove, path);
    case Op::REMOVE_DIR:
      return change(Change::RemoveDir, path);
    case Op::CHMOD:
      return change(Change::Chmod, path);
    case Op::CHOWN:
      return change(Change::Chown, path);
    case Op::UTIMES:
      return change(Change::Utimes, path);
    case Op::TRUNCATE:
      return change(Change::Truncate, path);
  }
  return result;
}

}  // namespace

Handled<wire::GuestFilesystemResultResponse> handle_guest_filesystem_call(
    Vm& vm, const wire::GuestFilesystemCallRequest& request) {
  kernel::VmFilesystem& fs = vm.filesystem();
  const std::string& path = request.path;
  wire::GuestFilesystemResultResponse result;
  result.operation = request.operation;
  result.path = path;
  if (touches_special_files(request))
    return special_files_call(vm.execution->special_files(), request, std::move(result));
  // Guest threads use the same filesystem under the VM lock.
  std::lock_guard lock(vm.lock());

  switch (request.operation) {
    case Op::READ_FILE:
      set_content(result, TRY_KERNEL(fs.read_file(path)));
      break;
    case Op::PREAD: {
      uint64_t offset = TRY_HANDLED(require(request.offset, "guest filesystem pread requires offset"));
      uint64_t length = TRY_HANDLED(require(request.len, "guest filesystem pread requires len"));
      set_content(result, TRY_KERNEL(fs.pread(path, offset, length)));
      break;
    }
    case Op::WRITE_FILE:
      TRY_KERNEL(fs.write_file(path, TRY_HANDLED(write_content(request))));
      break;
    case Op::CREATE_DIR:
      TRY_KERNEL(fs.create_dir(path));
      break;
    case Op::MKDIR:
      TRY_KERNEL(fs.mkdir(path, request.recursive));
      break;
    case Op::EXISTS:
      result.exists = TRY_KERNEL(fs.exists(path));
      break;
    case Op::STAT:
      result.stat = stat_to_wire(TRY_KERNEL(fs.stat(path)));
      break;
    case Op::LSTAT:
      result.stat = stat_to_wire(TRY_KERNEL(fs.lstat(path)));
      break;
    case Op::READ_DIR:
      result.entries = TRY_KERNEL(fs.read_dir(path));
      break;
    case Op::REMOVE_FILE:
      TRY_KERNEL(fs.remove_file(path));
      break;
    case Op::REMOVE_DIR:
      TRY_KERNEL(fs.remove_dir(path, request.recursive));
      break;
    case Op::RENAME: {
      std::string destination =
          TRY_HANDLED(require(request.destination_path, "guest filesystem rename requires a destination_path"));
      TRY_KERNEL(fs.rename(path, destination));
      result.target = destination;
      break;
    }
    case Op::REALPATH:
      result.target = TRY_KERNEL(fs.realpath(path));
      break;
    case Op::SYMLINK: {
      std::string target = TRY_HANDLED(require(request.target, "guest filesystem symlink requires a target"));
      TRY_KERNEL(fs.symlink(target, path));
      result.target = target;
      break;
    }
    case Op::READ_LINK:
      result.target = TRY_KERNEL(fs.read_link(path));
      break;
    case Op::LINK: {
      std::string destination =
          TRY_HANDLED(require(request.destination_path, "guest filesystem link requires a destination_path"));
      TRY_KERNEL(fs.link(path, destination));
      result.target = destination;
      break;
    }
    case Op::CHMOD: {
      uint32_t mode = TRY_HANDLED(require(request.mode, "guest filesystem chmod requires a mode"));
      TRY_KERNEL(fs.chmod(path, mode));
      break;
    }
    case Op::CHOWN: {
      uint32_t uid = TRY_HANDLED(require(request.uid, "guest filesystem chown requires a uid"));
      uint32_t gid = TRY_HANDLED(require(request.gid, "guest filesystem chown requires a gid"));
      TRY_KERNEL(fs.chown(path, uid, gid));
      break;
    }
    case Op::UTIMES: {
      uint64_t atime = TRY_HANDLED(require(request.atime_ms, "guest filesystem utimes requires atime_ms"));
      uint64_t mtime = TRY_HANDLED(require(request.mtime_ms, "guest filesystem utimes requires mtime_ms"));
      TRY_KERNEL(fs.utimes(path, atime, mtime));
      break;
    }
    case Op::TRUNCATE: {
      uint64_t length = TRY_HANDLED(require(request.len, "guest filesystem truncate requires len"));
      TRY_KERNEL(fs.truncate(path, length));
      break;
    }
  }
  return result;
}

}  // namespace se::service
