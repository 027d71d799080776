#include "bench/layer_bench.h"

#include "bench/sidecar_harness.h"

namespace se::bench {
namespace {

using client::Client;
using client::Result;

const std::string kSnapshotRoot = "SnapshotRootFilesystem, base root";
const std::string kImport = "ImportSnapshot of the base root";
const std::string kExport = "ExportSnapshot of the base layer";
const std::string kCreateOverLower = "CreateVm over a shared snapshot lower";

// One entry in the CreateVm config's JSON shape (spec/protocol.md s6.1).
nlohmann::json entry_json(const wire::RootFilesystemEntry& entry) {
  const char* kind = entry.kind == wire::RootFilesystemEntryKind::FILE        ? "file"
                     : entry.kind == wire::RootFilesystemEntryKind::DIRECTORY ? "directory"
                                                                              : "symlink";
  nlohmann::json json = {{"path", entry.path}, {"kind", kind}};
  if (entry.mode) json["mode"] = *entry.mode;
  if (entry.uid) json["uid"] = *entry.uid;
  if (entry.gid) json["gid"] = *entry.gid;
  if (entry.content) json["content"] = *entry.content;
  if (entry.encoding)
    json["encoding"] = entry.encoding == wire::RootFilesystemEntryEncoding::BASE64 ? "base64" : "utf8";
  if (entry.target) json["target"] = *entry.target;
  if (entry.executable) json["executable"] = true;
  return json;
}

struct LayerSamples {
  std::vector<double> snapshot, import, exported, create;
};

Result<LayerSamples> measure_layers(Client& client, size_t iterations) {
  LayerSamples samples;
  auto vm = TRY_REQUEST(create_vm(client));
  std::vector<wire::RootFilesystemEntry> entries;
  for (size_t i = 0; i < iterations; ++i) {
    auto start = Clock::now();
    entries = TRY_REQUEST(client.snapshot_root_filesystem(vm));
    samples.snapshot.push_back(elapsed_ms(start));
    start = Clock::now();
    const std::string layer = TRY_REQUEST(client.import_snapshot(vm, entries));
    samples.import.push_back(elapsed_ms(start));
    start = Clock::now();
    TRY_REQUEST(client.export_snapshot(vm, layer));
    samples.exported.push_back(elapsed_ms(start));
  }
  TRY_REQUEST(dispose_vm(client, vm));

  nlohmann::json lower = nlohmann::json::array();
  for (const auto& entry : entries) lower.push_back(entry_json(entry));
  const std::string config = config_with_snapshot_lower(std::move(lower));
  for (size_t i = 0; i < iterations; ++i) {
    const auto start = Clock::now();
    auto created = TRY_REQUEST(create_vm(client, config));
    samples.create.push_back(elapsed_ms(start));
    TRY_REQUEST(dispose_vm(client, created));
  }
  return samples;
}

}  // namespace

std::string config_with_snapshot_lower(nlohmann::json entries) {
  nlohmann::json lower = {{"kind", "snapshot"}, {"entries", std::move(entries)}};
  nlohmann::json config = nlohmann::json::parse(client::kAllowAllConfig);
  config["rootFilesystem"] = {{"lowers", nlohmann::json::array({std::move(lower)})}};
  return config.dump();
}

std::vector<Metric> run_layer_bench(const std::string& path, const LayerBenchConfig& config) {
  const std::string* names[] = {&kSnapshotRoot, &kImport, &kExport, &kCreateOverLower};
  std::vector<Metric> metrics;
  auto session = open_session(path);
  Result<LayerSamples> samples =
      session ? measure_layers(*session->client, config.iterations) : std::unexpected(session.error());
  if (!samples) {
    for (const auto* name : names) metrics.push_back(failed_metric(*name, "ms", samples.error().to_string()));
    return metrics;
  }
  metrics.push_back(latency_metric(kSnapshotRoot, std::move(samples->snapshot)));
  metrics.push_back(latency_metric(kImport, std::move(samples->import)));
  metrics.push_back(latency_metric(kExport, std::move(samples->exported)));
  metrics.push_back(latency_metric(kCreateOverLower, std::move(samples->create)));
  return metrics;
}

}  // namespace se::bench
