#include "wire/json_value.h"

#include <algorithm>
#include <cerrno>
#include <limits>

#include "base/base64.h"
#include "base/utf8.h"

namespace se::wire {
namespace {

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

Unexpected json_error(std::string problem) {
  return fail(EINVAL, std::move(problem));
}

Error json_error_at(Error error, std::string_view segment) {
  std::string message;
  message.reserve(segment.size() + error.message.size() + 3);
  message.append("/").append(segment);
  if (!error.message.starts_with('/')) message.append(": ");
  message.append(error.message);
  error.message = std::move(message);
  return error;
}

nlohmann::json to_json_value(uint8_t value) {
  return value;
}
nlohmann::json to_json_value(uint16_t value) {
  return value;
}
nlohmann::json to_json_value(uint32_t value) {
  return value;
}
nlohmann::json to_json_value(uint64_t value) {
  return value;
}
nlohmann::json to_json_value(int32_t value) {
  return value;
}
nlohmann::json to_json_value(int64_t value) {
  return value;
}
nlohmann::json to_json_value(bool value) {
  return value;
}
nlohmann::json to_json_value(const std::string& value) {
  return value;
}

nlohmann::json to_json_value(const Bytes& value) {
  std::string_view text(reinterpret_cast<const char*>(value.data()), value.size());
  if (se::is_valid_utf8(text)) return std::string(text);
  nlohmann::json json = nlohmann::json::object();
  json["base64"] = se::base64_encode(text);
  return json;
}

ErrorOr<void> from_json_value(const nlohmann::json& json, uint8_t& out) {
  return integer_from_json(json, out);
}
ErrorOr<void> from_json_value(const nlohmann::json& json, uint16_t& out) {
  return integer_from_json(json, out);
}
ErrorOr<void> from_json_value(const nlohmann::json& json, uint32_t& out) {
  return integer_from_json(json, out);
}
ErrorOr<void> from_json_value(const nlohmann::json& json, uint64_t& out) {
  return integer_from_json(json, out);
}
ErrorOr<void> from_json_value(const nlohmann::json& json, int32_t& out) {
  return integer_from_json(json, out);
}
ErrorOr<void> from_json_value(const nlohmann::json& json, int64_t& out) {
  return integer_from_json(json, out);
}

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
    std::string reason;
    const auto bytes = se::base64_decode(json["base64"].get_ref<const std::string&>(), &reason);
    if (!bytes) return fail(json_error_at(json_error("invalid base64: " + reason).error(), "base64"));
    out.assign(bytes->begin(), bytes->end());
    return {};
  }
  return json_error("expected string or {\"base64\": string}");
}

std::string json_map_key(const std::string& key) {
  return key;
}

ErrorOr<void> parse_json_map_key(std::string_view text, std::string& out) {
  out.assign(text);
  return {};
}

ErrorOr<void> expect_json_object(const nlohmann::json& json, std::initializer_list<std::string_view> fields) {
  if (!json.is_object()) return json_error("expected object");
  for (const auto& [name, member] : json.items()) {
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) {
      return json_error("unknown field \"" + name + "\"");
    }
  }
  return {};
}

nlohmann::json json_union(std::string_view member_name, nlohmann::json value) {
  nlohmann::json json = nlohmann::json::object();
  json["type"] = member_name;
  json["value"] = std::move(value);
  return json;
}

ErrorOr<size_t> read_json_union_index(const nlohmann::json& json, std::span<const std::string_view> member_names) {
  TRY(expect_json_object(json, {"type", "value"}));
  std::string type;
  TRY(read_json_field(json, "type", type));
  if (!json.contains("value")) return json_error("missing field \"value\"");
  const auto found = std::find(member_names.begin(), member_names.end(), type);
  if (found == member_names.end()) {
    return fail(json_error_at(json_error("unknown union member \"" + type + "\"").error(), "type"));
  }
  return static_cast<size_t>(found - member_names.begin());
}

}  // namespace se::wire
