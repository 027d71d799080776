// End-to-end measurements of one sidecar binary driven over the wire by the C++ client: spawn to
// AuthenticatedResponse, CreateVm and DisposeVm latency, and 4 KiB WRITE_FILE/READ_FILE throughput
// one at a time and pipelined. Every sidecar process gets its own TMPDIR.
// Thread-safety: run_wire_bench is self-contained; call it from one thread at a time.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace se::bench {

struct BenchConfig {
  size_t spawns = 20;         // spawn -> AuthenticatedResponse samples
  size_t vm_iterations = 40;  // CreateVm/DisposeVm samples
  size_t fs_ops = 2000;       // per file-operation metric
  size_t fs_paths = 64;       // distinct files the operations cycle over
  size_t file_bytes = 4096;
  size_t in_flight = 32;  // for the pipelined metrics
};

enum class Direction { kLowerIsBetter, kHigherIsBetter };

// One metric: latency samples in milliseconds, or a single throughput in operations per second.
struct Metric {
  std::string name = {};
  std::string unit = {};  // "ms" or "ops/s"
  Direction direction = Direction::kLowerIsBetter;
  std::vector<double> samples = {};  // ms; empty for throughput metrics
  double min = 0, median = 0, p95 = 0;
  double value = 0;        // ops/s for throughput metrics
  std::string error = {};  // set when the metric could not be measured
};

struct BinaryResult {
  std::string label;
  std::string path;
  std::vector<Metric> metrics;  // in measurement order; a failed metric carries its error
};

BinaryResult run_wire_bench(const std::string& label, const std::string& path, const BenchConfig& config);

// The value compared across binaries: the median of a latency metric, the rate of a throughput one.
double headline(const Metric& metric);

}  // namespace se::bench
