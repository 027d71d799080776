// Bad input never ends the sidecar (spec/README.md D1, D2): each malformed frame is answered with
// RejectedResponse{invalid_frame} when its request id and ownership can be read, otherwise skipped,
// and an existing VM keeps answering. Only EOF ends the process (exit 0), and stdout carries frames
// only (checked for every test by the fixture's teardown).
#include <thread>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using Op = wire::GuestFilesystemOperation;

// Byte offsets inside an encoded RequestFrame payload with the current schema.
constexpr size_t kSchemaVersionOffset = 1 + 1 + 19;            // frame tag, name length, name
constexpr size_t kRequestIdOffset = kSchemaVersionOffset + 2;  // after the u16 version

class MalformedFrameTest : public SidecarTest {
 protected:
  void SetUp() override {
    client_ = &start_with_session();
    auto vm = client_->create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig);
    ASSERT_TRUE(vm.has_value()) << vm.error().to_string();
    vm_ = *vm;
    ASSERT_OK(client_->write_file(vm_, "/workspace/keep.txt", "still here"));
  }

  // A fresh id that the client will never use itself.
  int64_t fresh_id() { return client_->connection().allocate_request_id(); }

  wire::Bytes encoded(int64_t id, wire::RequestPayload payload) {
    return wire::encode_frame(request_frame(id, vm_.ownership(), std::move(payload)));
  }

  // Sends raw bytes and expects RejectedResponse{invalid_frame} for `id` with the VM's ownership.
  void expect_invalid_frame(int64_t id, const wire::Bytes& bytes) {
    auto& connection = client_->connection();
    const auto pending = connection.expect_response(id);
    ASSERT_TRUE(connection.send_raw_bytes(bytes));
    const auto response = pending.wait(10s);
    ASSERT_TRUE(response.has_value()) << response.error().to_string();
    EXPECT_EQ(response->request_id, id);
    EXPECT_EQ(response->ownership, vm_.ownership());
    const auto* rejected = std::get_if<wire::RejectedResponse>(&response->payload);
    ASSERT_NE(rejected, nullptr) << client::payload_kind(response->payload);
    EXPECT_EQ(rejected->code, "invalid_frame");
    EXPECT_FALSE(rejected->message.empty());
  }

  // Sends raw bytes that carry no readable request id; nothing may be answered.
  void expect_skipped(const wire::Bytes& bytes) { ASSERT_TRUE(client_->connection().send_raw_bytes(bytes)); }

  // The sidecar is alive, in sync, and the VM created before the bad input still answers.
  void expect_still_serving() {
    EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/workspace/keep.txt")), "still here");
    ASSERT_OK(client_->write_file(vm_, "/workspace/after.txt", "written after"));
    EXPECT_EQ(ASSERT_OK(client_->read_file(vm_, "/workspace/after.txt")), "written after");
    EXPECT_TRUE(client_->connection().is_alive());
    EXPECT_EQ(client_->connection().unmatched_responses(), 0u);
  }

  client::Client* client_ = nullptr;
  client::VmHandle vm_;
};

TEST_F(MalformedFrameTest, WrongSchemaVersion) {
  const int64_t id = fresh_id();
  auto payload = encoded(id, wire::GetZombieTimerCountRequest{});
  payload[kSchemaVersionOffset] = 6;
  expect_invalid_frame(id, framed(payload));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, WrongSchemaName) {
  const int64_t id = fresh_id();
  auto frame = request_frame(id, vm_.ownership(), wire::GetZombieTimerCountRequest{});
  frame.schema.name = "bogus";
  expect_invalid_frame(id, framed(wire::encode_frame(frame)));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, RequestIdZeroIsSkipped) {
  expect_skipped(framed(encoded(0, wire::GetZombieTimerCountRequest{})));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, UnknownProtocolFrameTagIsSkipped) {
  auto payload = encoded(fresh_id(), wire::GetZombieTimerCountRequest{});
  payload[0] = 9;
  expect_skipped(framed(payload));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, UnknownRequestPayloadTag) {
  const int64_t id = fresh_id();
  auto payload = encoded(id, wire::GetZombieTimerCountRequest{});  // void member: the tag is the last byte
  payload.back() = 28;
  expect_invalid_frame(id, framed(payload));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, EnumValueOutOfRange) {
  const int64_t id = fresh_id();
  const size_t header = encoded(id, wire::GetZombieTimerCountRequest{}).size() - 1;
  auto payload = encoded(id, client::fs_call(Op::READ_FILE, "/workspace/keep.txt"));
  payload[header + 1] = 20;  // GuestFilesystemOperation has 20 members
  expect_invalid_frame(id, framed(payload));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, InvalidUtf8InAString) {
  const int64_t id = fresh_id();
  auto request = client::fs_call(Op::WRITE_FILE, "/workspace/MARK");
  request.content = "x";
  auto payload = encoded(id, request);
  ASSERT_TRUE(replace_bytes(payload, "MARK", {0xff, 0xfe, 0xc0, 0x80}));
  expect_invalid_frame(id, framed(payload));
  EXPECT_EQ(ASSERT_OK(client_->read_dir(vm_, "/workspace")), (std::vector<std::string>{"keep.txt"}));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, InvalidBoolByte) {
  const int64_t id = fresh_id();
  auto request = client::fs_call(Op::MKDIR, "/workspace/BOOL");
  auto payload = encoded(id, request);
  // After the path come destinationPath, target, content, encoding (absent) and then `recursive`.
  const std::string path = "/workspace/BOOL";
  const auto at = std::search(payload.begin(), payload.end(), path.begin(), path.end()) - payload.begin();
  const size_t recursive_at = static_cast<size_t>(at) + path.size() + 4;
  ASSERT_EQ(payload.at(recursive_at), 0);
  payload[recursive_at] = 7;
  expect_invalid_frame(id, framed(payload));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, ZeroLengthFrameIsSkipped) {
  expect_skipped(framed_with_length(0, {}));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, BodyTruncatedAfterTheOwnership) {
  const int64_t id = fresh_id();
  const size_t header = encoded(id, wire::GetZombieTimerCountRequest{}).size() - 1;
  auto request = client::fs_call(Op::WRITE_FILE, "/workspace/cut.txt");
  request.content = "never written";
  auto payload = encoded(id, request);
  payload.resize(header + 4);  // payload tag, operation, part of the path
  expect_invalid_frame(id, framed(payload));
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/workspace/cut.txt")));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, BodyTruncatedInsideTheHeaderIsSkipped) {
  auto payload = encoded(fresh_id(), wire::GetZombieTimerCountRequest{});
  payload.resize(kRequestIdOffset + 3);
  expect_skipped(framed(payload));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, TrailingBytesAfterAFrameAreIgnored) {
  auto& connection = client_->connection();
  const int64_t id = fresh_id();
  auto payload = encoded(id, client::fs_call(Op::READ_FILE, "/workspace/keep.txt"));
  payload.insert(payload.end(), {1, 2, 3, 4, 5});
  const auto pending = connection.expect_response(id);
  ASSERT_TRUE(connection.send_raw_bytes(framed(payload)));
  const auto response = pending.wait(10s);
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  const auto* result = std::get_if<wire::GuestFilesystemResultResponse>(&response->payload);
  ASSERT_NE(result, nullptr) << client::payload_kind(response->payload);
  EXPECT_EQ(result->content, std::optional<std::string>("still here"));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, OversizedFrameIsDrainedAndAnsweredFrameTooLarge) {
  const int64_t id = fresh_id();
  auto request = client::fs_call(Op::WRITE_FILE, "/workspace/huge.bin");
  request.content = std::string(wire::kMaxFrameBytes, 'h');
  auto payload = encoded(id, request);
  ASSERT_GT(payload.size(), wire::kMaxFrameBytes);
  payload.resize(wire::kMaxFrameBytes + 1);  // still a valid header; the content is cut short
  auto& connection = client_->connection();
  const auto pending = connection.expect_response(id);
  ASSERT_TRUE(connection.send_raw_bytes(framed(payload)));
  const auto response = pending.wait(30s);
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  EXPECT_EQ(response->ownership, vm_.ownership());
  const auto* rejected = std::get_if<wire::RejectedResponse>(&response->payload);
  ASSERT_NE(rejected, nullptr) << client::payload_kind(response->payload);
  EXPECT_EQ(rejected->code, "frame_too_large");
  EXPECT_FALSE(ASSERT_OK(client_->exists(vm_, "/workspace/huge.bin")));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, FrameOfExactlyTheLimitIsAccepted) {
  const int64_t id = fresh_id();
  auto request = client::fs_call(Op::WRITE_FILE, "/workspace/limit.bin");
  request.content = "";
  const size_t overhead = encoded(id, request).size();
  request.content = std::string(wire::kMaxFrameBytes - overhead - 3, 'l');  // the content length grows to 4 bytes
  auto payload = encoded(id, request);
  ASSERT_EQ(payload.size(), wire::kMaxFrameBytes);
  auto& connection = client_->connection();
  const auto pending = connection.expect_response(id);
  ASSERT_TRUE(connection.send_raw_bytes(framed(payload)));
  const auto response = pending.wait(30s);
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  EXPECT_TRUE(std::holds_alternative<wire::GuestFilesystemResultResponse>(response->payload))
      << wire::to_json_value(response->payload).dump();
  expect_still_serving();
}

TEST_F(MalformedFrameTest, ResponseFrameSentToTheSidecar) {
  const int64_t id = fresh_id();
  wire::ResponseFrame frame;
  frame.schema = wire::current_schema();
  frame.request_id = id;
  frame.ownership = vm_.ownership();
  frame.payload = wire::ZombieTimerCountResponse{};
  auto& connection = client_->connection();
  const auto pending = connection.expect_response(id);
  ASSERT_TRUE(connection.send_frame(frame));
  expect_still_serving();
  // A ResponseFrame is not a request: skipping it is right; if it is answered, only as invalid_frame.
  if (const auto response = pending.wait(200ms)) {
    const auto* rejected = std::get_if<wire::RejectedResponse>(&response->payload);
    ASSERT_NE(rejected, nullptr) << client::payload_kind(response->payload);
    EXPECT_EQ(rejected->code, "invalid_frame");
  }
}

TEST_F(MalformedFrameTest, EventFrameSentToTheSidecarIsSkipped) {
  wire::EventFrame frame;
  frame.schema = wire::current_schema();
  frame.ownership = vm_.ownership();
  wire::VmLifecycleEvent lifecycle;
  lifecycle.state = wire::VmLifecycleState::READY;
  frame.payload = lifecycle;
  ASSERT_TRUE(client_->connection().send_frame(frame));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, SidecarRequestFrameSentToTheSidecarIsSkipped) {
  wire::SidecarRequestFrame frame;
  frame.schema = wire::current_schema();
  frame.request_id = -3;
  frame.ownership = vm_.ownership();
  wire::HostCallbackRequest callback;
  callback.invocation_id = "x";
  callback.callback_key = "x:y";
  callback.input = "{}";
  frame.payload = callback;
  ASSERT_TRUE(client_->connection().send_frame(frame));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, StraySidecarResponseIsIgnored) {  // D2
  wire::SidecarResponseFrame frame;
  frame.schema = wire::current_schema();
  frame.request_id = -77;
  frame.ownership = vm_.ownership();
  wire::HostCallbackResultResponse result;
  result.invocation_id = "nobody-asked";
  result.result = "{}";
  frame.payload = result;
  ASSERT_TRUE(client_->connection().send_frame(frame));
  ASSERT_TRUE(client_->connection().send_frame(frame));  // and a duplicate
  expect_still_serving();
}

TEST_F(MalformedFrameTest, JsonInsteadOfBareIsSkipped) {
  const std::string json = R"({"type":"RequestFrame"})";
  expect_skipped(framed(wire::Bytes(json.begin(), json.end())));
  expect_still_serving();
}

TEST_F(MalformedFrameTest, ManyBadFramesInARow) {
  for (int i = 0; i < 50; ++i) {
    auto payload = encoded(fresh_id(), wire::GetZombieTimerCountRequest{});
    payload[0] = static_cast<uint8_t>(5 + i % 100);
    ASSERT_TRUE(client_->connection().send_raw_bytes(framed(payload)));
    ASSERT_TRUE(client_->connection().send_raw_bytes(framed_with_length(0, {})));
  }
  expect_still_serving();
}

class ShutdownTest : public SidecarTest {};

TEST_F(ShutdownTest, CleanEofExitsZero) {
  auto& client = start_with_session();
  auto vm = ASSERT_OK(client.create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  ASSERT_OK(client.write_file(vm, "/workspace/a.txt", "a"));
  client.connection().close_stdin();
  EXPECT_EQ(client.connection().wait_exit(10s), std::optional<int>(0));
  // No lifecycle events are written for the implicit disposal at shutdown.
  std::vector<wire::VmLifecycleState> after_ready;
  for (const auto& event : client.connection().take_events()) {
    if (const auto* lifecycle = std::get_if<wire::VmLifecycleEvent>(&event.payload))
      after_ready.push_back(lifecycle->state);
  }
  EXPECT_EQ(after_ready, std::vector<wire::VmLifecycleState>{});
}

TEST_F(ShutdownTest, EofBeforeAnyRequestExitsZero) {
  auto& client = start();
  client.connection().close_stdin();
  EXPECT_EQ(client.connection().wait_exit(10s), std::optional<int>(0));
  EXPECT_TRUE(client.connection().received_frames().empty());
}

TEST_F(ShutdownTest, EofInsideALengthPrefixExitsZero) {
  auto& client = start_with_session();
  ASSERT_TRUE(client.connection().send_raw_bytes({0, 0, 0}));
  client.connection().close_stdin();
  EXPECT_EQ(client.connection().wait_exit(10s), std::optional<int>(0));
}

TEST_F(ShutdownTest, EofInsideAFrameEndsTheProcess) {
  auto& client = start_with_session();
  ASSERT_TRUE(client.connection().send_raw_bytes({0, 0, 0, 100, 0, 1, 2}));
  client.connection().close_stdin();
  EXPECT_TRUE(client.connection().wait_exit(10s).has_value());
}

TEST_F(ShutdownTest, AnsweredRequestsAreFlushedBeforeExit) {
  auto& client = start_with_session();
  auto vm = ASSERT_OK(client.create_vm(wire::GuestRuntimeKind::JAVA_SCRIPT, client::kAllowAllConfig));
  auto& connection = client.connection();
  std::vector<client::PendingResponse> pending;
  for (int i = 0; i < 20; ++i) {
    auto sent = connection.send_request(vm.ownership(), client::fs_call(Op::READ_FILE, "/etc/hostname"));
    ASSERT_TRUE(sent.has_value());
    pending.push_back(*sent);
  }
  connection.close_stdin();
  for (const auto& p : pending) {
    const auto response = p.wait(10s);
    ASSERT_TRUE(response.has_value()) << response.error().to_string();
    EXPECT_TRUE(std::holds_alternative<wire::GuestFilesystemResultResponse>(response->payload));
  }
  EXPECT_EQ(connection.wait_exit(10s), std::optional<int>(0));
}

}  // namespace
}  // namespace se::integration
