#include "config/permissions.h"

#include <utility>

namespace se::config {

const char* domain_name(PermissionDomain domain) {
  switch (domain) {
    case PermissionDomain::Fs:
      return "fs";
    case PermissionDomain::Network:
      return "network";
    case PermissionDomain::ChildProcess:
      return "child_process";
    case PermissionDomain::Process:
      return "process";
    case PermissionDomain::Env:
      return "env";
    case PermissionDomain::Binding:
      return "binding";
  }
  return "unknown";
}

const std::optional<PermissionScope>& PermissionsPolicy::scope(PermissionDomain domain) const {
  switch (domain) {
    case PermissionDomain::Fs:
      return fs;
    case PermissionDomain::Network:
      return network;
    case PermissionDomain::ChildProcess:
      return child_process;
    case PermissionDomain::Process:
      return process;
    case PermissionDomain::Env:
      return env;
    case PermissionDomain::Binding:
      return binding;
  }
  return fs;
}

std::optional<PermissionScope>& PermissionsPolicy::scope(PermissionDomain domain) {
  return const_cast<std::optional<PermissionScope>&>(std::as_const(*this).scope(domain));
}

namespace {
constexpr PermissionDomain kAllDomains[] = {PermissionDomain::Fs,           PermissionDomain::Network,
                                            PermissionDomain::ChildProcess, PermissionDomain::Process,
                                            PermissionDomain::Env,          PermissionDomain::Binding};

PermissionsPolicy uniform(PermissionMode mode) {
  PermissionsPolicy policy;
  for (PermissionDomain domain : kAllDomains) policy.scope(domain) = PermissionScope{mode};
  return policy;
}
}  // namespace

PermissionsPolicy PermissionsPolicy::deny_all() {
  return uniform(PermissionMode::Deny);
}
PermissionsPolicy PermissionsPolicy::allow_all() {
  return uniform(PermissionMode::Allow);
}

std::optional<std::string> validate_permissions_policy(const PermissionsPolicy& policy) {
  for (PermissionDomain domain : kAllDomains) {
    const auto& scope = policy.scope(domain);
    if (!scope) continue;
    const auto* rule_set = std::get_if<PermissionRuleSet>(&*scope);
    if (!rule_set) continue;
    const char* list_name = domain == PermissionDomain::Fs ? "paths" : "patterns";
    for (size_t i = 0; i < rule_set->rules.size(); ++i) {
      const PermissionRule& rule = rule_set->rules[i];
      const char* empty_field = nullptr;
      if (rule.operations.empty()) {
        empty_field = "operations";
      } else if (rule.patterns.empty()) {
        empty_field = list_name;
      }
      if (empty_field) {
        std::string message = "invalid permissions policy: ";
        message.append(domain_name(domain)).append(".rules[").append(std::to_string(i)).append("].");
        message.append(empty_field).append(" must not be empty; use [\"*\"] for wildcard");
        return message;
      }
    }
  }
  return std::nullopt;
}

}  // namespace se::config
