// JSON form of wire values: shapes, the `data` representation, and reader errors.
#include "wire/json_value.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "wire/protocol.h"

namespace se::wire {
namespace {

using nlohmann::json;

TEST(JsonValue, DataIsTextWhenUtf8AndBase64Otherwise) {
  EXPECT_EQ(to_json_value(Bytes{'h', 'i', '\n'}), json("hi\n"));
  EXPECT_EQ(to_json_value(Bytes{0x01}), json("\u0001"));
  EXPECT_EQ(to_json_value(Bytes{0x00, 0x01, 0xff}), json::parse(R"({"base64": "AAH/"})"));
  for (const Bytes& bytes : {Bytes{}, Bytes{0xc3, 0xa9}, Bytes{0xff}, Bytes{0xc0, 0x80, 0x41}, Bytes{0, 0, 0}}) {
    auto back = from_json_value<Bytes>(to_json_value(bytes));
    ASSERT_TRUE(back.has_value()) << to_json_value(bytes).dump();
    EXPECT_EQ(*back, bytes);
  }
  // Either form is accepted on input.
  EXPECT_EQ(*from_json_value<Bytes>(json::parse(R"({"base64": "aGk="})")), (Bytes{'h', 'i'}));
}

TEST(JsonValue, DataRejectsOtherShapes) {
  EXPECT_FALSE(from_json_value<Bytes>(json(5)).has_value());
  EXPECT_FALSE(from_json_value<Bytes>(json::parse(R"({"base64": "a"})")).has_value());
  EXPECT_FALSE(from_json_value<Bytes>(json::parse(R"({"hex": "00"})")).has_value());
  EXPECT_FALSE(from_json_value<Bytes>(json::parse(R"({"base64": "AA==", "x": 1})")).has_value());
}

TEST(JsonValue, ProcessOutputChunkWithBinaryBytesRoundTrips) {
  const ProtocolFrame frame = EventFrame{current_schema(), VmOwnership{"c", "s", "v"},
                                         ProcessOutputEvent{"p1", StreamChannel::STDERR, Bytes{0x89, 'P', 'N', 'G'}}};
  const json expected = json::parse(R"({"type": "EventFrame", "value": {
      "schema": {"name": "secure-exec-sidecar", "version": 7},
      "ownership": {"type": "VmOwnership", "value": {"connectionId": "c", "sessionId": "s", "vmId": "v"}},
      "payload": {"type": "ProcessOutputEvent",
                  "value": {"processId": "p1", "channel": "STDERR", "chunk": {"base64": "iVBORw=="}}}}})");
  EXPECT_EQ(to_json_value(frame), expected);
  auto back = from_json_value<ProtocolFrame>(expected);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, frame);
}

TEST(JsonValue, IntegersAreRangeChecked) {
  EXPECT_EQ(*from_json_value<uint16_t>(json(65535)), 65535);
  EXPECT_FALSE(from_json_value<uint16_t>(json(65536)).has_value());
  EXPECT_FALSE(from_json_value<uint32_t>(json(-1)).has_value());
  EXPECT_EQ(*from_json_value<int64_t>(json(-1)), -1);
  EXPECT_EQ(*from_json_value<uint64_t>(json(UINT64_MAX)), UINT64_MAX);
  EXPECT_FALSE(from_json_value<int64_t>(json(UINT64_MAX)).has_value());
  EXPECT_FALSE(from_json_value<int32_t>(json(1.5)).has_value());
  EXPECT_FALSE(from_json_value<uint8_t>(json("1")).has_value());
}

TEST(JsonValue, IntegerMapKeysAreDecimalStrings) {
  SignalStateResponse state{"p", {{15, {SignalDispositionAction::USER, {2}, 0}}}};
  const json expected =
      json::parse(R"({"processId": "p", "handlers": {"15": {"action": "USER", "mask": [2], "flags": 0}}})");
  EXPECT_EQ(to_json_value(state), expected);
  EXPECT_EQ(*from_json_value<SignalStateResponse>(expected), state);
  json bad = expected;
  bad["handlers"] = json::parse(R"({"x15": {"action": "USER", "mask": [], "flags": 0}})");
  auto parsed = from_json_value<SignalStateResponse>(bad);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().message, "/handlers/x15: expected an integer map key, got \"x15\"");
}

TEST(JsonValue, VoidMembersAndEnumScopes) {
  EXPECT_EQ(to_json_value(RequestPayload{CreateLayerRequest{}}),
            json::parse(R"({"type": "CreateLayerRequest", "value": null})"));
  EXPECT_EQ(to_json_value(FsPermissionScope{PermissionMode::ASK}),
            json::parse(R"({"type": "PermissionMode", "value": "ASK"})"));
  FsPermissionRuleSet rules{PermissionMode::DENY, {{PermissionMode::ALLOW, {"read"}, {"/tmp/**"}}}};
  EXPECT_EQ(to_json_value(rules), json::parse(R"({"default": "DENY", "rules": [
      {"mode": "ALLOW", "operations": ["read"], "paths": ["/tmp/**"]}]})"));
  EXPECT_FALSE(from_json_value<RequestPayload>(json::parse(R"({"type": "CreateLayerRequest", "value": 1})")));
}

TEST(JsonValue, ErrorsNameThePath) {
  auto frame = from_json_value<ProtocolFrame>(json::parse(R"({"type": "RequestFrame", "value": {
      "schema": {"name": "secure-exec-sidecar", "version": 7}, "requestId": 1,
      "ownership": {"type": "ConnectionOwnership", "value": {"connectionId": 5}},
      "payload": {"type": "CreateLayerRequest", "value": null}}})"));
  ASSERT_FALSE(frame.has_value());
  EXPECT_EQ(frame.error().message, "/value/ownership/value/connectionId: expected string");
  EXPECT_EQ(frame.error().errno_code, EINVAL);
}

TEST(JsonValue, StrictAboutUnknownAndMissingFields) {
  auto unknown = from_json_value<ConnectionOwnership>(json::parse(R"({"connectionId": "c", "extra": 1})"));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message, "unknown field \"extra\"");
  auto missing = from_json_value<SessionOwnership>(json::parse(R"({"connectionId": "c"})"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "missing field \"sessionId\"");
  auto member = from_json_value<OwnershipScope>(json::parse(R"({"type": "NoSuchOwnership", "value": {}})"));
  ASSERT_FALSE(member.has_value());
  EXPECT_EQ(member.error().message, "/type: unknown union member \"NoSuchOwnership\"");
  auto enum_name = from_json_value<GuestRuntimeKind>(json("RUBY"));
  ASSERT_FALSE(enum_name.has_value());
  EXPECT_EQ(enum_name.error().message, "unknown GuestRuntimeKind \"RUBY\"");
}

TEST(JsonValue, AbsentOptionalFieldsReadAsNull) {
  auto call = from_json_value<GuestFilesystemCallRequest>(
      json::parse(R"({"operation": "STAT", "path": "/w", "recursive": false})"));
  ASSERT_TRUE(call.has_value()) << call.error().message;
  EXPECT_EQ(call->operation, GuestFilesystemOperation::STAT);
  EXPECT_FALSE(call->mode.has_value());
  // Written out, every optional is present as null.
  EXPECT_TRUE(to_json_value(*call).at("offset").is_null());
}

TEST(JsonValue, KeywordFieldsKeepTheirSchemaNames) {
  ExtEnvelope envelope{"nope", Bytes{1}};
  EXPECT_EQ(to_json_value(envelope), json::parse(R"({"namespace": "nope", "payload": "\u0001"})"));
  PatternPermissionRuleSet rules;
  rules.default_ = PermissionMode::ALLOW;
  EXPECT_EQ(to_json_value(rules).at("default"), json("ALLOW"));
}

}  // namespace
}  // namespace se::wire
