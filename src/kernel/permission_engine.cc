#include "kernel/permission_engine.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <variant>
#include <vector>

namespace se::kernel {

namespace {

using config::PermissionMode;

// Index just past the run of '*' starting at `start`.
size_t star_run_end(std::string_view pattern, size_t start) {
  size_t end = start;
  while (end < pattern.size() && pattern[end] == '*') ++end;
  return end;
}

// Activates pattern position `state` plus its epsilon closure: a star run may match nothing, so
// the position after the run is reachable too. Only run starts are ever activated inside a run.
void activate(std::string_view pattern, std::span<uint8_t> states, size_t state) {
  while (!states[state]) {
    states[state] = 1;
    if (state == pattern.size() || pattern[state] != '*') return;
    state = star_run_end(pattern, state);
  }
}

// Simulates the pattern as an NFA whose states are pattern positions; `current`/`next` hold
// |pattern| + 1 flags each.
bool simulate(std::string_view pattern, std::string_view text, std::span<uint8_t> current, std::span<uint8_t> next) {
  const size_t length = pattern.size();
  std::fill(current.begin(), current.end(), 0);
  activate(pattern, current, 0);
  for (const char byte : text) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t state = 0; state < length; ++state) {
      if (!current[state]) continue;
      const char symbol = pattern[state];
      if (symbol == '*') {
        const bool crosses_slash = star_run_end(pattern, state) - state >= 2;
        if (crosses_slash || byte != '/') {
          activate(pattern, next, state);
          any = true;
        }
      } else if (symbol == '?' ? byte != '/' : symbol == byte) {
        activate(pattern, next, state + 1);
        any = true;
      }
    }
    if (!any) return false;
    std::swap(current, next);
  }
  return current[length] != 0;
}

PermissionMode evaluate_scope(const std::optional<config::PermissionScope>& scope, std::string_view operation,
                              std::string_view resource) {
  if (!scope) return PermissionMode::Deny;
  if (const auto* mode = std::get_if<PermissionMode>(&*scope)) return *mode;
  const auto& rule_set = std::get<config::PermissionRuleSet>(*scope);
  PermissionMode result = rule_set.default_mode.value_or(PermissionMode::Deny);
  for (const config::PermissionRule& rule : rule_set.rules) {
    const bool operation_matches = std::any_of(rule.operations.begin(), rule.operations.end(),
                                               [&](const std::string& op) { return op == "*" || op == operation; });
    if (!operation_matches) continue;
    const bool resource_matches =
        std::any_of(rule.patterns.begin(), rule.patterns.end(),
                    [&](const std::string& pattern) { return glob_match(pattern, resource); });
    if (resource_matches) result = rule.mode;
  }
  return result;
}

std::string capability(config::PermissionDomain domain, std::string_view operation) {
  std::string text = config::domain_name(domain);
  text.append(".").append(operation);
  return text;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  constexpr size_t kInlineStates = 128;
  if (pattern.size() < kInlineStates) {
    std::array<uint8_t, kInlineStates> current{};
    std::array<uint8_t, kInlineStates> next{};
    return simulate(pattern, text, std::span(current.data(), pattern.size() + 1),
                    std::span(next.data(), pattern.size() + 1));
  }
  std::vector<uint8_t> current(pattern.size() + 1);
  std::vector<uint8_t> next(pattern.size() + 1);
  return simulate(pattern, text, current, next);
}

PermissionEngine::PermissionEngine(config::PermissionsPolicy policy) : policy_(std::move(policy)) {}

void PermissionEngine::set_policy(config::PermissionsPolicy policy) {
  policy_ = std::move(policy);
}

PermissionDecision PermissionEngine::check(config::PermissionDomain domain, std::string_view operation,
                                           std::string_view resource) const {
  switch (evaluate_scope(policy_.scope(domain), operation, resource)) {
    case PermissionMode::Allow:
      return PermissionDecision{true, {}};
    case PermissionMode::Ask:
      return PermissionDecision{false, "permission prompt required for " + capability(domain, operation)};
    case PermissionMode::Deny:
      break;
  }
  return PermissionDecision{false, "blocked by " + capability(domain, operation) + " policy"};
}

std::map<std::string, std::string> filter_env(const PermissionEngine& engine,
                                              const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> visible;
  for (const auto& [key, value] : env) {
    if (engine.check(config::PermissionDomain::Env, "read", key).allowed) visible.emplace(key, value);
  }
  return visible;
}

}  // namespace se::kernel
