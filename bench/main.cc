// se-bench: drives one or more sidecar binaries over the wire and prints their end-to-end numbers
// side by side (a table, or JSON with --json). With two binaries a ratio column compares the
// first against the second and says which one is better. `--only PART[,PART]` picks the parts
// (fs, js, layers by default; scale, the long one, only when named).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/js_bench.h"
#include "bench/layer_bench.h"
#include "bench/scale_bench.h"
#include "bench/wire_bench.h"

namespace se::bench {
namespace {

constexpr const char* kUsage =
    "Usage: se-bench --sidecar PATH [--sidecar PATH2 ...] [--label NAME ...] [--only PART[,PART...]] [--json]\n"
    "                [--spawns N] [--iterations N] [--fs-ops N]\n"
    "                [--cold-starts N] [--fresh-starts N] [--execs N] [--kills N] [--pause-ms N] [--burst N]\n"
    "                [--layer-iterations N]\n"
    "                [--idle-vms N] [--idle-processes N] [--vm-cycles N] [--lower-vms N] [--scale-budget S]\n"
    "\n"
    "Measures each sidecar binary in fresh processes, each with its own TMPDIR. Parts: fs, js, layers\n"
    "(the default, a few minutes) and scale (long; only with --only, e.g. --only scale).\n"
    "fs part: spawn -> AuthenticatedResponse (--spawns, default 20), CreateVm and DisposeVm latency\n"
    "  (--iterations VMs, each disposed, default 40), 4 KiB WRITE_FILE / READ_FILE throughput over 64\n"
    "  paths, one at a time and with 32 in flight (--fs-ops each, default 2000).\n"
    "js part, one guest process at a time: cold start CreateVm + WRITE_FILE + Execute -> first stdout of\n"
    "  console.log(\"hi\") in a sidecar that already ran a VM (--cold-starts, default 20) and spawn ->\n"
    "  first stdout in a fresh sidecar (--fresh-starts, default 5); warm exec, another process in the same\n"
    "  VM: Execute -> first stdout and -> exit event, last output -> exit event (--execs, default 40);\n"
    "  each cold start and warm exec follows --pause-ms of idle time (default 10) so it measures one\n"
    "  request's latency; processes per second run back to back in one VM with no pause (--burst,\n"
    "  default 100) shows what is sustained once the pool of ready isolates is drained;\n"
    "  KillProcess SIGKILL and SIGTERM -> exit event for a busy for(;;){} loop (--kills each, default 10);\n"
    "  spawn -> AuthenticatedResponse is also reported for the fresh sidecars.\n"
    "layers part: SnapshotRootFilesystem of a fresh VM, ImportSnapshot of those entries, ExportSnapshot\n"
    "  of that layer, CreateVm with them as a shared snapshot lower (--layer-iterations each, default 20).\n"
    "scale part, each in a fresh sidecar, RSS from /proc/<pid>/status: idle JS processes blocked on stdin\n"
    "  (--idle-processes over --idle-vms, default 1000 over 100), RSS per live process and the time for\n"
    "  all to echo a stdin line; RSS slope over create/execute/dispose VM cycles (--vm-cycles, default\n"
    "  1000); RSS growth of --lower-vms VMs (default 100) over one 10 MiB snapshot lower beyond as many\n"
    "  VMs over the default root. A binary that cannot keep up fails the metric with the reason, or\n"
    "  stops at --scale-budget seconds per metric (default 120) with a note.\n"
    "Labels default to A, B, ... With two binaries the ratio column is first/second.\n";

struct Options {
  std::vector<std::string> sidecars;
  std::vector<std::string> labels;
  WireBenchConfig wire;
  JsBenchConfig js;
  LayerBenchConfig layers;
  ScaleBenchConfig scale;
  bool run_fs = true;
  bool run_js = true;
  bool run_layers = true;
  bool run_scale = false;
  bool json = false;
  bool help = false;
};

struct BinaryResult {
  std::string label;
  std::string path;
  std::vector<Metric> metrics;  // in measurement order; a failed metric carries its error
};

std::optional<size_t> parse_count(const std::string& text, bool allow_zero = false) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || (value == 0 && !allow_zero)) return std::nullopt;
  return static_cast<size_t>(value);
}

// "fs,js" -> exactly those parts. False for an unknown or empty part.
bool select_parts(const std::string& list, Options& options) {
  options.run_fs = options.run_js = options.run_layers = options.run_scale = false;
  size_t begin = 0;
  for (;;) {
    const size_t end = std::min(list.find(',', begin), list.size());
    const std::string part = list.substr(begin, end - begin);
    if (part == "fs") {
      options.run_fs = true;
    } else if (part == "js") {
      options.run_js = true;
    } else if (part == "layers") {
      options.run_layers = true;
    } else if (part == "scale") {
      options.run_scale = true;
    } else {
      return false;
    }
    if (end == list.size()) return true;
    begin = end + 1;
  }
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    auto count_into = [&](size_t& out, bool allow_zero = false) {
      const auto text = next();
      const auto value = text ? parse_count(*text, allow_zero) : std::nullopt;
      if (value) out = *value;
      return value.has_value();
    };
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      return options;
    }
    if (arg == "--sidecar") {
      const auto path = next();
      if (!path) return std::nullopt;
      options.sidecars.push_back(*path);
    } else if (arg == "--label") {
      const auto label = next();
      if (!label) return std::nullopt;
      options.labels.push_back(*label);
    } else if (arg == "--only") {
      const auto parts = next();
      if (!parts || !select_parts(*parts, options)) return std::nullopt;
    } else if (arg == "--iterations") {
      if (!count_into(options.wire.vm_iterations)) return std::nullopt;
    } else if (arg == "--spawns") {
      if (!count_into(options.wire.spawns)) return std::nullopt;
    } else if (arg == "--fs-ops") {
      if (!count_into(options.wire.fs_ops)) return std::nullopt;
    } else if (arg == "--cold-starts") {
      if (!count_into(options.js.cold_starts)) return std::nullopt;
    } else if (arg == "--fresh-starts") {
      if (!count_into(options.js.fresh_starts)) return std::nullopt;
    } else if (arg == "--execs") {
      if (!count_into(options.js.execs)) return std::nullopt;
    } else if (arg == "--kills") {
      if (!count_into(options.js.kills)) return std::nullopt;
    } else if (arg == "--pause-ms") {
      if (!count_into(options.js.pause_ms, /*allow_zero=*/true)) return std::nullopt;
    } else if (arg == "--burst") {
      if (!count_into(options.js.burst)) return std::nullopt;
    } else if (arg == "--layer-iterations") {
      if (!count_into(options.layers.iterations)) return std::nullopt;
    } else if (arg == "--idle-vms") {
      if (!count_into(options.scale.idle_vms)) return std::nullopt;
    } else if (arg == "--idle-processes") {
      if (!count_into(options.scale.idle_processes)) return std::nullopt;
    } else if (arg == "--vm-cycles") {
      if (!count_into(options.scale.vm_cycles)) return std::nullopt;
    } else if (arg == "--lower-vms") {
      if (!count_into(options.scale.lower_vms)) return std::nullopt;
    } else if (arg == "--scale-budget") {
      size_t seconds = 0;
      if (!count_into(seconds)) return std::nullopt;
      options.scale.budget = std::chrono::seconds(seconds);
    } else if (arg == "--json") {
      options.json = true;
    } else {
      return std::nullopt;
    }
  }
  if (options.sidecars.empty() || options.labels.size() > options.sidecars.size()) return std::nullopt;
  for (size_t i = options.labels.size(); i < options.sidecars.size(); ++i) {
    options.labels.push_back(std::string(1, static_cast<char>('A' + i % 26)));
  }
  return options;
}

const Metric* find_metric(const BinaryResult& result, const std::string& name) {
  for (const auto& metric : result.metrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

// Metric names in first-seen order across all results.
std::vector<std::string> metric_names(const std::vector<BinaryResult>& results) {
  std::vector<std::string> names;
  for (const auto& result : results) {
    for (const auto& metric : result.metrics) {
      if (std::find(names.begin(), names.end(), metric.name) == names.end()) names.push_back(metric.name);
    }
  }
  return names;
}

std::string cell(const Metric* metric) {
  if (metric == nullptr) return "-";
  if (!metric->error.empty()) return "failed";
  char text[96];
  if (metric->unit == "ops/s") {
    std::snprintf(text, sizeof text, "%.0f ops/s", metric->value);
  } else if (metric->unit != "ms") {
    std::snprintf(text, sizeof text, "%.3f %s", metric->value, metric->unit.c_str());
  } else if (metric->samples.size() == 1) {
    std::snprintf(text, sizeof text, "%.3f", metric->median);
  } else {
    std::snprintf(text, sizeof text, "%.3f / %.3f / %.3f", metric->min, metric->median, metric->p95);
  }
  return text;
}

// "0.25x (A better)" comparing the first result against the second.
std::string ratio_cell(const Metric* first, const Metric* second, const std::string& first_label,
                       const std::string& second_label) {
  if (first == nullptr || second == nullptr || !first->error.empty() || !second->error.empty()) return "-";
  const double a = headline(*first);
  const double b = headline(*second);
  if (b == 0) return "-";
  const double ratio = a / b;
  const bool first_better = first->direction == Direction::kLowerIsBetter ? ratio < 1 : ratio > 1;
  char text[96];
  std::snprintf(text, sizeof text, "%.3gx (%s better)", ratio,
                (ratio == 1     ? "neither"
                 : first_better ? first_label.c_str()
                                : second_label.c_str()));
  return text;
}

void print_table(const Options& options, const std::vector<BinaryResult>& results) {
  if (options.run_fs) {
    std::printf("se-bench fs: %zu spawns, %zu VMs, %zu file operations of %zu bytes over %zu paths, %zu in flight\n",
                options.wire.spawns, options.wire.vm_iterations, options.wire.fs_ops, options.wire.file_bytes,
                options.wire.fs_paths, options.wire.in_flight);
  }
  if (options.run_js) {
    std::printf(
        "se-bench js: %zu cold starts, %zu fresh sidecars, %zu warm execs, %zu ms apart; %zu back to back; %zu kills "
        "per signal\n",
        options.js.cold_starts, options.js.fresh_starts, options.js.execs, options.js.pause_ms, options.js.burst,
        options.js.kills);
  }
  if (options.run_layers) std::printf("se-bench layers: %zu samples per metric\n", options.layers.iterations);
  if (options.run_scale) {
    std::printf(
        "se-bench scale: %zu idle processes over %zu VMs, %zu VM cycles, %zu VMs over a %zu MiB lower, budget %lld "
        "s\n",
        options.scale.idle_processes, options.scale.idle_vms, options.scale.vm_cycles, options.scale.lower_vms,
        options.scale.lower_mib, static_cast<long long>(options.scale.budget.count()));
  }
  for (const auto& result : results) std::printf("  %s = %s\n", result.label.c_str(), result.path.c_str());
  std::printf("latencies in ms as min / median / p95 (one sample: the value); throughput in operations per second\n\n");

  const bool with_ratio = results.size() == 2;
  std::printf("%-44s", "metric");
  for (const auto& result : results) std::printf(" | %-28s", result.label.c_str());
  if (with_ratio) std::printf(" | %s/%s", results[0].label.c_str(), results[1].label.c_str());
  std::printf("\n");
  for (const auto& name : metric_names(results)) {
    std::printf("%-44s", name.c_str());
    for (const auto& result : results) std::printf(" | %-28s", cell(find_metric(result, name)).c_str());
    if (with_ratio) {
      std::printf(" | %s", ratio_cell(find_metric(results[0], name), find_metric(results[1], name), results[0].label,
                                      results[1].label)
                               .c_str());
    }
    std::printf("\n");
  }
  for (const auto& result : results) {
    for (const auto& metric : result.metrics) {
      if (!metric.error.empty()) {
        std::printf("\n%s: %s failed: %s", result.label.c_str(), metric.name.c_str(), metric.error.c_str());
      } else if (!metric.note.empty()) {
        std::printf("\n%s: %s: %s", result.label.c_str(), metric.name.c_str(), metric.note.c_str());
      }
    }
  }
  std::printf("\n");
}

void print_json(const Options& options, const std::vector<BinaryResult>& results) {
  nlohmann::json out;
  out["config"] = nlohmann::json::object();
  if (options.run_fs) {
    out["config"]["fs"] = {{"spawns", options.wire.spawns},        {"vmIterations", options.wire.vm_iterations},
                           {"fsOps", options.wire.fs_ops},         {"fsPaths", options.wire.fs_paths},
                           {"fileBytes", options.wire.file_bytes}, {"inFlight", options.wire.in_flight}};
  }
  if (options.run_js) {
    out["config"]["js"] = {{"coldStarts", options.js.cold_starts},
                           {"freshStarts", options.js.fresh_starts},
                           {"execs", options.js.execs},
                           {"kills", options.js.kills},
                           {"pauseMs", options.js.pause_ms},
                           {"burst", options.js.burst}};
  }
  if (options.run_layers) out["config"]["layers"] = {{"iterations", options.layers.iterations}};
  if (options.run_scale) {
    out["config"]["scale"] = {{"idleVms", options.scale.idle_vms},   {"idleProcesses", options.scale.idle_processes},
                              {"vmCycles", options.scale.vm_cycles}, {"lowerVms", options.scale.lower_vms},
                              {"lowerMib", options.scale.lower_mib}, {"budgetSeconds", options.scale.budget.count()}};
  }
  out["binaries"] = nlohmann::json::array();
  for (const auto& result : results) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& metric : result.metrics) {
      nlohmann::json m = {{"unit", metric.unit}};
      if (!metric.error.empty()) {
        m["error"] = metric.error;
      } else if (metric.unit != "ms") {
        m["value"] = metric.value;
      } else {
        m.update({{"n", metric.samples.size()}, {"min", metric.min}, {"median", metric.median}, {"p95", metric.p95}});
      }
      if (!metric.note.empty()) m["note"] = metric.note;
      metrics[metric.name] = m;
    }
    out["binaries"].push_back({{"label", result.label}, {"path", result.path}, {"metrics", metrics}});
  }
  if (results.size() == 2) {
    nlohmann::json ratios = nlohmann::json::object();
    for (const auto& name : metric_names(results)) {
      const Metric* a = find_metric(results[0], name);
      const Metric* b = find_metric(results[1], name);
      if (a == nullptr || b == nullptr || !a->error.empty() || !b->error.empty() || headline(*b) == 0) continue;
      ratios[name] = {{"ratio", headline(*a) / headline(*b)},
                      {"better", a->direction == Direction::kLowerIsBetter ? "lower" : "higher"}};
    }
    out["ratios"] = {{"of", results[0].label + "/" + results[1].label}, {"metrics", ratios}};
  }
  std::printf("%s\n", out.dump(2).c_str());
}

}  // namespace
}  // namespace se::bench

int main(int argc, char** argv) {
  using namespace se::bench;
  const auto options = parse_args(argc, argv);
  if (!options) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (options->help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::vector<BinaryResult> results;
  for (size_t i = 0; i < options->sidecars.size(); ++i) {
    if (!options->json) std::fprintf(stderr, "se-bench: measuring %s ...\n", options->labels[i].c_str());
    BinaryResult result{options->labels[i], options->sidecars[i], {}};
    if (options->run_fs) result.metrics = run_wire_bench(result.path, options->wire);
    auto append = [&](std::vector<Metric> metrics) {
      result.metrics.insert(result.metrics.end(), metrics.begin(), metrics.end());
    };
    if (options->run_js) append(run_js_bench(result.path, options->js));
    if (options->run_layers) append(run_layer_bench(result.path, options->layers));
    if (options->run_scale) append(run_scale_bench(result.path, options->scale));
    results.push_back(std::move(result));
  }
  if (options->json) {
    print_json(*options, results);
  } else {
    print_table(*options, results);
  }
  return 0;
}
