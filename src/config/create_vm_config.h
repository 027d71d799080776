// The configuration a client sends with CreateVm (JSON, spec/protocol.md s6) as validated values, and
// the parser that produces them with the reference sidecar's rejection messages. A parsed config has
// passed the checks of s6.2, s6.4, s6.5, s6.7 and s7.3; what depends on building the root filesystem
// (base64 entry content, import limits) is checked by whoever builds it.
// Thread-safety: plain values; the parse functions are pure and may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "config/limits.h"
#include "config/permissions.h"
#include "config/root_filesystem.h"

namespace se::config {

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first four bytes).
struct IpAddress {
  enum class Family { V4, V6 };
  Family family = Family::V4;
  std::array<uint8_t, 16> bytes{};

  // Canonical text form ("10.0.0.1", "::1").
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

// Parses an IP literal the way the reference does (dotted quad without leading zeros, or RFC 4291
// IPv6 text without a zone); nullopt when `text` is not one.
std::optional<IpAddress> parse_ip_address(std::string_view text);

struct DnsNameServer {
  IpAddress address;
  uint16_t port = 53;
  bool operator==(const DnsNameServer&) const = default;
};

// `dns` (s6.5): the entries as written plus their parsed forms.
struct DnsConfig {
  std::vector<std::string> name_servers;
  std::map<std::string, std::vector<std::string>> overrides;
  std::vector<DnsNameServer> parsed_name_servers;  // same order as name_servers
  // Keyed by the normalised hostname (trimmed, trailing dots removed, ASCII lower-case).
  std::map<std::string, std::vector<IpAddress>> parsed_overrides;
  bool operator==(const DnsConfig&) const = default;
};

// `listen` (s6.6): guest listen policy. Defaults apply to keys the client left out.
struct ListenConfig {
  uint16_t port_min = 1;
  uint16_t port_max = 65535;
  bool allow_privileged = false;
  bool operator==(const ListenConfig&) const = default;
};

// `nativeRoot` (s6.7): a mount plugin used as the root filesystem.
struct NativeRootConfig {
  std::string plugin_id;
  std::string plugin_config_json = "null";  // compact JSON text, object keys sorted
  bool read_only = false;
  bool operator==(const NativeRootConfig&) const = default;
};

enum class JsPlatform { Node, Browser, Neutral, Bare };
enum class JsModuleResolution { Node, Relative, None };

// `jsRuntime` (s6.9). allowed_builtins: nullopt = the default list, empty = no builtins.
struct JsRuntimeConfig {
  JsPlatform platform = JsPlatform::Node;
  JsModuleResolution module_resolution = JsModuleResolution::Node;
  std::optional<std::vector<std::string>> allowed_builtins;
  std::optional<std::string> snapshot_userland_code;
  bool operator==(const JsRuntimeConfig&) const = default;
};

struct CreateVmConfig {
  // Guest default working directory (spec README D13: an absolute guest path, never a host path).
  std::optional<std::string> cwd;
  std::map<std::string, std::string> env;
  RootFilesystemConfig root_filesystem;
  std::optional<PermissionsPolicy> permissions;  // absent: the caller installs deny-all (s7.4)
  Limits limits;                                 // client values merged over the defaults
  std::optional<DnsConfig> dns;
  std::optional<NativeRootConfig> native_root;
  std::optional<ListenConfig> listen;
  std::vector<uint16_t> loopback_exempt_ports;
  JsRuntimeConfig js_runtime;

  // `cwd`, or "/workspace" when the client gave none.
  std::string guest_cwd() const;
  bool operator==(const CreateVmConfig&) const = default;
};

// Parses and validates CreateVmRequest.config in the reference's order (s3.3 steps 2-4 and 7, s6.7).
// On failure the Error has errno_code 0 and the full message the sidecar returns with
// RejectedResponse{code:"invalid_state"}, e.g.
//   "invalid create VM config JSON: unknown field `surprise`, expected one of `cwd`, ..."
//   "invalid create VM config: cwd must be absolute"
//   "invalid permissions policy: fs.rules[0].operations must not be empty; use [\"*\"] for wildcard"
//   "limits.js_runtime.captured_output_limit_bytes must be greater than zero"
// Where serde would append " at line L column C" to a JSON-shape error, we append " at <field path>"
// (e.g. " at rootFilesystem.bootstrapEntries[0]"); errors from the JSON text itself keep a position.
ErrorOr<CreateVmConfig> parse_create_vm_config(std::string_view json);

// Parses and validates one permissions policy value (the shape of CreateVmConfig.permissions).
// Shape errors read "invalid permissions policy JSON: <detail>"; empty rule lists give the s7.3
// message of validate_permissions_policy.
ErrorOr<PermissionsPolicy> parse_permissions_policy_json(const nlohmann::json& value);

}  // namespace se::config
