// The `secure-exec.terminal.v1` sidecar extension (spec/protocol.md s3.20 ExtEnvelope; the payload
// is documented in docs/terminal-extension.md): runs an Execute'd process on a pseudo-terminal and
// resizes it. Requests carry VM ownership; payloads and results are JSON objects.
// Thread-safety: called by the dispatcher only.
#pragma once

#include <string_view>

#include "service/execution.h"
#include "service/rejection.h"
#include "wire/protocol.h"

namespace se::service {

inline constexpr std::string_view kTerminalExtensionNamespace = "secure-exec.terminal.v1";

// Answers one request of the namespace. Rejections: invalid_payload (not a JSON object, a missing
// or mistyped field, a size outside 1..65535), unknown_operation, invalid_state (the process is
// already running, or has no terminal), kernel_error "EAGAIN: maximum PTY count reached".
Handled<wire::ExtEnvelope> handle_terminal_extension(Execution& execution, const wire::ExtEnvelope& request);

}  // namespace se::service
