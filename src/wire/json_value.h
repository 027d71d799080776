// JSON form of wire values (the shape of tests/data/reference-session.jsonl), for tests and the CLI
// debug printer: primitives and containers here, schema types in the generated wire/protocol.h.
// Thread-safety: pure functions over values.
//
// Shapes: integers and bools as JSON numbers/booleans; str as a string; enums by member name; optional
// absent as null; list as an array; map as an object (integer keys written in decimal); union as
// {"type": <member type name>, "value": <member>} with null for void members; struct as an object
// keyed by the schema's camelCase field names.
// `data` is a JSON string holding the bytes when they are valid UTF-8 (so "hi\n" stays readable),
// otherwise {"base64": "<standard base64 with padding>"}; both forms parse back to the same bytes.
//
// from_json_value accepts exactly these shapes, except that absent optional struct fields read as
// null. Failures are EINVAL with a JSON-pointer-like path: "/payload/value/chunk: expected string".
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "wire/bare.h"

namespace se::wire {

// Failure with a path-less problem description ("expected string").
Unexpected json_error(std::string problem);
// Prefixes `error`'s path with one more segment (a field name or an array index).
Error json_error_at(Error error, std::string_view segment);

nlohmann::json to_json_value(uint8_t value);
nlohmann::json to_json_value(uint16_t value);
nlohmann::json to_json_value(uint32_t value);
nlohmann::json to_json_value(uint64_t value);
nlohmann::json to_json_value(int32_t value);
nlohmann::json to_json_value(int64_t value);
nlohmann::json to_json_value(bool value);
nlohmann::json to_json_value(const std::string& value);
nlohmann::json to_json_value(const Bytes& value);

ErrorOr<void> from_json_value(const nlohmann::json& json, uint8_t& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, uint16_t& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, uint32_t& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, uint64_t& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, int32_t& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, int64_t& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, bool& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, std::string& out);
ErrorOr<void> from_json_value(const nlohmann::json& json, Bytes& out);

// Map keys as JSON object member names.
std::string json_map_key(const std::string& key);
template <std::integral K>
std::string json_map_key(K key) {
  return std::to_string(key);
}
ErrorOr<void> parse_json_map_key(std::string_view text, std::string& out);
template <std::integral K>
ErrorOr<void> parse_json_map_key(std::string_view text, K& out) {
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (status != std::errc() || end != text.data() + text.size()) {
    return json_error("expected an integer map key, got \"" + std::string(text) + "\"");
  }
  return {};
}

template <typename T>
nlohmann::json to_json_value(const std::optional<T>& value);
template <typename T>
nlohmann::json to_json_value(const std::vector<T>& value);
template <typename K, typename V>
nlohmann::json to_json_value(const std::map<K, V>& value);
template <typename T>
ErrorOr<void> from_json_value(const nlohmann::json& json, std::optional<T>& out);
template <typename T>
ErrorOr<void> from_json_value(const nlohmann::json& json, std::vector<T>& out);
template <typename K, typename V>
ErrorOr<void> from_json_value(const nlohmann::json& json, std::map<K, V>& out);

template <typename T>
nlohmann::json to_json_value(const std::optional<T>& value) {
  return value ? to_json_value(*value) : nlohmann::json(nullptr);
}

template <typename T>
nlohmann::json to_json_value(const std::vector<T>& value) {
  nlohmann::json array = nlohmann::json::array();
  for (const T& item : value) array.push_back(to_json_value(item));
  return array;
}

template <typename K, typename V>
nlohmann::json to_json_value(const std::map<K, V>& value) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, item] : value) object[json_map_key(key)] = to_json_value(item);
  return object;
}

template <typename T>
ErrorOr<void> from_json_value(const nlohmann::json& json, std::optional<T>& out) {
  if (json.is_null()) {
    out.reset();
    return {};
  }
  T value{};
  TRY(from_json_value(json, value));
  out = std::move(value);
  return {};
}

template <typename T>
ErrorOr<void> from_json_value(const nlohmann::json& json, std::vector<T>& out) {
  if (!json.is_array()) return json_error("expected array");
  out.clear();
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    T item{};
    if (auto parsed = from_json_value(json[i], item); !parsed) {
      return fail(json_error_at(std::move(parsed).error(), std::to_string(i)));
    }
    out.push_back(std::move(item));
  }
  return {};
}

template <typename K, typename V>
ErrorOr<void> from_json_value(const nlohmann::json& json, std::map<K, V>& out) {
  if (!json.is_object()) return json_error("expected object");
  out.clear();
  for (const auto& [name, member] : json.items()) {
    K key{};
    V item{};
    if (auto parsed = parse_json_map_key(name, key); !parsed) {
      return fail(json_error_at(std::move(parsed).error(), name));
    }
    if (auto parsed = from_json_value(member, item); !parsed) {
      return fail(json_error_at(std::move(parsed).error(), name));
    }
    out.insert_or_assign(std::move(key), std::move(item));
  }
  return {};
}

// Building blocks of the generated struct and union readers.

// Fails unless `json` is an object whose member names are all in `fields`.
ErrorOr<void> expect_json_object(const nlohmann::json& json, std::initializer_list<std::string_view> fields);

// Reads member `name` of an object into `out`; a missing member is an error unless T is an optional.
template <typename T>
ErrorOr<void> read_json_field(const nlohmann::json& object, std::string_view name, T& out) {
  const auto member = object.find(name);
  if (member == object.end()) {
    if constexpr (requires { out.reset(); }) {
      out.reset();
      return {};
    } else {
      return json_error("missing field \"" + std::string(name) + "\"");
    }
  }
  if (auto parsed = from_json_value(*member, out); !parsed) {
    return fail(json_error_at(std::move(parsed).error(), name));
  }
  return {};
}

// {"type": member_names[index], "value": value}
nlohmann::json json_union(std::string_view member_name, nlohmann::json value);
// Checks the {"type", "value"} shape and returns the index of "type" in `member_names`.
ErrorOr<size_t> read_json_union_index(const nlohmann::json& json, std::span<const std::string_view> member_names);

// Parses a whole value: from_json_value<ProtocolFrame>(json).
template <typename T>
ErrorOr<T> from_json_value(const nlohmann::json& json) {
  T value{};
  TRY(from_json_value(json, value));
  return value;
}

}  // namespace se::wire
