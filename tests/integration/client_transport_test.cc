// The client's transport against a scripted fake sidecar (fake_sidecar.cc): response routing by id,
// duplicate and unknown ids, the bounded event queue, sidecar-originated requests and their
// handler, undecodable output, timeouts and a sidecar that dies mid-request.
#include <gtest/gtest.h>

#include <atomic>

#include "client/connection.h"

namespace se::integration {
namespace {

using namespace std::chrono_literals;

class ClientTransportTest : public ::testing::Test {
 protected:
  client::Connection& start(size_t event_capacity = 1024) {
    client::ConnectionOptions options;
    options.spawn.executable = FAKE_SIDECAR_PATH;
    options.event_queue_capacity = event_capacity;
    options.shutdown_grace = 2s;
    auto connection = client::Connection::start(std::move(options));
    EXPECT_TRUE(connection.has_value()) << connection.error().to_string();
    connection_ = std::move(connection).value();
    return *connection_;
  }

  // Sends ExtEnvelope{mode} and waits for its response.
  ErrorOr<wire::ResponseFrame> ext(const std::string& mode, std::chrono::milliseconds timeout = 5s) {
    wire::ExtEnvelope envelope;
    envelope.namespace_ = mode;
    return connection_->request(wire::ConnectionOwnership{"c"}, envelope, timeout);
  }

  static std::string namespace_of(const wire::ResponseFrame& frame) {
    return std::get<wire::ExtEnvelope>(frame.payload).namespace_;
  }

  std::unique_ptr<client::Connection> connection_;
};

TEST_F(ClientTransportTest, ResponsesAreRoutedByRequestIdAndIdsCountUpFromOne) {
  auto& connection = start();
  const auto first = ext("ok");
  ASSERT_TRUE(first.has_value()) << first.error().to_string();
  EXPECT_EQ(first->request_id, 1);
  EXPECT_EQ(first->ownership, wire::OwnershipScope(wire::ConnectionOwnership{"c"}));
  const auto second = ext("ok");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->request_id, 2);
  EXPECT_EQ(connection.unmatched_responses(), 0u);
}

TEST_F(ClientTransportTest, DuplicateResponseIsDropped) {
  auto& connection = start();
  const auto response = ext("duplicate");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(namespace_of(*response), "first");
  ASSERT_TRUE(ext("ok").has_value());  // the duplicate has been read by now
  EXPECT_EQ(connection.unmatched_responses(), 1u);
}

TEST_F(ClientTransportTest, ResponseWithAnUnknownIdIsDropped) {
  auto& connection = start();
  const auto response = ext("unknown-id");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(namespace_of(*response), "ok");
  EXPECT_EQ(connection.unmatched_responses(), 1u);
}

TEST_F(ClientTransportTest, PipelinedRequestsEachGetTheirOwnResponse) {
  auto& connection = start();
  std::vector<client::PendingResponse> pending;
  for (int i = 0; i < 100; ++i) {
    wire::ExtEnvelope envelope;
    envelope.namespace_ = "ok";
    auto sent = connection.send_request(wire::ConnectionOwnership{"c"}, envelope);
    ASSERT_TRUE(sent.has_value());
    pending.push_back(*sent);
  }
  for (auto it = pending.rbegin(); it != pending.rend(); ++it) {  // waiting order does not matter
    const auto response = it->wait(5s);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->request_id, it->request_id());
  }
}

TEST_F(ClientTransportTest, EventsAreQueuedAndWaitedForWithAPredicate) {
  auto& connection = start();
  ASSERT_TRUE(ext("events:5").has_value());
  auto is_chunk = [](std::string text) {
    return [text](const wire::EventFrame& event) {
      const auto* output = std::get_if<wire::ProcessOutputEvent>(&event.payload);
      return output != nullptr && std::string(output->chunk.begin(), output->chunk.end()) == text;
    };
  };
  EXPECT_TRUE(connection.wait_event(is_chunk("3"), 1s).has_value());
  EXPECT_FALSE(connection.wait_event(is_chunk("3"), 50ms).has_value());  // consumed
  EXPECT_FALSE(connection.wait_event(is_chunk("9"), 50ms).has_value());
  EXPECT_EQ(connection.take_events().size(), 4u);
}

TEST_F(ClientTransportTest, EventQueueIsBoundedAndDropsTheOldest) {
  auto& connection = start(10);
  ASSERT_TRUE(ext("events:25").has_value());
  const auto events = connection.take_events();
  ASSERT_EQ(events.size(), 10u);
  const auto& oldest = std::get<wire::ProcessOutputEvent>(events.front().payload);
  EXPECT_EQ(std::string(oldest.chunk.begin(), oldest.chunk.end()), "15");
  EXPECT_EQ(connection.dropped_events(), 15u);
}

TEST_F(ClientTransportTest, SidecarRequestsGetTheDefaultRefusal) {
  start();
  const auto response = ext("callback");
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  const auto& payload = std::get<wire::ExtEnvelope>(response->payload).payload;
  const auto answer = nlohmann::json::parse(std::string(payload.begin(), payload.end()));
  EXPECT_EQ(answer["type"], "SidecarResponseFrame");
  EXPECT_EQ(answer["value"]["requestId"], -1);
  EXPECT_EQ(answer["value"]["ownership"]["value"]["vmId"], "v");
  EXPECT_EQ(answer["value"]["payload"]["type"], "HostCallbackResultResponse");
  EXPECT_EQ(answer["value"]["payload"]["value"]["invocationId"], "tools:echo:1");
  EXPECT_TRUE(answer["value"]["payload"]["value"]["result"].is_null());
  EXPECT_FALSE(answer["value"]["payload"]["value"]["error"].get<std::string>().empty());
}

TEST_F(ClientTransportTest, SidecarRequestsGoToTheInstalledHandler) {
  auto& connection = start();
  std::atomic<int> calls = 0;
  connection.set_sidecar_request_handler([&calls](const wire::SidecarRequestFrame& request) {
    ++calls;
    const auto& callback = std::get<wire::HostCallbackRequest>(request.payload);
    wire::HostCallbackResultResponse result;
    result.invocation_id = callback.invocation_id;
    result.result = callback.input;
    return wire::SidecarResponsePayload(result);
  });
  const auto response = ext("callback");
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  const auto& payload = std::get<wire::ExtEnvelope>(response->payload).payload;
  const auto answer = nlohmann::json::parse(std::string(payload.begin(), payload.end()));
  EXPECT_EQ(answer["value"]["payload"]["value"]["result"], R"({"msg":"hi"})");
  EXPECT_TRUE(answer["value"]["payload"]["value"]["error"].is_null());
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ClientTransportTest, UndecodableOutputIsReportedAndTheStreamStaysInSync) {
  auto& connection = start();
  const auto response = ext("garbage");
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  EXPECT_EQ(namespace_of(*response), "ok");
  ASSERT_EQ(connection.stream_errors().size(), 1u);
  EXPECT_NE(connection.stream_errors()[0].find("undecodable frame"), std::string::npos);
}

TEST_F(ClientTransportTest, UnansweredRequestTimesOutAndStaysPending) {
  auto& connection = start();
  wire::ExtEnvelope envelope;
  envelope.namespace_ = "silent";
  auto pending = connection.send_request(wire::ConnectionOwnership{"c"}, envelope);
  ASSERT_TRUE(pending.has_value());
  const auto response = pending->wait(100ms);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().errno_code, ETIMEDOUT);
  ASSERT_TRUE(ext("ok").has_value());  // the connection is still usable
}

TEST_F(ClientTransportTest, SidecarExitFailsPendingRequestsAndReportsItsStatus) {
  auto& connection = start();
  const auto response = ext("exit:3");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().errno_code, ECONNRESET);
  EXPECT_EQ(connection.wait_exit(5s), std::optional<int>(3));
  EXPECT_FALSE(connection.is_alive());
  EXPECT_TRUE(connection.output_closed());
  const auto write = connection.send_raw_bytes({0, 0, 0, 0});
  ASSERT_FALSE(write.has_value());
  EXPECT_EQ(write.error().errno_code, EPIPE);
  EXPECT_FALSE(connection.wait_event([](const auto&) { return true; }, 1s).has_value());
}

TEST_F(ClientTransportTest, CloseStdinEndsTheFakeCleanly) {
  auto& connection = start();
  connection.close_stdin();
  EXPECT_EQ(connection.wait_exit(5s), std::optional<int>(0));
}

TEST_F(ClientTransportTest, MissingExecutableIsAnErrorValue) {
  client::ConnectionOptions options;
  options.spawn.executable = "/nonexistent/secure-exec-sidecar";
  const auto connection = client::Connection::start(std::move(options));
  ASSERT_FALSE(connection.has_value());
  EXPECT_EQ(connection.error().errno_code, ENOENT);
}

}  // namespace
}  // namespace se::integration
