// `secure-exec run FILE [ARGS...]` and `secure-exec exec -- COMMAND [ARGS...]`: one guest process in
// a fresh allow-all VM with this program's stdio attached; the CLI exits with the guest's exit code.
// Thread-safety: single-threaded use (the relay runs its own helper thread).
#pragma once

#include <string>
#include <vector>

#include "cli/vm_session.h"

namespace se::cli {

const char* run_usage();
const char* exec_usage();

// `args` are the words after "run" / "exec".
int run_script(const GlobalOptions& options, const std::vector<std::string>& args);
int exec_command(const GlobalOptions& options, const std::vector<std::string>& args);

}  // namespace se::cli
