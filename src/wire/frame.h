// Frame codec of protocol secure-exec-sidecar v7 (spec/protocol.md s1.2-1.5): protocol constants, the
// 4-byte big-endian length prefix, and decode-time validation of a ProtocolFrame payload.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/error.h"
#include "wire/protocol.h"

namespace se::wire {

inline constexpr std::string_view kProtocolName = "secure-exec-sidecar";
inline constexpr uint16_t kProtocolVersion = 7;
inline constexpr uint32_t kBridgeVersion = 1;
inline constexpr uint32_t kMaxFrameBytes = 16 * 1024 * 1024;  // payload bytes, excluding the 4-byte prefix
inline constexpr size_t kFramePrefixBytes = 4;

// {"secure-exec-sidecar", 7}: the header every frame carries.
ProtocolSchema current_schema();

// BARE payload, no prefix. The caller enforces kMaxFrameBytes on the result.
Bytes encode_frame(const ProtocolFrame& frame);

// Appends the 4-byte big-endian payload length and then the payload. The caller enforces
// kMaxFrameBytes on the appended payload (growth of `out` minus kFramePrefixBytes).
void append_framed(Bytes& out, const ProtocolFrame& frame);

// Big-endian u32 at `bytes[0..4)`: the length prefix.
uint32_t read_be32(const uint8_t* bytes);

// Decodes one payload: BARE decode, then the schema name/version check and requestId != 0 (Request,
// Response, SidecarRequest and SidecarResponse frames), in the reference's order. Bytes after a complete
// frame are ignored, as the reference does. Messages are the reference's, e.g.
// "protocol frame deserialization failed: unexpected end of input",
// "protocol frame deserialization failed: invalid value: integer `9`, expected variant index 0 <= i < 5",
// "unsupported protocol schema bogus@7; expected secure-exec-sidecar@7",
// "protocol request identifiers must be non-zero". errno is EPROTO.
ErrorOr<ProtocolFrame> decode_frame(std::span<const uint8_t> payload);

// Best-effort, for answering a malformed request: when `payload` starts like a RequestFrame (tag 0)
// whose schema (any name/version), requestId (non-zero) and ownership decode, returns them even if the
// rest of the frame is invalid; otherwise nullopt.
struct RequestEnvelope {
  RequestId request_id = 0;
  OwnershipScope ownership;
  bool operator==(const RequestEnvelope&) const = default;
};
std::optional<RequestEnvelope> peek_request_envelope(std::span<const uint8_t> payload);

}  // namespace se::wire
