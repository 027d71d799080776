// Process exit codes of the `secure-exec` CLI and the one way it reports a failure.
// Thread-safety: constants and a stderr write; call freely.
#pragma once

#include <cstdio>
#include <string>

namespace se::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a request or a host operation failed: "secure-exec: <message>"
inline constexpr int kExitUsage = 2;    // bad command line

// Prints "secure-exec: <message>" to stderr and returns kExitFailure.
inline int report_failure(const std::string& message) {
  std::fprintf(stderr, "secure-exec: %s\n", message.c_str());
  return kExitFailure;
}

}  // namespace se::cli
