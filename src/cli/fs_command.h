// `secure-exec fs ...`: filesystem operations run in one fresh VM, and the `fs demo` walkthrough.
// Thread-safety: single-threaded use.
#pragma once

#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/vm_session.h"

namespace se::cli {

// The help text of the fs command family.
const char* fs_usage();

// `args` are the words after "fs".
int run_fs_command(const GlobalOptions& options, const std::vector<std::string>& args);

}  // namespace se::cli
