#include "bench/metric.h"

#include <algorithm>
#include <cmath>

namespace se::bench {

Metric latency_metric(std::string name, std::vector<double> samples) {
  Metric metric{std::move(name), "ms", Direction::kLowerIsBetter, std::move(samples)};
  if (metric.samples.empty()) return metric;
  std::vector<double> sorted = metric.samples;
  std::sort(sorted.begin(), sorted.end());
  metric.min = sorted.front();
  const size_t n = sorted.size();
  metric.median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  metric.p95 = sorted[static_cast<size_t>(std::ceil(0.95 * static_cast<double>(n))) - 1];
  return metric;
}

Metric throughput_metric(std::string name, size_t operations, double total_ms) {
  Metric metric{std::move(name), "ops/s", Direction::kHigherIsBetter};
  metric.value = total_ms > 0 ? static_cast<double>(operations) * 1000.0 / total_ms : 0;
  return metric;
}

Metric value_metric(std::string name, std::string unit, double value, Direction direction) {
  Metric metric{std::move(name), std::move(unit), direction};
  metric.value = value;
  return metric;
}

Metric failed_metric(std::string name, std::string unit, const std::string& error) {
  // Decided before `unit` is moved into the metric.
  const Direction direction = unit == "ops/s" ? Direction::kHigherIsBetter : Direction::kLowerIsBetter;
  Metric metric{std::move(name), std::move(unit), direction};
  metric.error = error;
  return metric;
}

double headline(const Metric& metric) {
  return metric.unit == "ms" ? metric.median : metric.value;
}

}  // namespace se::bench
