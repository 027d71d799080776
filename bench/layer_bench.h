// End-to-end measurements of root filesystem snapshots and layers in one sidecar binary, driven
// over the wire by the C++ client: SnapshotRootFilesystem of a fresh VM's root (the base layer),
// ImportSnapshot of those entries, ExportSnapshot of the imported layer, and CreateVm with that
// snapshot as its rootFilesystem lower (every VM names the same lower, which a sidecar may share).
// Thread-safety: run_layer_bench is self-contained; call it from one thread at a time.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/metric.h"

namespace se::bench {

struct LayerBenchConfig {
  size_t iterations = 20;  // samples per metric
};

std::vector<Metric> run_layer_bench(const std::string& path, const LayerBenchConfig& config);

// A CreateVm config (allow-all) whose rootFilesystem has one snapshot lower holding `entries`, an
// array in the config's entry shape (spec/protocol.md s6.1).
std::string config_with_snapshot_lower(nlohmann::json entries);

}  // namespace se::bench
