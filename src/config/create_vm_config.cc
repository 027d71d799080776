#include "config/create_vm_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <utility>
#include <variant>

namespace se::config {

namespace {

// Document order matters: like serde, the first offending field in the text is the one reported.
using Json = nlohmann::ordered_json;

constexpr std::string_view kShapeErrorPrefix = "invalid create VM config JSON: ";
constexpr std::string_view kValidationErrorPrefix = "invalid create VM config: ";
constexpr std::string_view kPolicyShapeErrorPrefix = "invalid permissions policy JSON: ";
// serde_json gives up at this many nested arrays/objects ("recursion limit exceeded").
constexpr size_t kNestingLimit = 128;
// limits.http.maxFetchResponseBytes may not exceed the reference's wire frame cap.
constexpr uint64_t kWireFrameCapBytes = 16 * kMiB;

Unexpected plain_failure(std::string message) {
  return fail(Error::plain(std::move(message)));
}

// ---- Paths and serde-style wording ----------------------------------------------------------------

std::string member_path(const std::string& parent, std::string_view key) {
  std::string path = parent;
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// Rust's `{:?}` rendering of a string, which the reference uses in several messages.
std::string debug_quoted(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      case '\0':
        quoted += "\\0";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char escape[16];
          std::snprintf(escape, sizeof escape, "\\u{%x}", byte);
          quoted += escape;
        } else {
          quoted += c;
        }
    }
  }
  quoted += '"';
  return quoted;
}

// serde's "expected `a`" / "expected `a` or `b`" / "expected one of `a`, `b`, `c`".
std::string expected_one_of(std::span<const std::string_view> names, std::string_view when_empty) {
  auto ticked = [](std::string_view name) { return "`" + std::string(name) + "`"; };
  switch (names.size()) {
    case 0:
      return std::string(when_empty);
    case 1:
      return "expected " + ticked(names[0]);
    case 2:
      return "expected " + ticked(names[0]) + " or " + ticked(names[1]);
    default:
      break;
  }
  std::string text = "expected one of ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ", ";
    text += ticked(names[i]);
  }
  return text;
}

// serde's description of an unexpected JSON value ("integer `5`", "string \"x\"", "map").
std::string describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return std::string("boolean `") + (*value.get_ptr<const bool*>() ? "true" : "false") + "`";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer `" + value.dump() + "`";
    case Json::value_t::number_float:
      return "floating point `" + value.dump() + "`";
    case Json::value_t::string:
      return "string " + debug_quoted(*value.get_ptr<const std::string*>());
    case Json::value_t::array:
      return "sequence";
    case Json::value_t::object:
      return "map";
    default:
      return "value";
  }
}

// A JSON-shape error: the detail plus where it happened; the caller adds the prefix.
Unexpected shape_error(std::string detail, const std::string& path) {
  if (!path.empty()) detail.append(" at ").append(path);
  return plain_failure(std::move(detail));
}

Unexpected invalid_type(const Json& value, std::string_view expected, const std::string& path) {
  return shape_error("invalid type: " + describe(value) + ", expected " + std::string(expected), path);
}

// ---- Scalar and container readers -----------------------------------------------------------------

ErrorOr<std::string> read_string(const Json& value, const std::string& path) {
  const auto* text = value.get_ptr<const std::string*>();
  if (!text) return invalid_type(value, "a string", path);
  return *text;
}

ErrorOr<bool> read_bool(const Json& value, const std::string& path) {
  const auto* flag = value.get_ptr<const bool*>();
  if (!flag) return invalid_type(value, "a boolean", path);
  return *flag;
}

// A JSON integer that fits `Unsigned`; type_name is serde's ("u16", "u32", "u64").
template <typename Unsigned>
ErrorOr<Unsigned> read_unsigned(const Json& value, std::string_view type_name, const std::string& path) {
  uint64_t number = 0;
  if (const auto* unsigned_number = value.get_ptr<const Json::number_unsigned_t*>()) {
    number = *unsigned_number;
  } else if (const auto* signed_number = value.get_ptr<const Json::number_integer_t*>()) {
    if (*signed_number < 0) {
      return shape_error(
          "invalid value: integer `" + std::to_string(*signed_number) + "`, expected " + std::string(type_name), path);
    }
    number = static_cast<uint64_t>(*signed_number);
  } else {
    return invalid_type(value, type_name, path);
  }
  if (number > std::numeric_limits<Unsigned>::max()) {
    return shape_error("invalid value: integer `" + std::to_string(number) + "`, expected " + std::string(type_name),
                       path);
  }
  return static_cast<Unsigned>(number);
}

template <typename T, typename ReadElement>
ErrorOr<std::vector<T>> read_sequence(const Json& value, const std::string& path, ReadElement read_element) {
  if (!value.is_array()) return invalid_type(value, "a sequence", path);
  std::vector<T> elements;
  elements.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    ErrorOr<T> element = read_element(value[i], index_path(path, i));
    if (!element) return fail(std::move(element).error());
    elements.push_back(std::move(element).value());
  }
  return elements;
}

ErrorOr<std::vector<std::string>> read_string_sequence(const Json& value, const std::string& path) {
  return read_sequence<std::string>(value, path, read_string);
}

template <typename E>
struct Variant {
  std::string_view name;
  E value;
};

template <typename E, size_t N>
ErrorOr<E> read_enum(const Json& value, const std::array<Variant<E>, N>& variants, const std::string& path) {
  const auto* text = value.get_ptr<const std::string*>();
  if (!text) return invalid_type(value, "a string", path);
  for (const Variant<E>& variant : variants) {
    if (variant.name == *text) return variant.value;
  }
  std::array<std::string_view, N> names;
  std::transform(variants.begin(), variants.end(), names.begin(), [](const Variant<E>& v) { return v.name; });
  return shape_error("unknown variant `" + *text + "`, " + expected_one_of(names, "there are no variants"), path);
}

// Visits the members of a JSON object standing for a serde struct with `deny_unknown_fields`:
// `handle(key, value, path)` is called for each known key in document order; any other key fails.
template <typename Handler>
ErrorOr<void> read_struct(const Json& value, std::string_view struct_name, std::span<const std::string_view> fields,
                          const std::string& path, Handler&& handle) {
  if (!value.is_object()) return invalid_type(value, "struct " + std::string(struct_name), path);
  for (auto member = value.begin(); member != value.end(); ++member) {
    const std::string& key = member.key();
    if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
      return shape_error("unknown field `" + key + "`, " + expected_one_of(fields, "there are no fields"), path);
    }
    ErrorOr<void> handled = handle(key, member.value(), member_path(path, key));
    if (!handled) return handled;
  }
  return {};
}

Unexpected missing_field(std::string_view field, const std::string& path) {
  return shape_error("missing field `" + std::string(field) + "`", path);
}

// ---- Text-level checks serde makes and nlohmann does not ------------------------------------------

bool is_json_whitespace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// serde's verdict on text nlohmann would accept or describe differently: a byte-order mark, blank
// input ("EOF while parsing a value"), nesting beyond the recursion limit. Positions are serde's
// (1-based line, column = bytes into the line).
std::optional<std::string> serde_text_problem(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) return "expected value at line 1 column 1";
  size_t line = 1;
  size_t column = 0;
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool saw_value = false;
  auto at = [&] { return " at line " + std::to_string(line) + " column " + std::to_string(column); };
  for (char c : text) {
    if (c == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (is_json_whitespace(c)) continue;
    saw_value = true;
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth >= kNestingLimit) return "recursion limit exceeded" + at();
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  if (!saw_value) return "EOF while parsing a value" + at();
  return std::nullopt;
}

// Rejects a repeated key inside any object that stands for a struct (serde: "duplicate field"). The
// free-form objects (env, dns.overrides, nativeRoot.plugin.config) keep the last value, as serde
// does for maps. Used as the nlohmann parser callback; nesting is already bounded by
// serde_text_problem.
class DuplicateFieldCheck {
 public:
  bool observe(Json::parse_event_t event, const Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        enter(true);
        break;
      case Json::parse_event_t::array_start:
        enter(false);
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case Json::parse_event_t::key:
        if (const auto* key = parsed.get_ptr<const std::string*>()) on_key(*key);
        break;
      case Json::parse_event_t::value:
        count_element();
        break;
    }
    return true;
  }

  const std::optional<std::string>& problem() const { return problem_; }

 private:
  struct Frame {
    bool is_object = false;
    bool free_form = false;
    std::set<std::string> keys;
    std::string current_key;   // objects: the member being parsed
    size_t element_count = 0;  // arrays: elements started so far
  };

  void count_element() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().element_count;
  }

  void enter(bool is_object) {
    count_element();
    Frame frame;
    frame.is_object = is_object;
    frame.free_form = !frames_.empty() && (frames_.back().free_form || is_free_form_member());
    frames_.push_back(std::move(frame));
  }

  // Whether the container being entered is a map or an arbitrary JSON value in the schema.
  bool is_free_form_member() const {
    std::vector<std::string_view> keys;
    for (const Frame& frame : frames_) {
      if (frame.is_object) keys.push_back(frame.current_key);
    }
    using Keys = std::vector<std::string_view>;
    return keys == Keys{"env"} || keys == Keys{"dns", "overrides"} || keys == Keys{"nativeRoot", "plugin", "config"};
  }

  void on_key(const std::string& key) {
    if (frames_.empty()) return;
    Frame& frame = frames_.back();
    frame.current_key = key;
    if (frame.free_form || problem_) return;
    if (!frame.keys.insert(key).second) {
      problem_ = "duplicate field `" + key + "`";
      std::string path = location_of_innermost();
      if (!path.empty()) problem_->append(" at ").append(path);
    }
  }

  std::string location_of_innermost() const {
    std::string path;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& frame = frames_[i];
      path = frame.is_object ? member_path(path, frame.current_key) : index_path(path, frame.element_count - 1);
    }
    return path;
  }

  std::vector<Frame> frames_;
  std::optional<std::string> problem_;
};

// Parses JSON text, reporting problems the way serde_json words them where we can.
ErrorOr<Json> parse_json_text(std::string_view text) {
  if (auto problem = serde_text_problem(text)) return plain_failure(std::move(*problem));
  DuplicateFieldCheck duplicates;
  Json document;
  try {
    document = Json::parse(
        text.data(), text.data() + text.size(),
        [&duplicates](int, Json::parse_event_t event, Json& parsed) { return duplicates.observe(event, parsed); });
  } catch (const Json::exception& error) {
    // nlohmann prefixes "[json.exception.parse_error.101] "; the rest carries the position.
    std::string_view message = error.what();
    if (size_t end = message.find("] "); message.starts_with("[json.exception.") && end != std::string_view::npos) {
      message.remove_prefix(end + 2);
    }
    return plain_failure(std::string(message));
  }
  if (duplicates.problem()) return plain_failure(*duplicates.problem());
  return document;
}

// ---- Root filesystem ------------------------------------------------------------------------------

constexpr std::array<Variant<RootFilesystemMode>, 2> kRootFilesystemModes = {{
    {"ephemeral", RootFilesystemMode::Ephemeral},
    {"read-only", RootFilesystemMode::ReadOnly},
}};
constexpr std::array<Variant<EntryKind>, 3> kEntryKinds = {{
    {"file", EntryKind::File},
    {"directory", EntryKind::Directory},
    {"symlink", EntryKind::Symlink},
}};
constexpr std::array<Variant<ContentEncoding>, 2> kContentEncodings = {{
    {"utf8", ContentEncoding::Utf8},
    {"base64", ContentEncoding::Base64},
}};

constexpr std::array<std::string_view, 9> kEntryFields = {"path",    "kind",     "mode",   "uid",       "gid",
                                                          "content", "encoding", "target", "executable"};

ErrorOr<RootFilesystemEntry> parse_entry(const Json& value, const std::string& path) {
  RootFilesystemEntry entry;
  bool has_path = false;
  bool has_kind = false;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "path") {
      entry.path = TRY(read_string(member, at));
      has_path = true;
    } else if (key == "kind") {
      entry.kind = TRY(read_enum(member, kEntryKinds, at));
      has_kind = true;
    } else if (key == "executable") {
      entry.executable = TRY(read_bool(member, at));
    } else if (member.is_null()) {
      return {};
    } else if (key == "mode") {
      entry.mode = TRY(read_unsigned<uint32_t>(member, "u32", at));
    } else if (key == "uid") {
      entry.uid = TRY(read_unsigned<uint32_t>(member, "u32", at));
    } else if (key == "gid") {
      entry.gid = TRY(read_unsigned<uint32_t>(member, "u32", at));
    } else if (key == "content") {
      entry.content = TRY(read_string(member, at));
    } else if (key == "encoding") {
      entry.encoding = TRY(read_enum(member, kContentEncodings, at));
    } else if (key == "target") {
      entry.target = TRY(read_string(member, at));
    }
    return {};
  };
  TRY(read_struct(value, "RootFilesystemEntry", kEntryFields, path, handle));
  if (!has_path) return missing_field("path", path);
  if (!has_kind) return missing_field("kind", path);
  return entry;
}

ErrorOr<std::vector<RootFilesystemEntry>> parse_entries(const Json& value, const std::string& path) {
  return read_sequence<RootFilesystemEntry>(value, path, parse_entry);
}

// `{"kind":"snapshot","entries":[...]}` or `{"kind":"bundledBaseFilesystem"}` (serde internally tagged).
ErrorOr<RootFilesystemLower> parse_lower(const Json& value, const std::string& path) {
  if (!value.is_object()) return invalid_type(value, "internally tagged enum RootFilesystemLowerDescriptor", path);
  auto kind_member = value.find("kind");
  if (kind_member == value.end()) return missing_field("kind", path);
  const auto* kind = kind_member->get_ptr<const std::string*>();
  if (!kind) return invalid_type(*kind_member, "variant identifier", member_path(path, "kind"));

  constexpr std::array<std::string_view, 2> kKinds = {"snapshot", "bundledBaseFilesystem"};
  constexpr std::array<std::string_view, 1> kSnapshotFields = {"entries"};
  std::span<const std::string_view> fields;
  RootFilesystemLower lower;
  if (*kind == "snapshot") {
    fields = kSnapshotFields;
  } else if (*kind == "bundledBaseFilesystem") {
    lower.bundled_base = true;
  } else {
    return shape_error("unknown variant `" + *kind + "`, " + expected_one_of(kKinds, ""), path);
  }
  for (auto member = value.begin(); member != value.end(); ++member) {
    if (member.key() == "kind") continue;
    if (member.key() != "entries" || lower.bundled_base) {
      return shape_error("unknown field `" + member.key() + "`, " + expected_one_of(fields, "there are no fields"),
                         path);
    }
    lower.entries = TRY(parse_entries(member.value(), member_path(path, "entries")));
  }
  return lower;
}

constexpr std::array<std::string_view, 4> kRootFilesystemFields = {"mode", "disableDefaultBaseLayer", "lowers",
                                                                   "bootstrapEntries"};

ErrorOr<RootFilesystemConfig> parse_root_filesystem(const Json& value, const std::string& path) {
  RootFilesystemConfig root;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "mode") {
      root.mode = TRY(read_enum(member, kRootFilesystemModes, at));
    } else if (key == "disableDefaultBaseLayer") {
      root.disable_default_base_layer = TRY(read_bool(member, at));
    } else if (key == "lowers") {
      root.lowers = TRY(read_sequence<RootFilesystemLower>(member, at, parse_lower));
    } else if (key == "bootstrapEntries") {
      root.bootstrap_entries = TRY(parse_entries(member, at));
    }
    return {};
  };
  TRY(read_struct(value, "RootFilesystemConfig", kRootFilesystemFields, path, handle));
  return root;
}

// ---- Permissions (s7.1) ---------------------------------------------------------------------------

constexpr std::array<Variant<PermissionMode>, 3> kPermissionModes = {{
    {"allow", PermissionMode::Allow},
    {"ask", PermissionMode::Ask},
    {"deny", PermissionMode::Deny},
}};

ErrorOr<PermissionRule> parse_rule(const Json& value, bool is_fs, const std::string& path) {
  const std::string_view patterns_key = is_fs ? "paths" : "patterns";
  const std::array<std::string_view, 3> fields = {"mode", "operations", patterns_key};
  PermissionRule rule;
  bool has_mode = false;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "mode") {
      rule.mode = TRY(read_enum(member, kPermissionModes, at));
      has_mode = true;
    } else if (key == "operations") {
      rule.operations = TRY(read_string_sequence(member, at));
    } else {
      rule.patterns = TRY(read_string_sequence(member, at));
    }
    return {};
  };
  TRY(read_struct(value, is_fs ? "FsPermissionRule" : "PatternPermissionRule", fields, path, handle));
  if (!has_mode) return missing_field("mode", path);
  return rule;
}

// A scope is a bare mode string or a rule set object (serde untagged). Objects report the precise
// problem inside them rather than serde's bare "did not match any variant".
ErrorOr<PermissionScope> parse_scope(const Json& value, bool is_fs, const std::string& path) {
  if (const auto* text = value.get_ptr<const std::string*>()) {
    for (const auto& mode : kPermissionModes) {
      if (mode.name == *text) return PermissionScope{mode.value};
    }
  }
  if (!value.is_object()) {
    return shape_error(std::string("data did not match any variant of untagged enum ") +
                           (is_fs ? "FsPermissionScope" : "PatternPermissionScope"),
                       path);
  }
  constexpr std::array<std::string_view, 2> kRuleSetFields = {"default", "rules"};
  PermissionRuleSet rule_set;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "default") {
      if (!member.is_null()) rule_set.default_mode = TRY(read_enum(member, kPermissionModes, at));
    } else {
      auto read_rule = [is_fs](const Json& element, const std::string& element_path) {
        return parse_rule(element, is_fs, element_path);
      };
      rule_set.rules = TRY(read_sequence<PermissionRule>(member, at, read_rule));
    }
    return {};
  };
  TRY(read_struct(value, is_fs ? "FsPermissionRuleSet" : "PatternPermissionRuleSet", kRuleSetFields, path, handle));
  return PermissionScope{std::move(rule_set)};
}

struct PolicyDomainKey {
  std::string_view key;
  PermissionDomain domain;
};
constexpr std::array<PolicyDomainKey, 6> kPolicyDomains = {{
    {"fs", PermissionDomain::Fs},
    {"network", PermissionDomain::Network},
    {"childProcess", PermissionDomain::ChildProcess},
    {"process", PermissionDomain::Process},
    {"env", PermissionDomain::Env},
    {"binding", PermissionDomain::Binding},
}};
constexpr std::array<std::string_view, 6> kPolicyFields = {"fs",      "network", "childProcess",
                                                           "process", "env",     "binding"};

ErrorOr<PermissionsPolicy> parse_policy(const Json& value, const std::string& path) {
  PermissionsPolicy policy;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (member.is_null()) return {};
    for (const PolicyDomainKey& domain : kPolicyDomains) {
      if (domain.key == key) {
        policy.scope(domain.domain) = TRY(parse_scope(member, domain.domain == PermissionDomain::Fs, at));
      }
    }
    return {};
  };
  TRY(read_struct(value, "PermissionsPolicy", kPolicyFields, path, handle));
  return policy;
}

// ---- Limits (s6.4) --------------------------------------------------------------------------------

template <typename Group>
struct LimitField {
  std::string_view key;
  std::variant<uint64_t Group::*, std::optional<uint64_t> Group::*> member;
};

constexpr std::array<LimitField<ResourceLimits>, 20> kResourceLimitFields = {{
    {"cpuCount", &ResourceLimits::cpu_count},
    {"maxProcesses", &ResourceLimits::max_processes},
    {"maxOpenFds", &ResourceLimits::max_open_fds},
    {"maxPipes", &ResourceLimits::max_pipes},
    {"maxPtys", &ResourceLimits::max_ptys},
    {"maxSockets", &ResourceLimits::max_sockets},
    {"maxConnections", &ResourceLimits::max_connections},
    {"maxSocketBufferedBytes", &ResourceLimits::max_socket_buffered_bytes},
    {"maxSocketDatagramQueueLen", &ResourceLimits::max_socket_datagram_queue_len},
    {"maxFilesystemBytes", &ResourceLimits::max_filesystem_bytes},
    {"maxInodeCount", &ResourceLimits::max_inode_count},
    {"maxBlockingReadMs", &ResourceLimits::max_blocking_read_ms},
    {"maxPreadBytes", &ResourceLimits::max_pread_bytes},
    {"maxFdWriteBytes", &ResourceLimits::max_fd_write_bytes},
    {"maxProcessArgvBytes", &ResourceLimits::max_process_argv_bytes},
    {"maxProcessEnvBytes", &ResourceLimits::max_process_env_bytes},
    {"maxReaddirEntries", &ResourceLimits::max_readdir_entries},
    {"maxWasmFuel", &ResourceLimits::max_wasm_fuel},
    {"maxWasmMemoryBytes", &ResourceLimits::max_wasm_memory_bytes},
    {"maxWasmStackBytes", &ResourceLimits::max_wasm_stack_bytes},
}};
constexpr std::array<LimitField<HttpLimits>, 1> kHttpLimitFields = {{
    {"maxFetchResponseBytes", &HttpLimits::max_fetch_response_bytes},
}};
constexpr std::array<LimitField<ToolLimits>, 8> kToolLimitFields = {{
    {"defaultToolTimeoutMs", &ToolLimits::default_tool_timeout_ms},
    {"maxToolTimeoutMs", &ToolLimits::max_tool_timeout_ms},
    {"maxRegisteredToolkits", &ToolLimits::max_registered_toolkits},
    {"maxRegisteredToolsPerVm", &ToolLimits::max_registered_tools_per_vm},
    {"maxToolsPerToolkit", &ToolLimits::max_tools_per_toolkit},
    {"maxToolSchemaBytes", &ToolLimits::max_tool_schema_bytes},
    {"maxToolExamplesPerTool", &ToolLimits::max_tool_examples_per_tool},
    {"maxToolExampleInputBytes", &ToolLimits::max_tool_example_input_bytes},
}};
constexpr std::array<LimitField<PluginLimits>, 2> kPluginLimitFields = {{
    {"maxPersistedManifestBytes", &PluginLimits::max_persisted_manifest_bytes},
    {"maxPersistedManifestFileBytes", &PluginLimits::max_persisted_manifest_file_bytes},
}};
constexpr std::array<LimitField<AcpLimits>, 2> kAcpLimitFields = {{
    {"maxReadLineBytes", &AcpLimits::max_read_line_bytes},
    {"stdoutBufferByteLimit", &AcpLimits::stdout_buffer_byte_limit},
}};
constexpr std::array<LimitField<JsRuntimeLimits>, 6> kJsRuntimeLimitFields = {{
    {"v8HeapLimitMb", &JsRuntimeLimits::v8_heap_limit_mb},
    {"syncRpcWaitTimeoutMs", &JsRuntimeLimits::sync_rpc_wait_timeout_ms},
    {"capturedOutputLimitBytes", &JsRuntimeLimits::captured_output_limit_bytes},
    {"stdinBufferLimitBytes", &JsRuntimeLimits::stdin_buffer_limit_bytes},
    {"eventPayloadLimitBytes", &JsRuntimeLimits::event_payload_limit_bytes},
    {"v8IpcMaxFrameBytes", &JsRuntimeLimits::v8_ipc_max_frame_bytes},
}};
constexpr std::array<LimitField<PythonLimits>, 4> kPythonLimitFields = {{
    {"outputBufferMaxBytes", &PythonLimits::output_buffer_max_bytes},
    {"executionTimeoutMs", &PythonLimits::execution_timeout_ms},
    {"maxOldSpaceMb", &PythonLimits::max_old_space_mb},
    {"vfsRpcTimeoutMs", &PythonLimits::vfs_rpc_timeout_ms},
}};
constexpr std::array<LimitField<WasmLimits>, 3> kWasmLimitFields = {{
    {"maxModuleFileBytes", &WasmLimits::max_module_file_bytes},
    {"capturedOutputLimitBytes", &WasmLimits::captured_output_limit_bytes},
    {"syncReadLimitBytes", &WasmLimits::sync_read_limit_bytes},
}};

// Which limits the client wrote, where the reference's message depends on it.
struct ExplicitLimits {
  bool default_tool_timeout = false;
  bool max_tool_timeout = false;
};

// Overwrites the defaults in `group` with the values present in `value`; returns the keys set.
template <typename Group, size_t N>
ErrorOr<std::set<std::string>> parse_limit_group(const Json& value, std::string_view struct_name,
                                                 const std::array<LimitField<Group>, N>& fields, Group& group,
                                                 const std::string& path) {
  std::array<std::string_view, N> names;
  std::transform(fields.begin(), fields.end(), names.begin(), [](const LimitField<Group>& f) { return f.key; });
  std::set<std::string> set_keys;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (member.is_null()) return {};
    const uint64_t number = TRY(read_unsigned<uint64_t>(member, "u64", at));
    for (const LimitField<Group>& field : fields) {
      if (field.key != key) continue;
      if (const auto* plain_member = std::get_if<uint64_t Group::*>(&field.member)) {
        group.*(*plain_member) = number;
      } else {
        group.*std::get<std::optional<uint64_t> Group::*>(field.member) = number;
      }
    }
    set_keys.insert(key);
    return {};
  };
  TRY(read_struct(value, struct_name, names, path, handle));
  return set_keys;
}

constexpr std::array<std::string_view, 8> kLimitGroupFields = {"resources", "http",      "tools",  "plugins",
                                                               "acp",       "jsRuntime", "python", "wasm"};

ErrorOr<void> parse_limits(const Json& value, const std::string& path, Limits& limits, ExplicitLimits& explicit_set) {
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (member.is_null()) return {};
    if (key == "resources") {
      TRY(parse_limit_group(member, "ResourceLimitsConfig", kResourceLimitFields, limits.resources, at));
    } else if (key == "http") {
      TRY(parse_limit_group(member, "HttpLimitsConfig", kHttpLimitFields, limits.http, at));
    } else if (key == "tools") {
      const std::set<std::string> set_keys =
          TRY(parse_limit_group(member, "ToolLimitsConfig", kToolLimitFields, limits.tools, at));
      explicit_set.default_tool_timeout = set_keys.contains("defaultToolTimeoutMs");
      explicit_set.max_tool_timeout = set_keys.contains("maxToolTimeoutMs");
    } else if (key == "plugins") {
      TRY(parse_limit_group(member, "PluginLimitsConfig", kPluginLimitFields, limits.plugins, at));
    } else if (key == "acp") {
      TRY(parse_limit_group(member, "AcpLimitsConfig", kAcpLimitFields, limits.acp, at));
    } else if (key == "jsRuntime") {
      TRY(parse_limit_group(member, "JsRuntimeLimitsConfig", kJsRuntimeLimitFields, limits.js_runtime, at));
    } else if (key == "python") {
      TRY(parse_limit_group(member, "PythonLimitsConfig", kPythonLimitFields, limits.python, at));
    } else if (key == "wasm") {
      TRY(parse_limit_group(member, "WasmLimitsConfig", kWasmLimitFields, limits.wasm, at));
    }
    return {};
  };
  return read_struct(value, "VmLimitsConfig", kLimitGroupFields, path, handle);
}

// ---- dns, listen, nativeRoot, jsRuntime -----------------------------------------------------------

ErrorOr<DnsConfig> parse_dns(const Json& value, const std::string& path) {
  constexpr std::array<std::string_view, 2> kDnsFields = {"nameServers", "overrides"};
  DnsConfig dns;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "nameServers") {
      dns.name_servers = TRY(read_string_sequence(member, at));
      return {};
    }
    if (!member.is_object()) return invalid_type(member, "a map", at);
    for (auto entry = member.begin(); entry != member.end(); ++entry) {
      dns.overrides[entry.key()] = TRY(read_string_sequence(entry.value(), member_path(at, entry.key())));
    }
    return {};
  };
  TRY(read_struct(value, "VmDnsConfig", kDnsFields, path, handle));
  return dns;
}

ErrorOr<ListenConfig> parse_listen(const Json& value, const std::string& path) {
  constexpr std::array<std::string_view, 3> kListenFields = {"portMin", "portMax", "allowPrivileged"};
  ListenConfig listen;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (member.is_null()) return {};
    if (key == "portMin") {
      listen.port_min = TRY(read_unsigned<uint16_t>(member, "u16", at));
    } else if (key == "portMax") {
      listen.port_max = TRY(read_unsigned<uint16_t>(member, "u16", at));
    } else {
      listen.allow_privileged = TRY(read_bool(member, at));
    }
    return {};
  };
  TRY(read_struct(value, "VmListenPolicyConfig", kListenFields, path, handle));
  return listen;
}

// Compact text of an arbitrary JSON value with object keys sorted, as serde_json serialises a Value.
ErrorOr<std::string> canonical_json_text(const Json& value) {
  try {
    return nlohmann::json(value).dump();
  } catch (const Json::exception& error) {
    return plain_failure(error.what());
  }
}

ErrorOr<NativeRootConfig> parse_native_root(const Json& value, const std::string& path) {
  constexpr std::array<std::string_view, 2> kNativeRootFields = {"plugin", "readOnly"};
  constexpr std::array<std::string_view, 2> kPluginFields = {"id", "config"};
  NativeRootConfig native_root;
  bool has_plugin = false;
  auto handle_plugin = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "id") {
      native_root.plugin_id = TRY(read_string(member, at));
    } else {
      native_root.plugin_config_json = TRY(canonical_json_text(member));
    }
    return {};
  };
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "readOnly") {
      native_root.read_only = TRY(read_bool(member, at));
      return {};
    }
    TRY(read_struct(member, "MountPluginDescriptor", kPluginFields, at, handle_plugin));
    if (!member.contains("id")) return missing_field("id", at);
    has_plugin = true;
    return {};
  };
  TRY(read_struct(value, "NativeRootFilesystemConfig", kNativeRootFields, path, handle));
  if (!has_plugin) return missing_field("plugin", path);
  return native_root;
}

constexpr std::array<Variant<JsPlatform>, 4> kJsPlatforms = {{
    {"node", JsPlatform::Node},
    {"browser", JsPlatform::Browser},
    {"neutral", JsPlatform::Neutral},
    {"bare", JsPlatform::Bare},
}};
constexpr std::array<Variant<JsModuleResolution>, 3> kJsModuleResolutions = {{
    {"node", JsModuleResolution::Node},
    {"relative", JsModuleResolution::Relative},
    {"none", JsModuleResolution::None},
}};

ErrorOr<JsRuntimeConfig> parse_js_runtime(const Json& value, const std::string& path) {
  constexpr std::array<std::string_view, 4> kJsRuntimeFields = {"platform", "moduleResolution", "allowedBuiltins",
                                                                "snapshotUserlandCode"};
  JsRuntimeConfig js_runtime;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "platform") {
      js_runtime.platform = TRY(read_enum(member, kJsPlatforms, at));
    } else if (key == "moduleResolution") {
      js_runtime.module_resolution = TRY(read_enum(member, kJsModuleResolutions, at));
    } else if (member.is_null()) {
      return {};
    } else if (key == "allowedBuiltins") {
      js_runtime.allowed_builtins = TRY(read_string_sequence(member, at));
    } else {
      js_runtime.snapshot_userland_code = TRY(read_string(member, at));
    }
    return {};
  };
  TRY(read_struct(value, "JsRuntimeConfig", kJsRuntimeFields, path, handle));
  return js_runtime;
}

// ---- Top level ------------------------------------------------------------------------------------

constexpr std::array<std::string_view, 10> kConfigFields = {
    "cwd", "env",        "rootFilesystem", "permissions",         "limits",
    "dns", "nativeRoot", "listen",         "loopbackExemptPorts", "jsRuntime"};

ErrorOr<CreateVmConfig> parse_config_document(const Json& document, ExplicitLimits& explicit_limits) {
  CreateVmConfig config;
  auto handle = [&](const std::string& key, const Json& member, const std::string& at) -> ErrorOr<void> {
    if (key == "env") {
      if (!member.is_object()) return invalid_type(member, "a map", at);
      for (auto variable = member.begin(); variable != member.end(); ++variable) {
        config.env[variable.key()] = TRY(read_string(variable.value(), member_path(at, variable.key())));
      }
    } else if (key == "rootFilesystem") {
      config.root_filesystem = TRY(parse_root_filesystem(member, at));
    } else if (key == "loopbackExemptPorts") {
      auto read_port = [](const Json& element, const std::string& element_path) {
        return read_unsigned<uint16_t>(element, "u16", element_path);
      };
      config.loopback_exempt_ports = TRY(read_sequence<uint16_t>(member, at, read_port));
    } else if (member.is_null()) {
      return {};
    } else if (key == "cwd") {
      config.cwd = TRY(read_string(member, at));
    } else if (key == "permissions") {
      config.permissions = TRY(parse_policy(member, at));
    } else if (key == "limits") {
      TRY(parse_limits(member, at, config.limits, explicit_limits));
    } else if (key == "dns") {
      config.dns = TRY(parse_dns(member, at));
    } else if (key == "nativeRoot") {
      config.native_root = TRY(parse_native_root(member, at));
    } else if (key == "listen") {
      config.listen = TRY(parse_listen(member, at));
    } else if (key == "jsRuntime") {
      config.js_runtime = TRY(parse_js_runtime(member, at));
    }
    return {};
  };
  TRY(read_struct(document, "CreateVmConfig", kConfigFields, "", handle));
  return config;
}

// ---- CreateVmConfig.validate (s6.2): "invalid create VM config: ..." ------------------------------

std::string_view trim_ascii_whitespace(std::string_view text) {
  constexpr std::string_view kWhitespace = " \t\n\v\f\r";
  const size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

bool is_blank(std::string_view text) {
  return trim_ascii_whitespace(text).empty();
}

std::optional<std::string> guest_path_problem(std::string_view label, std::string_view path) {
  if (!path.starts_with('/')) return std::string(label) + " must be absolute";
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..") return std::string(label) + " must not contain '..'";
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> entry_problem(const RootFilesystemEntry& entry) {
  if (auto problem = guest_path_problem("root filesystem entry path", entry.path)) return problem;
  switch (entry.kind) {
    case EntryKind::File:
      if (entry.target) return "file entry " + entry.path + " must not include target";
      break;
    case EntryKind::Directory:
      if (entry.content || entry.encoding || entry.target) {
        return "directory entry " + entry.path + " must not include content, encoding, or target";
      }
      break;
    case EntryKind::Symlink:
      if (entry.target.value_or("").empty()) return "symlink entry " + entry.path + " requires target";
      if (entry.content || entry.encoding)
        return "symlink entry " + entry.path + " must not include content or encoding";
      break;
  }
  return std::nullopt;
}

// clang-format off
constexpr std::array<std::string_view, 52> kKnownNodeBuiltins = {
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram",
    "diagnostics_channel", "dns", "dns/promises", "domain", "events", "fs", "fs/promises", "http", "http2", "https",
    "inspector", "module", "net", "os", "path", "path/posix", "path/win32", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "sqlite", "stream", "stream/consumers", "stream/promises", "stream/web",
    "string_decoder", "sys", "timers", "timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types",
    "v8", "vm", "wasi", "worker_threads", "zlib"};
// clang-format on

bool is_known_node_builtin(std::string_view name) {
  if (name.starts_with("node:")) name.remove_prefix(5);
  return std::find(kKnownNodeBuiltins.begin(), kKnownNodeBuiltins.end(), name) != kKnownNodeBuiltins.end();
}

std::optional<std::string> config_problem(const CreateVmConfig& config, const ExplicitLimits& explicit_limits) {
  if (config.cwd) {
    if (auto problem = guest_path_problem("cwd", *config.cwd)) return problem;
  }
  const RootFilesystemConfig& root = config.root_filesystem;
  for (const RootFilesystemLower& lower : root.lowers) {
    for (const RootFilesystemEntry& entry : lower.entries) {
      if (auto problem = entry_problem(entry)) return problem;
    }
  }
  for (const RootFilesystemEntry& entry : root.bootstrap_entries) {
    if (auto problem = entry_problem(entry)) return problem;
  }
  if (config.native_root) {
    if (is_blank(config.native_root->plugin_id)) return "nativeRoot.plugin.id is required";
    if (!root.bootstrap_entries.empty()) return "nativeRoot does not support rootFilesystem.bootstrapEntries";
  }
  if (config.dns) {
    for (const std::string& server : config.dns->name_servers) {
      if (is_blank(server)) return "dns.nameServers entries must not be empty";
    }
    for (const auto& [host, addresses] : config.dns->overrides) {
      if (is_blank(host)) return "dns.overrides keys must not be empty";
      if (addresses.empty()) return "dns.overrides." + host + " must contain at least one address";
    }
  }
  if (config.listen) {
    // Defaults (1, 65535) never fail, so checking merged values matches checking the client's.
    if (config.listen->port_min == 0) return "listen.portMin must be between 1 and 65535";
    if (config.listen->port_max == 0) return "listen.portMax must be between 1 and 65535";
    if (config.listen->port_min > config.listen->port_max) return "listen.portMin must be <= listen.portMax";
  }
  const Limits& limits = config.limits;
  if (limits.http.max_fetch_response_bytes == 0) return "limits.http.maxFetchResponseBytes must be greater than zero";
  if (limits.http.max_fetch_response_bytes > kWireFrameCapBytes) {
    return "limits.http.maxFetchResponseBytes (" + std::to_string(limits.http.max_fetch_response_bytes) +
           ") must be <= the sidecar wire frame cap (" + std::to_string(kWireFrameCapBytes) + ")";
  }
  if (explicit_limits.default_tool_timeout && explicit_limits.max_tool_timeout &&
      limits.tools.default_tool_timeout_ms > limits.tools.max_tool_timeout_ms) {
    return "limits.tools.defaultToolTimeoutMs must be <= limits.tools.maxToolTimeoutMs";
  }
  if (const auto& allowed = config.js_runtime.allowed_builtins) {
    if (config.js_runtime.platform != JsPlatform::Node) {
      return "jsRuntime.allowedBuiltins is only valid when jsRuntime.platform is \"node\"";
    }
    for (const std::string& name : *allowed) {
      if (!is_known_node_builtin(name))
        return "jsRuntime.allowedBuiltins contains unknown builtin " + debug_quoted(name);
    }
  }
  return std::nullopt;
}

// ---- Sidecar-side checks (s3.3 step 7): limits, dns ----------------------------------------------

std::optional<std::string> limits_problem(const Limits& limits) {
  constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();
  if (limits.js_runtime.v8_heap_limit_mb > kU32Max) {
    return "limits.jsRuntime.v8HeapLimitMb value " + std::to_string(limits.js_runtime.v8_heap_limit_mb) +
           " does not fit this platform";
  }
  if (limits.js_runtime.v8_ipc_max_frame_bytes > kU32Max) {
    return "limits.jsRuntime.v8IpcMaxFrameBytes value " + std::to_string(limits.js_runtime.v8_ipc_max_frame_bytes) +
           " does not fit this platform";
  }
  if (limits.tools.default_tool_timeout_ms > limits.tools.max_tool_timeout_ms) {
    return "limits.tools.default_tool_timeout_ms (" + std::to_string(limits.tools.default_tool_timeout_ms) +
           ") must be <= limits.tools.max_tool_timeout_ms (" + std::to_string(limits.tools.max_tool_timeout_ms) + ")";
  }
  const std::pair<std::string_view, uint64_t> must_be_positive[] = {
      {"limits.tools.max_registered_toolkits", limits.tools.max_registered_toolkits},
      {"limits.tools.max_registered_tools_per_vm", limits.tools.max_registered_tools_per_vm},
      {"limits.tools.max_tools_per_toolkit", limits.tools.max_tools_per_toolkit},
      {"limits.tools.max_tool_schema_bytes", limits.tools.max_tool_schema_bytes},
      {"limits.tools.max_tool_example_input_bytes", limits.tools.max_tool_example_input_bytes},
      {"limits.plugins.max_persisted_manifest_bytes", limits.plugins.max_persisted_manifest_bytes},
      {"limits.acp.max_read_line_bytes", limits.acp.max_read_line_bytes},
      {"limits.acp.stdout_buffer_byte_limit", limits.acp.stdout_buffer_byte_limit},
      {"limits.js_runtime.captured_output_limit_bytes", limits.js_runtime.captured_output_limit_bytes},
      {"limits.js_runtime.stdin_buffer_limit_bytes", limits.js_runtime.stdin_buffer_limit_bytes},
      {"limits.js_runtime.event_payload_limit_bytes", limits.js_runtime.event_payload_limit_bytes},
      {"limits.python.output_buffer_max_bytes", limits.python.output_buffer_max_bytes},
      {"limits.wasm.captured_output_limit_bytes", limits.wasm.captured_output_limit_bytes},
      {"limits.wasm.sync_read_limit_bytes", limits.wasm.sync_read_limit_bytes},
      {"limits.wasm.max_module_file_bytes", limits.wasm.max_module_file_bytes},
      {"limits.js_runtime.v8_ipc_max_frame_bytes", limits.js_runtime.v8_ipc_max_frame_bytes},
      {"limits.python.execution_timeout_ms", limits.python.execution_timeout_ms},
      {"limits.python.vfs_rpc_timeout_ms", limits.python.vfs_rpc_timeout_ms},
      {"limits.js_runtime.v8_heap_limit_mb", limits.js_runtime.v8_heap_limit_mb},
  };
  for (const auto& [name, value] : must_be_positive) {
    if (value == 0) return std::string(name) + " must be greater than zero";
  }
  return std::nullopt;
}

// "IP" (port 53), "IPv4:port" or "[IPv6]:port", as Rust's SocketAddr/IpAddr parsers accept them.
std::optional<DnsNameServer> parse_name_server(std::string_view text) {
  if (auto address = parse_ip_address(text)) return DnsNameServer{*address, 53};
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (port_text.empty() ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t port = 0;
  for (char digit : port_text) {
    port = port * 10 + static_cast<uint64_t>(digit - '0');
    if (port > std::numeric_limits<uint16_t>::max()) return std::nullopt;
  }
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  auto address = parse_ip_address(host);
  if (!address || (address->family == IpAddress::Family::V6) != bracketed) return std::nullopt;
  return DnsNameServer{*address, static_cast<uint16_t>(port)};
}

std::string normalize_dns_hostname(std::string_view hostname) {
  std::string_view trimmed = trim_ascii_whitespace(hostname);
  while (trimmed.ends_with('.')) trimmed.remove_suffix(1);
  std::string normalized(trimmed);
  std::transform(normalized.begin(), normalized.end(), normalized.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return normalized;
}

// Fills the parsed forms of `dns`; returns the reference's message for the first bad entry.
std::optional<std::string> resolve_dns_entries(DnsConfig& dns) {
  for (const std::string& server : dns.name_servers) {
    auto parsed = parse_name_server(server);
    if (!parsed) return "invalid network.dns.servers entry " + server + "; expected IP or IP:port";
    dns.parsed_name_servers.push_back(*parsed);
  }
  for (const auto& [hostname, addresses] : dns.overrides) {
    std::string normalized = normalize_dns_hostname(hostname);
    if (normalized.empty()) return "DNS hostname must not be empty";
    std::vector<IpAddress> parsed_addresses;
    for (const std::string& address : addresses) {
      auto parsed = parse_ip_address(address);
      if (!parsed) return "invalid DNS override " + hostname + "=" + address + ": invalid IP address syntax";
      parsed_addresses.push_back(*parsed);
    }
    dns.parsed_overrides[normalized] = std::move(parsed_addresses);
  }
  return std::nullopt;
}

}  // namespace

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  const int family_code = family == Family::V4 ? AF_INET : AF_INET6;
  if (!inet_ntop(family_code, bytes.data(), text, sizeof text)) return {};
  return text;
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string terminated(text);
  IpAddress address;
  if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) return address;
  address = IpAddress{};
  if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) {
    address.family = IpAddress::Family::V6;
    return address;
  }
  return std::nullopt;
}

std::string CreateVmConfig::guest_cwd() const {
  return cwd.value_or("/workspace");
}

ErrorOr<CreateVmConfig> parse_create_vm_config(std::string_view json) {
  auto with_prefix = [](std::string_view prefix, const Error& error) {
    return plain_failure(std::string(prefix) + error.message);
  };
  ErrorOr<Json> document = parse_json_text(json);
  if (!document) return with_prefix(kShapeErrorPrefix, document.error());
  ExplicitLimits explicit_limits;
  ErrorOr<CreateVmConfig> parsed = parse_config_document(*document, explicit_limits);
  if (!parsed) return with_prefix(kShapeErrorPrefix, parsed.error());
  CreateVmConfig& config = *parsed;

  if (auto problem = config_problem(config, explicit_limits)) {
    return plain_failure(std::string(kValidationErrorPrefix) + *problem);
  }
  if (config.permissions) {
    if (auto problem = validate_permissions_policy(*config.permissions)) return plain_failure(std::move(*problem));
  }
  if (auto problem = limits_problem(config.limits)) return plain_failure(std::move(*problem));
  if (config.dns) {
    if (auto problem = resolve_dns_entries(*config.dns)) return plain_failure(std::move(*problem));
  }
  if (config.native_root && !config.root_filesystem.lowers.empty()) {
    return plain_failure("native root filesystems do not support rootFilesystem.lowers");
  }
  return parsed;
}

ErrorOr<PermissionsPolicy> parse_permissions_policy_json(const nlohmann::json& value) {
  ErrorOr<PermissionsPolicy> policy = parse_policy(Json(value), "");
  if (!policy) return plain_failure(std::string(kPolicyShapeErrorPrefix) + policy.error().message);
  if (auto problem = validate_permissions_policy(*policy)) return plain_failure(std::move(*problem));
  return policy;
}

}  // namespace se::config
