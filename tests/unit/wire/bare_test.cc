// BARE primitives: varints, fixed integers, bool/optional bytes, UTF-8 strings, containers and bounds.
#include "wire/bare.h"

#include <gtest/gtest.h>

#include <limits>

#include "test_util.h"
#include "wire/protocol.h"

namespace se::wire {
namespace {

using testing::from_hex;
using testing::to_hex;

template <typename T>
Bytes encoded(const T& value) {
  Bytes out;
  Encoder encoder(out);
  encode(encoder, value);
  return out;
}

template <typename T>
ErrorOr<T> decoded(const Bytes& bytes, size_t* consumed = nullptr) {
  Decoder decoder(bytes);
  T value{};
  TRY(decode(decoder, value));
  if (consumed) *consumed = decoder.position();
  return value;
}

TEST(BareUint, EncodesLeb128) {
  const std::pair<uint64_t, const char*> cases[] = {
      {0, "00"},
      {1, "01"},
      {127, "7f"},
      {128, "8001"},
      {275, "9302"},
      {16384, "808001"},
      {std::numeric_limits<uint64_t>::max(), "ffffffffffffffffff01"},
  };
  for (const auto& [value, hex] : cases) {
    Bytes out;
    Encoder(out).write_uint(value);
    EXPECT_EQ(to_hex(out), hex) << value;
    Decoder decoder(out);
    auto read = decoder.read_uint();
    ASSERT_TRUE(read.has_value()) << value;
    EXPECT_EQ(*read, value);
    EXPECT_EQ(decoder.remaining(), 0u);
  }
}

TEST(BareUint, RejectsElevenBytesAndOverflow) {
  const char* invalid[] = {"ffffffffffffffffffff01", "ffffffffffffffffff02", "ffffffffffffffffff7f",
                           "80808080808080808080808001"};
  for (const char* hex : invalid) {
    Bytes bytes = from_hex(hex);
    auto read = Decoder(bytes).read_uint();
    ASSERT_FALSE(read.has_value()) << hex;
    EXPECT_EQ(read.error().message, "continuation bit indicated an invalid variable-length integer");
  }
}

TEST(BareUint, TruncatedVarintIsEndOfInput) {
  Bytes bytes = from_hex("ffff");
  auto read = Decoder(bytes).read_uint();
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().message, "unexpected end of input");
}

TEST(BareUint, AcceptsNonMinimalEncodingLikeTheReference) {
  Bytes bytes = from_hex("8000");
  auto read = Decoder(bytes).read_uint();
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, 0u);
}

TEST(BareFixed, LittleEndianRoundTrip) {
  EXPECT_EQ(to_hex(encoded<uint16_t>(0x1234)), "3412");
  EXPECT_EQ(to_hex(encoded<uint32_t>(0x01020304)), "04030201");
  EXPECT_EQ(to_hex(encoded<uint64_t>(0x0102030405060708)), "0807060504030201");
  EXPECT_EQ(to_hex(encoded<int32_t>(-2)), "feffffff");
  EXPECT_EQ(to_hex(encoded<int64_t>(std::numeric_limits<int64_t>::min())), "0000000000000080");
  EXPECT_EQ(*decoded<int32_t>(from_hex("8f000000")), 143);
  EXPECT_EQ(*decoded<int64_t>(from_hex("ffffffffffffffff")), -1);
  EXPECT_EQ(*decoded<uint16_t>(from_hex("0700")), 7);
  auto short_read = decoded<uint32_t>(from_hex("010203"));
  ASSERT_FALSE(short_read.has_value());
  EXPECT_EQ(short_read.error().message, "unexpected end of input");
}

TEST(BareBool, OnlyZeroAndOne) {
  EXPECT_EQ(*decoded<bool>(from_hex("00")), false);
  EXPECT_EQ(*decoded<bool>(from_hex("01")), true);
  auto two = decoded<bool>(from_hex("02"));
  ASSERT_FALSE(two.has_value());
  EXPECT_EQ(two.error().message, "invalid value: integer `2`, expected a boolean (0 or 1)");
  EXPECT_FALSE(decoded<bool>(from_hex("ff")).has_value());
}

TEST(BareOptional, TagOnlyZeroAndOne) {
  EXPECT_EQ(*decoded<std::optional<uint16_t>>(from_hex("00")), std::nullopt);
  EXPECT_EQ(*decoded<std::optional<uint16_t>>(from_hex("015000")), std::optional<uint16_t>(80));
  auto two = decoded<std::optional<uint16_t>>(from_hex("025000"));
  ASSERT_FALSE(two.has_value());
  EXPECT_EQ(two.error().message, "invalid value: integer `2`, expected an optional tag (0 or 1)");
  EXPECT_EQ(to_hex(encoded(std::optional<std::string>("a"))), "010161");
  EXPECT_EQ(to_hex(encoded(std::optional<std::string>())), "00");
}

TEST(BareString, AcceptsValidUtf8) {
  const std::string samples[] = {
      "", "plain", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", std::string("nul\0inside", 10)};
  for (const auto& text : samples) {
    auto read = decoded<std::string>(encoded(text));
    ASSERT_TRUE(read.has_value()) << to_hex(encoded(text));
    EXPECT_EQ(*read, text);
  }
}

TEST(BareString, RejectsInvalidUtf8) {
  const char* invalid[] = {
      "80",        // lone continuation byte
      "c080",      // overlong NUL
      "c1bf",      // overlong
      "e08080",    // overlong 3-byte
      "f0808080",  // overlong 4-byte
      "eda080",    // UTF-16 surrogate U+D800
      "edbfbf",    // surrogate U+DFFF
      "f4908080",  // U+110000
      "f5808080",  // lead byte past U+10FFFF
      "ff",        // never valid
      "e282",      // truncated sequence
      "c3",        // truncated at end
      "c328",      // bad continuation
  };
  for (const char* hex : invalid) {
    const Bytes text = from_hex(hex);
    Bytes bytes;
    Encoder(bytes).write_uint(text.size());
    bytes.insert(bytes.end(), text.begin(), text.end());
    auto read = decoded<std::string>(bytes);
    ASSERT_FALSE(read.has_value()) << hex;
    EXPECT_EQ(read.error().message, "invalid utf-8 in string") << hex;
  }
}

TEST(BareString, LengthPastInputIsEndOfInput) {
  auto read = decoded<std::string>(from_hex("0561"));
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().message, "unexpected end of input");
}

TEST(BareData, CarriesArbitraryBytes) {
  const Bytes data = {0x00, 0x01, 0xff, 0xc0};
  EXPECT_EQ(to_hex(encoded(data)), "040001ffc0");
  EXPECT_EQ(*decoded<Bytes>(encoded(data)), data);
  EXPECT_EQ(*decoded<Bytes>(from_hex("00")), Bytes{});
}

TEST(BareContainers, EmptyListAndMap) {
  EXPECT_EQ(to_hex(encoded(std::vector<std::string>{})), "00");
  EXPECT_EQ(to_hex(encoded(std::map<std::string, std::string>{})), "00");
  EXPECT_TRUE(decoded<std::vector<std::string>>(from_hex("00"))->empty());
  EXPECT_TRUE((decoded<std::map<std::string, std::string>>(from_hex("00"))->empty()));
}

TEST(BareContainers, ListAndMapRoundTrip) {
  const std::vector<uint16_t> ports = {80, 443};
  EXPECT_EQ(to_hex(encoded(ports)), "025000bb01");
  EXPECT_EQ(*decoded<std::vector<uint16_t>>(encoded(ports)), ports);
  const std::map<uint32_t, SignalHandlerRegistration> handlers = {{15, {SignalDispositionAction::USER, {2, 3}, 4}},
                                                                  {2, {SignalDispositionAction::IGNORE, {}, 0}}};
  EXPECT_EQ((*decoded<std::map<uint32_t, SignalHandlerRegistration>>(encoded(handlers))), handlers);
}

TEST(BareContainers, DuplicateMapKeysCollapseLastWins) {
  // {"k": "a", "k": "b", "j": "c"}
  const Bytes bytes = from_hex("03016b0161016b0162016a0163");
  auto map = decoded<std::map<std::string, std::string>>(bytes);
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(*map, (std::map<std::string, std::string>{{"k", "b"}, {"j", "c"}}));
}

TEST(BareContainers, CountBeyondRemainingBytesFailsBeforeReading) {
  // Two u16 need 4 bytes; only 3 follow.
  auto list = decoded<std::vector<uint16_t>>(from_hex("02500000"));
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().message, "unexpected end of input");
  // 2^60 strings.
  Bytes huge;
  Encoder(huge).write_uint(uint64_t{1} << 60);
  huge.push_back(0);
  auto strings = decoded<std::vector<std::string>>(huge);
  ASSERT_FALSE(strings.has_value());
  EXPECT_EQ(strings.error().message, "unexpected end of input");
}

TEST(BareUnion, VariantIndexIsTheWireTag) {
  const OwnershipScope scope = VmOwnership{"c", "s", "v"};
  EXPECT_EQ(to_hex(encoded(scope)), "02016301730176");
  auto back = decoded<OwnershipScope>(encoded(scope));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, scope);
  const FsPermissionScope mode = PermissionMode::DENY;
  EXPECT_EQ(to_hex(encoded(mode)), "0002");
  const RootFilesystemLowerDescriptor bundled = BundledBaseFilesystemLower{};
  EXPECT_EQ(to_hex(encoded(bundled)), "01");
}

TEST(BareUnion, TagBeyondU32) {
  auto read = decoded<OwnershipScope>(from_hex("8080808010"));
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().message, "Enum identifiers larger than u32 are not supported");
}

// The last valid tag of every union decodes; the next one fails with serde's message.
template <typename Union>
class UnionBoundaries : public ::testing::Test {};
using Unions = ::testing::Types<OwnershipScope, SidecarPlacement, RootFilesystemLowerDescriptor, FsPermissionScope,
                                PatternPermissionScope, RequestPayload, ResponsePayload, EventPayload,
                                SidecarRequestPayload, SidecarResponsePayload, ProtocolFrame>;
TYPED_TEST_SUITE(UnionBoundaries, Unions);

template <typename Union, size_t... I>
Bytes last_member_bytes(std::index_sequence<I...>) {
  constexpr size_t last = sizeof...(I) - 1;
  Bytes out;
  Encoder encoder(out);
  encoder.write_uint(last);
  encode(encoder, std::variant_alternative_t<last, Union>{});
  return out;
}

TYPED_TEST(UnionBoundaries, LastTagDecodesNextTagFails) {
  constexpr size_t count = std::variant_size_v<TypeParam>;
  auto last = decoded<TypeParam>(last_member_bytes<TypeParam>(std::make_index_sequence<count>()));
  ASSERT_TRUE(last.has_value()) << last.error().message;
  EXPECT_EQ(last->index(), count - 1);
  Bytes beyond;
  Encoder(beyond).write_uint(count);
  beyond.resize(beyond.size() + 64);
  auto invalid = decoded<TypeParam>(beyond);
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().message, "invalid value: integer `" + std::to_string(count) +
                                         "`, expected variant index 0 <= i < " + std::to_string(count));
}

TEST(UnionMembers, CountsAndOrderMatchTheSpec) {
  EXPECT_EQ(std::variant_size_v<OwnershipScope>, 3u);
  EXPECT_EQ(std::variant_size_v<SidecarPlacement>, 2u);
  EXPECT_EQ(std::variant_size_v<RootFilesystemLowerDescriptor>, 2u);
  EXPECT_EQ(std::variant_size_v<FsPermissionScope>, 2u);
  EXPECT_EQ(std::variant_size_v<PatternPermissionScope>, 2u);
  EXPECT_EQ(std::variant_size_v<RequestPayload>, 28u);
  EXPECT_EQ(std::variant_size_v<ResponsePayload>, 30u);
  EXPECT_EQ(std::variant_size_v<EventPayload>, 5u);
  EXPECT_EQ(std::variant_size_v<SidecarRequestPayload>, 3u);
  EXPECT_EQ(std::variant_size_v<SidecarResponsePayload>, 3u);
  EXPECT_EQ(std::variant_size_v<ProtocolFrame>, 5u);
  EXPECT_TRUE((std::is_same_v<std::variant_alternative_t<27, RequestPayload>, ExtEnvelope>));
  EXPECT_TRUE((std::is_same_v<std::variant_alternative_t<27, ResponsePayload>, RejectedResponse>));
}

// Every enum: the last value decodes, the count itself fails.
template <typename Enum>
void expect_enum_boundary(uint32_t count, std::string_view last_name) {
  Bytes last;
  Encoder(last).write_uint(count - 1);
  auto value = decoded<Enum>(last);
  ASSERT_TRUE(value.has_value()) << last_name;
  EXPECT_EQ(to_string(*value), last_name);
  EXPECT_EQ(to_hex(encoded(*value)), to_hex(last));
  Bytes beyond;
  Encoder(beyond).write_uint(count);
  auto invalid = decoded<Enum>(beyond);
  ASSERT_FALSE(invalid.has_value()) << last_name;
  EXPECT_EQ(invalid.error().message, "invalid value: integer `" + std::to_string(count) +
                                         "`, expected variant index 0 <= i < " + std::to_string(count));
}

TEST(BareEnum, BoundariesOfEveryEnum) {
  expect_enum_boundary<GuestRuntimeKind>(3, "WEB_ASSEMBLY");
  expect_enum_boundary<RootFilesystemMode>(2, "READ_ONLY");
  expect_enum_boundary<RootFilesystemEntryKind>(3, "SYMLINK");
  expect_enum_boundary<RootFilesystemEntryEncoding>(2, "BASE64");
  expect_enum_boundary<PermissionMode>(3, "DENY");
  expect_enum_boundary<DisposeReason>(3, "HOST_SHUTDOWN");
  expect_enum_boundary<WasmPermissionTier>(4, "ISOLATED");
  expect_enum_boundary<GuestFilesystemOperation>(20, "PREAD");
  expect_enum_boundary<FilesystemOperation>(7, "RENAME");
  expect_enum_boundary<ProcessSnapshotStatus>(3, "STOPPED");
  expect_enum_boundary<SignalDispositionAction>(3, "USER");
  expect_enum_boundary<VmLifecycleState>(5, "FAILED");
  expect_enum_boundary<StreamChannel>(2, "STDERR");
}

TEST(BareEnum, NamesParseBack) {
  EXPECT_EQ(parse_guest_runtime_kind("PYTHON"), GuestRuntimeKind::PYTHON);
  EXPECT_EQ(parse_guest_runtime_kind("python"), std::nullopt);
  EXPECT_EQ(parse_guest_filesystem_operation("READ_LINK"), GuestFilesystemOperation::READ_LINK);
  EXPECT_EQ(parse_vm_lifecycle_state("READY"), VmLifecycleState::READY);
  EXPECT_EQ(to_string(static_cast<StreamChannel>(7)), "");
  EXPECT_EQ(static_cast<uint32_t>(GuestFilesystemOperation::PREAD), 19u);
}

TEST(BareStruct, DefaultsAndFieldNames) {
  const GuestFilesystemCallRequest call{};
  EXPECT_EQ(call.operation, GuestFilesystemOperation::READ_FILE);
  EXPECT_FALSE(call.recursive);
  EXPECT_FALSE(call.atime_ms.has_value());
  FsPermissionRuleSet rules;
  rules.default_ = PermissionMode::ALLOW;
  ExtEnvelope envelope;
  envelope.namespace_ = "ns";
  EXPECT_EQ(to_hex(encoded(envelope)), "026e7300");
  EXPECT_EQ(MinEncodedSize<RootFilesystemEntry>::value, 9u);
  EXPECT_EQ(MinEncodedSize<BundledBaseFilesystemLower>::value, 0u);
}

}  // namespace
}  // namespace se::wire
