// libFuzzer target over the frame decoder: decode_frame and peek_request_envelope must fail cleanly on
// any input, and a frame that decodes must re-encode to bytes that decode to the same frame and
// re-encode identically (decode -> encode -> decode is stable).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "wire/frame.h"

namespace {

[[noreturn]] void fail_stability(const char* what) {
  std::fprintf(stderr, "frame_decoder_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> payload(data, size);
  const auto envelope = se::wire::peek_request_envelope(payload);
  const auto frame = se::wire::decode_frame(payload);
  if (!frame) return 0;

  const se::wire::Bytes encoded = se::wire::encode_frame(*frame);
  const auto again = se::wire::decode_frame(encoded);
  if (!again) fail_stability("re-encoded frame does not decode");
  if (!(*again == *frame)) fail_stability("re-decoded frame differs");
  if (se::wire::encode_frame(*again) != encoded) fail_stability("second encoding differs");

  // A decodable RequestFrame always has a readable envelope, equal to the frame's own.
  if (const auto* request = std::get_if<se::wire::RequestFrame>(&*frame)) {
    if (!envelope) fail_stability("valid request without an envelope");
    if (envelope->request_id != request->request_id || !(envelope->ownership == request->ownership)) {
      fail_stability("envelope differs from the decoded request");
    }
  }

  // The JSON form must round-trip too (it backs the debug printer and the tests).
  const auto from_json = se::wire::from_json_value<se::wire::ProtocolFrame>(se::wire::to_json_value(*frame));
  if (!from_json || !(*from_json == *frame)) fail_stability("JSON round trip differs");
  return 0;
}
