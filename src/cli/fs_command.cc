#include "cli/fs_command.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

namespace se::cli {
namespace {

using client::Result;

// One operation of the command line: its name and the words up to the next "--".
struct FsOperation {
  std::string name;
  std::vector<std::string> args;
};

struct OperationSpec {
  size_t min_args;
  size_t max_args;
  const char* synopsis;
};

const std::map<std::string, OperationSpec, std::less<>>& operation_specs() {
  static const std::map<std::string, OperationSpec, std::less<>> specs = {
      {"write", {2, 2, "write PATH TEXT"}},
      {"cat", {1, 1, "cat PATH"}},
      {"pread", {3, 3, "pread PATH OFFSET LENGTH"}},
      {"ls", {1, 1, "ls PATH"}},
      {"stat", {1, 1, "stat PATH"}},
      {"lstat", {1, 1, "lstat PATH"}},
      {"exists", {1, 1, "exists PATH"}},
      {"mkdir", {1, 2, "mkdir [-p] PATH"}},
      {"rm", {1, 1, "rm PATH"}},
      {"rmdir", {1, 2, "rmdir [-r] PATH"}},
      {"mv", {2, 2, "mv FROM TO"}},
      {"ln", {2, 3, "ln [-s] TARGET LINK"}},
      {"readlink", {1, 1, "readlink PATH"}},
      {"realpath", {1, 1, "realpath PATH"}},
      {"chmod", {2, 2, "chmod OCTAL-MODE PATH"}},
      {"chown", {2, 2, "chown UID:GID PATH"}},
      {"truncate", {2, 2, "truncate PATH LENGTH"}},
  };
  return specs;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "secure-exec: %s\nTry 'secure-exec fs --help'.\n", message.c_str());
  return kExitUsage;
}

int request_failed(const client::RequestError& error) {
  return report_failure(error.to_string());
}

template <typename T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
  T value{};
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (status != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

struct Owner {
  uint32_t uid;
  uint32_t gid;
};

std::optional<Owner> parse_owner(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto uid = parse_number<uint32_t>(text.substr(0, colon));
  const auto gid = parse_number<uint32_t>(text.substr(colon + 1));
  if (!uid || !gid) return std::nullopt;
  return Owner{*uid, *gid};
}

// Checks the flags and numbers of an operation whose arity is already right.
std::optional<std::string> argument_problem(const FsOperation& op) {
  const auto& a = op.args;
  if (op.name == "mkdir" && a.size() == 2 && a[0] != "-p") return "usage: mkdir [-p] PATH";
  if (op.name == "rmdir" && a.size() == 2 && a[0] != "-r") return "usage: rmdir [-r] PATH";
  if (op.name == "ln" && a.size() == 3 && a[0] != "-s") return "usage: ln [-s] TARGET LINK";
  if (op.name == "pread" && (!parse_number<uint64_t>(a[1]) || !parse_number<uint64_t>(a[2]))) {
    return "pread OFFSET and LENGTH must be decimal numbers";
  }
  if (op.name == "chmod" && !parse_number<uint32_t>(a[0], 8)) return "chmod MODE must be an octal number";
  if (op.name == "chown" && !parse_owner(a[0])) return "chown expects UID:GID as decimal numbers";
  if (op.name == "truncate" && !parse_number<uint64_t>(a[1])) return "truncate LENGTH must be a decimal number";
  return std::nullopt;
}

// Splits "op args -- op args ..." and checks every operation's name, arity and arguments.
std::optional<std::vector<FsOperation>> parse_operations(const std::vector<std::string>& words, std::string& problem) {
  std::vector<FsOperation> operations;
  FsOperation current;
  auto finish = [&]() -> bool {
    if (current.name.empty()) {
      problem = "expected a filesystem operation";
      return false;
    }
    const auto spec = operation_specs().find(current.name);
    if (spec == operation_specs().end()) {
      problem = "unknown filesystem operation '" + current.name + "'";
      return false;
    }
    if (current.args.size() < spec->second.min_args || current.args.size() > spec->second.max_args) {
      problem = "usage: " + std::string(spec->second.synopsis);
      return false;
    }
    if (auto bad = argument_problem(current)) {
      problem = *bad;
      return false;
    }
    operations.push_back(std::move(current));
    current = FsOperation{};
    return true;
  };
  for (const auto& word : words) {
    if (word == "--") {
      if (!finish()) return std::nullopt;
    } else if (current.name.empty()) {
      current.name = word;
    } else {
      current.args.push_back(word);
    }
  }
  if (!finish()) return std::nullopt;
  return operations;
}

std::string file_type(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "regular file";
    case S_IFDIR:
      return "directory";
    case S_IFLNK:
      return "symbolic link";
    case S_IFCHR:
      return "character device";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
    default:
      return "unknown type";
  }
}

std::string format_time_ms(uint64_t ms) {
  const time_t seconds = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char with_ms[48];
  std::snprintf(with_ms, sizeof with_ms, "%s.%03uZ", text, static_cast<unsigned>(ms % 1000));
  return with_ms;
}

void print_stat(const std::string& path, const wire::GuestFilesystemStat& stat) {
  std::printf("%s\n", path.c_str());
  std::printf("  type:  %s\n", file_type(stat.mode).c_str());
  std::printf("  mode:  %04o (%u)\n", stat.mode & 07777u, stat.mode);
  std::printf("  size:  %llu\n", static_cast<unsigned long long>(stat.size));
  std::printf("  owner: uid %u, gid %u\n", stat.uid, stat.gid);
  std::printf("  links: %llu, inode %llu\n", static_cast<unsigned long long>(stat.nlink),
              static_cast<unsigned long long>(stat.ino));
  std::printf("  mtime: %s\n", format_time_ms(stat.mtime_ms).c_str());
}

void print_content(const std::string& content) {
  std::fwrite(content.data(), 1, content.size(), stdout);
  if (!content.empty() && content.back() != '\n') std::fputc('\n', stdout);
}

// Runs one operation that parse_operations accepted, printing its result.
int run_operation(client::Client& client, const client::VmHandle& vm, const FsOperation& op) {
  const auto& a = op.args;
  auto done = [](const Result<void>& result, const std::string& message) {
    if (!result) return request_failed(result.error());
    std::printf("%s\n", message.c_str());
    return kExitOk;
  };
  auto print_or_fail = [](const Result<std::string>& text, bool raw) {
    if (!text) return request_failed(text.error());
    if (raw) {
      print_content(*text);
    } else {
      std::printf("%s\n", text->c_str());
    }
    return kExitOk;
  };
  if (op.name == "write") {
    return done(client.write_file(vm, a[0], a[1]), "wrote " + std::to_string(a[1].size()) + " bytes to " + a[0]);
  }
  if (op.name == "cat") return print_or_fail(client.read_file(vm, a[0]), true);
  if (op.name == "pread") {
    return print_or_fail(client.pread(vm, a[0], *parse_number<uint64_t>(a[1]), *parse_number<uint64_t>(a[2])), true);
  }
  if (op.name == "ls") {
    auto entries = client.read_dir(vm, a[0]);
    if (!entries) return request_failed(entries.error());
    for (const auto& entry : *entries) std::printf("%s\n", entry.c_str());
    return kExitOk;
  }
  if (op.name == "stat" || op.name == "lstat") {
    auto stat = op.name == "stat" ? client.stat(vm, a[0]) : client.lstat(vm, a[0]);
    if (!stat) return request_failed(stat.error());
    print_stat(a[0], *stat);
    return kExitOk;
  }
  if (op.name == "exists") {
    auto exists = client.exists(vm, a[0]);
    if (!exists) return request_failed(exists.error());
    std::printf("%s\n", *exists ? "true" : "false");
    return kExitOk;
  }
  if (op.name == "mkdir") return done(client.mkdir(vm, a.back(), a.size() == 2), "created directory " + a.back());
  if (op.name == "rm") return done(client.remove_file(vm, a[0]), "removed " + a[0]);
  if (op.name == "rmdir") return done(client.remove_dir(vm, a.back(), a.size() == 2), "removed directory " + a.back());
  if (op.name == "mv") return done(client.rename(vm, a[0], a[1]), "renamed " + a[0] + " to " + a[1]);
  if (op.name == "ln") {
    if (a.size() == 3) return done(client.symlink(vm, a[1], a[2]), "linked " + a[2] + " -> " + a[1]);
    return done(client.link(vm, a[0], a[1]), "hard-linked " + a[1] + " to " + a[0]);
  }
  if (op.name == "readlink") return print_or_fail(client.read_link(vm, a[0]), false);
  if (op.name == "realpath") return print_or_fail(client.realpath(vm, a[0]), false);
  if (op.name == "chmod") {
    return done(client.chmod(vm, a[1], *parse_number<uint32_t>(a[0], 8)), "changed mode of " + a[1] + " to " + a[0]);
  }
  if (op.name == "chown") {
    const Owner owner = *parse_owner(a[0]);
    return done(client.chown(vm, a[1], owner.uid, owner.gid), "changed owner of " + a[1] + " to " + a[0]);
  }
  if (op.name == "truncate") {
    return done(client.truncate(vm, a[0], *parse_number<uint64_t>(a[1])),
                "truncated " + a[0] + " to " + a[1] + " bytes");
  }
  return usage_error("unknown filesystem operation '" + op.name + "'");
}

int run_demo(const GlobalOptions& options) {
  auto session = VmSession::open(options, client::kAllowAllConfig);
  if (!session) return request_failed(session.error());
  auto& client = session->client();
  const auto& vm = session->vm();
  const std::string path = "/workspace/hello.txt";
  const std::string text = "Hello from a secure-exec VM!\n";
  std::printf("VM %s is ready (session %s, connection %s)\n\n", vm.vm_id.c_str(), vm.session_id.c_str(),
              vm.connection_id.c_str());

  if (auto wrote = client.write_file(vm, path, text); !wrote) return request_failed(wrote.error());
  std::printf("$ write %s\nwrote %zu bytes\n\n", path.c_str(), text.size());

  auto content = client.read_file(vm, path);
  if (!content) return request_failed(content.error());
  std::printf("$ cat %s\n", path.c_str());
  print_content(*content);
  if (*content != text) {
    std::fprintf(stderr, "secure-exec: read back %zu bytes that differ from what was written\n", content->size());
    return kExitFailure;
  }

  auto entries = client.read_dir(vm, "/workspace");
  if (!entries) return request_failed(entries.error());
  std::printf("\n$ ls /workspace\n");
  for (const auto& entry : *entries) std::printf("%s\n", entry.c_str());

  auto stat = client.stat(vm, path);
  if (!stat) return request_failed(stat.error());
  std::printf("\n$ stat %s\n", path.c_str());
  print_stat(path, *stat);

  if (auto disposed = session->dispose(); !disposed) return request_failed(disposed.error());
  std::printf("\nVM %s disposed\n", vm.vm_id.c_str());
  return kExitOk;
}

}  // namespace

const char* fs_usage() {
  return "Usage: secure-exec fs demo\n"
         "       secure-exec fs [--config JSON] OPERATION [ARGS...] [-- OPERATION [ARGS...]]...\n"
         "\n"
         "Runs the operations, in order, in one fresh VM (allow-all permissions unless --config gives a\n"
         "CreateVmConfig JSON) and stops at the first failure.\n"
         "\n"
         "Operations:\n"
         "  write PATH TEXT            write TEXT to PATH (missing parents are created)\n"
         "  cat PATH                   print a file\n"
         "  pread PATH OFFSET LENGTH   print LENGTH bytes from OFFSET\n"
         "  ls PATH                    list a directory\n"
         "  stat PATH | lstat PATH     show metadata (lstat does not follow a final symlink)\n"
         "  exists PATH                print true or false\n"
         "  mkdir [-p] PATH            create a directory\n"
         "  rm PATH                    remove a file or symlink\n"
         "  rmdir [-r] PATH            remove a directory (-r: with its contents)\n"
         "  mv FROM TO                 rename\n"
         "  ln [-s] TARGET LINK        hard link, or symbolic link with -s\n"
         "  readlink PATH | realpath PATH\n"
         "  chmod OCTAL-MODE PATH      e.g. chmod 600 /workspace/a.txt\n"
         "  chown UID:GID PATH\n"
         "  truncate PATH LENGTH\n"
         "\n"
         "Example:\n"
         "  secure-exec fs write /workspace/a.txt hello -- cat /workspace/a.txt -- ls /workspace\n";
}

int run_fs_command(const GlobalOptions& options, const std::vector<std::string>& args) {
  if (args.empty()) return usage_error("fs needs an operation");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(fs_usage(), stdout);
    return kExitOk;
  }
  if (args.size() == 1 && args[0] == "demo") return run_demo(options);

  std::string config = client::kAllowAllConfig;
  size_t first = 0;
  if (args[0] == "--config") {
    if (args.size() < 2) return usage_error("--config needs a JSON argument");
    config = args[1];
    first = 2;
  }
  std::string problem;
  auto operations =
      parse_operations(std::vector<std::string>(args.begin() + static_cast<ptrdiff_t>(first), args.end()), problem);
  if (!operations) return usage_error(problem);

  auto session = VmSession::open(options, config);
  if (!session) return request_failed(session.error());
  for (const auto& operation : *operations) {
    if (const int status = run_operation(session->client(), session->vm(), operation); status != kExitOk) {
      return status;
    }
  }
  if (auto disposed = session->dispose(); !disposed) return request_failed(disposed.error());
  return kExitOk;
}

}  // namespace se::cli
