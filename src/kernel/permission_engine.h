// Evaluates a VM's permission policy (spec/protocol.md s7, spec/kernel.md s10.3): every guest or
// host filesystem, network, spawn, env and binding access asks check() before it happens.
// Thread-safety: check() is const and safe to call concurrently; set_policy() must not race with it
// (the owning VM serialises policy changes with kernel calls).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "config/permissions.h"

namespace se::kernel {

// Anchored, byte-wise glob match: `?` is one byte other than '/', `*` a run of bytes without '/',
// `**` (two or more stars) any run of bytes; everything else is literal. Runs in O(|pattern| *
// |text|) time whatever the pattern (no backtracking).
bool glob_match(std::string_view pattern, std::string_view text);

struct PermissionDecision {
  bool allowed = false;
  std::string reason;  // empty when allowed
};

class PermissionEngine {
 public:
  explicit PermissionEngine(config::PermissionsPolicy policy);

  void set_policy(config::PermissionsPolicy policy);
  const config::PermissionsPolicy& policy() const { return policy_; }

  // Decides `{domain}.{operation}` on `resource` (a path, `tcp://host:port`, a command name, ...).
  // An absent scope denies; a rule set starts from its default (absent = deny) and the last matching
  // rule wins. `ask` denies with "permission prompt required for fs.read", `deny` with
  // "blocked by fs.read policy".
  PermissionDecision check(config::PermissionDomain domain, std::string_view operation,
                           std::string_view resource) const;

 private:
  config::PermissionsPolicy policy_;
};

// The environment a VM exposes: `env` minus every variable whose `env.read` is not allowed.
std::map<std::string, std::string> filter_env(const PermissionEngine& engine,
                                              const std::map<std::string, std::string>& env);

}  // namespace se::kernel
