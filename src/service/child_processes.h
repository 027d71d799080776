// Guest child processes of one VM (spec/execution.md s2.10): what child_process.spawn in a
// JavaScript guest starts. A child is a kernel process whose parent is the caller (process id
// "<parent id>/child-<n>", in GetProcessSnapshot with its ppid) running its own JsProcess; its
// stdout/stderr are its kernel descriptors 1/2 (pipes to the parent, the parent's own descriptors,
// or a null device) and its stdin is its kernel descriptor 0, pumped into process.stdin. Children
// outlive a parent that exits (reparented, as on Linux) until they end or the VM is disposed.
// Also here, because Execute shares them: how a command line resolves to a program (node, the VM's
// shell, PATH lookup, #! scripts), and the kernel driver of a JavaScript process.
// Thread-safety: ChildProcesses is called from any guest thread; one mutex guards the children it
// tracks and is never held across a kernel or engine call.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kernel/proc/process_kernel.h"
#include "kernel/special/special_files.h"
#include "runtime/js/guest_processes.h"
#include "runtime/js/js_engine.h"

namespace se::service {

class Vm;

// The kernel driver name of a JavaScript guest process (GetProcessSnapshot's `driver`).
inline constexpr const char* kJsDriverName = "secure-exec-sidecar-execution";

bool is_node_command(const std::string& command);
// `sh` and `bash` (bare, or in /bin or /usr/bin): the VM's POSIX-sh subset (guest/sh.js).
bool is_shell_command(const std::string& command);
// Where a command without a '/' is looked up when the environment names no PATH.
inline constexpr const char* kDefaultSearchPath = "/usr/local/bin:/usr/bin:/bin";
// `path` made absolute against the absolute `cwd`, normalised lexically.
std::string absolute_guest_path(const std::string& path, const std::string& cwd);

// A program as the JavaScript engine runs it.
struct Program {
  runtime::js::EntryKind kind = runtime::js::EntryKind::kFile;
  std::string filename;               // kFile: guest path of the main module
  std::optional<std::string> source;  // read only when the resolution needed it (a #! script)
  std::vector<std::string> args;      // process.argv after the entry (or after "node" for -e/-p)
  // The kernel's argv after "node", as /proc/<pid>/cmdline and GetProcessSnapshot show it: the
  // arguments as given (`-e CODE` included), or the script path and its arguments.
  std::vector<std::string> command_line;
};

// How the engine runs a resolved program, for Execute and a guest's spawn alike (pid and ppid are
// filled in once the kernel process exists).
runtime::js::ProcessOptions process_options(const Vm& vm, Program program,
                                            std::vector<std::pair<std::string, std::string>> env, std::string cwd);

// Resolves a command line (spec/protocol.md s3.11 rule 2): `node [-e|-p CODE | - | FILE] args`;
// `sh`/`bash` args (the VM's shell); a script path whose #! line names node, or sh/bash (run by the
// VM's shell); a command without a '/' looked up in the ':'-separated `search_path` (an empty entry
// is the cwd), which must be an executable regular file. `cwd` (absolute) anchors relative paths.
// Errors: EINVAL "node -e requires an argument"; ENOENT "command not found on native sidecar path:
// CMD" when the lookup finds nothing; EACCES "permission denied: FILE" when what it found lacks
// the execute bit; ENOEXEC "exec format error: FILE" for a script without such a #! line, and the
// filesystem's error when the script cannot be read.
ErrorOr<Program> resolve_command(Vm& vm, const std::string& command, const std::vector<std::string>& args,
                                 const std::string& cwd, const std::string& search_path = kDefaultSearchPath);

// Lets the process kernel signal, end and wake a JavaScript process. A termination or readiness
// notice that arrives before the runtime is attached is applied on attach (a guest may spawn and
// watch before its starter attached it). Detach (attach nullptr) before destroying the runtime.
class JsProcessDriver final : public kernel::ProcessDriver {
 public:
  void attach(runtime::js::JsProcess* process);
  void deliver_signal(kernel::Pid pid, int signal) override;
  void terminate(kernel::Pid pid, int signal) override;
  void io_ready(kernel::Pid pid) override;

 private:
  std::mutex mutex_;  // held while notifying, so detaching waits for a notice in flight
  runtime::js::JsProcess* process_ = nullptr;
  int pending_termination_ = 0;
  bool pending_io_ready_ = false;
};

// kill(2) of a JavaScript process from outside (KillProcess, a parent's child.kill): a signal the
// guest listens for runs its handlers; one whose default action ends a process ends the runtime
// and, through the kernel, records the death and wakes the process's blocking calls; anything
// else reaches the runtime's default disposition (ignored).
void signal_js_process(kernel::ProcessKernel& kernel, kernel::Pid pid, runtime::js::JsProcess& process, int signal);

class ChildProcesses {
 public:
  // `special_files` (the VM's /proc and /dev, owned by the Execution) must outlive this object.
  ChildProcesses(Vm& vm, kernel::ProcessKernel& kernel, kernel::special::SpecialFiles* special_files,
                 std::function<ErrorOr<runtime::js::JsEngine*>()> engine);
  ~ChildProcesses();
  ChildProcesses(const ChildProcesses&) = delete;
  ChildProcesses& operator=(const ChildProcesses&) = delete;

  // The child_process operations of guest process `pid` (what its GuestHost::processes() returns).
  std::unique_ptr<runtime::js::GuestProcesses> bind(kernel::Pid pid);

  // Signals a process of the VM for `sender` (0: the host); JavaScript children as
  // signal_js_process does, anything else through the kernel.
  ErrorOr<void> kill(kernel::Pid sender, kernel::Pid target, int signal);

  // DisposeVm, after the kernel shut down (which told every child to end): ends children still
  // starting and waits for every child thread. Later spawns fail.
  void close();

 private:
  struct Child;
  class Host;
  class Operations;

  ErrorOr<runtime::js::SpawnedChild> spawn(kernel::Pid parent, const runtime::js::ChildSpawnOptions& options);
  // Creates the parent's pipes and the child's descriptor mappings; `parent_fds` / `child_fds`
  // collect what the parent must keep or close afterwards.
  ErrorOr<std::vector<kernel::FdMapping>> wire_stdio(kernel::Pid parent, const runtime::js::ChildSpawnOptions& options,
                                                     runtime::js::SpawnedChild& spawned, std::vector<int>& child_ends);
  ErrorOr<void> install_null_devices(kernel::Pid child, const runtime::js::ChildSpawnOptions& options);
  ErrorOr<void> ignore_sigpipe(kernel::Pid pid);
  // GuestProcesses::pipe for `caller`.
  ErrorOr<std::array<int, 2>> pipe(kernel::Pid caller, bool nonblocking);
  // Starts the runtime of a spawned kernel process and its stdin pump.
  void start(std::shared_ptr<Child> child, runtime::js::ProcessOptions options);
  // Moves what arrives on the child's descriptor 0 into its process.stdin until end of file or
  // its exit (runs on the child's own pump thread).
  void pump_stdin(Child& child);
  // Destroys children whose runtime is gone (their threads are finished); called on spawn.
  void collect_finished();

  Vm& vm_;
  kernel::ProcessKernel& kernel_;
  kernel::special::SpecialFiles* special_files_;
  std::function<ErrorOr<runtime::js::JsEngine*>()> engine_;
  std::mutex mutex_;
  bool closed_ = false;
  std::map<kernel::Pid, std::shared_ptr<Child>> children_;
};

}  // namespace se::service
