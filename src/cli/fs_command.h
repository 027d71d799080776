// `secure-exec fs ...`: filesystem operations run in one fresh VM, and the `fs demo` walkthrough.
// Thread-safety: single-threaded use.
#pragma once

#include <string>
#include <vector>

#include "cli/vm_session.h"

namespace se::cli {

// Process exit codes of the CLI.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a request failed: "secure-exec: <code>: <message>"
inline constexpr int kExitUsage = 2;    // bad command line, or a command that is not supported yet

// The help text of the fs command family.
const char* fs_usage();

// `args` are the words after "fs".
int run_fs_command(const GlobalOptions& options, const std::vector<std::string>& args);

}  // namespace se::cli
