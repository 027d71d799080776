#include "wire/frame.h"

#include <cerrno>
#include <string>
#include <type_traits>
#include <variant>

namespace se::wire {
namespace {

ErrorOr<void> validate_frame(const ProtocolFrame& frame) {
  return std::visit(
      [](const auto& typed) -> ErrorOr<void> {
        if (typed.schema.name != kProtocolName || typed.schema.version != kProtocolVersion) {
          return fail(EPROTO, "unsupported protocol schema " + typed.schema.name + "@" +
                                  std::to_string(typed.schema.version) + "; expected " + std::string(kProtocolName) +
                                  "@" + std::to_string(kProtocolVersion));
        }
        if constexpr (!std::is_same_v<std::decay_t<decltype(typed)>, EventFrame>) {
          if (typed.request_id == 0) return fail(EPROTO, "protocol request identifiers must be non-zero");
        }
        return {};
      },
      frame);
}

}  // namespace

ProtocolSchema current_schema() {
  return ProtocolSchema{std::string(kProtocolName), kProtocolVersion};
}

Bytes encode_frame(const ProtocolFrame& frame) {
  Bytes payload;
  Encoder encoder(payload);
  encode(encoder, frame);
  return payload;
}

void append_framed(Bytes& out, const ProtocolFrame& frame) {
  const size_t prefix_at = out.size();
  out.resize(prefix_at + kFramePrefixBytes);
  Encoder encoder(out);
  encode(encoder, frame);
  const auto length = static_cast<uint32_t>(out.size() - prefix_at - kFramePrefixBytes);
  for (size_t i = 0; i < kFramePrefixBytes; ++i) {
    out[prefix_at + i] = static_cast<uint8_t>(length >> (8 * (kFramePrefixBytes - 1 - i)));
  }
}

uint32_t read_be32(const uint8_t* bytes) {
  return static_cast<uint32_t>(bytes[0]) << 24 | static_cast<uint32_t>(bytes[1]) << 16 |
         static_cast<uint32_t>(bytes[2]) << 8 | static_cast<uint32_t>(bytes[3]);
}

ErrorOr<ProtocolFrame> decode_frame(std::span<const uint8_t> payload) {
  Decoder decoder(payload);
  ProtocolFrame frame;
  if (auto decoded = decode(decoder, frame); !decoded) {
    return fail(EPROTO, "protocol frame deserialization failed: " + decoded.error().message);
  }
  TRY(validate_frame(frame));
  return frame;
}

std::optional<RequestEnvelope> peek_request_envelope(std::span<const uint8_t> payload) {
  constexpr uint64_t kRequestFrameTag = 0;
  Decoder decoder(payload);
  const auto tag = decoder.read_uint();
  if (!tag || *tag != kRequestFrameTag) return std::nullopt;
  ProtocolSchema schema;
  RequestEnvelope envelope;
  if (!decode(decoder, schema) || !decode(decoder, envelope.request_id) || envelope.request_id == 0 ||
      !decode(decoder, envelope.ownership)) {
    return std::nullopt;
  }
  return envelope;
}

}  // namespace se::wire
