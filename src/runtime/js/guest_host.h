// What a JavaScript guest process needs from the outside world (GuestHost, implemented by the
// layer that binds processes to a VM's kernel and to the wire), how to start one
// (ProcessOptions) and how it ended (ExitStatus).
// Thread-safety: GuestHost methods are called on the guest process's own thread, one call at a
// time per process; an implementation shared by several processes must be thread-safe itself.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "runtime/js/guest_processes.h"
#include "runtime/js/guest_system.h"

namespace se::runtime::js {

enum class OutputStream { kStdout, kStderr };

enum class ExitKind {
  kExited,              // the event loop ran dry or process.exit()/exitCode decided the code
  kUncaughtException,   // printed to stderr, code 1
  kUnhandledRejection,  // printed to stderr, code 1
  kSignaled,            // default disposition of a delivered signal: code 128 + signal
  kHeapLimit,           // the V8 heap limit was reached: stderr message, SIGABRT-style code 134
  kStartFailed,         // the entry could not be loaded: stderr message, code 1
};

struct ExitStatus {
  int code = 0;
  int signal = 0;  // set for kSignaled and kHeapLimit (SIGABRT)
  ExitKind kind = ExitKind::kExited;
};

class GuestHost {
 public:
  virtual ~GuestHost() = default;
  // Bytes the guest wrote to stdout/stderr, in order. An error is thrown into the guest's write().
  virtual ErrorOr<void> write_output(OutputStream stream, std::string_view bytes) = 0;
  // Reads a guest file (the entry script when ProcessOptions::source is not given).
  virtual ErrorOr<std::string> read_file(std::string_view path) = 0;
  // The process's system calls on its VM kernel; nullptr when the host binds none (fs natives then
  // fail with ENOSYS). Owned by the host and valid until on_exit returns.
  virtual GuestSystem* system() { return nullptr; }
  // The process's child_process operations; nullptr when the host binds none (spawn then fails
  // with ENOSYS). Owned by the host and valid until on_exit returns.
  virtual GuestProcesses* processes() { return nullptr; }
  // The last call for this process: it has exited and will run no more JavaScript. All of its
  // output was delivered before. Must not destroy the JsProcess that reports it.
  virtual void on_exit(const ExitStatus& status) = 0;
};

// How the main program is given.
enum class EntryKind {
  kFile,   // `node file.js`: the main module, CommonJS or (.mjs, "type": "module") an ES module
  kEval,   // `node -e CODE`: a script named [eval]
  kPrint,  // `node -p CODE`: like kEval, then console.log(completion value)
  kStdin,  // `node -`: a script named [stdin], read from stdin until it is closed (`source` unused)
  kShell,  // the VM's /bin/sh (guest/sh.js), its arguments in argv after argv[0] (`source` unused)
};

struct ProcessOptions {
  EntryKind entry = EntryKind::kFile;
  // Guest path of the main file for kFile (stack traces, __filename); ignored otherwise.
  std::string filename;
  // The program text; for kFile, when absent, GuestHost::read_file(filename) supplies it.
  std::optional<std::string> source;
  // process.argv exactly as Node shows it, e.g. {"/usr/bin/node", "/workspace/app.js", "x"}.
  std::vector<std::string> argv;
  std::vector<std::string> exec_argv;
  std::string argv0 = "node";
  std::string exec_path = "/usr/bin/node";
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd = "/workspace";
  int pid = 1;
  int ppid = 0;
  // process.version; the engine is V8 10.2, which is what Node 18 ships.
  std::string node_version = "v18.20.4";
  size_t heap_limit_mib = 128;
  // Bytes of stdin accepted but not yet consumed by the guest's loop before feed_stdin refuses.
  size_t stdin_buffer_limit_bytes = 16 * 1024 * 1024;
};

}  // namespace se::runtime::js
