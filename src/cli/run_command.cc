#include "cli/run_command.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "cli/exit_codes.h"
#include "cli/host_terminal.h"
#include "cli/process_relay.h"
#include "cli/termination_signals.h"
#include "cli/workspace_upload.h"

namespace se::cli {
namespace {

constexpr const char* kGuestWorkspace = "/workspace";
constexpr const char* kProcessId = "main";

struct LaunchOptions {
  GlobalOptions global;
  std::optional<std::string> mount_dir;
  std::map<std::string, std::string> env;
  std::vector<std::string> words;  // FILE ARGS... for run, COMMAND ARGS... for exec
  bool help = false;
  bool no_tty = false;
};

int usage_error(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "secure-exec: %s\nTry 'secure-exec %s --help'.\n", message.c_str(), command.c_str());
  return kExitUsage;
}

// Parses the options before the first word that is not one (or after "--"); the rest are `words`.
std::optional<LaunchOptions> parse_launch(const GlobalOptions& global, const std::vector<std::string>& args,
                                          std::string& problem) {
  LaunchOptions launch;
  launch.global = global;
  size_t i = 0;
  auto value_of = [&](const std::string& flag) -> std::optional<std::string> {
    const std::string& arg = args[i];
    if (arg.starts_with(flag + "=")) return arg.substr(flag.size() + 1);
    if (i + 1 == args.size()) {
      problem = flag + " needs a value";
      return std::nullopt;
    }
    return args[++i];
  };
  auto is_flag = [&](const std::string& flag) { return args[i] == flag || args[i].starts_with(flag + "="); };
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "--help" || arg == "-h") {
      launch.help = true;
      return launch;
    }
    if (is_flag("--sidecar")) {
      auto path = value_of("--sidecar");
      if (!path) return std::nullopt;
      launch.global.sidecar_path = *path;
    } else if (is_flag("--mount-dir")) {
      auto dir = value_of("--mount-dir");
      if (!dir) return std::nullopt;
      launch.mount_dir = *dir;
    } else if (is_flag("--env")) {
      auto assignment = value_of("--env");
      if (!assignment) return std::nullopt;
      const size_t equals = assignment->find('=');
      if (equals == std::string::npos || equals == 0) {
        problem = "--env expects KEY=VALUE, got '" + *assignment + "'";
        return std::nullopt;
      }
      launch.env[assignment->substr(0, equals)] = assignment->substr(equals + 1);
    } else if (arg == "--trace") {
      launch.global.trace = true;
    } else if (arg == "--no-tty") {
      launch.no_tty = true;
    } else if (arg.starts_with("-") && arg != "-") {
      problem = "unknown option " + arg;
      return std::nullopt;
    } else {
      break;
    }
  }
  launch.words.assign(args.begin() + static_cast<ptrdiff_t>(i), args.end());
  return launch;
}

// Everything read from the host before the sidecar is spawned, so that a missing file fails fast.
struct HostScript {
  std::string content;
  std::string guest_path;
  bool inside_mount_dir = false;
};

// Spawns the sidecar with a fresh VM, copies --mount-dir and the script into it, then relays the
// process until it exits.
int launch(const LaunchOptions& options, const std::optional<HostScript>& script, wire::ExecuteRequest request) {
  auto signals = TerminationSignals::install();
  if (!signals) return report_failure(signals.error().to_string());
  auto session = VmSession::open(options.global, client::kAllowAllConfig);
  (*signals)->sidecar_spawned();
  if (!session) return report_failure(session.error().to_string());
  auto& client = session->client();
  const auto& vm = session->vm();

  if (options.mount_dir) {
    auto skipped = upload_tree(client, vm, *options.mount_dir, kGuestWorkspace);
    if (!skipped) return report_failure(skipped.error());
    for (const auto& path : *skipped) {
      std::fprintf(stderr, "secure-exec: skipped %s: not a regular file, directory or symlink\n", path.c_str());
    }
  }
  if (script && !script->inside_mount_dir) {
    if (auto wrote = upload_file(client, vm, script->guest_path, script->content); !wrote) {
      return report_failure(wrote.error());
    }
  }
  request.process_id = kProcessId;
  request.env.insert(options.env.begin(), options.env.end());
  // Interactive use: the guest gets a terminal of our size and our keys go to it unprocessed.
  std::optional<HostWindowSize> terminal;
  if (!options.no_tty && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO)) {
    terminal = host_window_size(STDOUT_FILENO).value_or(HostWindowSize{});
    request.env.try_emplace("TERM", "xterm-256color");
  }
  client::Result<int> exit_code = [&]() -> client::Result<int> {
    std::unique_ptr<RawTerminal> raw;
    if (terminal) {
      auto entered = RawTerminal::enter(STDIN_FILENO);
      if (!entered) return client::client_failure(client::kTransportError, entered.error().to_string());
      raw = std::move(*entered);
    }
    return relay_process(client, vm, request, **signals, terminal);
  }();
  if (!exit_code) return report_failure(exit_code.error().to_string());
  return *exit_code;
}

}  // namespace

const char* run_usage() {
  return "Usage: secure-exec run [--sidecar PATH] [--mount-dir DIR] [--env KEY=VALUE]... [--no-tty] FILE [ARGS...]\n"
         "\n"
         "Runs the JavaScript file FILE in a fresh VM (allow-all permissions) as `node FILE ARGS...`,\n"
         "streams its stdout and stderr, forwards this program's stdin (closed at EOF) and SIGINT/SIGTERM,\n"
         "and exits with the guest's exit code. When stdin and stdout are terminals the guest runs on a\n"
         "terminal of the same size (process.stdout.isTTY, raw mode, ^C to its foreground process,\n"
         "resizes followed) and this terminal is put in raw mode until the guest ends.\n"
         "\n"
         "  --no-tty             do not give the guest a terminal even when stdin and stdout are ones\n"
         "  --mount-dir DIR      copy DIR's files and directories into /workspace first (symlinks that\n"
         "                       leave DIR are refused); a FILE inside DIR runs from its copy\n"
         "  --env KEY=VALUE      set an environment variable of the guest process (repeatable)\n"
         "  --sidecar PATH       the secure-exec-sidecar binary to use\n"
         "  --trace              print every protocol frame, both ways, as JSON on stderr\n"
         "\n"
         "FILE is copied to /workspace/<name of FILE>, the guest's working directory.\n";
}

const char* exec_usage() {
  return "Usage: secure-exec exec [--sidecar PATH] [--mount-dir DIR] [--env KEY=VALUE]... -- COMMAND [ARGS...]\n"
         "\n"
         "Runs COMMAND in a fresh VM (allow-all permissions) with its working directory /workspace, e.g.\n"
         "  secure-exec exec -- node -e 'console.log(1 + 1)'\n"
         "  secure-exec exec -- node -p 'process.version'\n"
         "  secure-exec exec --mount-dir examples -- node hello.js\n"
         "Options, streams and exit code as for `secure-exec run`.\n";
}

int run_script(const GlobalOptions& options, const std::vector<std::string>& args) {
  std::string problem;
  auto launch_options = parse_launch(options, args, problem);
  if (!launch_options) return usage_error("run", problem);
  if (launch_options->help) {
    std::fputs(run_usage(), stdout);
    return kExitOk;
  }
  if (launch_options->words.empty()) return usage_error("run", "run needs a FILE");
  const std::string& file = launch_options->words.front();

  HostScript script;
  auto content = read_host_file(file);
  if (!content) return report_failure(content.error());
  script.content = std::move(*content);
  const std::string relative = launch_options->mount_dir ? path_inside(file, *launch_options->mount_dir) : "";
  script.inside_mount_dir = !relative.empty();
  script.guest_path = std::string(kGuestWorkspace) + "/" +
                      (script.inside_mount_dir ? relative : std::filesystem::path(file).filename().string());

  wire::ExecuteRequest request;
  request.runtime = wire::GuestRuntimeKind::JAVA_SCRIPT;
  request.entrypoint = script.guest_path;
  request.args.assign(launch_options->words.begin() + 1, launch_options->words.end());
  return launch(*launch_options, script, std::move(request));
}

int exec_command(const GlobalOptions& options, const std::vector<std::string>& args) {
  std::string problem;
  auto launch_options = parse_launch(options, args, problem);
  if (!launch_options) return usage_error("exec", problem);
  if (launch_options->help) {
    std::fputs(exec_usage(), stdout);
    return kExitOk;
  }
  if (launch_options->words.empty()) return usage_error("exec", "exec needs a COMMAND, e.g. -- node -e CODE");
  wire::ExecuteRequest request;
  request.command = launch_options->words.front();
  request.args.assign(launch_options->words.begin() + 1, launch_options->words.end());
  return launch(*launch_options, std::nullopt, std::move(request));
}

}  // namespace se::cli
