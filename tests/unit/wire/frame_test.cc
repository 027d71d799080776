// Frame decoding: validation order and messages, truncation, trailing bytes, envelope peeking.
#include "wire/frame.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace se::wire {
namespace {

using testing::decode_error;
using testing::from_hex;
using testing::load_reference_session;
using testing::PayloadBuilder;

constexpr std::string_view kDeserialization = "protocol frame deserialization failed: ";

Bytes authenticate_frame(int64_t request_id = 7, ProtocolSchema schema = current_schema()) {
  return encode_frame(RequestFrame{std::move(schema), request_id, ConnectionOwnership{"conn-1"},
                                   AuthenticateRequest{"generated-test", "token", 7, 1}});
}

TEST(DecodeFrame, EmptyPayloadIsEndOfInput) {
  EXPECT_EQ(decode_error({}), std::string(kDeserialization) + "unexpected end of input");
}

TEST(DecodeFrame, EveryTruncationOfEveryGoldenFrameFailsCleanly) {
  for (const auto& golden : load_reference_session()) {
    for (size_t length = 0; length < golden.payload.size(); ++length) {
      const std::span<const uint8_t> prefix(golden.payload.data(), length);
      auto decoded = decode_frame(prefix);
      ASSERT_FALSE(decoded.has_value()) << golden.frame.dump() << " truncated to " << length;
      EXPECT_EQ(decoded.error().message, std::string(kDeserialization) + "unexpected end of input");
    }
  }
}

TEST(DecodeFrame, TrailingBytesAreIgnored) {
  Bytes payload = authenticate_frame();
  const auto expected = decode_frame(payload);
  ASSERT_TRUE(expected.has_value());
  payload.insert(payload.end(), {0xde, 0xad, 0xbe, 0xef, 0x09});
  auto decoded = decode_frame(payload);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(*decoded, *expected);
}

TEST(DecodeFrame, UnknownFrameTag) {
  EXPECT_EQ(decode_error(from_hex("09")),
            std::string(kDeserialization) + "invalid value: integer `9`, expected variant index 0 <= i < 5");
  // A JSON payload is just another unknown tag (0x7b = 123).
  EXPECT_EQ(decode_error(from_hex("7b7d")),
            std::string(kDeserialization) + "invalid value: integer `123`, expected variant index 0 <= i < 5");
}

TEST(DecodeFrame, UnknownRequestPayloadTag) {
  PayloadBuilder builder;
  builder.header(0).vm_ownership().uint(28);
  EXPECT_EQ(decode_error(builder.bytes()),
            std::string(kDeserialization) + "invalid value: integer `28`, expected variant index 0 <= i < 28");
}

TEST(DecodeFrame, EnumOutOfRangeInsidePayload) {
  // CreateVmRequest{runtime: 3}
  PayloadBuilder builder;
  builder.header(0)
      .value(OwnershipScope{SessionOwnership{"conn-1", "session-1"}})
      .uint(2)
      .uint(3)
      .value(std::string("{}"));
  EXPECT_EQ(decode_error(builder.bytes()),
            std::string(kDeserialization) + "invalid value: integer `3`, expected variant index 0 <= i < 3");
  // GuestFilesystemCallRequest{operation: 20}
  PayloadBuilder call;
  call.header(0).vm_ownership().uint(12).uint(20);
  EXPECT_EQ(decode_error(call.bytes()),
            std::string(kDeserialization) + "invalid value: integer `20`, expected variant index 0 <= i < 20");
}

TEST(DecodeFrame, InvalidUtf8InString) {
  PayloadBuilder builder;
  builder.header(0).uint(0).raw({0x02, 0xc0, 0x80});  // ConnectionOwnership{connectionId: overlong NUL}
  EXPECT_EQ(decode_error(builder.bytes()), std::string(kDeserialization) + "invalid utf-8 in string");
}

TEST(DecodeFrame, BadBoolAndOptionalBytes) {
  GuestFilesystemCallRequest call;
  call.path = "/w";
  call.recursive = true;
  Bytes good = encode_frame(RequestFrame{current_schema(), 3, VmOwnership{"c", "s", "v"}, call});
  ASSERT_TRUE(decode_frame(good).has_value());
  // After the path: four absent optionals, `recursive`, seven absent optionals.
  const size_t path_end = good.size() - 12;
  Bytes bad_optional = good;
  bad_optional[path_end] = 2;
  EXPECT_EQ(decode_error(bad_optional),
            std::string(kDeserialization) + "invalid value: integer `2`, expected an optional tag (0 or 1)");
  Bytes bad_bool = good;
  bad_bool[path_end + 4] = 2;
  EXPECT_EQ(decode_error(bad_bool),
            std::string(kDeserialization) + "invalid value: integer `2`, expected a boolean (0 or 1)");
}

TEST(DecodeFrame, HugeDeclaredListFailsFast) {
  // BootstrapRootFilesystemRequest claiming 2^60 entries.
  PayloadBuilder builder;
  builder.header(0).vm_ownership().uint(4).uint(uint64_t{1} << 60).raw({0x01, 0x61, 0x00});
  EXPECT_EQ(decode_error(builder.bytes()), std::string(kDeserialization) + "unexpected end of input");
  // ExtEnvelope whose payload claims 2^62 bytes.
  PayloadBuilder data;
  data.header(0).vm_ownership().uint(27).value(std::string("ns")).uint(uint64_t{1} << 62);
  EXPECT_EQ(decode_error(data.bytes()), std::string(kDeserialization) + "unexpected end of input");
}

TEST(DecodeFrame, SchemaNameAndVersionAreChecked) {
  EXPECT_EQ(decode_error(authenticate_frame(7, ProtocolSchema{"bogus", 7})),
            "unsupported protocol schema bogus@7; expected secure-exec-sidecar@7");
  EXPECT_EQ(decode_error(authenticate_frame(7, ProtocolSchema{"secure-exec-sidecar", 6})),
            "unsupported protocol schema secure-exec-sidecar@6; expected secure-exec-sidecar@7");
  const ProtocolFrame event = EventFrame{ProtocolSchema{"secure-exec-sidecar", 8}, VmOwnership{"c", "s", "v"},
                                         VmLifecycleEvent{VmLifecycleState::READY}};
  EXPECT_EQ(decode_error(encode_frame(event)),
            "unsupported protocol schema secure-exec-sidecar@8; expected secure-exec-sidecar@7");
}

TEST(DecodeFrame, SchemaIsCheckedBeforeRequestId) {
  EXPECT_EQ(decode_error(authenticate_frame(0, ProtocolSchema{"bogus", 7})),
            "unsupported protocol schema bogus@7; expected secure-exec-sidecar@7");
}

TEST(DecodeFrame, DeserializationIsCheckedBeforeSchema) {
  PayloadBuilder builder;
  builder.header(0, 1, ProtocolSchema{"bogus", 1}).vm_ownership().uint(28);
  EXPECT_EQ(decode_error(builder.bytes()),
            std::string(kDeserialization) + "invalid value: integer `28`, expected variant index 0 <= i < 28");
}

TEST(DecodeFrame, RequestIdZeroIsRejectedForEveryKindWithAnId) {
  const OwnershipScope vm = VmOwnership{"c", "s", "v"};
  const ProtocolFrame frames[] = {
      RequestFrame{current_schema(), 0, vm, CreateLayerRequest{}},
      ResponseFrame{current_schema(), 0, vm, RejectedResponse{"x", "y"}},
      SidecarRequestFrame{current_schema(), 0, vm, JsBridgeCallRequest{"c", "m", "op", "[]"}},
      SidecarResponseFrame{current_schema(), 0, vm, JsBridgeResultResponse{"c", "null", std::nullopt}},
  };
  for (const auto& frame : frames) {
    EXPECT_EQ(decode_error(encode_frame(frame)), "protocol request identifiers must be non-zero") << frame.index();
  }
}

TEST(DecodeFrame, NegativeRequestIdsAreAccepted) {
  auto decoded = decode_frame(authenticate_frame(-5));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(std::get<RequestFrame>(*decoded).request_id, -5);
}

TEST(DecodeFrame, ErrorsCarryEproto) {
  auto decoded = decode_frame(from_hex("09"));
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().errno_code, EPROTO);
}

TEST(ReadBe32, ReadsTheLengthPrefix) {
  const Bytes prefix = from_hex("0000003e");
  EXPECT_EQ(read_be32(prefix.data()), 62u);
  const Bytes max = from_hex("ffffffff");
  EXPECT_EQ(read_be32(max.data()), 0xffffffffu);
  const Bytes limit = from_hex("01000000");
  EXPECT_EQ(read_be32(limit.data()), kMaxFrameBytes);
}

TEST(PeekRequestEnvelope, ReadsIdAndOwnershipOfABrokenRequest) {
  PayloadBuilder builder;
  builder.header(0, 42).vm_ownership().uint(28).raw({0xff, 0xff});
  ASSERT_FALSE(decode_frame(builder.bytes()).has_value());
  auto envelope = peek_request_envelope(builder.bytes());
  ASSERT_TRUE(envelope.has_value());
  EXPECT_EQ(envelope->request_id, 42);
  EXPECT_EQ(envelope->ownership, (OwnershipScope{VmOwnership{"conn-1", "session-1", "vm-1"}}));
}

TEST(PeekRequestEnvelope, WorksWithAWrongSchemaAndInvalidUtf8InThePayload) {
  PayloadBuilder builder;
  builder.header(0, -3, ProtocolSchema{"bogus", 9}).value(OwnershipScope{ConnectionOwnership{"hint"}});
  builder.uint(0).raw({0x01, 0xff});
  auto envelope = peek_request_envelope(builder.bytes());
  ASSERT_TRUE(envelope.has_value());
  EXPECT_EQ(envelope->request_id, -3);
  EXPECT_EQ(envelope->ownership, (OwnershipScope{ConnectionOwnership{"hint"}}));
}

TEST(PeekRequestEnvelope, MatchesAValidRequest) {
  auto envelope = peek_request_envelope(authenticate_frame(7));
  ASSERT_TRUE(envelope.has_value());
  EXPECT_EQ(*envelope, (RequestEnvelope{7, ConnectionOwnership{"conn-1"}}));
}

TEST(PeekRequestEnvelope, NulloptWhenTheEnvelopeItselfIsUnreadable) {
  EXPECT_EQ(peek_request_envelope({}), std::nullopt);
  EXPECT_EQ(peek_request_envelope(authenticate_frame(0)), std::nullopt);  // request id 0
  PayloadBuilder sidecar_response;
  sidecar_response.header(4, -1).vm_ownership().uint(2);
  EXPECT_EQ(peek_request_envelope(sidecar_response.bytes()), std::nullopt);  // not a RequestFrame
  PayloadBuilder bad_ownership;
  bad_ownership.header(0, 5).uint(3);
  EXPECT_EQ(peek_request_envelope(bad_ownership.bytes()), std::nullopt);
  const Bytes full = authenticate_frame(7);
  // tag 1 + schema 22 + id 8 + ownership 8: the envelope is the first 39 bytes.
  EXPECT_EQ(peek_request_envelope(std::span<const uint8_t>(full.data(), 38)), std::nullopt);
  EXPECT_TRUE(peek_request_envelope(std::span<const uint8_t>(full.data(), 39)).has_value());
}

}  // namespace
}  // namespace se::wire
