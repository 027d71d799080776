#include "bench/wire_bench.h"

#include <deque>
#include <functional>

#include "bench/sidecar_harness.h"

namespace se::bench {
namespace {

using client::Client;
using client::Result;

Result<std::vector<double>> measure_spawns(const std::string& path, size_t count) {
  std::vector<double> samples;
  for (size_t i = 0; i < count; ++i) {
    ScratchDir tmpdir;
    const auto start = Clock::now();
    auto client = TRY_REQUEST(spawn_sidecar(path, tmpdir));
    TRY_REQUEST(client->authenticate("se-bench", "bench"));
    samples.push_back(elapsed_ms(start));
  }
  return samples;
}

struct VmLatencies {
  std::vector<double> create;
  std::vector<double> dispose;
};

Result<VmLatencies> measure_vm_lifecycle(Client& client, size_t count) {
  VmLatencies latencies;
  const auto session = client::session_scope(client.connection_id(), client.session_id());
  for (size_t i = 0; i < count; ++i) {
    wire::CreateVmRequest create;
    create.runtime = wire::GuestRuntimeKind::JAVA_SCRIPT;
    create.config = client::kAllowAllConfig;
    auto start = Clock::now();
    auto created = TRY_REQUEST(client.expect<wire::VmCreatedResponse>(session, create));
    latencies.create.push_back(elapsed_ms(start));
    client::VmHandle vm{client.connection_id(), client.session_id(), created.vm_id, {}};
    wire::DisposeVmRequest dispose;
    dispose.reason = wire::DisposeReason::REQUESTED;
    start = Clock::now();
    TRY_REQUEST(client.expect<wire::VmDisposedResponse>(vm.ownership(), dispose));
    latencies.dispose.push_back(elapsed_ms(start));
    client.connection().take_events();
  }
  return latencies;
}

using RequestFor = std::function<wire::GuestFilesystemCallRequest(size_t)>;

// Sequential: one request at a time; returns per-request latencies.
Result<std::vector<double>> run_sequential(Client& client, const client::VmHandle& vm, size_t count,
                                           const RequestFor& request_for) {
  std::vector<double> samples;
  samples.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const auto start = Clock::now();
    TRY_REQUEST(client.guest_filesystem_call(vm, request_for(i)));
    samples.push_back(elapsed_ms(start));
  }
  return samples;
}

// Pipelined: keeps `window` requests in flight; returns the total time in ms.
Result<double> run_pipelined(Client& client, const client::VmHandle& vm, size_t count, size_t window,
                             const RequestFor& request_for) {
  auto& connection = client.connection();
  std::deque<client::PendingResponse> in_flight;
  auto settle_oldest = [&]() -> Result<void> {
    auto response = in_flight.front().wait(kRequestTimeout);
    in_flight.pop_front();
    if (!response) return client::transport_failure(response.error());
    if (auto* rejected = std::get_if<wire::RejectedResponse>(&response->payload)) {
      return std::unexpected(client::RequestError{rejected->code, rejected->message, true});
    }
    return {};
  };
  const auto start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    if (in_flight.size() == window) TRY_REQUEST(settle_oldest());
    auto sent = connection.send_request(vm.ownership(), request_for(i));
    if (!sent) return client::transport_failure(sent.error());
    in_flight.push_back(*sent);
  }
  while (!in_flight.empty()) TRY_REQUEST(settle_oldest());
  return elapsed_ms(start);
}

std::string bench_path(size_t i, size_t paths) {
  return "/workspace/bench/f" + std::to_string(i % paths) + ".txt";
}

void measure_file_ops(Client& client, const WireBenchConfig& config, std::vector<Metric>& metrics) {
  const std::string content(config.file_bytes, 'a');
  const RequestFor write_request = [&](size_t i) {
    auto request = client::fs_call(wire::GuestFilesystemOperation::WRITE_FILE, bench_path(i, config.fs_paths));
    request.content = content;
    return request;
  };
  const RequestFor read_request = [&](size_t i) {
    return client::fs_call(wire::GuestFilesystemOperation::READ_FILE, bench_path(i, config.fs_paths));
  };
  const std::string kib = std::to_string(config.file_bytes / 1024) + " KiB";
  const std::string window = std::to_string(config.in_flight) + " in flight";
  const std::string names[] = {"WRITE_FILE " + kib + ", sequential", "WRITE_FILE " + kib + " latency",
                               "READ_FILE " + kib + ", sequential",  "READ_FILE " + kib + " latency",
                               "WRITE_FILE " + kib + ", " + window,  "READ_FILE " + kib + ", " + window};
  auto vm = client.create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig);
  if (!vm) {
    for (const auto& name : names) {
      metrics.push_back(failed_metric(name, name.ends_with("latency") ? "ms" : "ops/s", vm.error().to_string()));
    }
    return;
  }
  auto sequential = [&](const std::string& rate_name, const std::string& latency_name, const RequestFor& request_for) {
    const auto start = Clock::now();
    auto samples = run_sequential(client, *vm, config.fs_ops, request_for);
    const double total = elapsed_ms(start);
    if (!samples) {
      metrics.push_back(failed_metric(rate_name, "ops/s", samples.error().to_string()));
      metrics.push_back(failed_metric(latency_name, "ms", samples.error().to_string()));
      return;
    }
    metrics.push_back(throughput_metric(rate_name, config.fs_ops, total));
    metrics.push_back(latency_metric(latency_name, std::move(*samples)));
  };
  auto pipelined = [&](const std::string& name, const RequestFor& request_for) {
    auto total = run_pipelined(client, *vm, config.fs_ops, config.in_flight, request_for);
    metrics.push_back(total ? throughput_metric(name, config.fs_ops, *total)
                            : failed_metric(name, "ops/s", total.error().to_string()));
  };
  sequential(names[0], names[1], write_request);
  sequential(names[2], names[3], read_request);
  pipelined(names[4], write_request);
  pipelined(names[5], read_request);
  [[maybe_unused]] auto disposed = client.dispose_vm(*vm);
}

}  // namespace

std::vector<Metric> run_wire_bench(const std::string& path, const WireBenchConfig& config) {
  std::vector<Metric> metrics;
  const std::string spawn_name = "spawn -> AuthenticatedResponse";
  auto spawns = measure_spawns(path, config.spawns);
  metrics.push_back(spawns ? latency_metric(spawn_name, std::move(*spawns))
                           : failed_metric(spawn_name, "ms", spawns.error().to_string()));

  const std::string create_name = "CreateVm -> VmCreatedResponse";
  const std::string dispose_name = "DisposeVm -> VmDisposedResponse";
  auto session = open_session(path);
  if (!session) {
    for (const auto& name : {create_name, dispose_name}) {
      metrics.push_back(failed_metric(name, "ms", session.error().to_string()));
    }
    return metrics;
  }
  auto lifecycle = measure_vm_lifecycle(*session->client, config.vm_iterations);
  if (lifecycle) {
    metrics.push_back(latency_metric(create_name, std::move(lifecycle->create)));
    metrics.push_back(latency_metric(dispose_name, std::move(lifecycle->dispose)));
  } else {
    metrics.push_back(failed_metric(create_name, "ms", lifecycle.error().to_string()));
    metrics.push_back(failed_metric(dispose_name, "ms", lifecycle.error().to_string()));
  }
  measure_file_ops(*session->client, config, metrics);
  return metrics;
}

}  // namespace se::bench
