#include "wire/json_value.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>

namespace se::wire {
namespace {

constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const Bytes& bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t available = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = static_cast<uint32_t>(bytes[i]) << 16;
    if (available > 1) group |= static_cast<uint32_t>(bytes[i + 1]) << 8;
    if (available > 2) group |= bytes[i + 2];
    for (size_t k = 0; k < 4; ++k) {
      text.push_back(k <= available ? kBase64Alphabet[(group >> (18 - 6 * k)) & 0x3F] : '=');
    }
  }
  return text;
}

constexpr std::array<int8_t, 256> base64_values() {
  std::array<int8_t, 256> values{};
  values.fill(-1);
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    values[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  return values;
}

// Strict: length a multiple of 4, padding only at the end, and no stray bits in the last group.
std::optional<Bytes> base64_decode(std::string_view text) {
  static constexpr auto kValues = base64_values();
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  Bytes bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const size_t digits = last ? 4 - padding : 4;
    uint32_t group = 0;
    for (size_t k = 0; k < 4; ++k) {
      int8_t value = 0;
      if (k < digits) {
        value = kValues[static_cast<uint8_t>(text[i + k])];
        if (value < 0) return std::nullopt;
      }
      group = (group << 6) | static_cast<uint32_t>(value);
    }
    const size_t produced = digits - 1;
    if (produced < 3 && (group & ((1u << (8 * (3 - produced))) - 1)) != 0) return std::nullopt;
    for (size_t k = 0; k < produced; ++k) bytes.push_back(static_cast<uint8_t>(group >> (16 - 8 * k)));
  }
  return bytes;
}

template <typename Int>
ErrorOr<void> integer_from_json(const nlohmann::json& json, Int& out) {
  if (json.is_number_unsigned()) {
    const auto value = json.get<uint64_t>();
    if (value <= static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
      out = static_cast<Int>(value);
      return {};
    }
  } else if (json.is_number_integer()) {
    const auto value = json.get<int64_t>();
    if (value >= static_cast<int64_t>(std::numeric_limits<Int>::min()) &&
        (value < 0 || static_cast<uint64_t>(value) <= static_cast<uint64_t>(std::numeric_limits<Int>::max()))) {
      out = static_cast<Int>(value);
      return {};
    }
  } else {
    return json_error("expected integer");
  }
  return json_error("integer " + json.dump() + " out of range");
}

}  // namespace

Unexpected json_error(std::string problem) { return fail(EINVAL, std::move(problem)); }

Error json_error_at(Error error, std::string_view segment) {
  std::string prefix = "/" + std::string(segment);
  error.message = error.message.starts_with('/') ? prefix + error.message : prefix + ": " + error.message;
  return error;
}

nlohmann::json to_json_value(uint8_t value) { return value; }
nlohmann::json to_json_value(uint16_t value) { return value; }
nlohmann::json to_json_value(uint32_t value) { return value; }
nlohmann::json to_json_value(uint64_t value) { return value; }
nlohmann::json to_json_value(int32_t value) { return value; }
nlohmann::json to_json_value(int64_t value) { return value; }
nlohmann::json to_json_value(bool value) { return value; }
nlohmann::json to_json_value(const std::string& value) { return value; }

nlohmann::json to_json_value(const Bytes& value) {
  std::string text(value.begin(), value.end());
  if (is_valid_utf8(text)) return text;
  return nlohmann::json{{"base64", base64_encode(value)}};
}

ErrorOr<void> from_json_value(const nlohmann::json& json, uint8_t& out) { return integer_from_json(json, out); }
ErrorOr<void> from_json_value(const nlohmann::json& json, uint16_t& out) { return integer_from_json(json, out); }
ErrorOr<void> from_json_value(const nlohmann::json& json, uint32_t& out) { return integer_from_json(json, out); }
ErrorOr<void> from_json_value(const nlohmann::json& json, uint64_t& out) { return integer_from_json(json, out); }
ErrorOr<void> from_json_value(const nlohmann::json& json, int32_t& out) { return integer_from_json(json, out); }
ErrorOr<void> from_json_value(const nlohmann::json& json, int64_t& out) { return integer_from_json(json, out); }

ErrorOr<void> from_json_value(const nlohmann::json& json, bool& out) {
  if (!json.is_boolean()) return json_error("expected boolean");
  out = json.get<bool>();
  return {};
}

ErrorOr<void> from_json_value(const nlohmann::json& json, std::string& out) {
  if (!json.is_string()) return json_error("expected string");
  out = json.get<std::string>();
  return {};
}

ErrorOr<void> from_json_value(const nlohmann::json& json, Bytes& out) {
  if (json.is_string()) {
    const auto& text = json.get_ref<const std::string&>();
    out.assign(text.begin(), text.end());
    return {};
  }
  if (json.is_object() && json.size() == 1 && json.contains("base64") && json["base64"].is_string()) {
    auto bytes = base64_decode(json["base64"].get_ref<const std::string&>());
    if (!bytes) return fail(json_error_at(json_error("invalid base64").error(), "base64"));
    out = std::move(*bytes);
    return {};
  }
  return json_error("expected string or {\"base64\": string}");
}

std::string json_map_key(const std::string& key) { return key; }

ErrorOr<void> parse_json_map_key(std::string_view text, std::string& out) {
  out.assign(text);
  return {};
}

}  // namespace se::wire
