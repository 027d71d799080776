#include "sidecar_fixture.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "client/sidecar_locator.h"

namespace se::integration {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "se-integration-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string sidecar_under_test() {
  auto path = client::locate_sidecar(std::nullopt);
  return path ? *path : std::string();
}

client::Client& SidecarTest::start(const SidecarOptions& options) {
  Running run;
  run.tmpdir = std::make_unique<TempDir>();
  run.stderr_path = run.tmpdir->path() + "/sidecar.stderr";
  client::ClientOptions client_options;
  if (!options.binary.empty()) {
    client_options.sidecar_path = options.binary;
  } else {
    const std::string binary = sidecar_under_test();
    if (binary.empty()) {
      ADD_FAILURE() << "no secure-exec-sidecar binary: set " << client::kSidecarPathEnv;
      throw std::runtime_error("no sidecar binary");
    }
    client_options.sidecar_path = binary;
  }
  client_options.sidecar_args = options.args;
  client_options.env = options.env;
  client_options.env["TMPDIR"] = run.tmpdir->path() + "/tmp";
  std::filesystem::create_directory(run.tmpdir->path() + "/tmp");
  client_options.env_unset = options.env_unset;
  client_options.stderr_mode = client::StderrMode::kFile;
  client_options.stderr_path = run.stderr_path;
  client_options.record_frames = true;
  client_options.request_timeout = 20s;
  auto client = client::Client::spawn(client_options);
  if (!client) {
    ADD_FAILURE() << client.error().to_string();
    throw std::runtime_error("cannot spawn the sidecar");
  }
  run.client = std::move(client).value();
  running_.push_back(std::move(run));
  return *running_.back().client;
}

client::Client& SidecarTest::start_with_session(const SidecarOptions& options) {
  client::Client& client = start(options);
  auto authenticated = client.authenticate("integration-test", "token");
  if (!authenticated) {
    ADD_FAILURE() << "authenticate: " << authenticated.error().to_string();
    throw std::runtime_error("authenticate failed");
  }
  auto session = client.open_session();
  if (!session) {
    ADD_FAILURE() << "open_session: " << session.error().to_string();
    throw std::runtime_error("open_session failed");
  }
  return client;
}

std::string SidecarTest::sidecar_stderr(size_t index) const {
  std::ifstream in(running_.at(index).stderr_path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void SidecarTest::TearDown() {
  for (size_t i = 0; i < running_.size(); ++i) {
    auto& connection = running_[i].client->connection();
    if (connection.is_alive()) {
      connection.close_stdin();
      const auto status = connection.wait_exit(10s);
      EXPECT_EQ(status, std::optional<int>(0)) << "sidecar " << i << " did not exit 0 after EOF on stdin";
    }
    EXPECT_EQ(connection.stream_errors(), std::vector<std::string>{})
        << "sidecar " << i << " wrote bytes that are not frames to stdout";
    EXPECT_EQ(connection.unmatched_responses(), 0u) << "sidecar " << i << " sent responses nobody asked for";
    if (HasFailure()) std::fprintf(stderr, "--- stderr of sidecar %zu ---\n%s\n", i, sidecar_stderr(i).c_str());
  }
  running_.clear();
}

wire::RequestFrame request_frame(int64_t request_id, wire::OwnershipScope ownership, wire::RequestPayload payload) {
  wire::RequestFrame frame;
  frame.schema = wire::current_schema();
  frame.request_id = request_id;
  frame.ownership = std::move(ownership);
  frame.payload = std::move(payload);
  return frame;
}

wire::Bytes framed_with_length(uint32_t declared_length, const wire::Bytes& payload) {
  wire::Bytes bytes(4 + payload.size());
  for (int i = 0; i < 4; ++i) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(declared_length >> (24 - 8 * i));
  std::copy(payload.begin(), payload.end(), bytes.begin() + 4);
  return bytes;
}

wire::Bytes framed(const wire::Bytes& payload) {
  return framed_with_length(static_cast<uint32_t>(payload.size()), payload);
}

bool replace_bytes(wire::Bytes& bytes, const std::string& needle, const wire::Bytes& replacement) {
  const auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  if (it == bytes.end()) {
    ADD_FAILURE() << "byte pattern '" << needle << "' not found";
    return false;
  }
  const auto at = it - bytes.begin();
  bytes.erase(it, it + static_cast<ptrdiff_t>(needle.size()));
  bytes.insert(bytes.begin() + at, replacement.begin(), replacement.end());
  return true;
}

void GuestVmTest::SetUp() {
  client_ = &start_with_session();
  vm_ = ASSERT_OK(client_->create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
}

void GuestVmTest::write(const client::VmHandle& vm, const std::string& path, const std::string& content) {
  auto written = client_->write_file(vm, path, content);
  ASSERT_TRUE(written.has_value()) << path << ": " << written.error().to_string();
}

wire::ExecuteRequest GuestVmTest::entrypoint(std::string process_id, std::string path) {
  wire::ExecuteRequest request;
  request.process_id = std::move(process_id);
  request.runtime = wire::GuestRuntimeKind::JAVA_SCRIPT;
  request.entrypoint = std::move(path);
  return request;
}

wire::ExecuteRequest GuestVmTest::node(std::string process_id, std::vector<std::string> args, std::string cwd) {
  wire::ExecuteRequest request;
  request.process_id = std::move(process_id);
  request.command = "node";
  request.args = std::move(args);
  if (!cwd.empty()) request.cwd = std::move(cwd);
  return request;
}

client::ProcessResult GuestVmTest::run(const client::VmHandle& vm, const wire::ExecuteRequest& request,
                                       std::chrono::milliseconds timeout) {
  auto started = client_->execute(vm, request);
  EXPECT_TRUE(started.has_value()) << request.process_id << ": " << started.error().to_string();
  if (!started) return {};
  auto result = client_->wait_process(vm, request.process_id, timeout);
  EXPECT_TRUE(result.has_value()) << request.process_id << ": " << result.error().to_string();
  return result.value_or(client::ProcessResult{});
}

client::ProcessResult GuestVmTest::run_file(const std::string& process_id, const std::string& path,
                                            const std::string& source) {
  write(path, source);
  return run(entrypoint(process_id, path));
}

std::string GuestVmTest::next_output(const std::string& process_id) {
  auto event = client_->connection().wait_event(
      [&](const wire::EventFrame& frame) {
        const auto* output = std::get_if<wire::ProcessOutputEvent>(&frame.payload);
        return output != nullptr && output->process_id == process_id;
      },
      30s);
  if (!event.has_value()) return {};
  const auto& chunk = std::get<wire::ProcessOutputEvent>(event->payload).chunk;
  return std::string(chunk.begin(), chunk.end());
}

uint64_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6));
  }
  return 0;
}

}  // namespace se::integration
