#include "bench/js_bench.h"

#include <optional>
#include <thread>

#include "bench/sidecar_harness.h"

namespace se::bench {
namespace {

using client::Client;
using client::Result;
using namespace std::chrono_literals;

constexpr const char* kHelloPath = "/workspace/hi.js";
constexpr const char* kHelloSource = "console.log(\"hi\")";
constexpr const char* kBusyPath = "/workspace/busy.js";
// Prints before looping so that the kill is sent to a guest that is certainly inside the loop.
constexpr const char* kBusySource = "console.log(\"ready\"); for (;;) {}";
// Long enough for the reference, whose every JavaScript process exits ~150 ms after its output.
constexpr auto kProcessTimeout = std::chrono::milliseconds(30000);
// How long a killed busy loop may take to exit before the signal counts as not stopping it.
constexpr auto kKillTimeout = std::chrono::milliseconds(3000);

const std::string kColdStart = "JS cold start: CreateVm -> first stdout";
const std::string kFreshAuthenticated = "JS fresh sidecar: spawn -> Authenticated";
const std::string kFreshStart = "JS fresh sidecar: spawn -> first stdout";
const std::string kWarmFirstOutput = "JS warm exec: Execute -> first stdout";
const std::string kWarmExit = "JS warm exec: Execute -> exit event";
const std::string kExitLatency = "JS last output -> exit event";
const std::string kKillSigkill = "JS KillProcess SIGKILL, busy loop -> exit";
const std::string kKillSigterm = "JS KillProcess SIGTERM, busy loop -> exit";
const std::string kBurst = "JS back-to-back processes in one VM";

// Consumes the events of one guest process as they arrive and remembers when each kind came in.
class ProcessWatch {
 public:
  ProcessWatch(Client& client, const client::VmHandle& vm, std::string process_id)
      : client_(client), vm_id_(vm.vm_id), process_id_(std::move(process_id)) {}

  // Waits for the first non-empty STDOUT chunk and returns its arrival time.
  Result<Clock::time_point> first_stdout(std::chrono::milliseconds timeout) {
    while (!first_stdout_) {
      if (exited_) return client::client_failure(client::kUnexpectedResponse, process_id_ + " exited without output");
      TRY_REQUEST(next(timeout));
    }
    return *first_stdout_;
  }

  // Waits for the ProcessExitedEvent and returns its arrival time.
  Result<Clock::time_point> exited(std::chrono::milliseconds timeout) {
    while (!exited_) TRY_REQUEST(next(timeout));
    return *exited_;
  }

  std::optional<Clock::time_point> last_output() const { return last_output_; }

 private:
  Result<void> next(std::chrono::milliseconds timeout) {
    auto event = client_.connection().wait_event(
        [&](const wire::EventFrame& frame) {
          if (!client::event_is_for_vm(frame, vm_id_)) return false;
          if (const auto* output = std::get_if<wire::ProcessOutputEvent>(&frame.payload)) {
            return output->process_id == process_id_;
          }
          const auto* exited = std::get_if<wire::ProcessExitedEvent>(&frame.payload);
          return exited != nullptr && exited->process_id == process_id_;
        },
        timeout);
    const auto now = Clock::now();
    if (!event) {
      return client::client_failure(
          client::kTimeout, "no event from " + process_id_ + " within " + std::to_string(timeout.count()) + " ms");
    }
    if (const auto* output = std::get_if<wire::ProcessOutputEvent>(&event->payload)) {
      last_output_ = now;
      if (!first_stdout_ && output->channel == wire::StreamChannel::STDOUT && !output->chunk.empty()) {
        first_stdout_ = now;
      }
    } else {
      exited_ = now;
    }
    return {};
  }

  Client& client_;
  const std::string vm_id_;
  const std::string process_id_;
  std::optional<Clock::time_point> first_stdout_;
  std::optional<Clock::time_point> last_output_;
  std::optional<Clock::time_point> exited_;
};

// One cold start in an existing session: CreateVm, WRITE_FILE, Execute, first stdout. Returns the
// milliseconds from sending CreateVm to the first stdout byte; the VM is disposed afterwards.
Result<double> cold_start(Client& client) {
  const auto start = Clock::now();
  auto vm = TRY_REQUEST(create_vm(client));
  TRY_REQUEST(client.write_file(vm, kHelloPath, kHelloSource));
  TRY_REQUEST(client.execute(vm, run_script("cold", kHelloPath)));
  ProcessWatch watch(client, vm, "cold");
  const double latency = elapsed_ms(start, TRY_REQUEST(watch.first_stdout(kProcessTimeout)));
  TRY_REQUEST(watch.exited(kProcessTimeout));
  TRY_REQUEST(dispose_vm(client, vm));
  return latency;
}

Result<std::vector<double>> measure_cold_starts(Client& client, const JsBenchConfig& config) {
  TRY_REQUEST(cold_start(client));  // the sidecar has run one VM before the measured ones
  std::vector<double> samples;
  for (size_t i = 0; i < config.cold_starts; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(config.pause_ms));
    samples.push_back(TRY_REQUEST(cold_start(client)));
  }
  return samples;
}

struct FreshStartSamples {
  std::vector<double> authenticated;
  std::vector<double> first_stdout;
};

Result<FreshStartSamples> measure_fresh_starts(const std::string& path, size_t count) {
  FreshStartSamples samples;
  for (size_t i = 0; i < count; ++i) {
    ScratchDir tmpdir;
    const auto start = Clock::now();
    auto client = TRY_REQUEST(spawn_sidecar(path, tmpdir));
    TRY_REQUEST(client->authenticate("se-bench", "bench"));
    samples.authenticated.push_back(elapsed_ms(start));
    TRY_REQUEST(client->open_session());
    auto vm = TRY_REQUEST(create_vm(*client));
    TRY_REQUEST(client->write_file(vm, kHelloPath, kHelloSource));
    TRY_REQUEST(client->execute(vm, run_script("fresh", kHelloPath)));
    ProcessWatch watch(*client, vm, "fresh");
    samples.first_stdout.push_back(elapsed_ms(start, TRY_REQUEST(watch.first_stdout(kProcessTimeout))));
    TRY_REQUEST(watch.exited(kProcessTimeout));
  }
  return samples;
}

struct WarmExecSamples {
  std::vector<double> first_stdout;
  std::vector<double> exited;
  std::vector<double> exit_after_output;
};

// Processes run one after another in one VM; the first one is not measured.
Result<WarmExecSamples> measure_warm_execs(Client& client, const JsBenchConfig& config) {
  auto vm = TRY_REQUEST(create_vm(client));
  TRY_REQUEST(client.write_file(vm, kHelloPath, kHelloSource));
  WarmExecSamples samples;
  for (size_t i = 0; i <= config.execs; ++i) {
    const std::string process_id = "warm-" + std::to_string(i);
    std::this_thread::sleep_for(std::chrono::milliseconds(config.pause_ms));
    const auto start = Clock::now();
    TRY_REQUEST(client.execute(vm, run_script(process_id, kHelloPath)));
    ProcessWatch watch(client, vm, process_id);
    const auto first_stdout = TRY_REQUEST(watch.first_stdout(kProcessTimeout));
    const auto exited = TRY_REQUEST(watch.exited(kProcessTimeout));
    if (i == 0) continue;
    samples.first_stdout.push_back(elapsed_ms(start, first_stdout));
    samples.exited.push_back(elapsed_ms(start, exited));
    samples.exit_after_output.push_back(elapsed_ms(*watch.last_output(), exited));
  }
  TRY_REQUEST(dispose_vm(client, vm));
  return samples;
}

// Processes run one after another with no pause in one VM: how many per second the sidecar sustains
// once its pool of ready isolates is drained (each process then waits for a restore).
Result<Metric> measure_burst(Client& client, size_t count) {
  auto vm = TRY_REQUEST(create_vm(client));
  TRY_REQUEST(client.write_file(vm, kHelloPath, kHelloSource));
  const auto start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    const std::string process_id = "burst-" + std::to_string(i);
    TRY_REQUEST(client.execute(vm, run_script(process_id, kHelloPath)));
    ProcessWatch watch(client, vm, process_id);
    TRY_REQUEST(watch.exited(kProcessTimeout));
  }
  const double total = elapsed_ms(start);
  TRY_REQUEST(dispose_vm(client, vm));
  return throughput_metric(kBurst, count, total);
}

// KillProcess sent to a guest spinning in `for (;;) {}` -> its ProcessExitedEvent. A signal that
// does not end the loop within kKillTimeout fails the metric; the guest is then SIGKILLed.
Result<std::vector<double>> measure_kills(Client& client, const std::string& signal, size_t count) {
  auto vm = TRY_REQUEST(create_vm(client));
  TRY_REQUEST(client.write_file(vm, kBusyPath, kBusySource));
  std::vector<double> samples;
  for (size_t i = 0; i < count; ++i) {
    const std::string process_id = "busy-" + std::to_string(i);
    TRY_REQUEST(client.execute(vm, run_script(process_id, kBusyPath)));
    ProcessWatch watch(client, vm, process_id);
    TRY_REQUEST(watch.first_stdout(kProcessTimeout));
    const auto start = Clock::now();
    TRY_REQUEST(client.kill_process(vm, process_id, signal));
    auto exited = watch.exited(kKillTimeout);
    if (!exited) {
      TRY_REQUEST(client.kill_process(vm, process_id, "SIGKILL"));
      TRY_REQUEST(watch.exited(kProcessTimeout));
      return client::client_failure(
          client::kTimeout, signal + " did not end a busy loop within " + std::to_string(kKillTimeout.count()) + " ms");
    }
    samples.push_back(elapsed_ms(start, *exited));
  }
  TRY_REQUEST(dispose_vm(client, vm));
  return samples;
}

Metric latency_or_failure(const std::string& name, Result<std::vector<double>> samples) {
  return samples ? latency_metric(name, std::move(*samples)) : failed_metric(name, "ms", samples.error().to_string());
}

}  // namespace

std::vector<Metric> run_js_bench(const std::string& path, const JsBenchConfig& config) {
  std::vector<Metric> metrics;
  auto session = open_session(path);
  if (!session) {
    for (const auto* name : {&kColdStart, &kFreshAuthenticated, &kFreshStart, &kWarmFirstOutput, &kWarmExit,
                             &kExitLatency, &kBurst, &kKillSigkill, &kKillSigterm}) {
      metrics.push_back(failed_metric(*name, "ms", session.error().to_string()));
    }
    return metrics;
  }
  Client& client = *session->client;
  metrics.push_back(latency_or_failure(kColdStart, measure_cold_starts(client, config)));
  auto fresh = measure_fresh_starts(path, config.fresh_starts);
  if (fresh) {
    metrics.push_back(latency_metric(kFreshAuthenticated, std::move(fresh->authenticated)));
    metrics.push_back(latency_metric(kFreshStart, std::move(fresh->first_stdout)));
  } else {
    metrics.push_back(failed_metric(kFreshAuthenticated, "ms", fresh.error().to_string()));
    metrics.push_back(failed_metric(kFreshStart, "ms", fresh.error().to_string()));
  }
  auto warm = measure_warm_execs(client, config);
  if (warm) {
    metrics.push_back(latency_metric(kWarmFirstOutput, std::move(warm->first_stdout)));
    metrics.push_back(latency_metric(kWarmExit, std::move(warm->exited)));
    metrics.push_back(latency_metric(kExitLatency, std::move(warm->exit_after_output)));
  } else {
    for (const auto* name : {&kWarmFirstOutput, &kWarmExit, &kExitLatency}) {
      metrics.push_back(failed_metric(*name, "ms", warm.error().to_string()));
    }
  }
  auto burst = measure_burst(client, config.burst);
  metrics.push_back(burst ? std::move(*burst) : failed_metric(kBurst, "ops/s", burst.error().to_string()));
  metrics.push_back(latency_or_failure(kKillSigkill, measure_kills(client, "SIGKILL", config.kills)));
  metrics.push_back(latency_or_failure(kKillSigterm, measure_kills(client, "SIGTERM", config.kills)));
  return metrics;
}

}  // namespace se::bench
