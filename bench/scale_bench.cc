#include "bench/scale_bench.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "bench/layer_bench.h"
#include "bench/sidecar_harness.h"

namespace se::bench {
namespace {

using client::Client;
using client::Result;

const std::string kIdleRss = "idle JS processes: RSS per live process";
const std::string kIdleEcho = "idle JS processes: stdin echo from all";
const std::string kChurnSlope = "VM churn: RSS slope per create/exec/dispose";
const std::string kLowerGrowth = "shared lower: RSS growth beyond baseline";

constexpr const char* kEchoPath = "/workspace/echo.js";
constexpr const char* kEchoSource = "process.stdin.on('data', (d) => process.stdout.write(d));";
constexpr const char* kHelloPath = "/workspace/hi.js";
constexpr const char* kHelloSource = "console.log(\"hi\")";
// How long the first VM's processes get to answer before the sidecar is judged unable to keep
// that many processes alive at once.
constexpr auto kFirstEchoTimeout = std::chrono::seconds(5);
constexpr auto kProcessTimeout = std::chrono::milliseconds(30000);

Result<uint64_t> sidecar_rss(Client& client) {
  const auto kib = resident_kib(client.connection().pid());
  if (!kib) return client::client_failure(client::kUnexpectedResponse, "the sidecar's /proc status is gone");
  return *kib;
}

// Writes "<vm>/<process>\n" to each process's stdin and waits until every one echoed it back.
// Returns how many answered by `deadline` (all of them on success).
struct EchoTarget {
  const client::VmHandle* vm;
  std::string process_id;
};
Result<size_t> echo_all(Client& client, const std::vector<EchoTarget>& targets, Clock::time_point deadline) {
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> expected;  // -> (want, got)
  for (const auto& target : targets) {
    std::string line = target.vm->vm_id + "/" + target.process_id + "\n";
    TRY_REQUEST(client.write_stdin(*target.vm, target.process_id, wire::Bytes(line.begin(), line.end())));
    expected[{target.vm->vm_id, target.process_id}] = {std::move(line), ""};
  }
  size_t answered = 0;
  while (answered < targets.size()) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    auto event = client.connection().wait_event(
        [](const wire::EventFrame& frame) {
          return std::holds_alternative<wire::ProcessOutputEvent>(frame.payload) ||
                 std::holds_alternative<wire::ProcessExitedEvent>(frame.payload);
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    if (!event) break;
    const auto* vm = std::get_if<wire::VmOwnership>(&event->ownership);
    if (vm == nullptr) continue;
    if (const auto* exited = std::get_if<wire::ProcessExitedEvent>(&event->payload)) {
      return client::client_failure(client::kUnexpectedResponse, "idle process " + exited->process_id + " in " +
                                                                     vm->vm_id + " exited with code " +
                                                                     std::to_string(exited->exit_code));
    }
    const auto& output = std::get<wire::ProcessOutputEvent>(event->payload);
    auto it = expected.find({vm->vm_id, output.process_id});
    if (it == expected.end() || output.channel != wire::StreamChannel::STDOUT) continue;
    auto& [want, got] = it->second;
    const bool was_complete = got == want;
    got.append(output.chunk.begin(), output.chunk.end());
    if (!was_complete && got == want) ++answered;
  }
  return answered;
}

struct IdleResult {
  double rss_per_process_mib = 0;
  double echo_ms = 0;
  std::string note;
};

Result<IdleResult> measure_idle_processes(Client& client, const ScaleBenchConfig& config) {
  const size_t vms = std::max<size_t>(1, config.idle_vms);
  const size_t per_vm = std::max<size_t>(1, config.idle_processes / vms);
  std::vector<client::VmHandle> handles;
  handles.reserve(vms);
  for (size_t i = 0; i < vms; ++i) {
    handles.push_back(TRY_REQUEST(create_vm(client)));
    TRY_REQUEST(client.write_file(handles.back(), kEchoPath, kEchoSource));
  }
  const uint64_t before = TRY_REQUEST(sidecar_rss(client));
  std::vector<EchoTarget> targets;
  for (size_t v = 0; v < vms; ++v) {
    for (size_t p = 0; p < per_vm; ++p) {
      targets.push_back({&handles[v], "idle-" + std::to_string(p)});
      TRY_REQUEST(client.execute(handles[v], run_script(targets.back().process_id, kEchoPath)));
    }
    if (v > 0) continue;
    // The first VM's processes answer before the rest are started, or the sidecar cannot keep
    // this many alive at once and the metric stops here.
    const size_t answered = TRY_REQUEST(echo_all(client, targets, Clock::now() + kFirstEchoTimeout));
    if (answered < per_vm) {
      return client::client_failure(client::kTimeout, "only " + std::to_string(answered) + " of the first VM's " +
                                                          std::to_string(per_vm) +
                                                          " idle processes answered a stdin echo within " +
                                                          std::to_string(kFirstEchoTimeout.count()) +
                                                          " s; not starting " + std::to_string(per_vm * vms));
    }
  }
  const auto start = Clock::now();
  const size_t answered = TRY_REQUEST(echo_all(client, targets, start + config.budget));
  IdleResult result;
  result.echo_ms = elapsed_ms(start);
  if (answered < targets.size()) {
    return client::client_failure(client::kTimeout, std::to_string(answered) + " of " + std::to_string(targets.size()) +
                                                        " idle processes answered within " +
                                                        std::to_string(config.budget.count()) + " s");
  }
  const uint64_t after = TRY_REQUEST(sidecar_rss(client));
  result.rss_per_process_mib =
      (static_cast<double>(after) - static_cast<double>(before)) / 1024.0 / static_cast<double>(targets.size());
  char note[160];
  std::snprintf(note, sizeof note, "%zu processes over %zu VMs, sidecar RSS %.1f -> %.1f MiB", targets.size(), vms,
                static_cast<double>(before) / 1024.0, static_cast<double>(after) / 1024.0);
  result.note = note;
  for (auto& vm : handles) TRY_REQUEST(dispose_vm(client, vm));
  return result;
}

// Least-squares slope of RSS (KiB) over the cycle number.
double slope(const std::vector<std::pair<double, double>>& points) {
  double mean_x = 0, mean_y = 0;
  for (const auto& [x, y] : points) {
    mean_x += x;
    mean_y += y;
  }
  mean_x /= static_cast<double>(points.size());
  mean_y /= static_cast<double>(points.size());
  double covariance = 0, variance = 0;
  for (const auto& [x, y] : points) {
    covariance += (x - mean_x) * (y - mean_y);
    variance += (x - mean_x) * (x - mean_x);
  }
  return variance > 0 ? covariance / variance : 0;
}

Result<Metric> measure_vm_churn(Client& client, const ScaleBenchConfig& config) {
  // Ten RSS samples over the run, after one unmeasured cycle that warms the pools.
  const size_t every = std::max<size_t>(1, config.vm_cycles / 10);
  std::vector<std::pair<double, double>> points;
  const auto start = Clock::now();
  size_t cycle = 0;
  uint64_t first_kib = 0, last_kib = 0;
  for (; cycle <= config.vm_cycles; ++cycle) {
    auto vm = TRY_REQUEST(create_vm(client));
    TRY_REQUEST(client.write_file(vm, kHelloPath, kHelloSource));
    TRY_REQUEST(client.execute(vm, run_script("churn", kHelloPath)));
    TRY_REQUEST(client.wait_process(vm, "churn", kProcessTimeout));
    TRY_REQUEST(dispose_vm(client, vm));
    if (cycle % every != 0) continue;
    last_kib = TRY_REQUEST(sidecar_rss(client));
    if (points.empty()) first_kib = last_kib;
    points.emplace_back(static_cast<double>(cycle), static_cast<double>(last_kib));
    if (Clock::now() - start > config.budget) break;
  }
  if (points.size() < 2) {
    return client::client_failure(client::kTimeout, "fewer than " + std::to_string(every) + " cycles within " +
                                                        std::to_string(config.budget.count()) + " s");
  }
  Metric metric = value_metric(kChurnSlope, "KiB/cycle", slope(points));
  char note[160];
  std::snprintf(note, sizeof note, "%zu cycles in %.1f s, sidecar RSS %.1f -> %.1f MiB",
                static_cast<size_t>(points.back().first), elapsed_ms(start) / 1000.0,
                static_cast<double>(first_kib) / 1024.0, static_cast<double>(last_kib) / 1024.0);
  metric.note = note;
  return metric;
}

// `files` files of 1 MiB of printable pseudo-random bytes each (distinct, so no content is shared
// within the lower itself).
nlohmann::json big_lower_entries(size_t files) {
  nlohmann::json entries = nlohmann::json::array();
  uint64_t state = 42;
  for (size_t file = 0; file < files; ++file) {
    std::string content(1024 * 1024, ' ');
    for (char& byte : content) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      byte = static_cast<char>('a' + (state >> 60));
    }
    entries.push_back({{"path", "/data/blob-" + std::to_string(file)}, {"kind", "file"}, {"content", content}});
  }
  return entries;
}

Result<Metric> measure_shared_lower(Client& client, const ScaleBenchConfig& config) {
  const std::string shared = config_with_snapshot_lower(big_lower_entries(config.lower_mib));
  const auto start_time = Clock::now();
  auto over_budget = [&]() -> Result<void> {
    if (Clock::now() - start_time <= config.budget) return {};
    return client::client_failure(client::kTimeout,
                                  "creating the VMs took over " + std::to_string(config.budget.count()) + " s");
  };
  // A few VMs first: each CreateVm parses the whole config, and the allocator then already holds
  // that transient peak before the measured ones.
  // One guest runs first, so a sidecar that loads its JavaScript engine lazily (ours, on a
  // background thread) has loaded it and filled its isolate pool before the measured VMs.
  std::vector<client::VmHandle> vms;
  vms.push_back(TRY_REQUEST(create_vm(client)));
  TRY_REQUEST(client.write_file(vms.back(), kHelloPath, kHelloSource));
  TRY_REQUEST(client.execute(vms.back(), run_script("warm", kHelloPath)));
  TRY_REQUEST(client.wait_process(vms.back(), "warm", kProcessTimeout));
  for (int i = 0; i < 3; ++i) vms.push_back(TRY_REQUEST(create_vm(client, shared)));
  const uint64_t start = TRY_REQUEST(sidecar_rss(client));
  for (size_t i = 0; i < config.lower_vms; ++i) {
    vms.push_back(TRY_REQUEST(create_vm(client, shared)));
    TRY_REQUEST(over_budget());
  }
  const uint64_t after_shared = TRY_REQUEST(sidecar_rss(client));
  for (size_t i = 0; i < config.lower_vms; ++i) {
    vms.push_back(TRY_REQUEST(create_vm(client)));
    TRY_REQUEST(over_budget());
  }
  const uint64_t after_default = TRY_REQUEST(sidecar_rss(client));
  const double with_lower = (static_cast<double>(after_shared) - static_cast<double>(start)) / 1024.0;
  // RSS can fall while the default-root VMs are created (the allocator returning the configs'
  // transient peak); a negative baseline would inflate the difference.
  const double baseline =
      std::max(0.0, (static_cast<double>(after_default) - static_cast<double>(after_shared)) / 1024.0);
  Metric metric = value_metric(kLowerGrowth, "MiB", with_lower - baseline);
  char note[200];
  std::snprintf(note, sizeof note, "%zu VMs over one %zu MiB lower: +%.1f MiB; over the default root: +%.1f MiB",
                config.lower_vms, config.lower_mib, with_lower, baseline);
  metric.note = note;
  for (auto& vm : vms) TRY_REQUEST(dispose_vm(client, vm));
  return metric;
}

// Each measurement gets a fresh sidecar, so one's leftovers do not count against another.
template <typename Measure>
void in_fresh_sidecar(const std::string& path, Measure&& measure) {
  auto session = open_session(path);
  measure(session ? Result<Client*>(session->client.get()) : Result<Client*>(std::unexpected(session.error())));
}

}  // namespace

std::vector<Metric> run_scale_bench(const std::string& path, const ScaleBenchConfig& config) {
  std::vector<Metric> metrics;
  in_fresh_sidecar(path, [&](Result<Client*> client) {
    auto idle = client ? measure_idle_processes(**client, config) : std::unexpected(client.error());
    if (!idle) {
      metrics.push_back(failed_metric(kIdleRss, "MiB", idle.error().to_string()));
      metrics.push_back(failed_metric(kIdleEcho, "ms", idle.error().to_string()));
      return;
    }
    metrics.push_back(value_metric(kIdleRss, "MiB", idle->rss_per_process_mib));
    metrics.back().note = idle->note;
    metrics.push_back(latency_metric(kIdleEcho, {idle->echo_ms}));
  });
  in_fresh_sidecar(path, [&](Result<Client*> client) {
    auto churn = client ? measure_vm_churn(**client, config) : std::unexpected(client.error());
    metrics.push_back(churn ? std::move(*churn) : failed_metric(kChurnSlope, "KiB/cycle", churn.error().to_string()));
  });
  in_fresh_sidecar(path, [&](Result<Client*> client) {
    auto lower = client ? measure_shared_lower(**client, config) : std::unexpected(client.error());
    metrics.push_back(lower ? std::move(*lower) : failed_metric(kLowerGrowth, "MiB", lower.error().to_string()));
  });
  return metrics;
}

}  // namespace se::bench
