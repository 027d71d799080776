// Tests for parse_permissions_policy_json: the policy shapes of spec/protocol.md s7.1 and the rule-list
// validation of s7.3.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "config/create_vm_config.h"

namespace se::config {
namespace {

PermissionsPolicy parse_ok(const char* text) {
  ErrorOr<PermissionsPolicy> policy = parse_permissions_policy_json(nlohmann::json::parse(text));
  EXPECT_TRUE(policy.has_value()) << (policy ? "" : policy.error().message);
  return policy ? *policy : PermissionsPolicy{};
}

std::string error_of(const nlohmann::json& value) {
  ErrorOr<PermissionsPolicy> policy = parse_permissions_policy_json(value);
  if (policy) return "";
  EXPECT_EQ(policy.error().errno_code, 0);
  return policy.error().message;
}

std::string error_of(const char* text) {
  return error_of(nlohmann::json::parse(text));
}

TEST(PermissionsPolicyJsonTest, EmptyObjectLeavesEveryScopeAbsent) {
  EXPECT_EQ(parse_ok("{}"), PermissionsPolicy{});
}

TEST(PermissionsPolicyJsonTest, BareModesApplyToEachDomain) {
  const PermissionsPolicy policy = parse_ok(
      R"({"fs":"allow","network":"ask","childProcess":"deny","process":"allow","env":"ask","binding":"deny"})");
  EXPECT_EQ(policy.fs, PermissionScope{PermissionMode::Allow});
  EXPECT_EQ(policy.network, PermissionScope{PermissionMode::Ask});
  EXPECT_EQ(policy.child_process, PermissionScope{PermissionMode::Deny});
  EXPECT_EQ(policy.process, PermissionScope{PermissionMode::Allow});
  EXPECT_EQ(policy.env, PermissionScope{PermissionMode::Ask});
  EXPECT_EQ(policy.binding, PermissionScope{PermissionMode::Deny});
}

TEST(PermissionsPolicyJsonTest, FsRuleSetsUsePaths) {
  const PermissionsPolicy policy = parse_ok(R"({"fs":{"default":"allow","rules":[
      {"mode":"deny","operations":["write","rm"],"paths":["/data/**"]},
      {"mode":"ask","operations":["*"],"paths":["/secret","/tmp/*"]}]}})");
  PermissionRuleSet expected;
  expected.default_mode = PermissionMode::Allow;
  expected.rules = {
      PermissionRule{PermissionMode::Deny, {"write", "rm"}, {"/data/**"}},
      PermissionRule{PermissionMode::Ask, {"*"}, {"/secret", "/tmp/*"}},
  };
  EXPECT_EQ(policy.fs, PermissionScope{expected});
}

TEST(PermissionsPolicyJsonTest, PatternRuleSetsUsePatterns) {
  const PermissionsPolicy policy =
      parse_ok(R"({"network":{"rules":[{"mode":"allow","operations":["dns"],"patterns":["dns://*.test"]}]},
                   "binding":{"default":"deny","rules":[]}})");
  PermissionRuleSet network;
  network.rules = {PermissionRule{PermissionMode::Allow, {"dns"}, {"dns://*.test"}}};
  EXPECT_EQ(policy.network, PermissionScope{network});
  PermissionRuleSet binding;
  binding.default_mode = PermissionMode::Deny;
  EXPECT_EQ(policy.binding, PermissionScope{binding});
}

TEST(PermissionsPolicyJsonTest, MissingDefaultAndRulesAreAbsentAndEmpty) {
  const PermissionsPolicy policy = parse_ok(R"({"fs":{},"env":{"default":null}})");
  EXPECT_EQ(policy.fs, PermissionScope{PermissionRuleSet{}});
  EXPECT_EQ(policy.env, PermissionScope{PermissionRuleSet{}});
  EXPECT_FALSE(std::get<PermissionRuleSet>(*policy.fs).default_mode.has_value());
}

TEST(PermissionsPolicyJsonTest, EmptyOperationsAreRejectedForEveryDomain) {
  const std::pair<const char*, const char*> domains[] = {
      {"fs", "fs"},           {"network", "network"}, {"childProcess", "child_process"},
      {"process", "process"}, {"env", "env"},         {"binding", "binding"}};
  for (const auto& [key, domain] : domains) {
    const char* list_key = std::string(key) == "fs" ? "paths" : "patterns";
    nlohmann::json policy;
    policy[key]["rules"] = nlohmann::json::array({
        {{"mode", "allow"}, {"operations", nlohmann::json::array({"read"})}, {list_key, nlohmann::json::array({"*"})}},
        {{"mode", "allow"}, {"operations", nlohmann::json::array()}, {list_key, nlohmann::json::array({"*"})}},
    });
    EXPECT_EQ(error_of(policy), std::string("invalid permissions policy: ") + domain +
                                    ".rules[1].operations must not be empty; use [\"*\"] for wildcard")
        << key;
  }
}

TEST(PermissionsPolicyJsonTest, EmptyPathsAndPatternsAreRejectedWithTheirOwnNames) {
  EXPECT_EQ(error_of(R"({"fs":{"rules":[{"mode":"deny","operations":["read"],"paths":[]}]}})"),
            "invalid permissions policy: fs.rules[0].paths must not be empty; use [\"*\"] for wildcard");
  EXPECT_EQ(error_of(R"({"network":{"rules":[{"mode":"deny","operations":["http"]}]}})"),
            "invalid permissions policy: network.rules[0].patterns must not be empty; use [\"*\"] for wildcard");
  // Operations are checked before paths within a rule.
  EXPECT_EQ(error_of(R"({"fs":{"rules":[{"mode":"deny"}]}})"),
            "invalid permissions policy: fs.rules[0].operations must not be empty; use [\"*\"] for wildcard");
}

TEST(PermissionsPolicyJsonTest, ShapeErrorsNameTheProblem) {
  const std::string prefix = "invalid permissions policy JSON: ";
  EXPECT_EQ(error_of(R"("allow")"), prefix + "invalid type: string \"allow\", expected struct PermissionsPolicy");
  EXPECT_EQ(error_of(R"({"fs":"sometimes"})"),
            prefix + "data did not match any variant of untagged enum FsPermissionScope at fs");
  EXPECT_EQ(error_of(R"({"env":["allow"]})"),
            prefix + "data did not match any variant of untagged enum PatternPermissionScope at env");
  EXPECT_EQ(error_of(R"({"fs":{"default":"never","rules":[]}})"),
            prefix + "unknown variant `never`, expected one of `allow`, `ask`, `deny` at fs.default");
  EXPECT_EQ(error_of(R"({"process":{"rules":[{"mode":"maybe","operations":["inspect"],"patterns":["*"]}]}})"),
            prefix + "unknown variant `maybe`, expected one of `allow`, `ask`, `deny` at process.rules[0].mode");
  EXPECT_EQ(error_of(R"({"binding":{"rules":[{"operations":["invoke"],"patterns":["*"]}]}})"),
            prefix + "missing field `mode` at binding.rules[0]");
  EXPECT_EQ(error_of(R"({"fs":{"rules":[{"mode":"allow","operations":"read","paths":["*"]}]}})"),
            prefix + "invalid type: string \"read\", expected a sequence at fs.rules[0].operations");
  EXPECT_EQ(error_of(R"({"fs":{"rules":[{"mode":"allow","operations":["read"],"paths":[1]}]}})"),
            prefix + "invalid type: integer `1`, expected a string at fs.rules[0].paths[0]");
  EXPECT_EQ(error_of(R"({"child_process":"allow"})"),
            prefix +
                "unknown field `child_process`, expected one of `fs`, `network`, `childProcess`, `process`, "
                "`env`, `binding`");
}

TEST(PermissionsPolicyJsonTest, NullScopesAreAbsent) {
  EXPECT_EQ(parse_ok(R"({"fs":null,"network":null,"childProcess":null,"process":null,"env":null,"binding":null})"),
            PermissionsPolicy{});
}

}  // namespace
}  // namespace se::config
