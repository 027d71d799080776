// One benchmark figure and how it is summarised: latency samples in milliseconds (min / median /
// p95), a single throughput in operations per second, or a single value in another unit (MiB,
// KiB/cycle); a metric that could not be measured carries the reason instead.
// Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace se::bench {

enum class Direction { kLowerIsBetter, kHigherIsBetter };

struct Metric {
  std::string name = {};
  std::string unit = {};  // "ms" (latency samples), "ops/s" (throughput) or a value's unit
  Direction direction = Direction::kLowerIsBetter;
  std::vector<double> samples = {};  // ms; empty for throughput metrics
  double min = 0, median = 0, p95 = 0;
  double value = 0;        // throughput and value metrics
  std::string error = {};  // set when the metric could not be measured
  std::string note = {};   // how it was measured when that differs per binary (counts reached)
};

Metric latency_metric(std::string name, std::vector<double> samples);
Metric throughput_metric(std::string name, size_t operations, double total_ms);
Metric value_metric(std::string name, std::string unit, double value, Direction direction = Direction::kLowerIsBetter);
Metric failed_metric(std::string name, std::string unit, const std::string& error);

// The value compared across binaries: the median of a latency metric, else its value.
double headline(const Metric& metric);

}  // namespace se::bench
