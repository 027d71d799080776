// End-to-end measurements of JavaScript guests in one sidecar binary, driven over the wire by the
// C++ client: cold start (CreateVm + WRITE_FILE + Execute to the first stdout byte, in a sidecar that
// already ran a VM, and from spawning a fresh sidecar), warm exec (another process in the same VM),
// last output to ProcessExitedEvent, and KillProcess to ProcessExitedEvent for a busy loop.
// Guests run one at a time: the reference sidecar only runs as many JavaScript processes at once as
// there are CPUs. Thread-safety: run_js_bench is self-contained; call it from one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/metric.h"

namespace se::bench {

struct JsBenchConfig {
  size_t cold_starts = 20;  // CreateVm -> first stdout in a sidecar that already ran a VM
  size_t fresh_starts = 5;  // spawn -> first stdout, each in a new sidecar
  size_t execs = 40;        // warm exec samples (after one unmeasured process in the VM)
  size_t kills = 10;        // per signal
  // Idle time before each measured cold start or warm exec, so each sample measures one request's
  // latency rather than how fast the engine refills its pool during a back-to-back burst (measured
  // separately as throughput).
  size_t pause_ms = 10;
  size_t burst = 100;  // back-to-back processes in one VM, reported as processes per second
};

std::vector<Metric> run_js_bench(const std::string& path, const JsBenchConfig& config);

}  // namespace se::bench
