#include "service/filesystem_call.h"

#include <string>

#include "base/base64.h"
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

}  // namespace

Handled<wire::GuestFilesystemResultResponse> handle_guest_filesystem_call(
    Vm& vm, const wire::GuestFilesystemCallRequest& request) {
  kernel::VmFilesystem& fs = vm.filesystem();
  const std::string& path = request.path;
  wire::GuestFilesystemResultResponse result;
  result.operation = request.operation;
  result.path = path;

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
    case Op::WRITE_FILE: {
      if (!request.content) {
        return invalid_state("guest filesystem write_file for " + path + " requires content");
      }
      if (request.encoding == wire::RootFilesystemEntryEncoding::BASE64) {
        std::string reason;
        auto decoded = base64_decode(*request.content, &reason);
        if (!decoded) return invalid_state("invalid base64 guest filesystem content for " + path + ": " + reason);
        TRY_KERNEL(fs.write_file(path, *decoded));
      } else {
        TRY_KERNEL(fs.write_file(path, *request.content));
      }
      break;
    }
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
