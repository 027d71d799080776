// Scale and memory measurements of one sidecar binary, driven over the wire by the C++ client (the
// long part of se-bench, run only when asked for):
// - idle processes: JavaScript guests spread over VMs, each blocked reading stdin; every one must
//   answer a stdin echo; the sidecar's RSS growth per live process, and how long the echo round took;
// - VM churn: create / execute console.log / dispose cycles; the slope of the sidecar's RSS per cycle;
// - shared lower: VMs whose rootFilesystem names one 10 MiB snapshot lower; the sidecar's RSS growth
//   beyond that of as many VMs over the default root.
// RSS is VmRSS of /proc/<sidecar pid>/status. A sidecar that cannot keep up (too few concurrent
// processes, or past the time budget) gets a failed metric with the reason, or a note saying how far
// it got. Thread-safety: run_scale_bench is self-contained; call it from one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "bench/metric.h"

namespace se::bench {

struct ScaleBenchConfig {
  size_t idle_vms = 100;
  size_t idle_processes = 1000;  // spread evenly over idle_vms
  size_t vm_cycles = 1000;
  size_t lower_vms = 100;
  size_t lower_mib = 10;
  // Per metric; a sidecar slower than this stops early (churn) or fails the metric (the others).
  std::chrono::seconds budget{120};
};

std::vector<Metric> run_scale_bench(const std::string& path, const ScaleBenchConfig& config);

}  // namespace se::bench
