// secure-exec-sidecar: the sidecar binary. A trusted host spawns it and drives it over
// stdin/stdout with the secure-exec-sidecar v7 protocol (spec/protocol.md).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "service/service.h"
#include "sidecar/transport.h"

namespace {

constexpr const char* kUsage =
    "usage: secure-exec-sidecar [--auth-token TOKEN]\n"
    "Speaks the secure-exec-sidecar v7 protocol on stdin/stdout (4-byte big-endian length + BARE frames).\n"
    "  --auth-token TOKEN  require this Authenticate token (also SECURE_EXEC_AUTH_TOKEN); default: accept any\n";

}  // namespace

int main(int argc, char** argv) {
  // A host that closes stdout must not kill the sidecar; writes report EPIPE instead.
  signal(SIGPIPE, SIG_IGN);

  se::service::ServiceOptions options;
  if (const char* token = std::getenv("SECURE_EXEC_AUTH_TOKEN"); token && *token) options.auth_token = token;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--auth-token" && i + 1 < argc) {
      options.auth_token = argv[++i];
    } else if (arg.rfind("--auth-token=", 0) == 0) {
      options.auth_token = arg.substr(std::strlen("--auth-token="));
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "secure-exec-sidecar: unknown argument %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }

  const se::sidecar::TransportOptions transport;
  se::sidecar::FrameWriter writer(transport.output_fd);
  options.event_sink = &writer;
  se::service::Service service(std::move(options));
  return se::sidecar::run_transport(service, writer, transport);
}
