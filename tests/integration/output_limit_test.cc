// limits.jsRuntime.capturedOutputLimitBytes as output back-pressure: a guest writing far faster
// than the host reads is held back (every byte still arrives, in order) instead of the sidecar
// buffering its output, and KillProcess still ends such a blocked writer. The host side here is a
// raw pipe read at the test's own pace (the client library reads eagerly on a thread).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "client/sidecar_process.h"
#include "sidecar_fixture.h"
#include "wire/frame.h"

namespace se::integration {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

uint64_t resident_bytes(pid_t pid) {
  return resident_kib(pid) * 1024;
}

class RawSidecar {
 public:
  bool start() {
    client::SpawnOptions options;
    options.executable = sidecar_under_test();
    options.stderr_mode = client::StderrMode::kInherit;
    auto spawned = client::SidecarProcess::spawn(options);
    if (!spawned) return false;
    process_ = std::move(*spawned);
    return true;
  }

  pid_t pid() const { return process_->pid(); }

  bool send(const wire::OwnershipScope& ownership, wire::RequestPayload payload) {
    auto frame = request_frame(next_id_++, ownership, std::move(payload));
    return process_->write_all(framed(wire::encode_frame(frame))).has_value();
  }

  // The next frame the sidecar writes (nullopt at EOF or on a decode failure).
  std::optional<wire::ProtocolFrame> next() {
    uint8_t prefix[4];
    if (!read_exact(prefix, 4)) return std::nullopt;
    const uint32_t length =
        (uint32_t(prefix[0]) << 24) | (uint32_t(prefix[1]) << 16) | (uint32_t(prefix[2]) << 8) | uint32_t(prefix[3]);
    wire::Bytes payload(length);
    if (!read_exact(payload.data(), length)) return std::nullopt;
    auto frame = wire::decode_frame(payload);
    if (!frame) return std::nullopt;
    return std::move(*frame);
  }

  // Skips frames until a response; returns its payload.
  std::optional<wire::ResponsePayload> response() {
    while (auto frame = next()) {
      if (auto* response = std::get_if<wire::ResponseFrame>(&*frame)) return response->payload;
    }
    return std::nullopt;
  }

  ~RawSidecar() {
    if (process_) {
      process_->close_stdin();
      process_->wait_exit(std::chrono::seconds(30));
    }
  }

 private:
  bool read_exact(uint8_t* out, size_t count) {
    while (count > 0) {
      ssize_t got = ::read(process_->stdout_fd(), out, count);
      if (got <= 0) return false;
      out += got;
      count -= static_cast<size_t>(got);
    }
    return true;
  }

  std::unique_ptr<client::SidecarProcess> process_;
  int64_t next_id_ = 1;
};

class OutputLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sidecar_under_test().empty()) GTEST_SKIP() << "no sidecar binary";
    ASSERT_TRUE(sidecar_.start());
    wire::AuthenticateRequest auth;
    auth.client_name = "output-limit-test";
    auth.protocol_version = wire::kProtocolVersion;
    auth.bridge_version = wire::kBridgeVersion;
    ASSERT_TRUE(sidecar_.send(wire::ConnectionOwnership{.connection_id = "hint"}, auth));
    auto authenticated = sidecar_.response();
    ASSERT_TRUE(authenticated && std::holds_alternative<wire::AuthenticatedResponse>(*authenticated));
    const std::string connection = std::get<wire::AuthenticatedResponse>(*authenticated).connection_id;

    wire::OpenSessionRequest session;
    session.placement = wire::SidecarPlacementShared{};
    ASSERT_TRUE(sidecar_.send(wire::ConnectionOwnership{.connection_id = connection}, session));
    auto opened = sidecar_.response();
    ASSERT_TRUE(opened && std::holds_alternative<wire::SessionOpenedResponse>(*opened));
    const std::string session_id = std::get<wire::SessionOpenedResponse>(*opened).session_id;

    wire::CreateVmRequest create;
    create.config = R"({"permissions":{"fs":"allow","childProcess":"allow","env":"allow"},)"
                    R"("limits":{"jsRuntime":{"capturedOutputLimitBytes":1048576}}})";
    ASSERT_TRUE(sidecar_.send(wire::SessionOwnership{.connection_id = connection, .session_id = session_id}, create));
    auto created = sidecar_.response();
    ASSERT_TRUE(created && std::holds_alternative<wire::VmCreatedResponse>(*created));
    vm_ = wire::VmOwnership{.connection_id = connection,
                            .session_id = session_id,
                            .vm_id = std::get<wire::VmCreatedResponse>(*created).vm_id};
  }

  void execute_eval(const std::string& process_id, const std::string& code) {
    wire::ExecuteRequest execute;
    execute.process_id = process_id;
    execute.command = "node";
    execute.args = {"-e", code};
    ASSERT_TRUE(sidecar_.send(vm_, execute));
  }

  RawSidecar sidecar_;
  wire::VmOwnership vm_;
};

TEST_F(OutputLimitTest, FastWritersAreHeldBackWithoutLosingOrReordering) {
  // A first process loads the engine, so the baseline below includes it.
  execute_eval("warm", "console.log('warm')");
  for (bool exited = false; !exited;) {
    auto frame = sidecar_.next();
    ASSERT_TRUE(frame.has_value());
    auto* event = std::get_if<wire::EventFrame>(&*frame);
    exited = event != nullptr && std::holds_alternative<wire::ProcessExitedEvent>(event->payload);
  }
  const uint64_t before = resident_bytes(sidecar_.pid());
  ASSERT_GT(before, 0u);
  // Two writers of 64 MiB each: MiB number i is filled with the letter 'A' + i % 26. While one
  // waits in its write(2) to the slow host, the other's output would pile up in the sidecar if
  // nothing held it back.
  const std::string writer = R"JS(
const block = Buffer.alloc(1024 * 1024);
for (let i = 0; i < 64; i++) { block.fill(65 + i % 26); process.stdout.write(block); }
)JS";
  execute_eval("a", writer);
  execute_eval("b", writer);
  std::map<std::string, uint64_t> received;
  bool in_order = true;
  std::map<std::string, int32_t> exit_codes;
  uint64_t peak = before;
  while (exit_codes.size() < 2) {
    auto frame = sidecar_.next();
    ASSERT_TRUE(frame.has_value()) << "the sidecar's output ended early";
    auto* event = std::get_if<wire::EventFrame>(&*frame);
    if (event == nullptr) continue;
    if (auto* output = std::get_if<wire::ProcessOutputEvent>(&event->payload)) {
      uint64_t& count = received[output->process_id];
      for (uint8_t byte : output->chunk) {
        in_order = in_order && byte == 'A' + (count / kMiB) % 26;
        ++count;
      }
      // The slow host.
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      peak = std::max(peak, resident_bytes(sidecar_.pid()));
    } else if (auto* exited = std::get_if<wire::ProcessExitedEvent>(&event->payload)) {
      exit_codes[exited->process_id] = exited->exit_code;
    }
  }
  EXPECT_EQ(exit_codes["a"], 0);
  EXPECT_EQ(exit_codes["b"], 0);
  EXPECT_EQ(received["a"], 64 * kMiB);
  EXPECT_EQ(received["b"], 64 * kMiB);
  EXPECT_TRUE(in_order);
  // Held output is bounded by 1 MiB per process (plus copies of the chunks in flight), far from
  // the 128 MiB written.
  if (kResidentSizeIsMeaningful) {
    EXPECT_LT(peak - before, 24 * kMiB) << "VmRSS grew from " << before << " to " << peak;
  }
}

TEST_F(OutputLimitTest, KillEndsAWriterBlockedOnTheHost) {
  execute_eval("k", "const block = Buffer.alloc(1024 * 1024, 120); for (;;) process.stdout.write(block);");
  // Read until output flows, then stop reading: the writer ends up waiting for the host.
  for (;;) {
    auto frame = sidecar_.next();
    ASSERT_TRUE(frame.has_value());
    auto* event = std::get_if<wire::EventFrame>(&*frame);
    if (event != nullptr && std::holds_alternative<wire::ProcessOutputEvent>(event->payload)) break;
  }
  wire::KillProcessRequest kill;
  kill.process_id = "k";
  kill.signal = "SIGKILL";
  ASSERT_TRUE(sidecar_.send(vm_, kill));
  // Whatever was held when the kill arrived drains, then the exit follows; a writer the kill did
  // not stop would go on producing output forever.
  uint64_t after_kill = 0;
  for (;;) {
    auto frame = sidecar_.next();
    ASSERT_TRUE(frame.has_value());
    auto* event = std::get_if<wire::EventFrame>(&*frame);
    if (event == nullptr) continue;
    if (auto* output = std::get_if<wire::ProcessOutputEvent>(&event->payload)) {
      after_kill += output->chunk.size();
      ASSERT_LT(after_kill, 16 * kMiB) << "the killed writer kept writing";
    } else if (auto* exited = std::get_if<wire::ProcessExitedEvent>(&event->payload)) {
      EXPECT_EQ(exited->exit_code, 137);
      break;
    }
  }
}

}  // namespace
}  // namespace se::integration
