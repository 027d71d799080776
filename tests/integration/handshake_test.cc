// Authenticate and OpenSession against the real sidecar (spec/protocol.md s3.1-3.2,
// spec/peer-behaviour.md s3, spec/README.md D4).
#include <thread>

#include "sidecar_fixture.h"

namespace se::integration {
namespace {

using wire::AuthenticatedResponse;

wire::AuthenticateRequest auth_request(uint16_t protocol_version, uint32_t bridge_version, std::string token = "tok") {
  wire::AuthenticateRequest request;
  request.client_name = "integration-test";
  request.auth_token = std::move(token);
  request.protocol_version = protocol_version;
  request.bridge_version = bridge_version;
  return request;
}

class HandshakeTest : public SidecarTest {};

TEST_F(HandshakeTest, AuthenticateAnswersConn1WithTheNewConnectionAsOwnership) {
  auto& client = start();
  const auto frame = ASSERT_OK(client.call_frame(client::connection_scope("client-hint"),
                                                 auth_request(wire::kProtocolVersion, wire::kBridgeVersion)));
  const auto* owner = std::get_if<wire::ConnectionOwnership>(&frame.ownership);
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->connection_id, "conn-1");
  const auto* authenticated = std::get_if<AuthenticatedResponse>(&frame.payload);
  ASSERT_NE(authenticated, nullptr) << client::payload_kind(frame.payload);
  EXPECT_EQ(authenticated->sidecar_id, "secure-exec-sidecar");
  EXPECT_EQ(authenticated->connection_id, "conn-1");
  EXPECT_EQ(authenticated->max_frame_bytes, 16777216u);
}

TEST_F(HandshakeTest, SidecarSendsNothingBeforeTheFirstRequest) {
  auto& client = start();
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(client.connection().received_frames().empty());
  EXPECT_TRUE(client.connection().is_alive());
}

TEST_F(HandshakeTest, ProtocolVersionMismatchIsRejectedAndTheConnectionStaysUsable) {
  auto& client = start();
  EXPECT_REJECTED(client.authenticate(auth_request(6, 1)), "protocol_version_mismatch",
                  "sidecar protocol version mismatch: expected 7, got 6");
  // A failed Authenticate allocates nothing: the next one is still conn-1.
  const auto authenticated = ASSERT_OK(client.authenticate("integration-test", "tok"));
  EXPECT_EQ(authenticated.connection_id, "conn-1");
}

TEST_F(HandshakeTest, RejectionOfAuthenticateEchoesTheHintOwnership) {
  auto& client = start();
  const auto frame = ASSERT_OK(client.call_frame(client::connection_scope("my-hint"), auth_request(8, 1)));
  EXPECT_EQ(frame.ownership, client::connection_scope("my-hint"));
  ASSERT_TRUE(std::holds_alternative<wire::RejectedResponse>(frame.payload));
}

TEST_F(HandshakeTest, BridgeVersionMismatchIsRejected) {
  auto& client = start();
  EXPECT_REJECTED(client.authenticate(auth_request(7, 2)), "bridge_version_mismatch",
                  "bridge contract version mismatch: expected 1, got 2");
}

TEST_F(HandshakeTest, ProtocolVersionIsCheckedBeforeBridgeVersion) {
  auto& client = start();
  EXPECT_REJECTED(client.authenticate(auth_request(6, 2)), "protocol_version_mismatch",
                  "sidecar protocol version mismatch: expected 7, got 6");
}

TEST_F(HandshakeTest, AuthenticatingAgainGivesANewConnection) {
  auto& client = start();
  EXPECT_EQ(ASSERT_OK(client.authenticate("a", "tok")).connection_id, "conn-1");
  EXPECT_EQ(ASSERT_OK(client.authenticate("b", "tok")).connection_id, "conn-2");
  EXPECT_EQ(ASSERT_OK(client.authenticate("c", "tok")).connection_id, "conn-3");
}

TEST_F(HandshakeTest, AnyTokenIsAcceptedWhenNoneIsConfigured) {
  auto& client = start({.env_unset = {"SECURE_EXEC_AUTH_TOKEN"}});
  EXPECT_EQ(ASSERT_OK(client.authenticate("a", "")).connection_id, "conn-1");
  EXPECT_EQ(ASSERT_OK(client.authenticate("a", "anything at all")).connection_id, "conn-2");
}

TEST_F(HandshakeTest, AuthTokenFlagRejectsAWrongToken) {
  auto& client = start({.args = {"--auth-token", "s3cret"}, .env_unset = {"SECURE_EXEC_AUTH_TOKEN"}});
  EXPECT_REJECTED(client.authenticate("a", "wrong"), "unauthorized",
                  "authenticate request provided an invalid auth token");
  EXPECT_REJECTED(client.authenticate("a", ""), "unauthorized", "authenticate request provided an invalid auth token");
  EXPECT_EQ(ASSERT_OK(client.authenticate("a", "s3cret")).connection_id, "conn-1");
}

TEST_F(HandshakeTest, AuthTokenEnvironmentVariableRejectsAWrongToken) {
  auto& client = start({.env = {{"SECURE_EXEC_AUTH_TOKEN", "from-env"}}});
  EXPECT_REJECTED(client.authenticate("a", "s3cret"), "unauthorized",
                  "authenticate request provided an invalid auth token");
  EXPECT_EQ(ASSERT_OK(client.authenticate("a", "from-env")).connection_id, "conn-1");
}

TEST_F(HandshakeTest, TokenIsCheckedBeforeVersions) {
  auto& client = start({.args = {"--auth-token", "s3cret"}});
  auto request = auth_request(6, 2, "wrong");
  EXPECT_REJECTED(client.authenticate(request), "unauthorized", "authenticate request provided an invalid auth token");
}

TEST_F(HandshakeTest, AuthenticateNeedsConnectionScope) {
  auto& client = start();
  const auto frame = ASSERT_OK(client.call_frame(client::session_scope("conn-1", "session-1"),
                                                 auth_request(wire::kProtocolVersion, wire::kBridgeVersion)));
  const auto* rejected = std::get_if<wire::RejectedResponse>(&frame.payload);
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->code, "invalid_state");
  EXPECT_EQ(rejected->message, "request requires connection ownership scope");
  EXPECT_EQ(frame.ownership, client::session_scope("conn-1", "session-1"));
}

TEST_F(HandshakeTest, NegativeRequestIdsAreAnsweredWithTheSameId) {
  auto& client = start();
  auto& connection = client.connection();
  const auto pending = connection.expect_response(-5);
  ASSERT_TRUE(connection.send_frame(request_frame(-5, client::connection_scope("client-hint"),
                                                  auth_request(wire::kProtocolVersion, wire::kBridgeVersion))));
  const auto response = pending.wait(10s);
  ASSERT_TRUE(response.has_value()) << response.error().to_string();
  EXPECT_EQ(response->request_id, -5);
  EXPECT_TRUE(std::holds_alternative<AuthenticatedResponse>(response->payload));
}

class SessionTest : public SidecarTest {};

TEST_F(SessionTest, OpenSessionAnswersSession1OwnedByTheConnection) {
  auto& client = start();
  ASSERT_OK(client.authenticate("a", "tok"));
  wire::OpenSessionRequest request;
  request.placement = wire::SidecarPlacementShared{};
  const auto frame = ASSERT_OK(client.call_frame(client::connection_scope("conn-1"), request));
  EXPECT_EQ(frame.ownership, client::connection_scope("conn-1"));
  const auto* opened = std::get_if<wire::SessionOpenedResponse>(&frame.payload);
  ASSERT_NE(opened, nullptr) << client::payload_kind(frame.payload);
  EXPECT_EQ(opened->session_id, "session-1");
  EXPECT_EQ(opened->owner_connection_id, "conn-1");
}

TEST_F(SessionTest, SecondSessionWithExplicitPlacementAndMetadataIsSession2) {
  auto& client = start();
  ASSERT_OK(client.authenticate("a", "tok"));
  ASSERT_OK(client.open_session());
  wire::OpenSessionRequest request;
  wire::SidecarPlacementExplicit placement;
  placement.sidecar_id = "some-other-sidecar";
  request.placement = placement;
  request.metadata = {{"team", "x"}, {"purpose", "test"}};
  const auto opened = ASSERT_OK(client.open_session(client::connection_scope("conn-1"), request));
  EXPECT_EQ(opened.session_id, "session-2");
  EXPECT_EQ(opened.owner_connection_id, "conn-1");
}

TEST_F(SessionTest, OpenSessionBeforeAuthenticateIsRejected) {
  auto& client = start();
  wire::OpenSessionRequest request;
  EXPECT_REJECTED(client.open_session(client::connection_scope("client-hint"), request), "invalid_state",
                  "connection client-hint has not authenticated");
}

TEST_F(SessionTest, OpenSessionOnAnUnknownConnectionIsRejected) {
  auto& client = start();
  ASSERT_OK(client.authenticate("a", "tok"));
  EXPECT_REJECTED(client.open_session(client::connection_scope("conn-999"), wire::OpenSessionRequest{}),
                  "invalid_state", "connection conn-999 has not authenticated");
}

TEST_F(SessionTest, OpenSessionNeedsConnectionScope) {
  auto& client = start();
  ASSERT_OK(client.authenticate("a", "tok"));
  EXPECT_REJECTED(client.open_session(client::session_scope("conn-1", "session-1"), wire::OpenSessionRequest{}),
                  "invalid_state", "request requires connection ownership scope");
}

}  // namespace
}  // namespace se::integration
