// secure-exec: the command-line front end of the sidecar. Parses global flags, then dispatches to a
// command (run, exec, fs, version, help).
#include <cstdio>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/fs_command.h"
#include "cli/run_command.h"
#include "client/sidecar_locator.h"

namespace se::cli {
namespace {

constexpr const char* kCliVersion = "0.1.0";

constexpr const char* kUsage =
    "Usage: secure-exec [--sidecar PATH] [--trace] COMMAND [ARGS...]\n"
    "\n"
    "Commands:\n"
    "  run [--mount-dir DIR] [--env K=V]... FILE [ARGS...]\n"
    "                           run a JavaScript file in a fresh VM with this terminal attached and exit\n"
    "                           with its exit code (see 'secure-exec run --help')\n"
    "  exec [--mount-dir DIR] [--env K=V]... -- COMMAND [ARGS...]\n"
    "                           run a command such as `node -e CODE` in a fresh VM the same way\n"
    "  fs demo                  write, read, list and stat a file in a fresh VM\n"
    "  fs OPERATION ... [-- OPERATION ...]\n"
    "                           run filesystem operations in one fresh VM (see 'secure-exec fs --help')\n"
    "  version                  print the versions of this tool and of the sidecar\n"
    "  help                     show this text\n"
    "\n"
    "Options:\n"
    "  --sidecar PATH           the secure-exec-sidecar binary (default: $SECURE_EXEC_SIDECAR_BIN, then\n"
    "                           next to this program, then PATH)\n"
    "  --trace                  print every protocol frame, both ways, as JSON on stderr\n";

int print_version(const GlobalOptions& options) {
  std::printf("secure-exec %s (protocol %.*s %u, bridge %u)\n", kCliVersion,
              static_cast<int>(wire::kProtocolName.size()), wire::kProtocolName.data(),
              static_cast<unsigned>(wire::kProtocolVersion), static_cast<unsigned>(wire::kBridgeVersion));
  auto path = client::locate_sidecar(options.sidecar_path);
  if (!path) {
    std::printf("sidecar: not found (%s)\n", path.error().message.c_str());
    return kExitOk;
  }
  client::ClientOptions client_options;
  client_options.sidecar_path = *path;
  client_options.trace = options.trace;
  auto client = client::Client::spawn(client_options);
  if (!client) {
    std::fprintf(stderr, "secure-exec: %s\n", client.error().to_string().c_str());
    return kExitFailure;
  }
  auto authenticated = (*client)->authenticate("secure-exec-cli", "");
  if (!authenticated) {
    std::fprintf(stderr, "secure-exec: %s\n", authenticated.error().to_string().c_str());
    return kExitFailure;
  }
  std::printf("sidecar: %s (id %s, max frame %u bytes)\n", path->c_str(), authenticated->sidecar_id.c_str(),
              authenticated->max_frame_bytes);
  return kExitOk;
}

int main_with_args(const std::vector<std::string>& argv) {
  GlobalOptions options;
  size_t i = 0;
  for (; i < argv.size(); ++i) {
    if (argv[i] == "--sidecar") {
      if (i + 1 == argv.size()) {
        std::fprintf(stderr, "secure-exec: --sidecar needs a path\n");
        return kExitUsage;
      }
      options.sidecar_path = argv[++i];
    } else if (argv[i].starts_with("--sidecar=")) {
      options.sidecar_path = argv[i].substr(std::string("--sidecar=").size());
    } else if (argv[i] == "--trace") {
      options.trace = true;
    } else if (argv[i] == "--help" || argv[i] == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (argv[i].starts_with("-")) {
      std::fprintf(stderr, "secure-exec: unknown option %s\nTry 'secure-exec --help'.\n", argv[i].c_str());
      return kExitUsage;
    } else {
      break;
    }
  }
  if (i == argv.size()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string command = argv[i];
  const std::vector<std::string> rest(argv.begin() + static_cast<ptrdiff_t>(i) + 1, argv.end());
  if (command == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "version") return print_version(options);
  if (command == "fs") return run_fs_command(options, rest);
  if (command == "run") return run_script(options, rest);
  if (command == "exec") return exec_command(options, rest);
  std::fprintf(stderr, "secure-exec: unknown command '%s'\nTry 'secure-exec --help'.\n", command.c_str());
  return kExitUsage;
}

}  // namespace
}  // namespace se::cli

int main(int argc, char** argv) {
  return se::cli::main_with_args(std::vector<std::string>(argv + 1, argv + argc));
}
