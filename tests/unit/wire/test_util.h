// Helpers shared by the wire unit tests: hex conversion, golden-vector loading, and a payload builder.
// Thread-safety: test-only, single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "wire/bare.h"
#include "wire/frame.h"
#include "wire/protocol.h"

namespace se::wire::testing {

inline Bytes from_hex(std::string_view hex) {
  Bytes bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

inline std::string to_hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xF]);
  }
  return hex;
}

struct GoldenFrame {
  std::string direction;
  Bytes payload;
  nlohmann::json frame;
};

// tests/data/reference-session.jsonl: 63 frames of one byte-exact session with the reference.
inline std::vector<GoldenFrame> load_reference_session() {
  std::ifstream input(std::string(SE_TEST_DATA_DIR) + "/reference-session.jsonl");
  std::vector<GoldenFrame> frames;
  std::string line;
  while (std::getline(input, line)) {
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line);
    frames.push_back({json.at("direction").get<std::string>(), from_hex(json.at("payload_hex").get<std::string>()),
                      json.at("frame")});
  }
  return frames;
}

// Builds payload bytes by hand, for frames the typed API cannot produce (bad tags, bad bytes).
class PayloadBuilder {
 public:
  PayloadBuilder& uint(uint64_t value) {
    encoder_.write_uint(value);
    return *this;
  }
  PayloadBuilder& raw(std::initializer_list<uint8_t> bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  template <typename T>
  PayloadBuilder& value(const T& typed) {
    encode(encoder_, typed);
    return *this;
  }
  // ProtocolFrame tag, schema header and (when the kind has one) the request id.
  PayloadBuilder& header(uint64_t frame_tag, int64_t request_id = 1, ProtocolSchema schema = current_schema()) {
    uint(frame_tag).value(schema);
    if (frame_tag != 2) value(request_id);
    return *this;
  }
  PayloadBuilder& vm_ownership() { return value(OwnershipScope{VmOwnership{"conn-1", "session-1", "vm-1"}}); }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
  Encoder encoder_{bytes_};
};

inline std::string decode_error(const Bytes& payload) {
  auto decoded = decode_frame(payload);
  return decoded ? std::string("<decoded>") : decoded.error().message;
}

}  // namespace se::wire::testing
