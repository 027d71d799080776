// The VM permission policy as plain data (spec/protocol.md s7): six scopes, each a bare mode or a
// rule set evaluated last-match-wins. Produced from CreateVmConfig JSON (config/) or from the wire
// ConfigureVm request (service/), evaluated by kernel/permission_engine.
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace se::config {

enum class PermissionMode { Allow, Ask, Deny };

// A rule of any scope: `patterns` holds `paths` for the fs scope and `patterns` for the others.
struct PermissionRule {
  PermissionMode mode = PermissionMode::Deny;
  std::vector<std::string> operations;
  std::vector<std::string> patterns;
  bool operator==(const PermissionRule&) const = default;
};

struct PermissionRuleSet {
  std::optional<PermissionMode> default_mode;  // absent evaluates as Deny
  std::vector<PermissionRule> rules;
  bool operator==(const PermissionRuleSet&) const = default;
};

using PermissionScope = std::variant<PermissionMode, PermissionRuleSet>;

// Domain names as they appear in capabilities ("fs.read", "child_process.spawn").
enum class PermissionDomain { Fs, Network, ChildProcess, Process, Env, Binding };
const char* domain_name(PermissionDomain domain);

struct PermissionsPolicy {
  std::optional<PermissionScope> fs;
  std::optional<PermissionScope> network;
  std::optional<PermissionScope> child_process;
  std::optional<PermissionScope> process;
  std::optional<PermissionScope> env;
  std::optional<PermissionScope> binding;

  const std::optional<PermissionScope>& scope(PermissionDomain domain) const;
  std::optional<PermissionScope>& scope(PermissionDomain domain);

  static PermissionsPolicy deny_all();
  static PermissionsPolicy allow_all();
  bool operator==(const PermissionsPolicy&) const = default;
};

// Rejects rule sets with empty operations or paths/patterns, with the reference's message:
// "invalid permissions policy: fs.rules[0].operations must not be empty; use [\"*\"] for wildcard".
// Returns the message, or nullopt when valid.
std::optional<std::string> validate_permissions_policy(const PermissionsPolicy& policy);

}  // namespace se::config
