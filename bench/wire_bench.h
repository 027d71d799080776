// End-to-end measurements of one sidecar binary's protocol and filesystem paths, driven over the
// wire by the C++ client: spawn to AuthenticatedResponse, CreateVm and DisposeVm latency, and 4 KiB
// WRITE_FILE/READ_FILE throughput one at a time and pipelined. Every sidecar process gets its own
// TMPDIR. Thread-safety: run_wire_bench is self-contained; call it from one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/metric.h"

namespace se::bench {

struct WireBenchConfig {
  size_t spawns = 20;         // spawn -> AuthenticatedResponse samples
  size_t vm_iterations = 40;  // CreateVm/DisposeVm samples
  size_t fs_ops = 2000;       // per file-operation metric
  size_t fs_paths = 64;       // distinct files the operations cycle over
  size_t file_bytes = 4096;
  size_t in_flight = 32;  // for the pipelined metrics
};

std::vector<Metric> run_wire_bench(const std::string& path, const WireBenchConfig& config);

}  // namespace se::bench
