// secure-exec-sidecar: the sidecar binary. A trusted host spawns it and drives it over
// stdin/stdout with the secure-exec-sidecar v7 protocol (spec/protocol.md).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "service/service.h"
#include "sidecar/engine_loader.h"
#include "sidecar/transport.h"

namespace {

constexpr const char* kUsage =
    "usage: secure-exec-sidecar [--auth-token TOKEN]\n"
    "Speaks the secure-exec-sidecar v7 protocol on stdin/stdout (4-byte big-endian length + BARE frames).\n"
    "  --auth-token TOKEN  require this Authenticate token (also SECURE_EXEC_AUTH_TOKEN); default: accept any\n";

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// Sanitizer builds only: libnode, loaded by dlopen, has dynamic TLS, and the __tls_get_addr
// interceptor of GCC 12's sanitizer runtime takes some dynamic TLS blocks for old-glibc ones (by
// their address alone) and records a bogus range, on which LeakSanitizer's tracer crashes at exit
// now and then. Without the interceptor the leak check still runs.
extern "C" const char* __asan_default_options() {
  return "intercept_tls_get_addr=0";
}
#endif

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
  // V8 loads in the background from here on; requests that need it wait for it. Started after the
  // writer's thread: glibc blocks pthread_create for as long as a dlopen() runs. Declared before
  // the service, so the service (and every process) is gone before the engine.
  se::sidecar::EngineLoader engine(se::sidecar::engine_module_path());
  options.js_engine = &engine;
  se::service::Service service(std::move(options));
  return se::sidecar::run_transport(service, writer, transport);
}
